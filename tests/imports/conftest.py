"""Packages made by the real Anki library, built once per test module."""

from __future__ import annotations

import pytest

from tests.imports.anki_builder import BuiltCollection, build_collection


@pytest.fixture(scope="module")
def scheduled(tmp_path_factory) -> BuiltCollection:
    return build_collection(tmp_path_factory.mktemp("anki-scheduled"), scheduling=True)


@pytest.fixture(scope="module")
def unscheduled(tmp_path_factory) -> BuiltCollection:
    return build_collection(tmp_path_factory.mktemp("anki-plain"), scheduling=False)
