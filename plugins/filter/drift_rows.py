# -*- coding: utf-8 -*-
# Copyright: berth.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: drift_rows
short_description: The drift rows (cluster, team, object, action) of a berth.platform.tenants check-mode result
version_added: 0.2.0
description:
  - Turns the result of M(berth.platform.tenants) run in check mode into one row per object that
    differs from the inventory, and one row per team the module could not judge (its error).
  - Used by C(playbooks/drift.yml) with P(berth.platform.drift_report#filter).
author:
  - berth.platform maintainers (@berth)
options:
  _input:
    description: The registered result of M(berth.platform.tenants).
    type: dict
    required: true
  cluster:
    description: The cluster's name for the rows.
    type: str
    required: true
"""

EXAMPLES = r"""
- name: What differs on this cluster
  ansible.builtin.set_fact:
    drift_rows: "{{ tenant_bulk_result | berth.platform.drift_rows(inventory_hostname) }}"
"""

RETURN = r"""
_value:
  description: One dict per differing object - C(cluster), C(team), C(namespace), C(object), C(action).
  type: list
  elements: dict
  sample:
    - {cluster: east, team: Team A, namespace: team-a, object: project, action: update}
"""

from ansible.errors import AnsibleFilterError


def drift_rows(result, cluster):
    if not isinstance(result, dict):
        raise AnsibleFilterError("drift_rows expects the registered result of berth.platform.tenants")
    if "teams" not in result:
        # The module failed before it judged any team (input, connection): that is drift too.
        return [dict(cluster=cluster, team="-", namespace="-", object="-",
                     action="error: %s" % result.get("msg", "no result"))]
    rows = []
    for team in result["teams"]:
        base = dict(cluster=cluster, team=team.get("name"), namespace=team.get("namespace"))
        if team.get("status") == "failed":
            rows.append(dict(base, object="-", action="error: %s" % team.get("error")))
        for change in team.get("changes") or []:
            obj, _sep, action = change.rpartition(": ")
            rows.append(dict(base, object=obj or change, action=action))
    return rows


class FilterModule(object):
    def filters(self):
        return {"drift_rows": drift_rows}
