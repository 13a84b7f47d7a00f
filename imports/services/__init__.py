"""Writes of the imports app: Anki packages, text, and the background jobs that run them."""

from imports.services.common import ImportReport
from imports.services.packages import import_package, reader_limits
from imports.services.text import import_text

__all__ = ["ImportReport", "import_package", "import_text", "reader_limits"]
