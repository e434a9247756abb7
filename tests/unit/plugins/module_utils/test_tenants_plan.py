# -*- coding: utf-8 -*-
"""The bulk reconcile's input rules and Secret reading (module_utils/tenants.py); the reconcile
itself runs against the lab in tests/integration/test_tenants_bulk.py."""

import base64
import json

import pytest

from ansible_collections.berth.platform.plugins.module_utils import tenants
from ansible_collections.berth.platform.plugins.module_utils.errors import ValidationError

SETTINGS = tenants.Settings("East 1", "harbor.example.com:8443")


def test_teams_are_normalized_with_defaults():
    planned = tenants.plan_teams([{"name": "Team A", "quota": "1GiB", "admins": ["alice"]},
                                  {"name": "b", "robots": {"push": {"enabled": False}}}], SETTINGS)
    assert planned[0]["ns"] == "team-a" and planned[0]["quota"] == 1024 ** 3 and planned[0]["admins"]
    assert planned[0]["service_accounts"] == ["default"] and planned[0]["state"] == "present"
    assert planned[1]["robots"] == {"pull": {"enabled": True}, "push": {"enabled": False}}
    assert SETTINGS.cluster == "east-1"
    assert SETTINGS.robot_pattern.match("pull-east-1.a") and not SETTINGS.robot_pattern.match("pull-west")


@pytest.mark.parametrize("teams, words", [
    ([{"name": "Team A"}, {"name": "team-a"}], ["teams[1]", "normalizes to team-a", "teams[0]"]),
    ([{"name": "a", "robots": {"build": {}}}], ["teams[0] (a)", "robots", "pull and push", "build"]),
    ([{"name": "a", "robots": {"pull": {"ttl": 3}}}], ["robots.pull", "enabled, description and duration", "ttl"]),
    ([{"name": "a", "robots": {"pull": {"duration": 0}}}], ["robots.pull.duration", "-1", "days > 0"]),
    ([{"name": "a", "quota": "lots"}], ["teams[0] (a)", "lots"]),
    ([{"name": "---"}], ["teams[0]", "no letters or digits"]),
])
def test_every_input_error_names_the_team_and_option_before_any_request(teams, words):
    with pytest.raises(ValidationError) as caught:
        tenants.plan_teams(teams, SETTINGS)
    for word in words:
        assert word in str(caught.value)


def test_registry_must_be_a_host():
    with pytest.raises(ValidationError) as caught:
        tenants.Settings("east", "https://harbor.example.com/v2")
    assert "host[:port]" in str(caught.value)


def secret(kind, user, password, use_auth=False):
    entry = {"auth": base64.b64encode(("%s:%s" % (user, password)).encode()).decode()} if use_auth \
        else {"username": user, "password": password}
    key = "config.json" if kind == "Opaque" else ".dockerconfigjson"
    text = json.dumps({"auths": {"harbor.example.com": entry}})
    return {"type": kind, "data": {key: base64.b64encode(text.encode()).decode()}}


def test_credentials_from_both_secret_shapes():
    assert tenants._credentials(secret("Opaque", "robot$a+push-east", "S3cretpass")) == [
        ("robot$a+push-east", "S3cretpass")]
    assert tenants._credentials(secret("kubernetes.io/dockerconfigjson", "", "x", use_auth=True)) == [("", "x")]
    assert tenants._credentials({"type": "Opaque", "data": {"config.json": "bm90IGpzb24="}}) == []
    assert tenants._credentials(None) == []


def test_summary_line():
    results = [{"status": "created"}, {"status": "unchanged"}, {"status": "unchanged"}, {"status": "failed"}]
    assert tenants.summary_line(results) == "4 teams: 1 created, 0 updated, 0 removed, 2 unchanged, 1 failed"
    assert tenants.summary_line([], check_mode=True).endswith("(check mode: nothing written)")


# -- purge guard (issue 22): the Harbor project is shared by every cluster of a team ----------------

def robot(project, name, robot_id=1):
    return {"id": robot_id, "name": "robot$%s+%s" % (project, name)}


def test_purge_keys_are_planned_with_defaults():
    planned = tenants.plan_teams([{"name": "Équipe Z", "state": "absent", "purge": True},
                                  {"name": "b", "state": "absent", "purge": True, "purge_force": True,
                                   "purge_clusters": ["West", "east 1", "west"]}], SETTINGS)
    assert planned[0]["ns"] == "equipe-z"
    assert planned[0]["purge_force"] is False and planned[0]["purge_clusters"] == []
    assert planned[1]["purge_force"] is True and planned[1]["purge_clusters"] == ["east-1", "west"]


def test_purge_clusters_must_be_a_list():
    with pytest.raises(ValidationError) as caught:
        tenants.plan_teams([{"name": "a", "purge_clusters": "west"}], SETTINGS)
    assert "teams[0] (a)" in str(caught.value) and "purge_clusters" in str(caught.value)


def test_other_clusters_robots_by_cluster():
    robots = [robot("team-z", n, i) for i, n in enumerate(
        ["pull-east", "push-east.b", "pull-west", "pull-west.a", "push-south", "ci-external", "pull-east-1"])]
    found = tenants.other_clusters_robots(robots, "team-z", "west")
    assert found == {"east": ["pull-east", "push-east.b"], "south": ["push-south"], "east-1": ["pull-east-1"]}
    assert tenants.other_clusters_robots(robots, "team-z", "west", ["east", "south"]) == {"east-1": ["pull-east-1"]}
    assert tenants.other_clusters_robots([robot("team-z", "pull-west")], "team-z", "west") == {}
    # A robot name that only looks like a cluster's robot at a glance is nobody's.
    assert tenants.other_clusters_robots([robot("team-z", "pull-East"), robot("team-z", "pull-")], "team-z", "west") == {}


class FakeHarbor:
    """Answers list calls; records every request, so a test sees that nothing was written."""

    def __init__(self, robots):
        self.robots = robots
        self.requests = []

    def paged(self, path, params=None):
        self.requests.append(("GET", path, params))
        return list(self.robots) if path == "/robots" else []

    def request(self, method, path, **kwargs):
        self.requests.append((method, path))
        return None

    def project(self, name):
        self.requests.append(("GET", "/projects/" + name, None))
        return {"name": name, "project_id": 7, "metadata": {"public": "false"}}

    def project_quota(self, project_id):
        self.requests.append(("GET", "/quotas/%d" % project_id, None))
        return None

    def project_repositories(self, name):
        self.requests.append(("GET", "/projects/%s/repositories" % name, None))
        return [{"name": name + "/app"}]


class FakeSnapshot:
    def __init__(self, project, namespace=True):
        self.projects = {project["name"]: project}
        self.namespaces = {project["name"]: {"metadata": {"name": project["name"]}}} if namespace else {}
        self.secrets = {}
        self.accounts = {}


def absent_run(robots, check_mode=False, **team):
    settings = tenants.Settings("West", "harbor.example.com")
    harbor = FakeHarbor(robots)
    reconcile = tenants.Reconcile(harbor, k8s=None, settings=settings, check_mode=check_mode)
    reconcile.snapshot = FakeSnapshot({"name": "equipe-z", "project_id": 7, "repo_count": 3})
    planned = tenants.plan_teams([dict({"name": "Équipe Z", "state": "absent", "purge": True}, **team)], settings)[0]
    return reconcile.one(planned), harbor


@pytest.mark.parametrize("check_mode", [False, True])
def test_purge_refused_while_another_cluster_holds_robots_and_nothing_is_written(check_mode):
    robots = [robot("equipe-z", "pull-west", 1), robot("equipe-z", "pull-east", 2), robot("equipe-z", "push-east", 3)]
    result, harbor = absent_run(robots, check_mode=check_mode)
    assert result["status"] == "failed" and result["changes"] == []
    for word in ("purge refused", "equipe-z", "3 repositories", "east: pull-east, push-east", "purge_force"):
        assert word in result["error"], result["error"]
    assert "pull-west" not in result["error"]
    assert [r[0] for r in harbor.requests] == ["GET"]  # the robot list, nothing else


def test_purge_clusters_and_purge_force_let_the_purge_through_in_check_mode():
    robots = [robot("equipe-z", "pull-west", 1), robot("equipe-z", "pull-east", 2)]
    for team in ({"purge_clusters": ["East"]}, {"purge_force": True}):
        result, harbor = absent_run(robots, check_mode=True, **team)
        assert result["status"] == "removed", result
        assert result["changes"] == ["robot pull-west: delete", "namespace: delete", "project: delete"]
        assert all(r[0] == "GET" for r in harbor.requests), harbor.requests
        assert bool(result.get("warnings")) == ("purge_force" in team)
    assert "east" in result["warnings"][0] and "pull-east" in result["warnings"][0]


def test_purge_without_other_clusters_robots_needs_no_override():
    result, harbor = absent_run([robot("equipe-z", "push-west.b", 1), robot("equipe-z", "ci-external", 2)],
                                check_mode=True)
    assert result["status"] == "removed" and "project: delete" in result["changes"], result


def test_a_terminating_namespace_is_not_deleted_again():
    settings = tenants.Settings("west", "harbor.example.com")
    reconcile = tenants.Reconcile(FakeHarbor([]), k8s=None, settings=settings, check_mode=True)
    reconcile.snapshot = FakeSnapshot({"name": "equipe-z", "project_id": 7})
    reconcile.snapshot.projects = {}
    reconcile.snapshot.namespaces["equipe-z"]["metadata"]["deletionTimestamp"] = "2026-01-01T00:00:00Z"
    planned = tenants.plan_teams([{"name": "Équipe Z", "state": "absent", "purge": True}], settings)[0]
    result = reconcile.one(planned)
    assert result["status"] == "unchanged" and result["changes"] == [], result
