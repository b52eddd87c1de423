import pytest

from normalizer.exceptions import AmbiguousMatch
from normalizer.select.lookup import find_by_id_or_name

ITEMS = [{"id": "1", "name": "twin"}, {"id": "2", "name": "twin"}, {"id": "3", "name": "solo"},
         {"id": None, "name": None}]


def test_id_wins_over_a_name_and_a_unique_name_matches():
    assert find_by_id_or_name(ITEMS, "2", "image")["id"] == "2"
    assert find_by_id_or_name(ITEMS, "solo", "image")["id"] == "3"
    assert find_by_id_or_name(ITEMS, "missing", "image") is None


def test_a_shared_name_is_ambiguous_and_lists_the_ids():
    with pytest.raises(AmbiguousMatch, match="2 images are named 'twin': ids '1', '2'") as info:
        find_by_id_or_name(ITEMS, "twin", "image")
    assert info.value.candidates == ["1", "2"]


def test_nothing_asked_matches_nothing_even_records_without_id_or_name():
    assert find_by_id_or_name(ITEMS, None, "network") is None
