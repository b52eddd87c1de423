"""The built wheel, installed into a fresh virtualenv next to ``requests``.

The wheel ships every package under ``normalizer/``, the vendor profiles, the FakeCloud
layouts, ``py.typed`` and the LICENSE; it installs the command ``openstack-normalizer``
and no command named ``normalizer``: that one belongs to charset-normalizer, which
requests installs, and must survive installing and uninstalling ours.

Network: the package index pip is configured with (PyPI by default), for ``requests`` and
the wheel's own requirements. The build itself is offline (``--no-build-isolation``), and
nothing else is contacted. Run it with ``make packaging``.
"""

from __future__ import annotations

import configparser
import os
import re
import shutil
import subprocess
import sys
import zipfile
from email.parser import HeaderParser
from pathlib import Path

import pytest

pytestmark = pytest.mark.packaging

REPO = Path(__file__).resolve().parents[2]
SOURCES = ("normalizer", "vendor_profiles", "setup.cfg", "setup.py", "pyproject.toml", "README.md", "LICENSE")
COMMAND = "openstack-normalizer"
# Read before the test fixtures give each test an empty HOME: pip's cache makes reruns fast.
PIP_CACHE = os.environ.get("PIP_CACHE_DIR") or str(
    Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "pip")


def _version() -> str:
    text = (REPO / "normalizer" / "_version.py").read_text(encoding="utf-8")
    return re.search(r"""^__version__\s*=\s*["']([^"']+)["']""", text, re.M).group(1)


def _env(home: Path) -> dict:
    """The environment of every subprocess: no OS_*/NORMALIZER_*, no venv or path leaking in."""
    skip = ("OS_", "NORMALIZER_", "PYTHON", "VIRTUAL_ENV")
    env = {k: v for k, v in os.environ.items() if not k.startswith(skip)}
    env.update(HOME=str(home), PIP_CACHE_DIR=PIP_CACHE, PIP_DISABLE_PIP_VERSION_CHECK="1",
               PIP_NO_INPUT="1")
    return env


def _run(argv: list, cwd: Path, env: dict, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run([str(a) for a in argv], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout, check=False)


def _ok(result: subprocess.CompletedProcess) -> subprocess.CompletedProcess:
    assert result.returncode == 0, f"{' '.join(result.args)} exited {result.returncode}:\n{result.stdout}\n{result.stderr}"
    return result


class Venv(dict):
    """The fresh virtualenv's facts; a short repr keeps failure reports readable."""

    def __repr__(self) -> str:
        return f"<venv {self['bin'].parent}>"


@pytest.fixture(scope="module")
def work(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("packaging")
    (path / "home").mkdir()
    return path


@pytest.fixture(scope="module")
def wheel(work: Path) -> Path:
    """The wheel built from a copy of the working tree (a build never writes into the tree)."""
    source = work / "src"
    source.mkdir()
    for name in SOURCES:
        if (REPO / name).is_dir():
            shutil.copytree(REPO / name, source / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy(REPO / name, source / name)
    out = work / "dist"
    _ok(_run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
              "--wheel-dir", out, source], work, _env(work / "home")))
    wheels = list(out.glob("*.whl"))
    assert len(wheels) == 1, wheels
    return wheels[0]


@pytest.fixture(scope="module")
def venv(work: Path, wheel: Path) -> Venv:
    """A fresh virtualenv with requests installed first, then the wheel.

    Returns the venv's bin directory and charset-normalizer's ``normalizer`` script as it
    was before the wheel was installed.
    """
    env = _env(work / "home")
    _ok(_run([sys.executable, "-m", "venv", work / "venv"], work, env, timeout=300))
    bin_dir = work / "venv" / "bin"
    _ok(_run([bin_dir / "python", "-m", "pip", "install", "--quiet", "requests"], work, env))
    before = (bin_dir / "normalizer").read_text(encoding="utf-8")
    _ok(_run([bin_dir / "python", "-m", "pip", "install", "--quiet", wheel], work, env))
    return Venv(bin=bin_dir, env=env, cwd=work / "home", normalizer_script_before=before)


def test_wheel_is_named_and_versioned(wheel: Path):
    assert wheel.name.startswith(f"openstack_normalizer-{_version()}-"), wheel.name
    with zipfile.ZipFile(wheel) as archive:
        (metadata,) = [n for n in archive.namelist() if n.endswith(".dist-info/METADATA")]
        headers = HeaderParser().parsestr(archive.read(metadata).decode("utf-8"))
    assert headers["Name"] == "openstack-normalizer"
    assert headers["Version"] == _version()
    assert headers["License-File"] == "LICENSE"
    urls = dict(u.split(", ", 1) for u in headers.get_all("Project-URL"))
    assert {"Source", "Documentation", "Changelog"} <= set(urls), urls
    assert "testing" in headers.get_all("Provides-Extra")


def test_wheel_contains_every_package_profile_layout_and_the_license(wheel: Path):
    names = set(zipfile.ZipFile(wheel).namelist())
    sources = {p.relative_to(REPO).as_posix() for p in (REPO / "normalizer").rglob("*.py")
               if "__pycache__" not in p.parts}
    assert [p for p in sorted(sources) if p not in names] == []          # every subpackage, found not listed
    profiles = sorted(p.name for p in (REPO / "vendor_profiles").glob("*.yaml"))
    layouts = sorted(p.name for p in (REPO / "normalizer" / "testing" / "layouts").glob("*.yaml"))
    assert len(profiles) >= 3 and len(layouts) >= 9
    assert [p for p in profiles if f"normalizer/vendor_profiles/{p}" not in names] == []
    assert [p for p in layouts if f"normalizer/testing/layouts/{p}" not in names] == []
    assert "normalizer/py.typed" in names
    licenses = [n for n in names if re.fullmatch(r"[^/]+\.dist-info/(licenses/)?LICENSE", n)]
    assert len(licenses) == 1, licenses
    text = zipfile.ZipFile(wheel).read(licenses[0]).decode("utf-8")
    assert "Apache License" in text and "Version 2.0, January 2004" in text


def test_wheel_installs_openstack_normalizer_and_no_normalizer_script(wheel: Path):
    with zipfile.ZipFile(wheel) as archive:
        (name,) = [n for n in archive.namelist() if n.endswith(".dist-info/entry_points.txt")]
        entry_points = configparser.ConfigParser(delimiters=("=",))
        entry_points.optionxform = str
        entry_points.read_string(archive.read(name).decode("utf-8"))
    scripts = dict(entry_points["console_scripts"])
    assert scripts == {COMMAND: "normalizer.cli:main"}
    assert not any(section.endswith("scripts") and "normalizer" in entry_points[section]
                   for section in entry_points.sections())


def test_openstack_normalizer_version(venv: dict):
    result = _ok(_run([venv["bin"] / COMMAND, "--version"], venv["cwd"], venv["env"], timeout=120))
    assert re.search(rf"(^|\s){re.escape(_version())}(\s|$)", result.stdout), result.stdout


def test_python_m_normalizer_version(venv: dict):
    result = _ok(_run([venv["bin"] / "python", "-m", "normalizer", "--version"], venv["cwd"], venv["env"],
                      timeout=120))
    assert re.search(rf"(^|\s){re.escape(_version())}(\s|$)", result.stdout), result.stdout


def test_installed_package_finds_its_profiles_and_dependencies(venv: dict):
    code = ("import normalizer, sys; assert normalizer.__file__.startswith(sys.prefix), normalizer.__file__; "
            "names = normalizer.list_profiles(); normalizer.load_profile('generic'); print(len(names))")
    result = _ok(_run([venv["bin"] / "python", "-c", code], venv["cwd"], venv["env"], timeout=120))
    expected = len([p for p in (REPO / "vendor_profiles").glob("*.yaml") if not p.stem.startswith("_")])
    assert int(result.stdout) == expected
    _ok(_run([venv["bin"] / "python", "-m", "pip", "check"], venv["cwd"], venv["env"], timeout=120))


# Last: it uninstalls the wheel from the module's virtualenv.
def test_charset_normalizers_script_is_untouched_by_install_and_uninstall(venv: dict):
    script = venv["bin"] / "normalizer"
    before = venv["normalizer_script_before"]
    assert "charset_normalizer" in before, before                 # requests brought it
    assert script.read_text(encoding="utf-8") == before           # installing ours left it alone
    _ok(_run([venv["bin"] / "python", "-m", "pip", "uninstall", "--yes", "--quiet", "openstack-normalizer"],
             venv["cwd"], venv["env"]))
    assert script.read_text(encoding="utf-8") == before           # and so did uninstalling ours
    assert not (venv["bin"] / COMMAND).exists()
