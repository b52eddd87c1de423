"""Every Python example in README.md and docs/ runs, so a stale statement fails a test.

The fenced ``python`` blocks of one page run in order, in one namespace, as a reader
reads them, against a FakeCloud: the working directory holds a
clouds.yaml whose cloud ``mycloud`` is that fake, and an ``id_ed25519.pub``. The names
the prose takes for granted (``cloud``, ``server``, ``network``, ``image``, ``flavor``,
``key``, ``keys``, ``admin_key``, a raw Nova server, an Ansible ``module``) are given. A block made of ``>>>``
lines is a doctest: its shown output must match. Functions named ``test_*`` that a block
defines are called too, with ``tmp_path``, ``monkeypatch`` and ``requests_mock`` when
they ask for them. A block preceded by ``<!-- not run: REASON -->`` is skipped; the
reason is required and the skipped blocks are listed in one test so they stay few.
"""

from __future__ import annotations

import doctest
import inspect
import pathlib
import re
from types import SimpleNamespace

import pytest
import requests_mock as requests_mock_module
import yaml

import normalizer
from normalizer.testing import FakeCloud

from tests.functional.conftest import KEY

REPO = pathlib.Path(__file__).resolve().parents[2]
DOCUMENTS = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
_FENCE = re.compile(r"(?P<skip><!-- not run: (?P<reason>[^>]*?) -->\s*\n)?^```python\n(?P<code>.*?)^```",
                    re.M | re.S)


def _blocks():
    for path in DOCUMENTS:
        text = path.read_text()
        for match in _FENCE.finditer(text):
            line = text.count("\n", 0, match.start("code"))
            yield path, line, match.group("code"), match.group("reason")


PAGES = sorted({str(path.relative_to(REPO)) for path, _, _, skip in _blocks() if skip is None})
SKIPPED = [(f"{path.relative_to(REPO)}:{line}", skip) for path, line, code, skip in _blocks() if skip is not None]


@pytest.fixture
def world(tmp_path, monkeypatch):
    """A FakeCloud named ``mycloud`` in the working directory's clouds.yaml, and what prose assumes."""
    with FakeCloud("fip") as fake:
        pathlib.Path("clouds.yaml").write_text(yaml.safe_dump(fake.clouds_yaml("mycloud")))
        pathlib.Path("id_ed25519.pub").write_text(KEY + "\n")
        cloud = normalizer.connect("mycloud")
        server = cloud.get_server("web1")
        names = {
            "normalizer": normalizer, "cloud": cloud, "fake": fake, "server": server,
            "network": cloud.get_private_network(), "image": cloud.pick_image("ubuntu"),
            "flavor": cloud.pick_flavor("t3.small"), "key": KEY, "keys": [KEY], "admin_key": KEY,
            "raw_nova_server": next(s for s in fake.servers if s["name"] == "web1"),
            "raw_fips_of_its_ports": [],
            "module": SimpleNamespace(params={"cloud": "mycloud"}, fail_json=_fail_json),
        }
        yield names, tmp_path, monkeypatch


def _fail_json(**fields):
    raise AssertionError(f"the example failed: {fields}")


def _call_tests(namespace, tmp_path, monkeypatch):
    for name, function in list(namespace.items()):
        if not (name.startswith("test_") and callable(function)):
            continue
        wanted = inspect.signature(function).parameters
        with requests_mock_module.Mocker(real_http=True) as mocker:
            offered = {"tmp_path": tmp_path, "monkeypatch": monkeypatch, "requests_mock": mocker}
            function(**{param: offered[param] for param in wanted})


def _run(code, namespace, tmp_path, monkeypatch, where):
    if code.lstrip().startswith(">>>"):
        test = doctest.DocTestParser().get_doctest(code, namespace, where, None, 0)
        runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
        runner.run(test, out=lambda text: pytest.fail(f"{where}: {text}", pytrace=False), clear_globs=False)
        return
    exec(compile(code, where, "exec"), namespace)  # noqa: S102 - our own docs
    _call_tests(namespace, tmp_path, monkeypatch)


@pytest.mark.parametrize("page", PAGES)
def test_examples_of_a_page_run_in_order(world, page):
    names, tmp_path, monkeypatch = world
    namespace = dict(names)
    for path, line, code, skip in _blocks():
        if skip is None and str(path.relative_to(REPO)) == page:
            _run(code, namespace, tmp_path, monkeypatch, f"{page}:{line + 1}")


def test_the_examples_that_do_not_run_are_few_and_say_why():
    assert all(reason.strip() for _, reason in SKIPPED)
    assert len(SKIPPED) <= 4, SKIPPED
    assert len(PAGES) >= 9


def test_the_testing_guide_lists_every_layout():
    from normalizer.testing import LAYOUTS

    guide = (REPO / "docs" / "testing.md").read_text()
    assert [name for name in LAYOUTS if f"| `{name}` |" not in guide] == []


def _documented_conformance():
    """Each layout's table in docs/provisioning.md: {layout: [(number, step, status, how), ...]}."""
    tables, layout = {}, None
    for line in (REPO / "docs" / "provisioning.md").read_text().splitlines():
        heading = re.fullmatch(r"### `([\w-]+)`", line)
        if heading:
            layout = heading.group(1)
            tables[layout] = []
        elif layout and re.match(r"\| \d ", line):
            number, step, status, how = (cell.strip() for cell in line.strip("|").split(" | "))
            tables[layout].append((int(number), step, status, how))
    return tables


@pytest.mark.parametrize("layout", sorted(_documented_conformance()))
def test_the_conformance_tables_in_the_provisioning_guide_are_what_conformance_says(layout):
    with FakeCloud(layout) as fake:
        steps = normalizer.connect(**fake.connect_kwargs()).conformance().steps
    shown = [(s.number, s.step, s.status, s.get("how") or s.get("why") or "") for s in steps]
    assert _documented_conformance()[layout] == shown
