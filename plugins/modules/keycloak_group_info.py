#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: berth.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: keycloak_group_info
short_description: Report the groups of a Keycloak realm, with subgroups, members and realm roles
version_added: 0.2.0
description:
  - Lists the groups of a realm (subgroups included), or one group by path with its subgroups, as a
    flat list in the shape of M(berth.platform.keycloak_group)'s RV(berth.platform.keycloak_group#module:group) result.
  - Read-only; never reports a change.
author:
  - berth.platform maintainers (@berth)
extends_documentation_fragment:
  - berth.platform.keycloak
  - berth.platform.attributes.read_only
options:
  realm:
    description: Realm to report on.
    type: str
    default: master
  path:
    description:
      - Report only the group at this path (for example C(/team-demo) or C(teams/payments)) and, with
        O(subgroups), the groups below it. Not set means every group of the realm.
    type: str
  subgroups:
    description: Include subgroups, at every depth.
    type: bool
    default: true
  members:
    description: Add each group's member user names (C(members)); one more request per group.
    type: bool
    default: false
  realm_roles:
    description: Add each group's realm roles (C(realm_roles)); one more request per group.
    type: bool
    default: false
"""

EXAMPLES = r"""
- name: Team groups with their members
  berth.platform.keycloak_group_info:
    realm: platform
    members: true
  register: team_groups

- name: Team names (the normalized group names)
  ansible.builtin.debug:
    msg: "{{ team_groups.groups | selectattr('parent', 'none') | map(attribute='name') | list }}"

- name: One group and its subgroups
  berth.platform.keycloak_group_info:
    realm: platform
    path: /teams
  register: teams
"""

RETURN = r"""
groups:
  description:
    - The groups, sorted by path, each with C(name), C(path), C(id), C(attributes) (lists of strings),
      C(parent) (the parent's path, null for a top-level group) and C(subgroup_count); C(members) and
      C(realm_roles) when asked for. Empty when O(path) names no group.
  returned: always
  type: list
  elements: dict
  sample:
    - name: team-demo
      path: /team-demo
      id: 9d3f0c43-3c0e-4c1b-a3c2-6d4d3b3f2a10
      parent: null
      subgroup_count: 1
      attributes: {cost-center: ["4711"]}
      members: [alice, bob]
    - name: payments
      path: /team-demo/payments
      id: 2b1c7f0e-8a55-4a2f-9d0b-0e6c2b4d1a77
      parent: /team-demo
      subgroup_count: 0
      attributes: {}
      members: []
"""

from ansible.module_utils.basic import missing_required_lib

from ansible_collections.berth.platform.plugins.module_utils.keycloak import info
from ansible_collections.berth.platform.plugins.module_utils.keycloak.client import (
    HAS_KEYCLOAK, KEYCLOAK_IMPORT_ERROR, KeycloakClient,
)
from ansible_collections.berth.platform.plugins.module_utils.module import BerthModule

ARGUMENT_SPEC = dict(
    realm=dict(type="str", default="master"),
    path=dict(type="str"),
    subgroups=dict(type="bool", default=True),
    members=dict(type="bool", default=False),
    realm_roles=dict(type="bool", default=False),
)


def main():
    module = BerthModule(argument_spec=ARGUMENT_SPEC, service="keycloak", supports_check_mode=True)
    if not HAS_KEYCLOAK:
        module.fail_json(msg=missing_required_lib("python-keycloak"), exception=KEYCLOAK_IMPORT_ERROR)
    p = module.params
    kc = KeycloakClient.from_params(p)
    module.run(lambda: dict(changed=False, groups=info.groups(
        kc, path=p["path"], subgroups=p["subgroups"], members=p["members"],
        realm_roles=p["realm_roles"])))


if __name__ == "__main__":
    main()
