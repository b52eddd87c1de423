"""Profile files and layers written to hurt: each is a ProfileError naming the file and the key.

Invalid dates, 5000-digit numbers, nesting thousands of levels deep, YAML alias bombs,
aliases that contain themselves, and regular expressions with enormous or nested
repetition counts: none may raise a bare ValueError, OverflowError or RecursionError,
hang, or eat memory.
"""

from __future__ import annotations

import pathlib
import time

import pytest
import yaml

from normalizer.exceptions import ProfileError
from normalizer.profiles import load_profile, safe_yaml
from normalizer.profiles.loader import check_profile_file
from normalizer.profiles.safe_yaml import MAX_DEPTH, UnsafeDocument, check_nesting, load
from normalizer.profiles.schema import MAX_REPEAT_COUNT, repetition_counts, validate

HEAD = "name: mine\ndisplay_name: Mine\nstatus: active\n"
BOMB = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 10)}]\n" for i in range(9)
)


@pytest.fixture
def user_profile(tmp_path, monkeypatch):
    """Write ``mine.yaml`` into a directory on NORMALIZER_PROFILE_PATH; return its path."""
    folder = tmp_path / "profiles"
    folder.mkdir()
    monkeypatch.setenv("NORMALIZER_PROFILE_PATH", str(folder))

    def write(text: str):
        path = folder / "mine.yaml"
        path.write_text(text)
        return path

    return write


def refused(call, *words: str) -> ProfileError:
    started = time.monotonic()
    with pytest.raises(ProfileError) as info:
        call()
    assert time.monotonic() - started < 5, "refusing must be quick"
    text = str(info.value)
    assert "\n" not in text and info.value.hint, text
    for word in words:
        assert word in text, f"{word!r} not in {text!r}"
    return info.value


# --- files --------------------------------------------------------------------------------


@pytest.mark.parametrize("text, pointer, words", [
    (HEAD + "message: 2024-13-45\n", "message", ("line 4", "month must be in 1..12")),
    (HEAD + "network:\n  networks:\n  - name: 2024-02-30\n", "network.networks[0].name", ("line 6", "day is out")),
    (HEAD + "transport:\n  timeout: " + "9" * 5000 + "\n", "transport.timeout", ("line 5", "digits")),
], ids=["bad-date", "bad-date-in-list", "5000-digits"])
def test_unreadable_value_names_file_line_and_key(user_profile, text, pointer, words):
    path = user_profile(text)
    err = refused(lambda: load_profile("mine"), str(path), pointer, "unreadable value", *words)
    assert (err.source, err.pointer) == (str(path), pointer)


def test_valid_date_where_text_belongs_says_quote_it(user_profile):
    path = user_profile(HEAD + "message: 2024-01-31\n")
    err = refused(lambda: load_profile("mine"), str(path), "message", "must be a string", "quote the value")
    assert err.pointer == "message"


@pytest.mark.parametrize("text", [
    HEAD + "network: " + "[" * 10000 + "]" * 10000 + "\n",
    HEAD + "network:\n" + "".join("  " * n + f"k{n}:\n" for n in range(1, 400)),
], ids=["flow", "block"])
def test_deep_nesting_is_refused_with_the_key_path(user_profile, text):
    path = user_profile(text)
    err = refused(lambda: load_profile("mine"), str(path), f"nested more than {MAX_DEPTH} levels", "flatten")
    assert err.pointer.startswith("network")


def test_alias_bomb_is_refused_quickly(user_profile):
    path = user_profile(HEAD + "sources:\n  - x\n" + BOMB)
    refused(lambda: load_profile("mine"), str(path), "expands to more than", "aliases")


def test_alias_that_contains_itself_is_refused(user_profile):
    path = user_profile(HEAD + "sources: &loop [*loop]\n")
    refused(lambda: load_profile("mine"), str(path), "sources", "*loop refers to the node that contains it")


def test_check_profile_file_reports_the_same(tmp_path):
    path = tmp_path / "mine.yaml"
    path.write_text(HEAD + "message: 2024-13-45\n")
    refused(lambda: check_profile_file(path), str(path), "message")


def test_modest_aliases_still_work(user_profile):
    user_profile(HEAD + "sources: &src [a, b]\nimages:\n  hidden_patterns: [x.*]\n"
                 "  generic_hidden_patterns: [y.*]\nflavors:\n  exclude_patterns: *src\n")
    assert load_profile("mine").get("flavors.exclude_patterns") == ("a", "b")


# --- regular expressions ----------------------------------------------------------------------


@pytest.mark.parametrize("pattern, words", [
    ("a{99999999999}", ("repetition count of",)),
    ("a{1001}", ("repetition count of 1001",)),
    ("(a{1000}){1000}", ("nested repetitions that multiply to 1000000",)),
    ("((a{20}){20}){20}", ("multiply to 8000",)),
    ("x" * 501, ("501 characters long",)),
    ("(" * 10 + "a", ("bad regular expression", "missing )")),
], ids=["overflow", "just-too-many", "nested", "three-deep", "too-long", "unbalanced"])
def test_costly_regex_in_a_layer_is_refused(pattern, words):
    layer = {"flavors": {"exclude_patterns": ["ok.*", pattern]}}
    err = refused(lambda: load_profile("generic", layers=[("clouds.yaml cloud 'c' normalizer:", layer)]),
                  "clouds.yaml cloud 'c' normalizer:", "flavors.exclude_patterns[1]", *words)
    assert err.pointer == "flavors.exclude_patterns[1]"


def test_costly_regex_in_a_file_names_the_file(user_profile):
    path = user_profile(HEAD + "network:\n  networks:\n  - name_pattern: 'net-(x{100}){100}'\n")
    err = refused(lambda: load_profile("mine"), str(path), "network.networks[0].name_pattern", "at most")
    assert err.pointer == "network.networks[0].name_pattern"


@pytest.mark.parametrize("pattern", [r"ubuntu-(\d{2}\.\d{2})", r"(\d{1,3}\.){3}\d{1,3}",
                                     r"\{99999\}", r"[{99999}]", "a{1000}", "(a{10}){100}"])
def test_ordinary_patterns_pass(pattern):
    validate({"flavors": {"exclude_patterns": [pattern]}}, "layer", partial=True)


def test_repetition_counts_read_the_text_only():
    assert repetition_counts("(a{3}b{5}){7}") == (7, 35)
    assert repetition_counts(r"\(a{3}\)\{2000\}") == (3, 3)  # escaped parentheses and braces are literals
    assert max(repetition_counts("(a{1000}){2}")) > MAX_REPEAT_COUNT


# --- the bounded reader itself ----------------------------------------------------------------------


def test_load_matches_safe_load_on_ordinary_documents():
    assert load("a: [1, 2.5, true, null, '2024-13-45']\nb: {c: d}\n") == {
        "a": [1, 2.5, True, None, "2024-13-45"], "b": {"c": "d"}}


def test_unsafe_document_carries_line_and_pointer():
    with pytest.raises(UnsafeDocument) as info:
        load("a:\n  b:\n  - 1\n  - 2024-99-01\n")
    assert (info.value.line, info.value.pointer) == (4, "a.b[1]")


def test_check_nesting_walks_without_recursion():
    deep: list = []
    node = deep
    for _ in range(100_000):
        node.append([])
        node = node[0]
    assert check_nesting(deep) is not None
    assert check_nesting({"a": [{"b": 1}] * 100}) is None


# --- public entry points with arguments of the wrong kind ---------------------------------------


@pytest.mark.parametrize("call, words", [
    (lambda: load_profile("a" * 5000), ("invalid profile name", "...")),
    (lambda: load_profile(5), ("invalid profile name 5",)),
    (lambda: load_profile("generic", region_name=["r"]), ("region_name must be text",)),
    (lambda: load_profile("generic", layers=5), ("layers must be a list",)),
    (lambda: load_profile("generic", layers=[5]), ("(label, mapping) pairs",)),
    (lambda: load_profile("generic", layers=[("x", 5)]), ("x: (top level): must be a mapping",)),
    (lambda: load_profile("generic", layers=[(5, {"nope": 1})]), ("5: nope: unknown key",)),
    (lambda: check_profile_file(5), ("a profile file path must be text",)),
], ids=["long-name", "int-name", "region-list", "layers-int", "layer-int", "layer-body-int", "label-int", "path-int"])
def test_wrong_kinds_of_arguments_are_profile_errors(call, words):
    refused(call, *words)


def test_unreadable_profile_directory_is_searched_as_empty(tmp_path, monkeypatch):
    folder = tmp_path / "profiles"
    folder.mkdir()
    monkeypatch.setenv("NORMALIZER_PROFILE_PATH", str(folder))
    monkeypatch.setattr(type(folder), "iterdir", lambda self: (_ for _ in ()).throw(PermissionError(13, "denied")))
    refused(lambda: load_profile("nope-such-profile"), "unknown profile 'nope-such-profile'")


def test_oversized_file_is_refused_before_parsing(user_profile):
    from normalizer.profiles.safe_yaml import MAX_CHARS

    path = user_profile(HEAD + "message: '" + "x" * MAX_CHARS + "'\n")
    refused(lambda: load_profile("mine"), str(path), "characters long", f"at most {MAX_CHARS}")


def test_the_libyaml_fast_path_reads_every_bundled_profile_as_the_bounded_loader_does(monkeypatch):
    """First connects read profiles through libyaml; the answer must not depend on which loader ran."""
    assert yaml.__with_libyaml__  # PyYAML's wheels carry libyaml; without it every read takes the bounded path
    folder = pathlib.Path(safe_yaml.__file__).parents[2] / "vendor_profiles"
    texts = [path.read_text() for path in sorted(folder.glob("*.yaml"))]
    assert len(texts) > 20
    fast = [safe_yaml._load_plain(text) for text in texts]
    assert all(document is not safe_yaml._NOT_PLAIN for document in fast)
    monkeypatch.setattr(safe_yaml, "_load_plain", lambda text: safe_yaml._NOT_PLAIN)
    assert fast == [load(text) for text in texts]


@pytest.mark.parametrize("text", [BOMB, "a: &x 1\nb: *x\n", "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1),
                                  "when: 2024-13-45\n", "a: [unclosed\n"])
def test_anchors_deep_nesting_and_errors_leave_the_fast_path(text):
    assert safe_yaml._load_plain(text) is safe_yaml._NOT_PLAIN
