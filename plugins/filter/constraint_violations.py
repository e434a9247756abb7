# -*- coding: utf-8 -*-
# Copyright: berth.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: constraint_violations
short_description: Gatekeeper audit violations as drift report rows
version_added: 0.2.0
description:
  - Turns the C(status.violations) Gatekeeper's audit writes into each Constraint into rows
    C({cluster, team, namespace, object, action}), the columns of P(berth.platform.drift_report#filter),
    so objects that break a policy - typically ones created before their Constraint, or while the
    webhook was down - show up in the same report as drifted teams.
  - Gatekeeper keeps at most its C(constraintViolationsLimit) (20 by default) violations per Constraint;
    C(status.totalViolations) has the full count.
author:
  - berth.platform maintainers (@berth)
options:
  _input:
    description: Constraints as read from the API server (C(kubernetes.core.k8s_info) C(resources)).
    type: list
    elements: dict
    required: true
  cluster:
    description: The cluster name written in each row.
    type: str
    default: ""
  team_namespaces:
    description: Namespaces that belong to teams; a row in one of them names it as its team.
    type: list
    elements: str
    default: []
"""

EXAMPLES = r"""
- name: The collection's allowed-repository Constraints, with Gatekeeper's last audit
  kubernetes.core.k8s_info:
    api_version: constraints.gatekeeper.sh/v1beta1
    kind: K8sAllowedRepos
    label_selectors: [app.kubernetes.io/managed-by=berth.platform]
  register: constraints

- name: Their violations, as drift rows
  ansible.builtin.set_fact:
    violation_rows: "{{ constraints.resources | berth.platform.constraint_violations(inventory_hostname, ['team-a']) }}"

- name: As a table
  ansible.builtin.debug:
    msg: "{{ violation_rows | berth.platform.drift_report }}"
"""

RETURN = r"""
_value:
  description: One row per violation, sorted by namespace and object.
  type: list
  elements: dict
  sample:
    - cluster: east
      team: team-a
      namespace: team-a
      object: Deployment/legacy
      action: "violates K8sAllowedRepos/team-a (deny): container <main> has an invalid image repo <nginx:1.27>"
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.berth.platform.plugins.module_utils.policy.gatekeeper import violations


def constraint_violations(constraints, cluster="", team_namespaces=None):
    if not isinstance(constraints, list):
        raise AnsibleFilterError("constraint_violations expects a list of Constraints (k8s_info resources)")
    return violations(constraints, cluster, tuple(team_namespaces or ()))


class FilterModule(object):
    def filters(self):
        return {"constraint_violations": constraint_violations}
