# -*- coding: utf-8 -*-
"""module_utils/policy: manifests gathered as opa sees them, and opa's failures as typed errors
(a stand-in script plays opa here; tests/integration/test_policy.py runs the real one)."""

import json
import os
import stat

import pytest

from ansible_collections.berth.platform.plugins.module_utils.errors import ValidationError
from ansible_collections.berth.platform.plugins.module_utils.policy import manifests
from ansible_collections.berth.platform.plugins.module_utils.policy.opa import (
    Opa, PolicyError, check_constraints, find_opa, line)

DEPLOY = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"}}


def test_lists_expanded_and_namespace_given_to_namespaced_objects_only(tmp_path):
    path = tmp_path / "m.yaml"
    path.write_text("apiVersion: v1\nkind: Namespace\nmetadata: {name: team-a}\n---\n---\n"
                    "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: other}\n")
    text = "apiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: Pod, metadata: {name: p}}\n"
    found = manifests.collect([DEPLOY], text, [str(path)], namespace="team-a")
    assert [(o["kind"], o["metadata"].get("namespace")) for o in found] == [
        ("Deployment", "team-a"), ("Pod", "team-a"), ("Namespace", None), ("ConfigMap", "other")]


@pytest.mark.parametrize("args, message", [
    (([{"kind": "Pod"}], None, []), "manifests[0] is not a Kubernetes object"),
    (([], "a: [b", []), "manifest_text is not valid YAML"),
    (([], "- 1\n", []), "manifest_text document 1 is not a Kubernetes object"),
    (([], None, ["/nonexistent.yaml"]), "cannot read /nonexistent.yaml"),
])
def test_bad_manifests_are_named(args, message):
    with pytest.raises(ValidationError, match=message.replace("[", r"\[").replace("]", r"\]")):
        manifests.collect(*args)


def test_unknown_kind_and_missing_name_refused_before_opa_runs():
    with pytest.raises(ValidationError) as caught:
        check_constraints([{"kind": "K8sAllowedRepos", "name": "a"}, {"kind": "Nope", "name": "b"}, {"kind": "K8sDisallowedTags"}])
    assert "constraints[1].kind 'Nope'" in str(caught.value) and "constraints[2] needs a name" in str(caught.value)


def test_missing_opa_says_how_to_get_it():
    with pytest.raises(PolicyError, match="opa executable /nonexistent/opa not found.*go install"):
        find_opa("/nonexistent/opa")


def fake_opa(tmp_path, script):
    path = tmp_path / "opa"
    path.write_text("#!/bin/sh\n" + script)
    path.chmod(path.stat().st_mode | stat.S_IEXEC)
    policies = tmp_path / "policies"
    policies.mkdir()
    (policies / "check.rego").write_text("package berth.check\n")
    return str(path), str(policies)


def test_violations_sorted_and_formatted(tmp_path):
    found = [dict(kind="Pod", namespace="b", name="p", constraint="X/y", message="m2", details={}),
             dict(kind="Deployment", namespace="a", name="d", constraint="X/y", message="m1", details={})]
    out = json.dumps({"result": [{"expressions": [{"value": found}]}]})
    binary, policies = fake_opa(tmp_path, "cat <<'EOF'\n%s\nEOF\n" % out)
    result = Opa(binary, policies).evaluate([DEPLOY], [])
    assert [line(v) for v in result] == ["Deployment/a/d: m1", "Pod/b/p: m2"]
    assert line(dict(kind="Namespace", namespace="", name="n", message="m")) == "Namespace/n: m"


def test_opa_failure_is_a_typed_error(tmp_path):
    binary, policies = fake_opa(tmp_path, "echo '1 error occurred: check.rego:3: rego_parse_error' >&2\nexit 2\n")
    with pytest.raises(PolicyError, match="opa eval failed: 1 error occurred: check.rego:3: rego_parse_error"):
        Opa(binary, policies).evaluate([], [])


def test_policy_dir_without_check_rego(tmp_path):
    with pytest.raises(ValidationError, match="holds no check.rego"):
        Opa("opa", str(tmp_path))
    assert os.path.isdir(str(tmp_path))


# -- nothing to check (issue 24) ------------------------------------------------------------
@pytest.mark.parametrize("args, message", [
    (([], None, []), "no manifests to check: set manifests, manifest_text or manifest_files"),
    (([], "", []), "no manifests to check: set manifests, manifest_text or manifest_files"),
    (([], "---\n# nothing rendered\n", []), "no manifests to check: manifest_text holds no Kubernetes object"),
    (([], "---\n", ["/empty.yaml"]), "manifest_text and manifest_files hold no Kubernetes object"),
])
def test_a_check_of_nothing_is_refused_naming_the_options(args, message):
    with pytest.raises(ValidationError) as info:
        manifests.require_objects(manifests.collect(*(args[:2] + ([],))), *args)
    assert message in str(info.value)


def test_one_object_is_enough():
    manifests.require_objects(manifests.collect([DEPLOY], None, []), [DEPLOY], None, [])
