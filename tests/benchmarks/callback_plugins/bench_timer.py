# -*- coding: utf-8 -*-
# Copyright: berth.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Wall time of every task, for tests/benchmarks/bench.py (not shipped with the collection)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: bench_timer
type: aggregate
short_description: writes each task's wall time to $BERTH_BENCH_OUT
description:
  - One JSON line per finished task - name, seconds from task start to its result, number of
    loop items, items that reported changed, failure - for the benchmark in tests/benchmarks.
requirements: [enable in ansible.cfg or ANSIBLE_CALLBACKS_ENABLED]
"""

import json
import os
import time

from ansible.plugins.callback import CallbackBase


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "bench_timer"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self):
        super(CallbackModule, self).__init__()
        self.out = os.environ.get("BERTH_BENCH_OUT")
        self.started = {}

    def v2_playbook_on_task_start(self, task, is_conditional):
        self.started[task._uuid] = time.perf_counter()

    def _record(self, result, failed):
        task = result.task
        seconds = time.perf_counter() - self.started.get(task._uuid, time.perf_counter())
        data = result.result
        items = data.get("results") or []
        line = dict(task=task.get_name(), seconds=seconds, items=len(items) or 1,
                    changed=sum(1 for i in items if i.get("changed")) if items else int(bool(data.get("changed"))),
                    failed=failed, msg=str(data.get("msg", ""))[:500] if failed else "")
        if isinstance(data.get("requests"), dict):  # what a module counted itself (berth.platform.tenants)
            line["requests"] = data["requests"]
        if self.out:
            with open(self.out, "a") as f:
                f.write(json.dumps(line) + "\n")

    def v2_runner_on_ok(self, result):
        self._record(result, failed=False)

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._record(result, failed=True)
