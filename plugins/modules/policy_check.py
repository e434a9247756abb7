#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: berth.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: policy_check
short_description: Check Kubernetes manifests against the platform's policies with OPA before they are applied
version_added: 0.2.0
description:
  - >-
    Evaluates the Rego policies of the C(berth.platform.policy) role - the same files that role wraps as
    Gatekeeper ConstraintTemplates - over a list of manifests, with the real C(opa) binary, and fails listing
    every violation as C(Kind/namespace/name: container <c>: <message>).
  - Each of O(constraints) applies to the objects it matches (O(constraints[].match), as a Gatekeeper
    Constraint's C(match)), with its O(constraints[].parameters) - the parameters of the gatekeeper-library
    templates C(k8sallowedrepos) (C(repos)), C(k8sdisallowedtags) (C(tags), C(exemptImages)),
    C(k8scontainerlimits) (C(cpu), C(memory), C(exemptImages); requests and limits must be set),
    C(k8spspprivilegedcontainer) and C(k8spsphostfilesystem) (C(allowedHostPaths)).
  - Workloads are judged by their pod template (Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob).
  - Reads only; never reports a change, so it is safe in check mode.
  - At least one object is required - from O(manifests), O(manifest_text) or O(manifest_files). A check
    with none (the options left out, or only empty documents) is refused before opa runs, as it would
    pass having judged nothing.
author:
  - berth.platform maintainers (@berth)
requirements:
  - opa v1.x on the controller's PATH (or O(opa_binary)); the lab builds it from the Go module
    C(github.com/open-policy-agent/opa).
extends_documentation_fragment:
  - berth.platform.attributes.read_only
options:
  manifests:
    description: Manifests as data (dicts). C(List) objects are expanded.
    type: list
    elements: dict
    default: []
  manifest_text:
    description: Manifests as YAML, several documents allowed - for example the C(stdout) of M(kubernetes.core.helm_template).
    type: str
  manifest_files:
    description: YAML files of manifests on the controller.
    type: list
    elements: path
    default: []
  namespace:
    description: The namespace of namespaced objects that name none (C(helm template) leaves some out).
    type: str
  constraints:
    description: The constraints to apply, as the C(berth.platform.policy) role builds them from the inventory.
    type: list
    elements: dict
    required: true
    suboptions:
      kind:
        description: The template's kind.
        type: str
        required: true
        choices: [K8sAllowedRepos, K8sDisallowedTags, K8sContainerLimits, K8sPSPPrivilegedContainer, K8sPSPHostFilesystem]
      name:
        description: The constraint's name, shown with each violation.
        type: str
        required: true
      match:
        description:
          - C(kinds) (a list of C({apiGroups, kinds})), C(namespaces) and C(excludedNamespaces) (exact names or
            prefixes ending in C(*)), as in Gatekeeper. Not set matches every object.
        type: dict
        default: {}
      parameters:
        description: The template's parameters.
        type: dict
        default: {}
  policy_dir:
    description: The directory with the Rego policies and C(check.rego) - the C(berth.platform.policy) role's C(files).
    type: path
    required: true
  opa_binary:
    description: Path or name of the opa executable; the C(OPA_BINARY) environment variable, else C(opa) on PATH.
    type: str
  fail_on_violation:
    description: Fail when there are violations; V(false) reports them only.
    type: bool
    default: true
"""

EXAMPLES = r"""
- name: Render the team's chart
  kubernetes.core.helm_template:
    chart_ref: ./charts/web
    release_namespace: team-a
  register: web

- name: Check it before it reaches the cluster
  berth.platform.policy_check:
    manifest_text: "{{ web.stdout }}"
    namespace: team-a
    policy_dir: "{{ lookup('ansible.builtin.config', 'COLLECTIONS_PATHS')[0] }}/ansible_collections/berth/platform/roles/policy/files"
    constraints:
      - kind: K8sAllowedRepos
        name: team-a
        match: {namespaces: [team-a]}
        parameters: {repos: [harbor.example.com/team-a/, harbor.example.com/platform/]}
      - kind: K8sDisallowedTags
        name: teams
        match: {namespaces: ["team-*"]}
        parameters: {tags: [latest]}
      - kind: K8sContainerLimits
        name: teams
        match: {namespaces: ["team-*"]}
        parameters: {cpu: "4", memory: 8Gi}

- name: The same checks the policy role would enforce, reported without failing
  berth.platform.policy_check:
    manifest_files: [deploy/web.yaml]
    policy_dir: /opt/berth/policies
    constraints: "{{ policy_constraints }}"
    fail_on_violation: false
  register: policy
"""

RETURN = r"""
violations:
  description: Every violation, sorted by object.
  returned: always
  type: list
  elements: dict
  contains:
    kind: {description: The object's kind., type: str, sample: Deployment}
    namespace: {description: The object's namespace (empty for cluster-scoped objects)., type: str, sample: team-a}
    name: {description: The object's name., type: str, sample: web}
    constraint: {description: "C(<kind>/<constraint name>)", type: str, sample: K8sDisallowedTags/teams}
    message: {description: The policy's message., type: str, sample: "container app: image nginx:latest uses the disallowed tag latest"}
    details: {description: "Structured detail, such as C(container), C(image), C(volume).", type: dict, sample: {container: app}}
lines:
  description: "The violations as C(Kind/namespace/name: <message>) lines."
  returned: always
  type: list
  elements: str
  sample: ["Deployment/team-a/web: container app: image nginx:latest uses the disallowed tag latest"]
checked:
  description: How many objects were judged.
  returned: always
  type: int
  sample: 12
"""

import os

from ansible.module_utils.basic import env_fallback

from ansible_collections.berth.platform.plugins.module_utils.errors import ValidationError
from ansible_collections.berth.platform.plugins.module_utils.module import BerthModule
from ansible_collections.berth.platform.plugins.module_utils.policy import manifests as manifest_io
from ansible_collections.berth.platform.plugins.module_utils.policy.opa import CONSTRAINT_KINDS, Opa, find_opa, line

ARGUMENT_SPEC = dict(
    manifests=dict(type="list", elements="dict", default=[]),
    manifest_text=dict(type="str"),
    manifest_files=dict(type="list", elements="path", default=[]),
    namespace=dict(type="str"),
    constraints=dict(type="list", elements="dict", required=True, options=dict(
        kind=dict(type="str", required=True, choices=list(CONSTRAINT_KINDS)),
        name=dict(type="str", required=True),
        match=dict(type="dict", default={}),
        parameters=dict(type="dict", default={}),
    )),
    policy_dir=dict(type="path", required=True),
    opa_binary=dict(type="str", fallback=(env_fallback, ["OPA_BINARY"])),
    fail_on_violation=dict(type="bool", default=True),
)


def check(module):
    p = module.params
    if not os.path.isdir(p["policy_dir"]):
        raise ValidationError("policy_dir %s is not a directory" % p["policy_dir"], service="opa")
    objects = manifest_io.collect(p["manifests"], p["manifest_text"], p["manifest_files"], p["namespace"])
    opa = Opa(find_opa(p["opa_binary"]), p["policy_dir"])
    manifest_io.require_objects(objects, p["manifests"], p["manifest_text"], p["manifest_files"])
    violations = opa.evaluate(objects, p["constraints"])
    lines = [line(v) for v in violations]
    result = dict(changed=False, violations=violations, lines=lines, checked=len(objects))
    if violations and p["fail_on_violation"]:
        module.fail_json(msg="%d policy violation(s) in %d object(s):\n%s"
                         % (len(violations), len(objects), "\n".join(lines)), **result)
    result["msg"] = ("%d object(s) checked, no violation" % len(objects) if not violations
                     else "%d policy violation(s) (reported only)" % len(violations))
    return result


def main():
    module = BerthModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    module.run(lambda: check(module))


if __name__ == "__main__":
    main()
