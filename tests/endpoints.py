"""The lab's endpoints and credentials: tests/lab/.state/lab.env (``export KEY=value`` lines,
written by tests/lab/up) as a dict. Shared by the integration tests, ``make bench`` and ``make demo``."""

import os
import shlex

LAB_ENV = os.path.join(os.path.dirname(os.path.abspath(__file__)), "lab", ".state", "lab.env")


def read_lab_env(path=LAB_ENV):
    values = {}
    with open(path) as f:
        for line in f:
            parts = shlex.split(line)
            if len(parts) == 2 and parts[0] == "export" and "=" in parts[1]:
                key, value = parts[1].split("=", 1)
                values[key] = value
    return values
