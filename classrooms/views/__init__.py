"""Class pages, one module per kind of page:

- classes.py: the list of classes, creating one, joining with a code;
- dashboard.py: a class's page (the teacher's dashboard or a student's standing) and
  the CSV downloads;
- members.py: the settings page: name, invites, teachers and students, leaving, deleting;
- assignments.py: assigning decks, editing and removing assignments;
- shared_decks.py: copying an assigned deck into one's own collection;
- common.py: helpers the others share.

Anyone not in a class gets 404 for every URL of it; its students get 403 for the
teachers' pages.
"""
