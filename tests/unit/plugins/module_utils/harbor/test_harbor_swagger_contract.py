"""Every request the Harbor client and adapters send is valid against Harbor's Swagger.

The adapters run through the ensure engine against a recording transport that
answers like Harbor; each recorded request is judged by SwaggerContract.
"""

import json
import re
from urllib.parse import parse_qs, urlsplit

import requests
from requests.adapters import BaseAdapter

from ansible_collections.berth.platform.plugins.module_utils.ensure import ensure
from ansible_collections.berth.platform.plugins.module_utils.harbor.client import HarborClient
from ansible_collections.berth.platform.plugins.module_utils.harbor.projects import ProjectAdapter
from ansible_collections.berth.platform.plugins.module_utils.harbor.robots import (
    ROTATE, RobotAdapter, desired_permissions,
)
from ansible_collections.berth.platform.plugins.module_utils.retry import RetryPolicy

from swagger_contract import SwaggerContract

CONTRACT = SwaggerContract()
ROBOT = {"id": 7, "name": "robot$team-a+pull", "level": "project", "duration": 30, "disable": False,
         "description": "", "expires_at": 4102444800, "creation_time": "2026-11-23T19:00:00.000Z",
         "editable": True, "permissions": [{"kind": "project", "namespace": "team-a", "access": [
             {"resource": "repository", "action": "pull"}]}]}
PROJECT = {"project_id": 3, "name": "team-a", "repo_count": 1, "metadata": {"public": "false"}}
QUOTA = {"id": 5, "hard": {"storage": -1}, "used": {"storage": 0}}


class Recorder(BaseAdapter):
    """Answers by (method, path regex) and records (method, path, query, body)."""

    def __init__(self, routes):
        super(Recorder, self).__init__()
        self.routes = routes
        self.sent = []

    def send(self, request, **kwargs):
        url = urlsplit(request.url)
        query = dict((k, v[0]) for k, v in parse_qs(url.query).items())
        body = json.loads(request.body) if request.body else None
        self.sent.append((request.method, url.path, query, body))
        for method, pattern, status, payload in self.routes:
            if method == request.method and re.search(pattern, url.path):
                break
        else:
            status, payload = 404, {"errors": [{"code": "NOT_FOUND", "message": "not found"}]}
        response = requests.Response()
        response.status_code = status
        response._content = json.dumps(payload).encode() if payload is not None else b""
        response.headers["Content-Type"] = "application/json"
        response.url = request.url
        response.request = request
        return response

    def close(self):
        pass


def client(routes):
    session = requests.Session()
    recorder = Recorder(routes)
    session.mount("https://", recorder)
    harbor = HarborClient("https://harbor.test", username="admin", password="x", session=session,
                          retry=RetryPolicy(attempts=1))
    return harbor, recorder


def assert_valid(recorder):
    problems = [p for sent in recorder.sent for p in CONTRACT.problems(*sent)]
    assert not problems, "\n".join(problems)
    return [(m, p) for m, p, q, b in recorder.sent]


def test_the_contract_catches_bad_requests():
    assert CONTRACT.problems("GET", "/api/v2.0/projectz")
    assert CONTRACT.problems("POST", "/api/v2.0/robots", {}, {"name": "x", "secrets": "y"})
    assert CONTRACT.problems("GET", "/api/v2.0/robots", {"pagesize": "1"})
    assert CONTRACT.problems("PUT", "/api/v2.0/quotas/1", None, {"hard": "big"})
    assert not CONTRACT.problems("GET", "/service/token", {"service": "harbor-registry"})


PROJECT_ROUTES = [
    ("GET", r"/projects/team-a$", 200, PROJECT),
    ("GET", r"/quotas$", 200, [QUOTA]),
    ("GET", r"/projects/team-a/repositories$", 200, [{"name": "team-a/app/web"}]),
    ("POST", r"/projects$", 201, None),
    ("PUT", r"/projects/3$", 200, None),
    ("PUT", r"/quotas/5$", 200, None),
    ("DELETE", r"/projects/", 200, None),
    ("GET", r"/configurations$", 200, {"quota_per_project_enable": {"value": True, "editable": True}}),
]


def test_project_requests_follow_the_contract():
    harbor, recorder = client(PROJECT_ROUTES)
    desired = dict(name="team-a", auto_scan=True, severity="high", storage_quota=1024, public=None)
    ensure(ProjectAdapter(harbor), desired)
    ensure(ProjectAdapter(harbor, purge=True, state="absent"), dict(name="team-a"), state="absent")
    calls = assert_valid(recorder)
    assert ("PUT", "/api/v2.0/projects/3") in calls and ("PUT", "/api/v2.0/quotas/5") in calls
    assert ("DELETE", "/api/v2.0/projects/team-a/repositories/app%252Fweb") in calls


def test_project_create_follows_the_contract():
    routes = [("GET", r"/projects/team-b$", 404, None), ("POST", r"/projects$", 201, None),
              ("GET", r"/quotas$", 200, [dict(QUOTA, ref={"id": 3})]), ("GET", r"/configurations$", 403, None),
              ("GET", r"/projects/3/summary$", 200, {"quota": {"hard": {"storage": -1}}}),
              ("GET", r"/users/current/permissions$", 200, [])]
    harbor, recorder = client(routes)
    # as an account that may not read /configurations: the quota probe and a project summary
    ensure(ProjectAdapter(harbor), dict(name="team-b", public=True, storage_quota=-1))
    calls = assert_valid(recorder)
    assert ("POST", "/api/v2.0/projects") in calls and ("GET", "/api/v2.0/projects/3/summary") in calls


ROBOT_ROUTES = [
    ("GET", r"/projects/team-a$", 200, PROJECT),
    ("GET", r"/robots$", 200, [ROBOT]),
    ("GET", r"/permissions$", 200, {}),
    ("PUT", r"/robots/7$", 200, None),
    ("PATCH", r"/robots/7$", 200, {"secret": ""}),
    ("DELETE", r"/robots/7$", 200, None),
]


def test_robot_update_rotation_and_delete_follow_the_contract():
    harbor, recorder = client(ROBOT_ROUTES)
    perms = desired_permissions("project", "team-a", access="push")
    adapter = RobotAdapter(harbor, "project", project="team-a", rotate="always")
    ensure(adapter, dict(name="pull", description="ci", duration=30, disable=False,
                         permissions=perms, secret=ROTATE))
    ensure(RobotAdapter(harbor, "project", project="team-a"), dict(name="pull"), state="absent")
    calls = assert_valid(recorder)
    assert ("PUT", "/api/v2.0/robots/7") in calls and ("PATCH", "/api/v2.0/robots/7") in calls
    put = next(b for m, p, q, b in recorder.sent if m == "PUT")
    assert put["permissions"][0]["access"] == [{"resource": "repository", "action": "pull"},
                                               {"resource": "repository", "action": "push"}]


def test_robot_create_follows_the_contract():
    created = {"id": 7, "name": "robot$team-a+pull", "secret": "Abcdefgh1", "expires_at": -1,
               "creation_time": "2026-11-23T19:00:00.000Z"}
    routes = [("GET", r"/projects/team-a$", 200, PROJECT), ("GET", r"/robots$", 200, []),
              ("POST", r"/robots$", 201, created)]
    harbor, recorder = client(routes)
    adapter = RobotAdapter(harbor, "project", project="team-a")
    outcome = ensure(adapter, dict(name="pull", description=None, duration=None, disable=None,
                                   permissions=desired_permissions("project", "team-a", access="pull"),
                                   secret=None))
    assert outcome.resource["_secret"] == "Abcdefgh1"
    post = next(b for m, p, q, b in recorder.sent if m == "POST")
    assert post["duration"] == -1 and post["level"] == "project"
    assert ("POST", "/api/v2.0/robots") in assert_valid(recorder)
