"""``openstack-normalizer demo`` (the README's first command) and docs/cli.md, generated from the parser."""

from __future__ import annotations

import os
import pathlib
import re
import subprocess
import sys
import time

from normalizer.cli import main, render_markdown
from normalizer.cli.demo import DEMO_LAYOUTS

REPO = pathlib.Path(__file__).resolve().parents[2]
VERDICT = re.compile(r"^([1-8])  (.+?)  +((?:(?:native|bridged|unsupported) *)+)$")



def _check_demo_output(out: str) -> None:
    lines = out.splitlines()
    for name in DEMO_LAYOUTS:  # each layout, with the one line saying what it imitates
        assert any(line.split()[:1] == [name] and DEMO_LAYOUTS[name] in line for line in lines), name
    header = next(line for line in lines if line.startswith("#  step"))
    assert header.split()[2:] == list(DEMO_LAYOUTS)
    verdicts = [VERDICT.match(line) for line in lines]
    rows = {int(m.group(1)): m.group(3).split() for m in verdicts if m}
    assert sorted(rows) == list(range(1, 9))
    assert all(len(row) == len(DEMO_LAYOUTS) for row in rows.values())  # eight verdicts for each layout
    assert {row[list(DEMO_LAYOUTS).index("multi-external")] for row in rows.values()} <= {"native", "bridged"}
    for command in ("doctor --all-clouds", "server list --all-clouds"):
        assert f"$ openstack-normalizer {command}" in lines
    for name in DEMO_LAYOUTS:
        assert any(line.startswith(f"$ openstack-normalizer --os-cloud {name} server create demo1 ") for line in lines)
        assert f"$ openstack-normalizer --os-cloud {name} server delete demo1" in lines
    assert len([line for line in lines if re.fullmatch(r"ssh ubuntu@[0-9.]+", line)]) == len(DEMO_LAYOUTS)
    assert lines.count("#  step" + header[len("#  step"):]) == 1  # one table of verdicts, not one per cloud


def test_demo_in_process_stays_on_loopback_and_restores_the_environment(capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("OS_CLOUD", "my-real-cloud")
    monkeypatch.setenv("OS_AUTH_URL", "https://keystone.example.com/v3")
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    _check_demo_output(out)
    assert os.environ["OS_CLOUD"] == "my-real-cloud" and "OS_CLIENT_CONFIG_FILE" not in os.environ
    key_file = re.search(r"--key-file (\S+)", out).group(1)
    assert not os.path.exists(key_file) and not os.path.exists(os.path.dirname(key_file))


def test_demo_with_other_layouts_and_an_unknown_one(capsys):
    assert main(["demo", "--layout", "fip", "--layout", "ipv6-only"]) == 0
    out = capsys.readouterr().out
    assert "#  step" in out and "fip" in out and "ipv6-only" in out
    status = main(["demo", "--layout", "nope"])
    err = capsys.readouterr().err
    assert status == 2 and err.startswith("openstack-normalizer: error: no layout nope; the layouts are ")


def test_python_m_normalizer_demo_runs_in_under_60_seconds():
    env = {k: v for k, v in os.environ.items() if not k.startswith("OS_")}
    env["PYTHONPATH"] = str(REPO)
    started = time.monotonic()
    result = subprocess.run([sys.executable, "-m", "normalizer", "demo"], env=env, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""  # no terminal: no progress
    _check_demo_output(result.stdout)
    assert time.monotonic() - started < 60


def test_docs_cli_md_is_generated_from_the_parser():
    written = (REPO / "docs" / "cli.md").read_text(encoding="utf-8")
    assert written == render_markdown(), "docs/cli.md is stale: run python tools/gen_cli_docs.py"


def test_the_reference_covers_design_section_8():
    text = render_markdown()
    for option in ("--os-cloud NAME", "--os-region-name REGION", "-f, --format FORMAT", "-c, --column COLUMN",
                   "--sort-column COLUMN", "--debug", "-q, --quiet", "--version"):
        assert f"| `{option}` |" in text, option
    for command in ("clouds", "server list", "server show", "server plan", "server create", "server delete",
                    "network list", "flavor list", "flavor pick", "image list", "image pick", "explain", "doctor",
                    "orphans", "profile list", "profile show", "profile validate", "demo"):
        assert f"### `openstack-normalizer {command}`" in text, command


def test_gen_cli_docs_check_passes():
    result = subprocess.run([sys.executable, str(REPO / "tools" / "gen_cli_docs.py"), "--check"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
