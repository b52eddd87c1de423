"""Run the real ``ansible-playbook`` and ``ansible-inventory`` against FakeClouds served on 127.0.0.1.

The collection is used from this repository's ``ansible_collections/`` directory
(``ANSIBLE_COLLECTIONS_PATH`` points at the repository), so these tests exercise the
source tree; the test command also builds the collection with ``ansible-galaxy``.
Modules run on ``localhost`` with this interpreter, so they import this checkout of
normalizer. Every cloud is a FakeCloud served on 127.0.0.1 and named in a temporary
clouds.yaml that ``OS_CLIENT_CONFIG_FILE`` points at.
"""

from __future__ import annotations

import contextlib
import json
import os
import pathlib
import shutil
import subprocess
import sys
from dataclasses import dataclass, field

import pytest

from normalizer.testing import FakeCloud
from tests.functional.conftest import served_clouds

REPO = pathlib.Path(__file__).resolve().parents[2]
BIN = pathlib.Path(sys.executable).parent


def ansible_tool(name: str) -> str:
    """The path of an Ansible command installed next to this interpreter (or on PATH)."""
    found = BIN / name
    return str(found) if found.exists() else (shutil.which(name) or name)


@dataclass
class AnsibleWorld:
    """Served FakeClouds, their clouds.yaml, and the environment Ansible runs in."""

    fakes: dict[str, FakeCloud]
    workdir: pathlib.Path
    env: dict[str, str] = field(default_factory=dict)

    def playbook(self, text: str, *, check: bool = False, extra_vars: dict | None = None,
                 expect_failure: bool = False) -> dict:
        """Run a playbook (YAML text) on localhost; return the results document (callback_plugins/results_json)."""
        path = self.workdir / "playbook.yml"
        path.write_text(text)
        command = [ansible_tool("ansible-playbook"), "-i", str(self.workdir / "hosts.ini"), str(path)]
        if check:
            command.append("--check")
        if extra_vars:
            command += ["-e", json.dumps(extra_vars)]
        done = subprocess.run(command, cwd=self.workdir, env=self.env, capture_output=True, text=True,
                              timeout=300)
        if (done.returncode != 0) != expect_failure:
            raise AssertionError(f"ansible-playbook exited {done.returncode}:\n{done.stdout[-4000:]}\n"
                                 f"{done.stderr[-4000:]}")
        return json.loads(done.stdout)

    def inventory(self, text: str, name: str = "clouds.normalizer.yml") -> dict:
        """Run ``ansible-inventory --list`` on an inventory file (YAML text); return its JSON."""
        path = self.workdir / name
        path.write_text(text)
        done = subprocess.run([ansible_tool("ansible-inventory"), "-i", str(path), "--list"], cwd=self.workdir,
                              env=self.env, capture_output=True, text=True, timeout=300)
        if done.returncode != 0:
            raise AssertionError(f"ansible-inventory exited {done.returncode}:\n{done.stdout[-4000:]}\n"
                                 f"{done.stderr[-4000:]}")
        return json.loads(done.stdout, object_hook=_trusted)


def _trusted(mapping: dict):
    """ansible-inventory marks every string as unsafe (``{"__ansible_unsafe": text}``): the text."""
    return mapping["__ansible_unsafe"] if set(mapping) == {"__ansible_unsafe"} else mapping


def task_results(document: dict, play: int = 0) -> list[dict]:
    """The results on localhost of each task of one play, in order."""
    return [task["hosts"]["localhost"] for task in document["plays"][play]["tasks"]
            if "localhost" in task["hosts"]]


@contextlib.contextmanager
def serving(layouts: dict[str, str], tmp_path: pathlib.Path, **fake_options):
    """Serve one FakeCloud per ``{cloud name: layout}`` and write the world Ansible runs in.

    ``fake_options`` go to every FakeCloud (``build_polls=0``: servers are ACTIVE at once).
    """
    workdir = tmp_path / "ansible"
    workdir.mkdir()
    with served_clouds(layouts, workdir / "clouds.yaml", **fake_options) as fakes:
        (workdir / "hosts.ini").write_text(f"localhost ansible_connection=local ansible_python_interpreter={sys.executable}\n")
        env = {key: value for key, value in os.environ.items() if not key.startswith(("OS_", "ANSIBLE_"))}
        env.update({
            "OS_CLIENT_CONFIG_FILE": str(workdir / "clouds.yaml"),
            "ANSIBLE_COLLECTIONS_PATH": str(REPO),
            "ANSIBLE_CALLBACK_PLUGINS": str(pathlib.Path(__file__).parent / "callback_plugins"),
            "ANSIBLE_STDOUT_CALLBACK": "results_json",
            "ANSIBLE_LOCAL_TEMP": str(workdir / ".ansible-tmp"),
            "ANSIBLE_HOME": str(workdir / ".ansible"),
            "ANSIBLE_INVENTORY_CACHE_CONNECTION": str(workdir / ".inventory-cache"),
            "ANSIBLE_NOCOLOR": "1",
            "ANSIBLE_RETRY_FILES_ENABLED": "0",
            "ANSIBLE_PYTHON_INTERPRETER": sys.executable,
            "PYTHONPATH": str(REPO),
        })
        yield AnsibleWorld(fakes=fakes, workdir=workdir, env=env)


@pytest.fixture
def fip_world(tmp_path):
    """One cloud ``fip`` (floating IPs through a router) served on 127.0.0.1."""
    with serving({"fip": "fip"}, tmp_path) as world:
        yield world
