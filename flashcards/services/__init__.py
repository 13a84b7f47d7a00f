"""Writes to the content model, one module per kind of object."""
