"""Hypothesis properties of profile merging, freezing and validation."""

import copy
import json
from collections.abc import Mapping

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from normalizer.exceptions import ProfileError
from normalizer.profiles import merge, validate
from normalizer.profiles.model import freeze
from normalizer.profiles.merge import plain_copy

KEYS = st.sampled_from(["a", "b", "c", "d"])
SCALARS = st.none() | st.booleans() | st.integers(-5, 5) | st.text(max_size=3)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(KEYS, inner, max_size=3),
    max_leaves=12,
)
DOCS = st.dictionaries(KEYS, VALUES, max_size=4)
# Enough examples to find a broken rule, few enough to keep each test well under a second.
FAST = settings(max_examples=60)


def _check_layering(base, override, result):
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(base.get(key), Mapping):
            _check_layering(base[key], value, result[key])
        else:
            # scalars, lists and null: the later layer wins, wholesale
            assert result[key] == value
    for key, value in base.items():
        if key not in override:
            assert result[key] == value  # keys the override does not mention survive
    assert set(result) == set(base) | set(override)


@FAST
@given(DOCS, DOCS)
def test_later_layer_wins_lists_replace_unmentioned_keys_survive(base, override):
    _check_layering(base, override, merge(base, override))


@FAST
@given(DOCS, DOCS)
def test_null_in_override_wins(base, override):
    override = dict(override, a=None)
    assert merge(base, override)["a"] is None


@FAST
@given(DOCS, DOCS)
def test_inputs_never_mutated_and_never_aliased(base, override):
    base_before, override_before = copy.deepcopy(base), copy.deepcopy(override)
    result = merge(base, override)
    assert base == base_before and override == override_before
    _scribble(result)
    assert base == base_before and override == override_before


def _scribble(node):
    if isinstance(node, dict):
        for value in list(node.values()):
            _scribble(value)
        node["zz"] = "scribbled"
    elif isinstance(node, list):
        for value in node:
            _scribble(value)
        node.append("scribbled")


@FAST
@given(DOCS)
def test_empty_layers_are_neutral(doc):
    assert merge(doc, {}) == doc
    assert merge({}, doc) == doc


JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3),
    max_leaves=15,
)


@FAST
@given(JSONISH)
def test_freeze_then_plain_copy_round_trips_and_is_hashable(value):
    frozen = freeze(value)
    hash(frozen)
    assert plain_copy(frozen) == value
    json.dumps(plain_copy(frozen))


ANY_KEYS = st.sampled_from(["name", "network", "networks", "transport", "timeout", "images",
                            "name_rules", "pattern", "login", "rules", "match", "regions", "x", 1])
ANY = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=4),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(ANY_KEYS, inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=50)
@given(st.dictionaries(ANY_KEYS, ANY, max_size=5), st.booleans())
def test_validate_only_ever_raises_profile_error(data, partial):
    try:
        validate(data, "fuzz", partial=partial)
    except ProfileError as err:
        assert str(err).startswith("fuzz: ") and "\n" not in str(err)


@pytest.mark.parametrize("value", [None, [], "x", 3])
def test_validate_rejects_non_mapping_documents(value):
    with pytest.raises(ProfileError, match=r"^doc: \(top level\): must be a mapping"):
        validate(value, "doc")
