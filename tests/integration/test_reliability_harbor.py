"""Failures injected in front of the real harbor-core: reads are retried (Retry-After
honoured), and creates whose answers are lost are adopted, never repeated into duplicates.

The fault proxy (fault_proxy.py) forwards to the lab's Harbor."""

import json
import os
import time
import uuid

import pytest

from conftest import require
from fault_proxy import FaultProxy, Rule
from harbor_api import HarborApi


@pytest.fixture
def proxy(lab):
    url, state = require(lab, "HARBOR_URL", "LAB_STATE")
    pki = os.path.join(state, "pki")
    with FaultProxy(url, os.path.join(pki, "server.crt"), os.path.join(pki, "server.key"),
                    os.path.join(pki, "ca.crt")) as p:
        yield p


@pytest.fixture
def project(lab):
    name = "it-fault-" + uuid.uuid4().hex[:8]
    yield name
    HarborApi(lab).delete_project(name)


def run_once(run_playbook, proxy, project, tmp_path):
    run_playbook("harbor_once", extra_vars={"project": project, "out_dir": str(tmp_path)},
                 env_overrides={"HARBOR_URL": proxy.url})
    with open(tmp_path / "robot.json") as f:
        return json.load(f)


def project_robots(api, project):
    return api.robots("Level=project,ProjectID=%d" % api.project(project)["project_id"])


def test_creates_whose_answers_are_lost_are_adopted(lab, proxy, project, run_playbook, tmp_path):
    api = HarborApi(lab)
    proxy.rules.append(Rule("POST", r"^/api/v2.0/projects$", "reset"))
    proxy.rules.append(Rule("POST", r"^/api/v2.0/robots$", "reset"))
    robot = run_once(run_playbook, proxy, project, tmp_path)
    assert proxy.count("POST", r"^/api/v2.0/projects$") == 1  # sent once, never blindly again
    assert proxy.count("POST", r"^/api/v2.0/robots$") == 1
    assert len([p for p in api.get("/projects", name=project) if p["name"] == project]) == 1
    assert len(project_robots(api, project)) == 1
    # The secret in the lost answer is gone; the adopted robot got a new one, said so, and it works.
    assert "answer was lost" in robot["note"]
    assert api.token_subject(robot["name"], robot["secret"]) == robot["name"]


def test_busy_reads_are_retried_with_retry_after(lab, proxy, project, run_playbook, tmp_path):
    api = HarborApi(lab)
    proxy.rules.append(Rule("GET", r"^/api/v2.0/projects/", 503, times=2))
    proxy.rules.append(Rule("GET", r"^/api/v2.0/robots$", 429, retry_after=2))
    started = time.monotonic()
    robot = run_once(run_playbook, proxy, project, tmp_path)
    assert all(r.times == 0 for r in proxy.rules), proxy.seen  # every injected failure was met
    assert time.monotonic() - started >= 2  # Retry-After was honoured, not ignored
    assert robot["note"] == "" and robot["changed"]
    assert api.token_subject(robot["name"], robot["secret"]) == robot["name"]
    assert len(project_robots(api, project)) == 1


def test_a_lost_rotation_answer_is_repeated_safely(lab, proxy, project, run_playbook, tmp_path):
    api = HarborApi(lab)
    run_once(run_playbook, proxy, project, tmp_path)
    proxy.rules.append(Rule("PATCH", r"^/api/v2.0/robots/\d+$", "reset"))
    run_playbook("harbor_robot_rotate_once", extra_vars={"project": project, "out_dir": str(tmp_path)},
                 env_overrides={"HARBOR_URL": proxy.url})
    with open(tmp_path / "rotated.json") as f:
        rotated = json.load(f)
    assert proxy.count("PATCH", r"^/api/v2.0/robots/\d+$") == 2  # the explicit secret, sent again
    assert api.token_subject(rotated["name"], rotated["secret"]) == rotated["name"]
