# -*- coding: utf-8 -*-
"""constraints_unenforced and constraint_violations: what Gatekeeper reports in a Constraint's status."""

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.berth.platform.plugins.filter.constraint_violations import constraint_violations
from ansible_collections.berth.platform.plugins.filter.constraints_unenforced import constraints_unenforced


def constraint(name, generation=1, by_pod=None, violations=None, kind="K8sAllowedRepos"):
    status = {}
    if by_pod is not None:
        status["byPod"] = by_pod
    if violations is not None:
        status["violations"] = violations
    return {"kind": kind, "metadata": {"name": name, "generation": generation}, "status": status}


WEBHOOK = {"id": "gatekeeper-controller-manager-1", "operations": ["webhook"], "enforced": True, "observedGeneration": 2}
AUDIT = {"id": "gatekeeper-audit-1", "operations": ["audit", "status"], "enforced": True, "observedGeneration": 2}


def test_enforced_by_every_pod_at_the_current_generation():
    assert constraints_unenforced([constraint("team-a", 2, [WEBHOOK, AUDIT])]) == []


@pytest.mark.parametrize("by_pod, why", [
    (None, "no webhook pod reports it yet"),
    ([AUDIT], "no webhook pod reports it yet"),
    ([dict(WEBHOOK, enforced=False), AUDIT], "not enforced by gatekeeper-controller-manager-1"),
    ([WEBHOOK, dict(AUDIT, observedGeneration=1)], "not enforced by gatekeeper-audit-1"),
])
def test_not_in_force_until_a_webhook_pod_enforces_the_current_spec(by_pod, why):
    assert constraints_unenforced([constraint("team-a", 2, by_pod)]) == ["K8sAllowedRepos/team-a: " + why]


def test_only_the_constraints_named_by_keys_are_judged():
    waiting = constraint("team-b", 2, [AUDIT])
    assert constraints_unenforced([constraint("team-a", 2, [WEBHOOK]), waiting], ["K8sAllowedRepos/team-a"]) == []
    assert constraints_unenforced([waiting], ["K8sAllowedRepos/team-b"]) == [
        "K8sAllowedRepos/team-b: no webhook pod reports it yet"]


def test_violations_become_drift_rows_named_by_team_namespace():
    found = [{"kind": "Deployment", "name": "legacy", "namespace": "team-a", "enforcementAction": "deny",
              "message": "container <main> has an invalid image repo <nginx:1.27>\n"},
             {"kind": "Pod", "name": "x", "namespace": "other", "message": "privileged"}]
    rows = constraint_violations([constraint("team-a", violations=found), constraint("quiet", violations=[])],
                                 "east", ["team-a"])
    assert rows == [
        {"cluster": "east", "team": "-", "namespace": "other", "object": "Pod/x",
         "action": "violates K8sAllowedRepos/team-a (deny): privileged"},
        {"cluster": "east", "team": "team-a", "namespace": "team-a", "object": "Deployment/legacy",
         "action": "violates K8sAllowedRepos/team-a (deny): container <main> has an invalid image repo <nginx:1.27>"}]


@pytest.mark.parametrize("function", [constraints_unenforced, constraint_violations])
def test_anything_but_a_list_is_refused(function):
    with pytest.raises(AnsibleFilterError, match="expects a list"):
        function({"resources": []})
