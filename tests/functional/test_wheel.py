"""The built wheel carries every vendor profile and FakeCloud layout, and loads them."""

import pathlib
import shutil
import subprocess
import sys
import zipfile

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    source = tmp_path_factory.mktemp("src")
    for name in ("normalizer", "vendor_profiles"):
        shutil.copytree(REPO / name, source / name, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("setup.cfg", "pyproject.toml", "README.md"):
        shutil.copy(REPO / name, source / name)
    out = tmp_path_factory.mktemp("dist")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
                    "--wheel-dir", str(out), str(source)], check=True, capture_output=True, timeout=300)
    return next(out.glob("normalizer-*.whl"))


def test_wheel_contains_every_profile_and_layout(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    profiles = sorted(p.name for p in (REPO / "vendor_profiles").glob("*.yaml"))
    layouts = sorted(p.name for p in (REPO / "normalizer" / "testing" / "layouts").glob("*.yaml"))
    assert len(profiles) >= 3 and len(layouts) >= 9
    assert [p for p in profiles if f"normalizer/vendor_profiles/{p}" not in names] == []
    assert [p for p in layouts if f"normalizer/testing/layouts/{p}" not in names] == []


def test_installed_wheel_finds_its_profiles(wheel, tmp_path):
    target = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(target)
    code = ("import normalizer, sys; names = normalizer.list_profiles(); "
            "assert 'generic' in names, names; normalizer.load_profile('generic'); print(len(names))")
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True,
                            env={"PYTHONPATH": str(target), "HOME": str(tmp_path)}, timeout=60)
    assert result.returncode == 0, result.stderr
    expected = len([p for p in (REPO / "vendor_profiles").glob("*.yaml") if not p.stem.startswith("_")])
    assert int(result.stdout) == expected
