#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: berth.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: keycloak_group
short_description: Manage a Keycloak group or subgroup, its attributes, members and realm roles
version_added: 0.2.0
description:
  - Creates, updates or removes a group, found by its full path, so subgroups are idempotent too.
  - Optional name normalization makes one team name usable as a Keycloak group, a Harbor project
    and a Kubernetes namespace (the same rule, C(plugins/module_utils/naming.py), serves all three).
  - A renamed team keeps its group with O(rename_from).
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
      - Use a normalized O(name) (and O(rename_from)), usable unchanged as a Harbor project name and
        a Kubernetes namespace name (an RFC 1123 label). The rule, in order -
      - 1. lower-case;
      - 2. the letters Unicode does not decompose spelled out - C(ß) as C(ss), C(æ) as C(ae), C(ø) as
        C(o), C(œ) as C(oe), C(ł) as C(l), C(đ) and C(ð) as C(d), C(þ) as C(th), C(ı) as C(i), C(ħ) as
        C(h), C(ŧ) as C(t), C(ŋ) as C(n) (upper-case forms alike);
      - 3. Unicode NFKD decomposition, every combining mark dropped (C(é) as C(e), C(ü) as C(u));
      - 4. every run of characters other than C(a-z) and C(0-9) replaced by one C(-), leading and
        trailing C(-) trimmed;
      - 5. a result longer than 63 characters cut to its first 54 (trailing C(-) trimmed), followed
        by C(-) and the first 8 hex digits of the SHA-256 of the whole uncut step-4 result (UTF-8).
      - C(Team Demo) and C(team_demo) both become C(team-demo), C(Équipe Données 2) becomes
        C(equipe-donnees-2), C(Straße Süd) becomes C(strasse-sud). Names that differ anywhere stay
        different after the cut; spellings that normalize alike stay alike. A normalized name
        normalizes to itself.
      - A name with no letter or digit left (for example only CJK characters or punctuation) fails
        the task.
      - Both names are returned, in RV(original_name) and RV(normalized_name).
    type: bool
    default: false
  rename_from:
    description:
      - The group's previous name (under the same O(parent)), to rename a team and keep its group.
      - When no group has the name O(name) but one has the name O(rename_from), that group is
        renamed in place - the same Keycloak group (same id), so its members, realm roles,
        attributes and subgroups stay. When the group already has the name O(name) (a rerun), nothing
        is renamed. When both exist the task fails (a rename never merges two groups). When
        neither exists, the group is created under O(name).
      - Normalized like O(name) with O(normalize_name=true).
      - A name, not an id - the id of a group differs between Keycloak instances, the name is what
        an inventory holds. Moving a group to another parent is not supported.
      - Only with O(state=present).
    type: str
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
      - Not set means members are not managed. Every user must exist, unless O(missing_members=skip).
    type: list
    elements: str
  missing_members:
    description:
      - What to do with a member that is not (yet) a user of the realm.
      - V(fail) - fail before anything is written, naming the users.
      - V(skip) - leave them out with a warning and list them in RV(skipped_members); they are added by a later
        run once they exist. Users of a brokered identity provider exist only after their first login.
    type: str
    choices: [fail, skip]
    default: fail
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

- name: Team Demo was renamed to Team Platform - same group, members kept
  berth.platform.keycloak_group:
    realm: platform
    name: Team Platform        # stored as team-platform
    rename_from: Team Demo     # the group team-demo, if it is still there
    normalize_name: true
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
skipped_members:
  description: With O(missing_members=skip), the members left out because they are not users of the realm yet.
  returned: always
  type: list
  elements: str
  sample: [carol]
renamed_from:
  description: The path the group had before this run renamed it (in check mode - would rename it).
  returned: when the group was renamed from O(rename_from)
  type: str
  sample: /team-demo
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
    rename_from=dict(type="str"),
    missing_members=dict(type="str", choices=["fail", "skip"], default="fail"),
)


def main():
    module = BerthModule(argument_spec=ARGUMENT_SPEC, service="keycloak", supports_check_mode=True)
    if not HAS_KEYCLOAK:
        module.fail_json(msg=missing_required_lib("python-keycloak"), exception=KEYCLOAK_IMPORT_ERROR)
    params = module.params
    name, rename_from = params["name"], params["rename_from"]
    if rename_from is not None and params["state"] != "present":
        module.fail_error(ValidationError("rename_from is only used with state: present (a removal "
                                          "goes by name)", service="keycloak"))
    if "/" in name and not params["normalize_name"]:
        # Keycloak would store it as one top-level group whose path looks like a subgroup's.
        parent, own = name.rsplit("/", 1)
        module.fail_error(ValidationError(
            "name %r contains '/': name is one group's own name; for a subgroup set parent (for "
            "example name: %s, parent: /%s), or normalize_name: true" % (name, own, parent.strip("/")),
            service="keycloak"))
    if params["normalize_name"]:
        try:
            name = normalize_group_name(name)
            if rename_from is not None:
                rename_from = normalize_group_name(rename_from)
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
    adapter = GroupAdapter(KeycloakClient.from_params(params), parent=params["parent"],
                           rename_from=None if rename_from is None else group_path(rename_from, params["parent"]),
                           skip_missing_members=params["missing_members"] == "skip")

    def names(outcome):
        out = dict(original_name=params["name"], normalized_name=name, skipped_members=adapter.skipped_members)
        if adapter.renamed_from:
            out["renamed_from"] = adapter.renamed_from
        if adapter.skipped_members:
            module.warn("not in realm %s yet, left out of group %s: %s (added on a run after they exist)"
                        % (params["realm"], name, ", ".join(adapter.skipped_members)))
        return out

    module.ensure(adapter, desired, state=params["state"], result_key="group", extra=names)


if __name__ == "__main__":
    main()
