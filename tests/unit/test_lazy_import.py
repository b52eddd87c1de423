"""``import normalizer`` loads the version and the error classes only; the rest loads on first use."""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = ("keystoneauth1", "requests", "yaml", "dogpile", "munch", "normalizer.cloud", "normalizer.transport",
         "normalizer.provision", "normalizer.testing", "normalizer.profiles", "normalizer.cache")


def loaded_after(code: str) -> list[str]:
    script = f"import sys, json\n{code}\nprint(json.dumps(sorted(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True)
    return json.loads(done.stdout.splitlines()[-1])


def heavy(modules: list[str]) -> list[str]:
    return [m for m in modules if any(m == h or m.startswith(h + ".") for h in HEAVY)]


def test_import_normalizer_loads_none_of_the_heavy_modules():
    modules = loaded_after("import normalizer")
    assert heavy(modules) == []
    assert [m for m in modules if m.startswith("normalizer")] == ["normalizer", "normalizer._version",
                                                                   "normalizer.exceptions"]


def test_catching_an_error_needs_nothing_more():
    assert heavy(loaded_after("import normalizer\ntry:\n    raise normalizer.NoMatch('x')\n"
                              "except normalizer.NormalizerError:\n    pass")) == []


def test_the_public_names_load_their_modules_on_first_use():
    modules = loaded_after("import normalizer\nnormalizer.connect\nnormalizer.userdata.root_access")
    assert {"normalizer.cloud", "keystoneauth1", "normalizer.userdata"} <= set(modules)
    assert "normalizer.testing" not in modules  # only when asked for
    modules = loaded_after("from normalizer import Profile, load_profile")
    assert "normalizer.profiles" in modules and "normalizer.cloud" not in modules


def test_unknown_attributes_are_attribute_errors():
    import normalizer
    try:
        normalizer.no_such_thing
    except AttributeError as error:
        assert "no attribute 'no_such_thing'" in str(error)
    else:
        raise AssertionError("no AttributeError")
    assert {"connect", "Cloud", "load_profile", "NoMatch"} <= set(dir(normalizer))
