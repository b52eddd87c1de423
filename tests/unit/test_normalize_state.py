"""Nova status -> AWS state table."""

from __future__ import annotations

import pytest

from normalizer.normalize import AWS_STATES, server_state


@pytest.mark.parametrize("status,state", [
    ("ACTIVE", "running"),
    ("RESCUE", "running"),  # stable and powered on; raw status keeps "RESCUE"
    ("BUILD", "pending"), ("REBUILD", "pending"), ("REBOOT", "pending"), ("HARD_REBOOT", "pending"),
    ("PASSWORD", "pending"), ("RESIZE", "pending"), ("VERIFY_RESIZE", "pending"),
    ("REVERT_RESIZE", "pending"), ("MIGRATING", "pending"),
    ("SHUTOFF", "stopped"), ("SUSPENDED", "stopped"), ("PAUSED", "stopped"), ("SHELVED", "stopped"),
    ("SHELVED_OFFLOADED", "stopped"),
    ("DELETED", "terminated"), ("SOFT_DELETED", "terminated"),
    ("ERROR", "error"),
    ("UNKNOWN", "unknown"), ("", "unknown"), ("SOMETHING_NEW", "unknown"), (None, "unknown"),
])
def test_status_table(status, state):
    assert server_state(status) == state


@pytest.mark.parametrize("status", ["active", "Active", " ACTIVE "])
def test_status_is_case_insensitive(status):
    assert server_state(status) == "running"


@pytest.mark.parametrize("junk", [3, 3.5, ["ACTIVE"], {"status": "ACTIVE"}, b"ACTIVE", True])
def test_non_text_status_is_unknown(junk):
    assert server_state(junk) == "unknown"


@pytest.mark.parametrize("status,task,state", [
    ("ACTIVE", "powering-off", "stopping"),
    ("ACTIVE", "shelving", "stopping"),
    ("ACTIVE", "deleting", "shutting-down"),
    ("SHUTOFF", "deleting", "shutting-down"),
    ("ERROR", "deleting", "shutting-down"),
    ("SHUTOFF", "powering-off", "stopped"),   # already stopped: stays stopped
    ("DELETED", "deleting", "terminated"),
    ("ACTIVE", "spawning", "running"),
    ("ACTIVE", None, "running"),
    ("ACTIVE", ["junk"], "running"),
])
def test_task_state_refines_stable_states(status, task, state):
    assert server_state(status, task_state=task) == state


def test_every_state_is_in_the_aws_vocabulary():
    assert AWS_STATES == {"pending", "running", "stopping", "stopped", "shutting-down", "terminated",
                          "error", "unknown"}
