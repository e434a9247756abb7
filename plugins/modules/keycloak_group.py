#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: berth.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: keycloak_group
short_description: Manage a Keycloak group or subgroup, its attributes, members and realm roles
version_added: 0.1.0
description:
  - Creates, updates or removes a group, found by its full path, so subgroups are idempotent too.
  - Optional name normalization makes one team name usable as a Keycloak group, a Harbor project
    and a Kubernetes namespace.
author:
  - berth.platform maintainers (@berth)
extends_documentation_fragment:
  - berth.platform.keycloak
attributes:
  check_mode:
    support: full
    description: Reports what would change without writing to Keycloak.
  diff_mode:
    support: full
    description: Shows the managed options before and after.
options:
  realm:
    description: Realm that holds the group.
    type: str
    default: master
  name:
    description: Group name (without the parent path).
    type: str
    required: true
  parent:
    description:
      - Path of the parent group, for example C(/platform) or C(platform/teams). The parent must exist.
      - Not set means a top-level group.
    type: str
  normalize_name:
    description:
      - Use a normalized O(name) - lower-case, every run of characters other than letters and digits
        replaced by one C(-), leading and trailing C(-) trimmed (C(Team Demo) and C(team_demo) both
        become C(team-demo)).
      - Both names are returned, in RV(original_name) and RV(normalized_name).
    type: bool
    default: false
  state:
    description: Whether the group should exist. Removing a group removes its subgroups.
    type: str
    choices: [present, absent]
    default: present
  attributes:
    description:
      - Group attributes to set; a value may be a string or a list of strings (Keycloak stores lists).
      - Attributes not named here are left alone.
    type: dict
  members:
    description:
      - Complete list of member user names; users not listed are removed from the group.
      - Not set means members are not managed. Every user must exist.
    type: list
    elements: str
  realm_roles:
    description:
      - Complete list of realm roles mapped to the group; not set means roles are not managed.
    type: list
    elements: str
"""

EXAMPLES = r"""
- name: Team group named like its Harbor project and namespace
  berth.platform.keycloak_group:
    realm: platform
    name: Team Demo            # stored as team-demo
    normalize_name: true
    attributes:
      cost-center: "4711"
    members: [alice, bob]

- name: A subgroup
  berth.platform.keycloak_group:
    realm: platform
    parent: /teams
    name: payments
    realm_roles: [offline_access]

- name: Remove a group
  berth.platform.keycloak_group:
    realm: platform
    name: team-old
    state: absent
"""

RETURN = r"""
action:
  description: What was done, one of C(create), C(update), C(delete), C(none).
  returned: always
  type: str
  sample: create
group:
  description:
    - The group after the run (C(name), C(path), C(id), C(attributes), and C(members)/C(realm_roles)
      when managed). In check mode or after a delete, the managed options.
  returned: always
  type: dict
  sample:
    name: team-demo
    path: /team-demo
    id: 9d3f0c43-3c0e-4c1b-a3c2-6d4d3b3f2a10
    attributes: {cost-center: ["4711"]}
    members: [alice, bob]
original_name:
  description: O(name) as given.
  returned: always
  type: str
  sample: Team Demo
normalized_name:
  description: The name used in Keycloak (equal to O(name) unless O(normalize_name=true)).
  returned: always
  type: str
  sample: team-demo
"""

from ansible.module_utils.basic import missing_required_lib

from ansible_collections.berth.platform.plugins.module_utils.errors import ValidationError
from ansible_collections.berth.platform.plugins.module_utils.keycloak.client import (
    HAS_KEYCLOAK, KEYCLOAK_IMPORT_ERROR, KeycloakClient,
)
from ansible_collections.berth.platform.plugins.module_utils.keycloak.groups import GroupAdapter
from ansible_collections.berth.platform.plugins.module_utils.keycloak.normalize import (
    group_path, multi_map, normalize_group_name,
)
from ansible_collections.berth.platform.plugins.module_utils.module import BerthModule

ARGUMENT_SPEC = dict(
    realm=dict(type="str", default="master"),
    name=dict(type="str", required=True),
    parent=dict(type="str"),
    normalize_name=dict(type="bool", default=False),
    state=dict(type="str", choices=["present", "absent"], default="present"),
    attributes=dict(type="dict"),
    members=dict(type="list", elements="str"),
    realm_roles=dict(type="list", elements="str"),
)


def main():
    module = BerthModule(argument_spec=ARGUMENT_SPEC, service="keycloak", supports_check_mode=True)
    if not HAS_KEYCLOAK:
        module.fail_json(msg=missing_required_lib("python-keycloak"), exception=KEYCLOAK_IMPORT_ERROR)
    params = module.params
    name = params["name"]
    if params["normalize_name"]:
        try:
            name = normalize_group_name(name)
        except ValidationError as exc:
            module.fail_error(exc)
    members = params["members"]
    desired = dict(
        name=name,
        path=group_path(name, params["parent"]),
        attributes=multi_map(params["attributes"]),
        members=None if members is None else sorted(set(m.lower() for m in members)),
        realm_roles=None if params["realm_roles"] is None else sorted(set(params["realm_roles"])),
    )
    adapter = GroupAdapter(KeycloakClient.from_params(params), parent=params["parent"])
    module.ensure(adapter, desired, state=params["state"], result_key="group",
                  extra=lambda outcome: dict(original_name=params["name"], normalized_name=name))


if __name__ == "__main__":
    main()
