from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command


def test_it_prints_the_users_key(owner):
    out = io.StringIO()
    call_command("api_key", "owner", stdout=out)
    assert out.getvalue().strip() == owner.api_key


def test_it_rotates_the_key_when_asked(owner):
    old = owner.api_key
    out = io.StringIO()
    call_command("api_key", "owner", "--rotate", stdout=out)
    owner.refresh_from_db()
    assert owner.api_key != old
    assert out.getvalue().strip() == owner.api_key


def test_it_says_so_for_an_unknown_user(db):
    with pytest.raises(CommandError, match="no user called 'nobody'"):
        call_command("api_key", "nobody")
