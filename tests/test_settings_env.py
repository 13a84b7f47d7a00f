"""Bad environment values stop Deckhand at start-up with one clear line, not later."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_int, env_list, env_str

ROOT = Path(__file__).resolve().parent.parent

# --- the helpers themselves ---------------------------------------------------------


@pytest.mark.parametrize("raw", ["1", "true", "TRUE", " yes ", "on"])
def test_env_bool_reads_the_usual_spellings_of_true(monkeypatch, raw):
    monkeypatch.setenv("DECKHAND_TEST_FLAG", raw)
    assert env_bool("DECKHAND_TEST_FLAG", False) is True


@pytest.mark.parametrize("raw", ["0", "false", "No", "off", ""])
def test_env_bool_reads_the_usual_spellings_of_false(monkeypatch, raw):
    monkeypatch.setenv("DECKHAND_TEST_FLAG", raw)
    assert env_bool("DECKHAND_TEST_FLAG", True) is False


def test_env_bool_falls_back_to_the_default_when_unset(monkeypatch):
    monkeypatch.delenv("DECKHAND_TEST_FLAG", raising=False)
    assert env_bool("DECKHAND_TEST_FLAG", True) is True


@pytest.mark.parametrize("raw", ["maybe", "2", "enabled", "tru"])
def test_env_bool_refuses_anything_else_and_names_the_variable(monkeypatch, raw):
    monkeypatch.setenv("DECKHAND_TEST_FLAG", raw)
    with pytest.raises(ImproperlyConfigured, match=r"DECKHAND_TEST_FLAG must be true or false"):
        env_bool("DECKHAND_TEST_FLAG", False)


def test_env_int_reads_a_whole_number_and_defaults_when_blank(monkeypatch):
    monkeypatch.setenv("DECKHAND_TEST_NUMBER", " 42 ")
    assert env_int("DECKHAND_TEST_NUMBER", 1) == 42
    monkeypatch.setenv("DECKHAND_TEST_NUMBER", "  ")
    assert env_int("DECKHAND_TEST_NUMBER", 7) == 7


@pytest.mark.parametrize("raw", ["ten", "1.5", "5m"])
def test_env_int_refuses_what_is_not_a_whole_number(monkeypatch, raw):
    monkeypatch.setenv("DECKHAND_TEST_NUMBER", raw)
    with pytest.raises(ImproperlyConfigured, match=r"DECKHAND_TEST_NUMBER must be a whole number"):
        env_int("DECKHAND_TEST_NUMBER", 1)


def test_env_int_refuses_a_number_below_the_minimum(monkeypatch):
    monkeypatch.setenv("DECKHAND_TEST_NUMBER", "0")
    with pytest.raises(ImproperlyConfigured, match=r"DECKHAND_TEST_NUMBER must be at least 1"):
        env_int("DECKHAND_TEST_NUMBER", 5, minimum=1)


def test_env_list_splits_on_commas_and_drops_blanks(monkeypatch):
    monkeypatch.setenv("DECKHAND_TEST_LIST", " a.example , ,b.example,")
    assert env_list("DECKHAND_TEST_LIST", []) == ["a.example", "b.example"]


def test_env_str_returns_the_value_or_the_default(monkeypatch):
    monkeypatch.delenv("DECKHAND_TEST_TEXT", raising=False)
    assert env_str("DECKHAND_TEST_TEXT", "fallback") == "fallback"
    monkeypatch.setenv("DECKHAND_TEST_TEXT", "given")
    assert env_str("DECKHAND_TEST_TEXT", "fallback") == "given"


# --- importing the settings in a fresh process --------------------------------------


def import_settings(tmp_path: Path, **env: str | None) -> subprocess.CompletedProcess[str]:
    """Import config.settings with a clean environment plus `env` (None removes a name)."""
    base = {
        "PATH": os.environ.get("PATH", ""),
        "SECRET_KEY": "a-test-secret-key",
        "DATA_DIR": str(tmp_path),
    }
    for name, value in env.items():
        if value is None:
            base.pop(name, None)
        else:
            base[name] = value
    return subprocess.run(
        [sys.executable, "-c", "import config.settings"],
        cwd=ROOT,
        env=base,
        capture_output=True,
        text=True,
        timeout=60,
    )


def last_line(stderr: str) -> str:
    return [line for line in stderr.splitlines() if line.strip()][-1]


def test_the_settings_load_with_only_a_secret_key(tmp_path):
    result = import_settings(tmp_path)
    assert result.returncode == 0, result.stderr


def test_debug_without_a_secret_key_uses_the_development_key(tmp_path):
    result = import_settings(tmp_path, SECRET_KEY=None, DEBUG="true")
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"DEBUG": "maybe"}, "DEBUG must be true or false, not 'maybe'"),
        ({"SECRET_KEY": None}, "SECRET_KEY must be set when DEBUG is off"),
        ({"SECRET_KEY": None, "DEBUG": "off"}, "SECRET_KEY must be set when DEBUG is off"),
        ({"DATABASE_URL": "nonsense"}, "DATABASE_URL is not a database URL"),
        ({"SIGNUP_ENABLED": "nah"}, "SIGNUP_ENABLED must be true or false, not 'nah'"),
        ({"LOGIN_FAILURE_LIMIT": "0"}, "LOGIN_FAILURE_LIMIT must be at least 1, not 0"),
        (
            {"LOGIN_FAILURE_WINDOW_SECONDS": "15min"},
            "LOGIN_FAILURE_WINDOW_SECONDS must be a whole number, not '15min'",
        ),
        ({"TRUSTED_PROXY_COUNT": "-1"}, "TRUSTED_PROXY_COUNT must be at least 0, not -1"),
        ({"TRUSTED_PROXY_COUNT": "two"}, "TRUSTED_PROXY_COUNT must be a whole number, not 'two'"),
        ({"MAX_MEDIA_UPLOAD_MB": "lots"}, "MAX_MEDIA_UPLOAD_MB must be a whole number"),
        ({"SECURE_COOKIES": "sometimes"}, "SECURE_COOKIES must be true or false"),
    ],
)
def test_a_bad_value_stops_start_up_with_one_line_naming_it(tmp_path, env, message):
    result = import_settings(tmp_path, **env)
    assert result.returncode != 0
    line = last_line(result.stderr)
    assert line.startswith("django.core.exceptions.ImproperlyConfigured: ")
    assert message in line
    # Raised cleanly, not as the tail of some other library's error.
    assert "During handling of the above exception" not in result.stderr


def database_settings(tmp_path: Path, **env: str | None) -> dict:
    """DATABASES["default"] as config.settings builds it from `env`."""
    base = {"PATH": os.environ.get("PATH", ""), "SECRET_KEY": "k", "DATA_DIR": str(tmp_path)}
    base.update({name: value for name, value in env.items() if value is not None})
    code = (
        "import json, config.settings as s; print(json.dumps(s.DATABASES['default'], default=str))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=base, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_sqlite_connections_are_kept_between_requests(tmp_path):
    database = database_settings(tmp_path)
    assert database["ENGINE"] == "django.db.backends.sqlite3"
    assert database["CONN_MAX_AGE"] > 0
