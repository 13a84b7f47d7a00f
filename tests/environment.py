"""Test-run environment, set before Django reads its settings.

Loaded as a pytest plugin (`-p tests.environment` in pyproject.toml), which runs
before pytest-django configures Django; a conftest.py would run too late.
"""

from __future__ import annotations

import os
import tempfile

os.environ.setdefault("SECRET_KEY", "test-secret-key-not-for-production")
os.environ.setdefault("DATA_DIR", tempfile.mkdtemp(prefix="deckhand-test-data-"))
os.environ.setdefault("TASKS_BACKEND", "django_tasks.backends.immediate.ImmediateBackend")
# WhiteNoise warns when STATIC_ROOT is missing; tests serve static files from the finders.
os.environ.setdefault("STATIC_ROOT", tempfile.mkdtemp(prefix="deckhand-test-static-"))
