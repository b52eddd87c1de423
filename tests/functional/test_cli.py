import pytest

from normalizer.cli import format_table, main


def test_demo_serves_a_fake_cloud_over_http_and_prints_it(capsys):
    assert main(["demo", "--layout", "fip"]) == 0
    out = capsys.readouterr().out
    assert "=== layout 'fip'" in out and "http://127.0.0.1:" in out
    web = next(line for line in out.splitlines() if line.startswith("web1 "))
    assert "running" in web and "203.0.113." in web and "10.0.0." in web


def test_profiles_lists_every_status_without_raising(capsys):
    assert main(["profiles"]) == 0
    lines = capsys.readouterr().out.splitlines()
    statuses = {line.split()[0]: line.split()[1] for line in lines}
    assert statuses["generic"] == "active" and statuses["hpcloud"] == "shutdown"


def test_errors_are_one_line_and_exit_2(capsys):
    assert main(["profile", "no-such-vendor"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "UnknownProfileError" in err and "known profiles" in err


def test_show_without_configuration_explains_how_to_configure(capsys):
    assert main(["show"]) == 2
    assert "ConfigError" in capsys.readouterr().err


@pytest.mark.parametrize("items,expected", [
    ([{"name": "a", "n": [1, 2]}], "name  n\na     1,2"),
    ([{"name": "b", "n": None}], "name  n\nb     -"),
])
def test_format_table(items, expected):
    assert format_table(items, ("name", "n")) == expected
