"""What each subpackage exports: the public test support, and nothing from the internals.

``normalizer.__all__`` is pinned in test_package_rules.py. Here: ``services``,
``provision`` and ``select`` are implementation and re-export nothing (their modules are
imported directly, with no stability promise), and ``normalizer.testing`` exports
exactly its documented helpers. Changing one of these lists is an API change: update
the CHANGELOG with it.
"""

from __future__ import annotations

import importlib
import pkgutil

import pytest

PINNED = {
    "normalizer.services": [],
    "normalizer.provision": [],
    "normalizer.select": [],
    "normalizer.testing": ["FakeClock", "FakeCloud", "FakeSleep", "LAYOUTS", "RecordedRequest"],
}


@pytest.mark.parametrize("package", sorted(PINNED))
def test_subpackage_exports_exactly_the_pinned_names(package):
    assert sorted(importlib.import_module(package).__all__) == PINNED[package]


@pytest.mark.parametrize("package", sorted(PINNED))
def test_every_exported_name_exists(package):
    module = importlib.import_module(package)
    missing = [name for name in module.__all__ if not hasattr(module, name)]
    assert not missing, f"{package}.__all__ names what it does not define: {missing}"


@pytest.mark.parametrize("package", ["normalizer.services", "normalizer.provision", "normalizer.select"])
def test_internal_packages_say_so(package):
    doc = importlib.import_module(package).__doc__ or ""
    assert doc.startswith("Internal:") and "No stability promise" in doc


@pytest.mark.parametrize("package", ["normalizer.services", "normalizer.provision", "normalizer.select"])
def test_internal_modules_export_only_what_they_define(package):
    """The modules are where the internals are imported from: their ``__all__`` must hold."""
    path = importlib.import_module(package).__path__
    for info in pkgutil.iter_modules(path):
        module = importlib.import_module(f"{package}.{info.name}")
        missing = [name for name in getattr(module, "__all__", []) if not hasattr(module, name)]
        assert not missing, f"{module.__name__}.__all__ names what it does not define: {missing}"
