"""Integration tests run against the real servers of tests/lab/up.

The lab's endpoints come from tests/lab/.state/lab.env. Without it the tests
are skipped when run by hand, and fail under CI (CI=true), where a missing lab
is a broken build, never a pass.
"""

import os
import shlex

import pytest

LAB_ENV = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                       "lab", ".state", "lab.env")


def read_lab_env(path=LAB_ENV):
    values = {}
    with open(path) as f:
        for line in f:
            parts = shlex.split(line)
            if len(parts) == 2 and parts[0] == "export" and "=" in parts[1]:
                key, value = parts[1].split("=", 1)
                values[key] = value
    return values


@pytest.fixture(scope="session")
def lab():
    if not os.path.exists(LAB_ENV):
        message = "lab is not up: run `make lab-up` (tests/lab/up)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return read_lab_env()


def require(lab, *keys):
    """The lab values for ``keys``; fails (CI) or skips when a component is not up."""
    missing = [k for k in keys if not lab.get(k)]
    if missing:
        message = "lab component not up (missing %s)" % ", ".join(missing)
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return [lab[k] for k in keys]
