from __future__ import annotations

from django.urls import reverse

from flashcards.models import NoteType


def _edit(client, note_type, **data):
    return client.post(reverse("flashcards:notetype_edit", args=[note_type.pk]), data)


def test_a_note_type_is_added_as_a_copy(owner_client, owner, note_types):
    response = owner_client.post(
        reverse("flashcards:notetype_list"),
        {"name": "Vocab", "based_on": note_types["basic_reversed"].pk},
    )
    created = NoteType.objects.get(owner=owner, name="Vocab")
    assert response.status_code == 302
    assert created.templates == note_types["basic_reversed"].templates
    assert created.anki_id != note_types["basic_reversed"].anki_id


def test_fields_are_renamed_moved_and_the_page_previews_cards(owner_client, note, note_types):
    kind = note_types["basic_reversed"]
    _edit(owner_client, kind, op="rename_field", index=0, name="Spanish")
    _edit(owner_client, kind, op="move_field", index=0, dir="down")
    kind.refresh_from_db()
    note.refresh_from_db()
    assert kind.field_names == ["Back", "Spanish"]
    assert note.fields == ["the dog", "el perro"]
    page = owner_client.get(reverse("flashcards:notetype_detail", args=[kind.pk]))
    assert page.status_code == 200
    assert page.content.decode().count("preview-card") == 2


def test_templates_are_edited_and_reordered(owner_client, note, note_types):
    kind = note_types["basic_reversed"]
    response = _edit(
        owner_client,
        kind,
        op="save_template",
        index=1,
        **{"t1-name": "Reverse", "t1-qfmt": "{{Back}}?", "t1-afmt": "{{FrontSide}}<hr>{{Front}}"},
    )
    assert response.status_code == 302
    _edit(owner_client, kind, op="move_template", index=1, dir="up")
    kind.refresh_from_db()
    assert [t["name"] for t in kind.templates] == ["Reverse", "Card 1"]
    assert note.cards.get(ord=0).note_id == note.pk


def test_a_template_with_an_unknown_field_is_refused_with_422(owner_client, note_types):
    kind = note_types["basic"]
    response = _edit(
        owner_client,
        kind,
        op="save_template",
        index=0,
        **{"t0-name": "Card 1", "t0-qfmt": "{{Nope}}", "t0-afmt": "{{FrontSide}}"},
    )
    assert response.status_code == 422
    assert "unknown field" in response.content.decode()
    kind.refresh_from_db()
    assert kind.templates[0]["qfmt"] == "{{Front}}"


def test_the_last_field_can_not_be_removed(owner_client, owner, note_types):
    kind = note_types["basic"]
    _edit(owner_client, kind, op="remove_field", index=1)
    response = _edit(owner_client, kind, op="remove_field", index=0)
    assert response.status_code == 422
    kind.refresh_from_db()
    assert kind.field_names == ["Front"]


def test_an_unknown_change_is_a_422_not_a_500(owner_client, note_types):
    response = _edit(owner_client, note_types["basic"], op="explode", index="x")
    assert response.status_code == 422
    response = _edit(owner_client, note_types["basic"], op="remove_field", index="99")
    assert response.status_code == 422
