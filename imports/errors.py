"""Why an import cannot go ahead. Django-free; every message is written for the user."""

from __future__ import annotations


class ImportError_(Exception):  # noqa: N801 (the builtin ImportError means something else)
    """An import that cannot go ahead; `str(error)` is a message for the user."""


class NotAnAnkiPackage(ImportError_):
    pass


class CorruptPackage(ImportError_):
    pass


class PackageTooLarge(ImportError_):
    pass


class UnsafePackage(ImportError_):
    pass


class OutdatedPackage(ImportError_):
    pass


class TextFormatError(ImportError_):
    """A text file or pasted text that cannot be read as rows."""
