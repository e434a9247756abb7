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
