"""``openstack-normalizer``, in process: every command end to end against FakeCloud on 127.0.0.1.

The clouds are named in a temporary clouds.yaml found through ``OS_CLIENT_CONFIG_FILE``
(tests/conftest.py has already set every other ``OS_*`` variable aside).
"""

from __future__ import annotations

import csv
import io
import json

import pytest
import yaml

from normalizer.cli import main
from tests.functional.conftest import KEY, cli_clouds, run_cli as run


@pytest.fixture
def clouds(tmp_path, monkeypatch):
    """Two clouds (``fip``, ``direct``) served on 127.0.0.1 and named in a clouds.yaml; OS_CLOUD=fip."""
    with cli_clouds({"fip": "fip", "direct": "direct"}, tmp_path, monkeypatch, "fip", build_polls=0) as fakes:
        yield fakes


# --- global options -------------------------------------------------------------------------


def test_version(capsys):
    from normalizer import __version__

    status, out, _ = run(capsys, "--version")
    assert status == 0 and out == f"openstack-normalizer {__version__}\n"


def test_global_options_before_and_after_the_command(clouds, capsys):
    before = run(capsys, "--os-cloud", "direct", "-f", "value", "-c", "name", "--sort-column", "name",
                 "server", "list")
    after = run(capsys, "server", "list", "--os-cloud", "direct", "-f", "value", "-c", "name",
                "--sort-column", "name")
    assert before == after == (0, "app1\nweb1\n", "")


def test_os_region_name_is_passed_on(clouds, capsys):
    status, _, err = run(capsys, "--os-region-name", "RegionTwo", "server", "list")
    assert status == 1 and err.startswith("openstack-normalizer: ") and err.count("\n") == 1


def test_clouds_lists_the_configuration_without_contacting_any_cloud(clouds, capsys):
    status, out, _ = run(capsys, "clouds", "-f", "json")
    rows = json.loads(out)
    assert status == 0 and sorted(r["cloud"] for r in rows) == ["direct", "fip"]
    assert {r["profile"] for r in rows} == {"generic"} and clouds["fip"].password not in out
    assert all(fake.requests == [] for fake in clouds.values())


# --- servers --------------------------------------------------------------------------------


def test_server_list_table(clouds, capsys):
    status, out, _ = run(capsys, "server", "list")
    lines = out.splitlines()
    assert status == 0 and lines[0].split() == ["name", "state", "public_v4", "public_v6", "private_v4",
                                                "interface_ip", "login_user"]
    web1 = next(line.split() for line in lines if line.startswith("web1 "))
    assert web1 == ["web1", "running", "203.0.113.3", "-", "10.0.0.2", "203.0.113.3", "ubuntu"]


@pytest.mark.parametrize("fmt", ["json", "yaml"])
def test_server_list_json_and_yaml_are_whole_records(clouds, capsys, fmt):
    status, out, _ = run(capsys, "server", "list", "-f", fmt, "--sort-column", "name")
    records = json.loads(out) if fmt == "json" else yaml.safe_load(out)
    assert status == 0 and [r["name"] for r in records] == ["db1", "web1"]
    assert records[1]["interface_ip"] == "203.0.113.3" and records[1]["image"]["distro"] == "ubuntu"
    assert records[1]["location"]["cloud"] == "fip"


@pytest.mark.parametrize("fmt", ["json", "yaml"])
def test_columns_limit_json_and_yaml(clouds, capsys, fmt):
    status, out, _ = run(capsys, "server", "list", "-f", fmt, "-c", "name", "-c", "image.distro",
                         "--sort-column", "name")
    records = json.loads(out) if fmt == "json" else yaml.safe_load(out)
    assert records == [{"name": "db1", "image.distro": "debian"}, {"name": "web1", "image.distro": "ubuntu"}]


def test_server_list_value_and_csv(clouds, capsys):
    status, out, _ = run(capsys, "server", "list", "-f", "value", "-c", "name", "-c", "public_v4",
                         "--sort-column", "name")
    assert status == 0 and out == "db1 \nweb1 203.0.113.3\n"  # a missing value is an empty cell
    status, out, _ = run(capsys, "server", "list", "-f", "csv", "-c", "name", "-c", "private_v4",
                         "--sort-column", "name")
    assert list(csv.reader(io.StringIO(out))) == [["name", "private_v4"], ["db1", "10.0.0.3"],
                                                   ["web1", "10.0.0.2"]]


def test_sort_column_sorts_numbers_as_numbers(clouds, capsys):
    status, out, _ = run(capsys, "flavor", "list", "-f", "value", "-c", "ram", "--sort-column", "ram")
    rams = [int(line) for line in out.split()]
    assert status == 0 and rams == sorted(rams) and rams[0] == 512


def test_server_list_all_clouds(clouds, capsys):
    status, out, err = run(capsys, "server", "list", "--all-clouds", "-f", "value", "-c", "cloud", "-c", "name")
    assert status == 0 and err == ""
    assert out.splitlines() == ["direct app1", "direct web1", "fip db1", "fip web1"]
    status, out, _ = run(capsys, "server", "list", "--all-clouds")
    assert out.splitlines()[0].split()[:3] == ["cloud", "region", "name"]


def test_server_list_all_clouds_reports_a_failing_cloud_and_lists_the_others(clouds, capsys):
    clouds["direct"].inject("GET", r"^/compute/v2\.1/servers/detail", status=403, times=50,
                            json={"forbidden": {"code": 403, "message": "Policy does not allow this"}})
    status, out, err = run(capsys, "server", "list", "--all-clouds", "-f", "value", "-c", "cloud", "-c", "name")
    assert status == 1
    assert out.splitlines() == ["fip db1", "fip web1"]
    assert err.count("\n") == 1 and err.startswith("openstack-normalizer: direct/RegionOne: ")
    assert "Policy does not allow this" in err


def test_server_show(clouds, capsys):
    status, out, _ = run(capsys, "server", "show", "web1")
    lines = out.splitlines()
    assert status == 0 and lines[0].split() == ["Field", "Value"]
    assert "interface_ip     203.0.113.3" in lines and "image.distro     ubuntu" in lines
    assert lines[-1] == "ssh ubuntu@203.0.113.3"
    status, out, _ = run(capsys, "server", "show", "web1", "-f", "json")
    assert json.loads(out)["public_v4"] == "203.0.113.3"
    status, out, _ = run(capsys, "server", "show", "web1", "-f", "value", "-c", "interface_ip", "-c", "login_user")
    assert out == "203.0.113.3\nubuntu\n"
    status, out, _ = run(capsys, "server", "show", "web1", "-f", "csv", "-c", "name", "-c", "state")
    assert out == "name,state\nweb1,running\n"
    status, out, _ = run(capsys, "server", "show", "web1", "-f", "yaml", "-c", "addresses")
    assert [a["addr"] for a in yaml.safe_load(out)["addresses"]] == ["10.0.0.2", "203.0.113.3"]


def test_server_show_of_a_missing_server_fails_with_status_1(clouds, capsys):
    status, out, err = run(capsys, "server", "show", "nope")
    assert status == 1 and out == "" and err.startswith("openstack-normalizer: NoMatch: fip: no server 'nope'")


def test_server_plan(clouds, capsys, key_file):
    status, out, _ = run(capsys, "server", "plan", "web9", "--image", "ubuntu-24.04", "--flavor", "t3.small",
                         "--key-file", key_file)
    assert status == 0 and "floating_ip_pool" in out and "login_user        ubuntu" in out
    assert "smallest satisfying flavor" in out and "temporary keypair" in out
    status, out, _ = run(capsys, "server", "plan", "web9", "--image", "ubuntu-24.04", "--flavor", "t3.small",
                         "-f", "json")
    plan = json.loads(out)
    assert plan["login_user"] == "ubuntu" and {s["subject"] for s in plan["steps"]} >= {"image", "boot network"}
    assert clouds["fip"].calls("POST") == [c for c in clouds["fip"].calls("POST") if "auth/tokens" in c.path]


def test_server_create_prints_ssh_last_and_creates_the_server(clouds, capsys, key_file, tmp_path):
    root = tmp_path / "root.pub"
    root.write_text("# admins\n" + KEY.replace("me@example", "root@example") + "\n")
    userdata = tmp_path / "userdata.txt"
    userdata.write_text("#cloud-config\npackages: [htop]\n")
    status, out, err = run(capsys, "server", "create", "web9", "--image", "ubuntu-24.04", "--flavor", "t3.small",
                           "--key-file", key_file, "--root-key", str(root), "--userdata", str(userdata),
                           "--property", "role=web", "--property", "tier=1")
    assert status == 0 and err == ""  # no progress: stderr is not a terminal
    server = next(s for s in clouds["fip"].servers if s["name"] == "web9")
    assert out.splitlines()[-1] == f"ssh ubuntu@{server['addresses']['private'][1]['addr']}"
    assert server["metadata"]["role"] == "web" and server["metadata"]["tier"] == "1"
    body = clouds["fip"].calls("POST", "/compute/v2.1/servers")[0].json["server"]
    assert "user_data" in body
    assert not [k for k in clouds["fip"].keypairs if k["name"].startswith("normalizer-web9")]


def test_server_create_json_output_stays_json(clouds, capsys, key_file):
    status, out, _ = run(capsys, "--os-cloud", "direct", "server", "create", "web9", "--image", "ubuntu-24.04",
                         "--flavor", "t3.small", "--key-file", key_file, "-f", "json")
    assert status == 0 and json.loads(out)["public_v6"].startswith("2604:e100:1::")


def test_server_create_without_a_key_is_a_usage_error(clouds, capsys):
    status, out, err = run(capsys, "server", "create", "web9", "--image", "ubuntu-24.04", "--flavor", "t3.small")
    assert status == 2 and out == ""
    assert err.startswith("openstack-normalizer: error: pass --key-file") and err.count("\n") == 1
    assert clouds["fip"].requests == []


def test_server_create_uses_the_default_key_file(clouds, capsys, tmp_path):
    ssh = tmp_path / "home" / ".ssh"
    ssh.mkdir()
    (ssh / "id_ed25519.pub").write_text(KEY + "\n")
    status, out, _ = run(capsys, "server", "create", "web9", "--image", "ubuntu-24.04", "--flavor", "t3.small",
                         "--no-auto-ip", "-f", "value", "-c", "public_v4", "-c", "key_name")
    assert status == 0 and out.splitlines()[0] == ""  # no floating IP asked for


@pytest.mark.parametrize("argv,message", [
    (["--key-file", "KEY", "--property", "novalue"], "--property novalue: write it as key=value"),
    (["--key-file", "/nonexistent.pub"], "cannot read --key-file /nonexistent.pub"),
    (["--key-file", "KEY", "--key-name", "k"], "not allowed with argument"),
    (["--key-file", "KEY", "--timeout", "-5"], "ConfigError: timeout must be a positive number"),
])
def test_server_create_usage_errors_exit_2(clouds, capsys, key_file, argv, message):
    argv = [key_file if a == "KEY" else a for a in argv]
    status, _, err = run(capsys, "server", "create", "web9", "--image", "ubuntu-24.04", "--flavor", "t3.small", *argv)
    assert status == 2 and message in err


def test_server_create_failure_exits_1_and_names_the_step(clouds, capsys, key_file):
    clouds["fip"].fail_builds("No valid host was found.")
    status, out, err = run(capsys, "server", "create", "web9", "--image", "ubuntu-24.04", "--flavor", "t3.small",
                           "--key-file", key_file)
    assert status == 1 and out == ""
    assert err.startswith("openstack-normalizer: ProvisionError: fip: creating server 'web9' failed at step")
    assert "No valid host" in err and err.count("\n") == 1


def test_server_delete(clouds, capsys, key_file):
    assert run(capsys, "server", "create", "web9", "--image", "ubuntu-24.04", "--flavor", "t3.small",
               "--key-file", key_file)[0] == 0
    fips_before = len(clouds["fip"].floating_ips)
    status, out, _ = run(capsys, "server", "delete", "web9")
    assert status == 0 and out.startswith("deleted server web9 (") and "released 1 floating IP" in out
    assert len(clouds["fip"].floating_ips) == fips_before - 1
    assert "web9" not in [s["name"] for s in clouds["fip"].servers]
    status, _, err = run(capsys, "server", "delete", "web9")
    assert status == 1 and "no server 'web9' to delete" in err


def test_server_delete_keep_ips_no_wait_then_orphans(clouds, capsys, key_file):
    assert run(capsys, "server", "create", "web9", "--image", "ubuntu-24.04", "--flavor", "t3.small",
               "--key-file", key_file)[0] == 0
    status, out, _ = run(capsys, "server", "delete", "web9", "--keep-ips", "--no-wait", "-f", "json")
    assert status == 0 and json.loads(out)["released_floating_ips"] == []
    # the floating IP made for web9 outlives it: an orphan
    status, out, _ = run(capsys, "orphans", "-f", "json")
    orphans = json.loads(out)
    assert status == 0 and [o["kind"] for o in orphans] == ["floating_ip"] and "no longer exists" in orphans[0]["reason"]
    status, out, _ = run(capsys, "orphans")
    assert out.splitlines()[0].split() == ["kind", "name", "id", "server_id", "age", "reason"]
    status, out, _ = run(capsys, "orphans", "--delete", "-f", "value", "-c", "kind", "-c", "outcome")
    assert status == 0 and out == "floating_ip removed\n"
    assert run(capsys, "orphans", "-f", "json")[1].strip() == "[]"


def test_orphans_older_than_skips_young_ones(clouds, capsys, key_file):
    run(capsys, "server", "create", "web9", "--image", "ubuntu-24.04", "--flavor", "t3.small", "--key-file", key_file)
    run(capsys, "server", "delete", "web9", "--keep-ips")
    status, out, _ = run(capsys, "orphans", "--delete", "--older-than", "1e10", "-f", "value", "-c", "outcome")
    assert status == 0 and out.startswith("skipped: ")


# --- networks, flavors, images --------------------------------------------------------------


def test_network_list_shows_roles_and_reasons(clouds, capsys):
    status, out, _ = run(capsys, "network", "list", "-f", "json")
    roles = {n["name"]: n["role"] for n in json.loads(out)}
    assert status == 0 and roles == {"private": ["private"], "ext-net": ["external"]}
    status, out, _ = run(capsys, "network", "list")
    assert out.splitlines()[0].split()[:2] == ["name", "role"] and "reason" in out.splitlines()[0]
    status, out, _ = run(capsys, "--os-cloud", "direct", "network", "list", "-f", "value", "-c", "name", "-c", "role")
    assert out == "public public\n"


def test_flavor_list_and_pick(clouds, capsys):
    status, out, _ = run(capsys, "flavor", "list", "-f", "csv", "-c", "name")
    assert status == 0 and "m1.small" in out.splitlines()
    status, out, _ = run(capsys, "flavor", "pick", "t3.small", "-f", "value", "-c", "name")
    assert status == 0 and out == "m1.medium\n"
    status, out, _ = run(capsys, "flavor", "pick", "--min-ram", "8000", "-f", "value", "-c", "name")
    assert out == "m1.large\n"
    status, out, _ = run(capsys, "flavor", "pick", "t3.small")
    assert out.splitlines()[0].split() == ["Field", "Value"] and "name         m1.medium" in out


def test_flavor_pick_errors(clouds, capsys):
    status, _, err = run(capsys, "flavor", "pick")
    assert status == 2 and "flavor pick needs a SPEC" in err
    status, _, err = run(capsys, "flavor", "pick", "t9.nonsense")
    assert status == 1 and err.startswith("openstack-normalizer: NoMatch: ")


def test_image_list_and_pick(clouds, capsys):
    status, out, _ = run(capsys, "image", "list", "-f", "yaml")
    assert status == 0 and "debian-12" in [i["name"] for i in yaml.safe_load(out)]
    status, out, _ = run(capsys, "image", "pick", "debian-12", "-f", "value", "-c", "name", "-c", "login_user")
    assert out == "debian-12\ndebian\n"
    status, _, err = run(capsys, "image", "pick")
    assert status == 2 and "image pick needs an ALIAS" in err


# --- explain, doctor -------------------------------------------------------------------------


def test_explain_a_role_shows_value_rule_reason_and_alternatives(clouds, capsys):
    status, out, _ = run(capsys, "explain", "external_network")
    lines = out.splitlines()
    assert status == 0 and lines[0].startswith("external network")
    assert lines[1].startswith("  rule:") and lines[2].startswith("  reason:") and lines[3] == "  considered:"
    status, out, _ = run(capsys, "explain", "external_network", "-f", "json")
    assert set(json.loads(out)) >= {"subject", "value", "rule", "reason", "considered"}


@pytest.mark.parametrize("argv,first", [
    (["web1", "public_v4"], "public_v4 of server 'web1': '203.0.113.3'"),
    (["web1"], "interface_ip of server 'web1': '203.0.113.3'"),
    (["--flavor", "t3.small"], "flavor for t3.small"),
    (["--image", "ubuntu-24.04"], "image"),
    (["private"], "roles of network 'private'"),
    (["debian-12"], "login user of image 'debian-12'"),
])
def test_explain_subjects(clouds, capsys, argv, first):
    status, out, _ = run(capsys, "explain", *argv)
    assert status == 0 and out.startswith(first) and "\n  rule:" in out and "\n  reason:" in out


def test_explain_errors(clouds, capsys):
    status, _, err = run(capsys, "explain")
    assert status == 2 and "explain needs a SUBJECT" in err
    status, _, err = run(capsys, "explain", "nothing-here")
    assert status == 1 and "nothing named 'nothing-here' to explain" in err


def test_doctor_one_cloud(clouds, capsys):
    status, out, _ = run(capsys, "doctor")
    lines = out.splitlines()
    assert status == 0 and lines[0] == "fip:" and lines[1].split() == ["number", "step", "status", "how"]
    assert len(lines) == 10 and lines[6].split()[:1] == ["5"] and "bridged" in lines[6]
    status, out, _ = run(capsys, "doctor", "-f", "json")
    steps = json.loads(out)
    assert [s["number"] for s in steps] == list(range(1, 9)) and {s["cloud"] for s in steps} == {"fip"}
    assert {s["status"] for s in steps} <= {"native", "bridged", "unsupported"}


def test_doctor_all_clouds_shows_the_verdicts_side_by_side(clouds, capsys):
    status, out, _ = run(capsys, "doctor", "--all-clouds")
    lines = out.splitlines()
    assert status == 0 and lines[0].split() == ["#", "step", "direct", "fip"]
    step5 = next(line for line in lines if line.startswith("5 "))
    assert step5.split()[-2:] == ["native", "bridged"]
    assert "  native on every cloud: Nova imports the public key as a keypair; cloud-init installs it" in lines
    status, out, _ = run(capsys, "doctor", "--all-clouds", "-f", "csv", "-c", "cloud", "-c", "number", "-c", "status")
    assert len(out.splitlines()) == 1 + 16


def test_doctor_probe_boots_and_removes_a_server(clouds, capsys):
    before = [s["name"] for s in clouds["fip"].servers]
    status, out, _ = run(capsys, "doctor", "--probe", "-f", "json")
    assert status == 0 and len(json.loads(out)) == 8
    assert [s["name"] for s in clouds["fip"].servers] == before
    assert clouds["fip"].calls("POST", "/compute/v2.1/servers")


# --- profiles --------------------------------------------------------------------------------


def test_profile_list_show_validate(capsys, tmp_path):
    status, out, _ = run(capsys, "profile", "list", "-f", "json")
    statuses = {p["name"]: p["status"] for p in json.loads(out)}
    assert status == 0 and statuses["generic"] == "active" and statuses["hpcloud"] == "shutdown"
    status, out, _ = run(capsys, "profile", "show", "generic")
    assert status == 0 and yaml.safe_load(out)["name"] == "generic"
    status, out, _ = run(capsys, "profile", "show", "generic", "-f", "json", "-c", "network.prefer_ipv6")
    assert json.loads(out) == {"network.prefer_ipv6": False}
    good = tmp_path / "mycloud.yaml"
    good.write_text("name: mycloud\ndisplay_name: My Cloud\nstatus: active\n")
    status, out, err = run(capsys, "profile", "validate", str(good), "-f", "value", "-c", "name", "-c", "valid")
    assert (status, out, err) == (0, "mycloud True\n", "")
    bad = tmp_path / "broken.yaml"
    bad.write_text("name: broken\nnetwork: {public_acces: direct}\n")
    status, out, err = run(capsys, "profile", "validate", str(bad))
    assert status == 2 and out == "" and err.startswith("openstack-normalizer: ProfileError: ")


def test_profile_show_of_an_unknown_profile_exits_2(capsys):
    status, _, err = run(capsys, "profile", "show", "no-such-vendor")
    assert status == 2 and err.count("\n") == 1 and "UnknownProfileError" in err and "known profiles" in err


# --- errors ----------------------------------------------------------------------------------


def test_no_configuration_is_a_configuration_error(capsys):
    status, out, err = run(capsys, "server", "list")
    assert status == 2 and out == "" and err.startswith("openstack-normalizer: ConfigError: no cloud is configured")


def test_unknown_cloud_exits_2_in_one_line(clouds, capsys):
    status, _, err = run(capsys, "--os-cloud", "nope", "server", "list")
    assert status == 2 and err.count("\n") == 1
    assert err.startswith("openstack-normalizer: UnknownCloudError: cloud 'nope' is not defined")


def test_debug_adds_the_traceback(clouds, capsys):
    status, _, err = run(capsys, "--debug", "--os-cloud", "nope", "server", "list")
    assert status == 2 and "Traceback (most recent call last)" in err
    assert err.splitlines()[-1].startswith("openstack-normalizer: UnknownCloudError: ")


def test_a_cloud_that_fails_exits_1(clouds, capsys):
    clouds["fip"].inject("GET", r"^/compute/v2\.1/flavors/detail", status=500, times=50,
                         json={"computeFault": {"code": 500, "message": "boom"}})
    status, out, err = run(capsys, "flavor", "list")
    assert status == 1 and out == "" and err.count("\n") == 1 and "boom" in err


@pytest.mark.parametrize("argv", [["show"], ["profiles"], ["server"], ["server", "list", "-f", "xml"],
                                  ["frobnicate"], ["server", "list", "--no-such-option"]])
def test_usage_errors_and_the_old_spellings_exit_2(capsys, argv):
    status, out, err = run(capsys, *argv)
    assert status == 2 and out == "" and "usage: openstack-normalizer" in err


def test_help_exits_0(capsys):
    status, out, _ = run(capsys, "server", "create", "--help")
    assert status == 0 and "ssh USER@ADDRESS" in out and "output formatters" in out


def test_a_closed_stdout_ends_quietly(clouds, capsys, monkeypatch):
    class Closed(io.StringIO):
        def write(self, text):
            raise BrokenPipeError(32, "Broken pipe")
    monkeypatch.setattr("sys.stdout", Closed())
    status = main(["server", "list"])
    assert status == 1 and capsys.readouterr().err == ""


def test_an_internal_error_is_one_line_too(clouds, capsys, monkeypatch):
    monkeypatch.setattr("normalizer.cloud.Cloud.list_flavors", lambda self, **kw: 1 / 0)
    status, _, err = run(capsys, "flavor", "list")
    assert status == 1 and err.count("\n") == 1
    assert err.startswith("openstack-normalizer: internal error: ZeroDivisionError: ") and "--debug" in err


def test_an_unknown_column_is_a_usage_error(clouds, capsys):
    status, out, err = run(capsys, "server", "list", "-c", "nmae")
    assert status == 2 and out == "" and err.startswith("openstack-normalizer: error: -c nmae: no such column; ")
    assert "interface_ip" in err
    status, _, err = run(capsys, "flavor", "list", "--sort-column", "size")
    assert status == 2 and "--sort-column size: no such column" in err


def test_warnings_are_one_line_and_quiet_silences_them(clouds, capsys, tmp_path, monkeypatch):
    document = clouds["direct"].clouds_yaml("old")
    document["clouds"]["old"]["profile"] = "dreamhost"
    path = tmp_path / "old.yaml"
    path.write_text(yaml.safe_dump(document))
    monkeypatch.setenv("OS_CLIENT_CONFIG_FILE", str(path))
    status, _, err = run(capsys, "--os-cloud", "old", "flavor", "list", "-f", "value", "-c", "name")
    assert status == 0 and err.startswith("openstack-normalizer: warning: profile 'dreamhost' is deprecated")
    assert err.count("\n") == 1
    status, _, err = run(capsys, "-q", "--os-cloud", "old", "flavor", "list")
    assert status == 0 and err == ""


def test_server_create_without_an_address_says_so(clouds, capsys, key_file):
    status, out, err = run(capsys, "server", "create", "web9", "--image", "ubuntu-24.04", "--flavor", "t3.small",
                           "--key-file", key_file, "--no-auto-ip")
    assert status == 0 and not out.splitlines()[-1].startswith("ssh ")
    assert err == "openstack-normalizer: warning: server 'web9' has no address to SSH to; " \
                  "see: openstack-normalizer explain web9 interface_ip\n"
