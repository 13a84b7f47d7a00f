"""Whatever a client sends, every action answers in the envelope: a refusal with a
message, never a crash (an unexpected error would read "... an error in Deckhand")."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ankiconnect.actions import REGISTRY, load_actions

load_actions()

json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=20),
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=12,
)
# Names the actions take, so generated params often reach the code past argument binding.
param_names = st.sampled_from(
    [
        "note", "notes", "cards", "card", "deck", "decks", "query", "tags", "filename",
        "data", "url", "path", "modelName", "modelNames", "actions", "scopes", "fields",
        "id", "deckId", "modelId", "modelIds", "cardsToo", "pattern", "skipHash",
        "tag_to_replace", "replace_with_tag", "complete", "deleteExisting",
    ]
)  # fmt: skip
note_like = st.fixed_dictionaries(
    {
        "deckName": st.sampled_from(["Default", "Nope", ""]) | json_scalars,
        "modelName": st.sampled_from(["Basic", "Cloze", "Nope"]) | json_scalars,
        "fields": st.dictionaries(st.sampled_from(["Front", "Back", "Text", "x"]), json_values),
    },
    optional={
        "tags": json_values,
        "options": json_values,
        "picture": json_values,
        "id": json_values,
    },
)
params = st.dictionaries(param_names, st.one_of(json_values, note_like, st.lists(note_like)))


@pytest.mark.django_db
@settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(action=st.sampled_from(sorted(REGISTRY)), version=st.sampled_from([4, 6]), params=params)
def test_every_action_answers_any_params_without_crashing(anki, action, version, params):
    response = anki.raw({"action": action, "version": version, "params": params, "key": anki.key})
    assert response.status_code == 200
    reply = response.json()
    if isinstance(reply, dict) and set(reply) == {"result", "error"} and reply["error"]:
        assert isinstance(reply["error"], str)
        assert "an error in Deckhand" not in reply["error"], (action, params, reply)
