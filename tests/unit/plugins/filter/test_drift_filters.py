# -*- coding: utf-8 -*-
"""drift_rows and drift_report: the drift report of playbooks/drift.yml."""

import json

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.berth.platform.plugins.filter.drift_report import drift_report
from ansible_collections.berth.platform.plugins.filter.drift_rows import drift_rows

RESULT = {"teams": [
    {"name": "Team A", "namespace": "team-a", "status": "updated", "changes": ["project: update", "robot pull-east: create"]},
    {"name": "team-b", "namespace": "team-b", "status": "unchanged", "changes": []},
    {"name": "team-c", "namespace": "team-c", "status": "failed", "error": "harbor GET /x: 503", "changes": []},
]}


def test_one_row_per_differing_object_and_per_failed_team():
    rows = drift_rows(RESULT, "east")
    assert [(r["team"], r["object"], r["action"]) for r in rows] == [
        ("Team A", "project", "update"), ("Team A", "robot pull-east", "create"),
        ("team-c", "-", "error: harbor GET /x: 503")]
    assert all(r["cluster"] == "east" for r in rows)


def test_a_module_that_judged_no_team_is_drift():
    rows = drift_rows({"failed": True, "msg": "teams[0]: name is required"}, "west")
    assert rows == [{"cluster": "west", "team": "-", "namespace": "-", "object": "-",
                     "action": "error: teams[0]: name is required"}]


def test_no_drift_is_said_in_every_format():
    assert drift_rows({"teams": [RESULT["teams"][1]]}, "east") == []
    assert drift_report([]) == ["no drift"]
    assert json.loads(drift_report([], "r.json")) == {"drift": False, "objects": 0, "clusters": [], "rows": []}
    assert "no drift" in drift_report([], "markdown")


def test_formats_by_name_or_extension():
    rows = drift_rows(RESULT, "east")
    table = drift_report(rows)
    assert table[0].split() == ["cluster", "team", "namespace", "object", "action"]
    assert len(table) == 4 and "robot pull-east" in table[2]
    data = json.loads(drift_report(rows, "/tmp/report.JSON"))
    assert data["drift"] is True and data["objects"] == 3 and data["clusters"] == ["east"]
    markdown = drift_report(rows, "report.md").splitlines()
    assert markdown[0] == "| cluster | team | namespace | object | action |"
    assert markdown[1] == "|---|---|---|---|---|" and len(markdown) == 5


def test_wrong_input_is_refused():
    with pytest.raises(AnsibleFilterError):
        drift_rows(["not", "a", "result"], "east")
    with pytest.raises(AnsibleFilterError):
        drift_report({"teams": []})
