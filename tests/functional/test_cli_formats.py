"""Every command of ``openstack-normalizer`` in every output format, against FakeCloud on 127.0.0.1.

JSON and YAML must parse (a list for listings, a mapping for one object), CSV must have a
header and rows of the same width, value and table must say something; nothing may go to
stderr.
"""

from __future__ import annotations

import csv
import io
import json

import pytest
import yaml

from normalizer.cli import main
from tests.functional.conftest import KEY, served_clouds

FORMATS = ("table", "json", "yaml", "value", "csv")
PROFILE = "name: mycloud\ndisplay_name: My Cloud\nstatus: active\n"

#: (argv, listing?) for every command that reads; create and delete have their own test.
READS = [
    (["clouds"], True),
    (["server", "list"], True),
    (["server", "list", "--all-clouds"], True),
    (["server", "show", "web1"], False),
    (["server", "plan", "web9", "--image", "ubuntu-24.04", "--flavor", "t3.small", "--key-file", "KEY"], False),
    (["network", "list"], True),
    (["flavor", "list"], True),
    (["flavor", "pick", "t3.small"], False),
    (["image", "list"], True),
    (["image", "pick", "ubuntu-24.04"], False),
    (["explain", "external_network"], False),
    (["explain", "web1", "public_v4"], False),
    (["explain", "--flavor", "t3.small"], False),
    (["doctor"], True),
    (["doctor", "--all-clouds"], True),
    (["orphans"], True),
    (["orphans", "--delete"], True),
    (["profile", "list"], True),
    (["profile", "show", "generic"], False),
    (["profile", "validate", "PROFILE"], True),
]



@pytest.fixture
def files(tmp_path, monkeypatch):
    with served_clouds({"fip": "fip", "split-stack": "split-stack"}, tmp_path / "clouds.yaml", build_polls=0):
        (tmp_path / "key.pub").write_text(KEY + "\n")
        (tmp_path / "mycloud.yaml").write_text(PROFILE)
        monkeypatch.setenv("OS_CLIENT_CONFIG_FILE", str(tmp_path / "clouds.yaml"))
        monkeypatch.setenv("OS_CLOUD", "fip")
        yield {"KEY": str(tmp_path / "key.pub"), "PROFILE": str(tmp_path / "mycloud.yaml")}


def check(fmt: str, out: str, listing: bool) -> None:
    assert out.strip(), "no output"
    if fmt == "json":
        assert isinstance(json.loads(out), list if listing else dict)
    elif fmt == "yaml":
        assert isinstance(yaml.safe_load(out), list if listing else dict)
    elif fmt == "csv":
        rows = list(csv.reader(io.StringIO(out)))
        assert len(rows) >= 1 and all(len(row) == len(rows[0]) for row in rows)
        assert len(rows) == 2 or listing
    elif fmt == "table":
        assert "Traceback" not in out


@pytest.mark.parametrize("argv,listing", READS, ids=[" ".join(a) for a, _ in READS])
def test_every_read_command_in_every_format(files, capsys, argv, listing):
    argv = [files.get(a, a) for a in argv]
    for fmt in FORMATS:
        status = main([*argv, "-f", fmt])
        captured = capsys.readouterr()
        assert status == 0, (fmt, captured.err)
        assert captured.err == "", fmt
        if argv[0] == "orphans" and fmt in ("table", "csv", "value"):
            continue  # nothing to list: a header (table, csv) or nothing (value)
        check(fmt, captured.out, listing)


@pytest.mark.parametrize("fmt", FORMATS)
def test_create_and_delete_in_every_format(files, capsys, fmt):
    name = f"web-{fmt}"
    status = main(["server", "create", name, "--image", "ubuntu-24.04", "--flavor", "t3.small",
                   "--key-file", files["KEY"], "-f", fmt])
    out = capsys.readouterr().out
    assert status == 0
    if fmt == "table":
        assert out.splitlines()[-1] == "ssh ubuntu@203.0.113.4"
    else:
        assert "ssh ubuntu@" not in out  # only the table format ends with the ssh line
        check(fmt, out, False)
    status = main(["server", "delete", name, "-f", fmt])
    out = capsys.readouterr().out
    assert status == 0
    check(fmt, out, False)
