"""``python -m normalizer`` as a real process: exit statuses, progress on a terminal only, a closed pipe.

The clouds are FakeCloud served on 127.0.0.1 by this test process; the child finds them
through ``OS_CLIENT_CONFIG_FILE`` and its environment is this test's isolated one.
"""

from __future__ import annotations

import os
import pathlib
import pty
import re
import select
import subprocess
import sys
import time

import pytest
import yaml

from normalizer.testing import FakeCloud
from tests.functional.conftest import KEY

REPO = pathlib.Path(__file__).resolve().parents[2]



@pytest.fixture
def cloud(tmp_path):
    """FakeCloud ``fip`` on 127.0.0.1 (a new server builds for one poll), and the child's environment."""
    fake = FakeCloud("fip", build_polls=1)
    with fake.serve():
        path = tmp_path / "clouds.yaml"
        path.write_text(yaml.safe_dump(fake.clouds_yaml("fake")))
        key = tmp_path / "key.pub"
        key.write_text(KEY + "\n")
        env = {k: v for k, v in os.environ.items() if not k.startswith("OS_")}
        env.update(OS_CLIENT_CONFIG_FILE=str(path), OS_CLOUD="fake", PYTHONPATH=str(REPO), COLUMNS="80")
        yield fake, env, str(key)


def child(env, *argv, **kwargs):
    return subprocess.run([sys.executable, "-m", "normalizer", *argv], env=env, capture_output=True, text=True,
                          timeout=120, **kwargs)


def test_python_m_normalizer_lists_servers(cloud):
    _, env, _ = cloud
    result = child(env, "server", "list", "-f", "value", "-c", "name", "--sort-column", "name")
    assert (result.returncode, result.stdout, result.stderr) == (0, "db1\nweb1\n", "")


@pytest.mark.parametrize("argv,status,start", [
    (["--version"], 0, None),
    (["server", "show", "nope"], 1, "openstack-normalizer: NoMatch: fake: no server 'nope'"),
    (["--os-cloud", "elsewhere", "server", "list"], 2, "openstack-normalizer: UnknownCloudError: "),
    (["server", "frobnicate"], 2, "usage: openstack-normalizer server"),
])
def test_exit_statuses(cloud, argv, status, start):
    _, env, _ = cloud
    result = child(env, *argv)
    assert result.returncode == status
    if start is not None:
        assert result.stderr.startswith(start) and "Traceback" not in result.stderr


def test_server_create_shows_no_progress_in_a_pipe(cloud):
    fake, env, key = cloud
    result = child(env, "server", "create", "web9", "--image", "ubuntu-24.04", "--flavor", "t3.small",
                   "--key-file", key)
    assert result.returncode == 0 and result.stderr == ""
    assert result.stdout.splitlines()[-1] == "ssh ubuntu@203.0.113.4"


def _read_all(fd: int, process: subprocess.Popen) -> bytes:
    chunks = []
    while True:
        ready, _, _ = select.select([fd], [], [], 0.5)
        if ready:
            try:
                data = os.read(fd, 4096)
            except OSError:  # EIO: the child closed the terminal
                break
            if not data:
                break
            chunks.append(data)
        elif process.poll() is not None:
            break
    return b"".join(chunks)


def test_server_create_shows_steps_and_elapsed_time_on_a_terminal(cloud):
    fake, env, key = cloud
    master, slave = pty.openpty()
    process = subprocess.Popen([sys.executable, "-m", "normalizer", "server", "create", "web9", "--image",
                                "ubuntu-24.04", "--flavor", "t3.small", "--key-file", key],
                               env=env, stdout=subprocess.PIPE, stderr=slave)
    os.close(slave)
    try:
        progress = _read_all(master, process).decode()
        stdout = process.stdout.read().decode()
        assert process.wait(timeout=60) == 0
    finally:
        os.close(master)
        process.stdout.close()
    assert stdout.splitlines()[-1] == "ssh ubuntu@203.0.113.4"  # stdout stays clean
    lines = [line.split("\r\x1b[K")[-1] for line in progress.replace("\r\n", "\n").split("\n")]
    stamped = [line for line in lines if re.match(r"\[\s*\d+\.\ds\] ", line)]
    assert stamped[0].endswith("creating server 'web9' on fake/RegionOne")
    steps = [line.split("] ", 1)[1] for line in stamped]
    for step in ("boot", "wait for ACTIVE", "public address", "key removal"):
        assert f"fake: server 'web9': {step}" in steps
    assert steps[-1] == "creating server 'web9' on fake/RegionOne: done"
    # while Nova builds, a live line counts the seconds
    assert any(re.fullmatch(r"\[\s*\d+\.\ds\] fake: server 'web9': wait for ACTIVE \.\.\.", part)
               for part in progress.split("\r\x1b[K"))


def test_server_delete_progress_on_a_terminal_and_quiet_silences_it(cloud):
    fake, env, key = cloud
    assert child(env, "server", "create", "web9", "--image", "ubuntu-24.04", "--flavor", "t3.small",
                 "--key-file", key).returncode == 0
    master, slave = pty.openpty()
    process = subprocess.Popen([sys.executable, "-m", "normalizer", "-q", "server", "delete", "web9"],
                               env=env, stdout=subprocess.PIPE, stderr=slave)
    os.close(slave)
    try:
        progress = _read_all(master, process)
        assert process.wait(timeout=60) == 0 and progress == b""
    finally:
        os.close(master)
        process.stdout.close()


def test_a_closed_pipe_ends_quietly(cloud):
    _, env, _ = cloud
    read, write = os.pipe()
    process = subprocess.Popen([sys.executable, "-m", "normalizer", "profile", "list"], env=env, stdout=write,
                               stderr=subprocess.PIPE)
    os.close(write)
    os.close(read)  # like `| head` that has read enough before the command writes
    _, stderr = process.communicate(timeout=60)
    assert stderr.decode() == "" and process.returncode == 1


def test_head_reads_the_first_lines_and_nothing_complains(cloud):
    _, env, _ = cloud
    started = time.monotonic()
    result = subprocess.run(f"{sys.executable} -m normalizer profile show generic -f json | head -n 2",
                            shell=True, env=env, capture_output=True, text=True, timeout=60)
    assert result.stdout.splitlines()[0] == "{" and len(result.stdout.splitlines()) == 2 and result.stderr == ""
    assert time.monotonic() - started < 30
