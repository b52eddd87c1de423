"""A stdout callback that prints every task result as one JSON document when the run ends.

ansible-core no longer ships a json callback (it moved to ansible.posix); the tests need
only this much of it: ``{"plays": [{"play": {...}, "tasks": [{"task": {"name"}, "hosts":
{host: result}}]}], "stats": {host: {...}}}``.
"""

from __future__ import annotations

import json

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = """
name: results_json
type: stdout
short_description: every task result as one JSON document (tests only)
description:
  - Collects the result of every task and prints one JSON document at the end of the run.
"""


class CallbackModule(CallbackBase):
    """Print all results as JSON at the end (the test suite parses it)."""

    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "stdout"
    CALLBACK_NAME = "results_json"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.plays = []

    def v2_playbook_on_play_start(self, play):
        self.plays.append({"play": {"name": play.get_name()}, "tasks": []})

    def v2_playbook_on_task_start(self, task, is_conditional):
        self.plays[-1]["tasks"].append({"task": {"name": task.get_name()}, "hosts": {}})

    def _record(self, result, **flags):
        data = dict(result._result)
        data.update(flags)
        self.plays[-1]["tasks"][-1]["hosts"][result._host.get_name()] = data

    def v2_runner_on_ok(self, result, **kwargs):
        self._record(result)

    def v2_runner_on_failed(self, result, ignore_errors=False, **kwargs):
        self._record(result, failed=True)

    def v2_runner_on_skipped(self, result, **kwargs):
        self._record(result, skipped=True)

    def v2_runner_on_unreachable(self, result, **kwargs):
        self._record(result, unreachable=True)

    def v2_playbook_on_stats(self, stats):
        hosts = sorted(stats.processed)
        summary = {host: stats.summarize(host) for host in hosts}
        self._display.display(json.dumps({"plays": self.plays, "stats": summary}, default=str))
