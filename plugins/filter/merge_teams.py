# -*- coding: utf-8 -*-
# Copyright: berth.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: merge_teams
short_description: One platform-wide team list from the team lists of many clusters
version_added: 0.2.0
description:
  - Every cluster of an inventory names its own teams (C(berth_teams)); Keycloak and Harbor are
    shared, so the platform-wide steps (a Keycloak group per team) need each team once.
  - Teams are the same when their names normalize alike (C(berth.platform.team_name)). The first
    spelling of the name and the first C(display_name) win; C(members) and C(admins) are the union of
    every cluster's lists, in order of appearance (not set anywhere stays not set, so the group's
    members stay unmanaged).
  - A team is C(absent) only when every cluster says so; a team offboarded on one cluster but still
    present on another keeps its group.
  - Cluster-local keys (C(robots), C(quota), C(service_accounts), C(purge)) are dropped.
author:
  - berth.platform maintainers (@berth)
options:
  _input:
    description: Team lists (one per cluster), or one flat list of teams.
    type: list
    elements: raw
    required: true
"""

EXAMPLES = r"""
- name: One Keycloak group per team of any cluster (playbooks/site.yml)
  ansible.builtin.include_role:
    name: berth.platform.keycloak_oidc
  vars:
    keycloak_oidc_teams: "{{ groups['clusters'] | map('extract', hostvars)
      | map(attribute='berth_teams', default=[]) | berth.platform.merge_teams }}"
"""

RETURN = r"""
_value:
  description: The teams, each once, with C(name), C(state) and, where given, C(display_name), C(members), C(admins).
  type: list
  elements: dict
  sample:
    - {name: Team B, display_name: Team B, state: present, members: [bob, carol]}
"""

from ansible.errors import AnsibleFilterError
from ansible.module_utils.common.text.converters import to_text

from ansible_collections.berth.platform.plugins.module_utils.errors import BerthError
from ansible_collections.berth.platform.plugins.module_utils.naming import normalize_name

STATES = ("present", "absent")


def _teams(value):
    for entry in value or []:
        if isinstance(entry, (list, tuple)):
            yield from _teams(entry)
        elif isinstance(entry, dict):
            yield entry
        else:
            raise AnsibleFilterError("merge_teams expects teams (dicts) or lists of them, got %s"
                                     % type(entry).__name__)


def _union(merged, team, key):
    if team.get(key) is None:
        return
    have = merged.setdefault(key, [])
    for item in team[key]:
        if item not in have:
            have.append(item)


def merge_teams(value):
    """[[{name: Team B, members: [bob]}], [{name: team-b, members: [carol]}]] ->
    [{name: Team B, state: present, members: [bob, carol]}]"""
    if not isinstance(value, (list, tuple)):
        raise AnsibleFilterError("merge_teams expects a list, got %s" % type(value).__name__)
    merged = {}
    for team in _teams(value):
        name = team.get("name")
        if not isinstance(name, str):
            raise AnsibleFilterError("merge_teams: every team needs a name (a string), got %r" % (team,))
        state = team.get("state") or "present"
        if state not in STATES:
            raise AnsibleFilterError("merge_teams: team %s has state %r; use present or absent" % (name, state))
        try:
            key = normalize_name(to_text(name), kind="team name")
        except BerthError as exc:
            raise AnsibleFilterError("merge_teams: %s" % exc)
        entry = merged.setdefault(key, dict(name=name, state="absent"))
        if team.get("display_name") and "display_name" not in entry:
            entry["display_name"] = team["display_name"]
        if state == "present":
            entry["state"] = "present"
        _union(entry, team, "members")
        _union(entry, team, "admins")
    return list(merged.values())


class FilterModule(object):
    def filters(self):
        return {"merge_teams": merge_teams}
