"""House rules that a machine can check: public surface, import direction, no vendor facts in code."""

import ast
import inspect
import pathlib
import re

import yaml

import normalizer

ROOT = pathlib.Path(normalizer.__file__).parent
REPO = ROOT.parent
PURE_PACKAGES = ("normalize", "profiles", "select")
IO_MODULES = ("normalizer.transport", "normalizer.services", "normalizer.cloud", "normalizer.cache",
              "normalizer.testing", "requests", "keystoneauth1", "dogpile")


def python_files(base=ROOT):
    return sorted(p for p in base.rglob("*.py") if "__pycache__" not in p.parts)


def imported_modules(path):
    tree = ast.parse(path.read_text())
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, node) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.module, node))
    return tree, found


def test_public_surface_is_exactly_all():
    # dir(): what is loaded and what loads on first use (normalizer.__getattr__)
    public = sorted(name for name in dir(normalizer) if not name.startswith("_") and name not in (
        "annotations", "logging") and not isinstance(getattr(normalizer, name), type(normalizer)))
    assert sorted(normalizer.__all__) == sorted(public + ["__version__"])
    assert {"connect", "connect_all", "Cloud", "list_profiles", "load_profile", "NormalizerError"} <= set(public)


def test_pure_packages_import_no_io():
    for package in PURE_PACKAGES:
        for path in python_files(ROOT / package):
            _, modules = imported_modules(path)
            bad = [m for m, _ in modules if m.startswith(IO_MODULES)]
            assert not bad, f"{path.relative_to(REPO)} imports {bad}: normalize/profiles must stay pure"


def test_library_never_imports_the_test_double_at_module_level():
    for path in python_files():
        if "testing" in path.relative_to(ROOT).parts:
            continue
        tree, modules = imported_modules(path)
        top_level = {id(node) for node in tree.body}
        for module, node in modules:
            if module.startswith("normalizer.testing"):
                # only the CLI's demo may load it, lazily, inside the function that serves it
                assert path.relative_to(ROOT).as_posix() == "cli/demo.py" and id(node) not in top_level, \
                    f"{path} imports {module}"


def test_testing_imports_only_the_error_tree_from_the_library():
    for path in python_files(ROOT / "testing"):
        _, modules = imported_modules(path)
        library = {m for m, _ in modules if m.startswith("normalizer") and not m.startswith("normalizer.testing")}
        assert library <= {"normalizer.exceptions"}, f"{path.name} imports {library}"


def _vendor_words():
    """Vendor and network names, taken from the data that is allowed to hold them."""
    words = {p.stem for p in (REPO / "vendor_profiles").glob("*.yaml") if not p.stem.startswith("_")}
    # Profiles of a standard, not a vendor: the code reads what the standard defines
    # (scs: the Sovereign Cloud Stack's flavor names and image metadata).
    words -= {"generic", "scs"}
    for path in (REPO / "vendor_profiles").glob("*.yaml"):
        data = yaml.safe_load(path.read_text()) or {}
        sections = [data] + list((data.get("regions") or {}).values())
        for section in sections:
            words |= {rule.get("name") for rule in ((section or {}).get("network") or {}).get("networks") or []}
    for path in (ROOT / "testing" / "layouts").glob("[!_]*.yaml"):
        data = yaml.safe_load(path.read_text()) or {}
        words |= {net.get("name") for net in data.get("networks") or []}
        words |= {net.get("name") for net in (data.get("config") or {}).get("networks") or []}
    words.discard(None)
    # 'public' and 'private' are also Keystone interfaces and Glance visibilities, and 'nova'
    # (nova-network's default pool) is also the compute service's name: API facts, not vendor facts
    return {w for w in words if w.lower() not in ("public", "private", "nova") and len(w) > 2}


def _string_constants(path):
    tree = ast.parse(path.read_text())
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, (ast.Module, ast.FunctionDef, ast.ClassDef, ast.AsyncFunctionDef))
                  and node.body and isinstance(node.body[0], ast.Expr)}
    return [(node.lineno, node.value) for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings]


def test_no_vendor_or_network_name_is_a_literal_in_code():
    words = _vendor_words()
    assert {"ext-net", "vexxhost", "rackspace"} <= words
    pattern = re.compile(r"(?<![a-z0-9])(" + "|".join(re.escape(w.lower()) for w in sorted(words)) + r")(?![a-z0-9])")
    offenders = [f"{path.relative_to(REPO)}:{line}: {value!r}"
                 for path in python_files() for line, value in _string_constants(path)
                 if pattern.search(value.lower())]
    assert not offenders, "vendor/network names belong in profiles or layouts:\n" + "\n".join(offenders)


def test_modules_stay_small():
    too_big = [f"{p.relative_to(REPO)} ({n} lines)" for p in python_files()
               if (n := len(p.read_text().splitlines())) > 800]
    assert not too_big


def test_functions_stay_short():
    long_ones = []
    for path in python_files():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.end_lineno - node.lineno >= 60:
                long_ones.append(f"{path.relative_to(REPO)}:{node.lineno} {node.name}")
    assert not long_ones


def test_every_public_function_has_a_docstring():
    missing = []
    for path in python_files():
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and not node.name.startswith("_") \
                    and ast.get_docstring(node) is None:
                missing.append(f"{path.relative_to(REPO)}:{node.lineno} {node.name}")
    assert not missing, "\n".join(missing)


# One docstring style: a one-line summary, prose, reST fields (``:param x:``) and doctest
# examples (``>>>``); no "Usage:" prose examples, no Google or NumPy sections.
_OTHER_STYLES = re.compile(r"^\s*(Usage:|Args:|Arguments:|Returns:|Yields:|Raises:|Examples?:|Parameters\s*$|-{3,}\s*$)",
                           re.M)


def _public_docstrings():
    for path in python_files():
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and not node.name.startswith("_"):
                yield path, node, ast.get_docstring(node) or ""
                members = node.body if isinstance(node, ast.ClassDef) else ()
                for member in members:
                    if isinstance(member, ast.FunctionDef) and not member.name.startswith("_"):
                        yield path, member, ast.get_docstring(member) or ""


def test_one_docstring_style():
    offenders = []
    for path, node, doc in _public_docstrings():
        where = f"{path.relative_to(REPO)}:{node.lineno} {node.name}"
        lines = doc.splitlines()
        if lines and not lines[0].strip():
            offenders.append(f"{where}: the first line must be the summary")
        if len(lines) > 1 and lines[1].strip():
            offenders.append(f"{where}: the summary is one line, then a blank line")
        if _OTHER_STYLES.search(doc):
            offenders.append(f"{where}: {_OTHER_STYLES.search(doc).group(1).strip()} (use reST fields and >>> examples)")
    assert not offenders, "\n".join(offenders)


def test_every_public_function_shows_an_example():
    missing = [f"{path.relative_to(REPO)}:{node.lineno} {node.name}" for path in python_files()
               for node in ast.parse(path.read_text()).body
               if isinstance(node, ast.FunctionDef) and not node.name.startswith("_")
               and ">>>" not in (ast.get_docstring(node) or "")]
    assert not missing, "\n".join(missing)


def test_public_classes_document_every_method_with_an_example():
    from normalizer.testing import FakeClock, FakeCloud, FakeSleep

    for cls in (normalizer.Cloud, FakeCloud, FakeClock, FakeSleep):
        for name, member in vars(cls).items():
            # data attributes declared as property(lambda ..., doc=...) read like fields: no example
            attribute = isinstance(member, property) and member.fget.__name__ == "<lambda>"
            if name.startswith("_") or attribute or not (callable(member) or isinstance(member, property)):
                continue
            doc = member.__doc__ or ""
            assert ">>>" in doc, f"{cls.__name__}.{name} has no example"


def test_cloud_methods_are_exactly_the_contract():
    # DESIGN §3; ensure_server arrives with the Ansible issue. A new public method is a
    # contract change: add it here on purpose.
    public = {name for name in dir(normalizer.Cloud) if not name.startswith("_")}
    assert public == {
        "add_public_ip", "cleanup_orphans", "conformance", "create_server", "delete_server", "ensure_server",
        "explain", "from_config", "get_external_network", "get_flavor", "get_image", "get_network", "get_private_network",
        "get_public_network", "get_server", "list_flavors", "list_floating_ips", "list_images", "list_keypairs",
        "list_networks", "list_orphans", "list_servers", "login_user", "name", "pick_flavor", "pick_image",
        "plan_server", "region_name"}


def test_the_package_exports_exactly_the_contract():
    # A literal list: adding or dropping a public name is a decision made here, on purpose.
    assert sorted(normalizer.__all__) == [
        "APIError", "AmbiguousMatch", "AnswerTooDeep", "AuthError", "BadRequest", "Cloud", "ConfigError",
        "Conflict", "ConnectionFailed", "EndpointNotFound", "NoMatch", "NormalizerError", "NotFound", "Profile",
        "ProfileDeprecationWarning", "ProfileError", "ProfileShutdownError", "ProvisionError", "QuotaExceeded",
        "RateLimited", "RedirectRefused", "RequestTimeout", "SelectionError", "ServerError", "TransportError",
        "UnknownCloudError", "UnknownProfileError", "UnsupportedOnCloud", "WaitTimeout", "__version__", "connect",
        "connect_all", "list_profiles", "load_profile"]


def test_cloud_collaborators_are_private():
    source = inspect.getsource(normalizer.Cloud.__init__)
    for name in ("config", "transport", "cache", "waiter", "port_check", "compute", "network", "image"):
        assert f"self.{name} =" not in source and f"self._{name} =" in source


#: Each module may import only from its own layer or below (docs/architecture.md draws it).
#: ``select.decision`` is the shared value type of every decision, so it sits with the pure basics.
LAYERS = {
    "exceptions": 0, "_version": 0, "microversions": 0,
    "arguments": 1, "tables": 1, "normalize": 1, "profiles": 1, "userdata": 1, "select.decision": 1,
    "select": 2,
    "interpret": 3, "error_mapping": 3, "cache": 3, "config_translate": 3, "auth_options": 3,
    "transport": 4, "services": 4, "config": 4,
    "facts": 5, "provision": 5,
    "cloud": 6,
    "cli": 7, "testing": 7, "__init__": 7, "__main__": 7,
}


def _layer(module: str) -> int:
    parts = module.split(".")[1:] or ["__init__"]
    key = ".".join(parts[:2]) if ".".join(parts[:2]) in LAYERS else parts[0]
    assert key in LAYERS, f"{module} has no layer: add it to LAYERS and docs/architecture.md"
    return LAYERS[key]


def test_imports_point_down_the_layers():
    offenders = []
    for path in python_files():
        parts = path.relative_to(ROOT.parent).with_suffix("").parts
        module = ".".join(parts[:-1] if parts[-1] == "__init__" and len(parts) > 2 else parts)
        mine = _layer(module)
        for imported, node in imported_modules(path)[1]:
            if imported.startswith("normalizer.") and _layer(imported) > mine:
                offenders.append(f"{module} (layer {mine}) imports {imported} (layer {_layer(imported)}), "
                                 f"line {node.lineno}")
    assert not offenders, "\n".join(offenders)
