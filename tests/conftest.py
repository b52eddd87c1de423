"""Test isolation shared by every tier.

No test may read the developer's clouds.yaml, secure.yaml, profile directory or ``OS_*``
variables, and no test may reach anything but 127.0.0.1: the autouse fixture below gives
each test an empty HOME, an empty working directory and an environment without ``OS_*``.
"""

import os

import pytest


@pytest.fixture(autouse=True)
def isolated_environment(tmp_path, monkeypatch):
    for key in list(os.environ):
        if key.startswith("OS_") or key.startswith("NORMALIZER_"):
            monkeypatch.delenv(key, raising=False)
    home = tmp_path / "home"
    work = tmp_path / "work"
    home.mkdir()
    work.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.chdir(work)
    # /etc/openstack is the site config dir: never read the machine's real one in tests.
    import normalizer.config

    monkeypatch.setattr(normalizer.config, "SITE_CONFIG_DIRS", (str(tmp_path / "etc-openstack"),))
    yield tmp_path
