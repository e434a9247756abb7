#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: berth.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: harbor_project_member
short_description: Manage a user or group member of a Harbor project and its role
version_added: 0.2.0
description:
  - Adds a user or a user group to a Harbor project with a role, changes the role in place (the
    member keeps its id), or removes the member.
  - The member is found exactly - by user name, or by group name and group type (a user and a group
    may share a name). Two groups may not, whatever their types - Harbor keeps group names unique
    (C(UNIQUE(group_name)) in its C(user_group) table) - so an O(group) whose name a group of another
    type already holds cannot be added as O(group_type).
  - Input is checked before anything is sent - an unknown role, a missing project or an unknown user
    fails with one message and nothing written.
  - A group Harbor does not know yet is added only where Harbor itself can add it - OIDC groups while
    Harbor runs with C(auth_mode=oidc_auth), HTTP groups with C(http_auth) and the auth proxy's
    C(skip_search), LDAP groups with C(ldap_auth) and O(ldap_group_dn). Otherwise the module explains
    why Harbor would refuse (or add a group of another type) and writes nothing, in check mode too.
    A group that exists in Harbor (for example created under Administration > Groups) can be added
    in any auth mode.
author:
  - berth.platform maintainers (@berth)
extends_documentation_fragment:
  - berth.platform.harbor
attributes:
  check_mode:
    support: full
    description: Reports what would change without writing to Harbor; the same checks run.
  diff_mode:
    support: full
    description: Shows the member before and after; a role change shows only the role changing.
options:
  project:
    description: Name of the project. It must exist (see M(berth.platform.harbor_project)).
    type: str
    required: true
  username:
    description:
      - Name of a Harbor user to add. The user must exist in Harbor (with C(auth_mode=oidc_auth) users
        appear after their first login, so add their group instead). With C(ldap_auth) Harbor looks an
        unknown user up in LDAP itself.
      - Exactly one of O(username) and O(group) is required.
    type: str
  group:
    description:
      - Name of a user group to add, for example the OIDC group of a team (the C(groups) claim value).
      - Exactly one of O(username) and O(group) is required.
    type: str
  group_type:
    description: Type of O(group).
    type: str
    choices: [oidc, ldap, http]
    default: oidc
  ldap_group_dn:
    description:
      - DN of an LDAP group (O(group_type=ldap)). Identifies the group; Harbor needs it to add an LDAP
        group it does not know yet (with C(auth_mode=ldap_auth)). Finding a group by DN needs an admin
        account (Harbor lists groups to admins only).
    type: str
  role:
    description:
      - The member's role, one of C(project-admin), C(maintainer), C(developer), C(guest),
        C(limited-guest) (Harbor's own spellings such as C(projectAdmin) are accepted too).
      - Required with O(state=present). A different role is changed in place.
    type: str
  state:
    description: C(absent) removes the member. A missing project then means there is nothing to remove.
    type: str
    choices: [present, absent]
    default: present
"""

EXAMPLES = r"""
- name: Team group from Keycloak as developers of its project
  berth.platform.harbor_project_member:
    harbor_url: https://harbor.example.com
    harbor_username: admin
    harbor_password: "{{ vault_harbor_admin_password }}"
    project: team-a
    group: team-a
    group_type: oidc
    role: developer

- name: A lead maintains the project
  berth.platform.harbor_project_member:
    project: team-a
    username: alice
    role: maintainer

- name: An LDAP group by its DN
  berth.platform.harbor_project_member:
    project: team-a
    group: team-a-readers
    group_type: ldap
    ldap_group_dn: cn=team-a-readers,ou=groups,dc=example,dc=com
    role: guest

- name: Remove the user again
  berth.platform.harbor_project_member:
    project: team-a
    username: alice
    state: absent
"""

RETURN = r"""
action:
  description: What was done, one of C(create), C(update), C(delete), C(none).
  returned: always
  type: str
  sample: update
member:
  description:
    - The member after the run - C(project), C(project_id), C(member_id), C(entity_id) (user or group
      id), C(role), and C(username) or C(group), C(group_type) and C(ldap_group_dn). In check mode or
      after a delete, the managed options.
  returned: always
  type: dict
  sample:
    project: team-a
    project_id: 12
    member_id: 31
    entity_id: 4
    group: team-a
    group_type: oidc
    ldap_group_dn: null
    role: developer
"""

from ansible_collections.berth.platform.plugins.module_utils.errors import ValidationError
from ansible_collections.berth.platform.plugins.module_utils.harbor.client import HarborClient
from ansible_collections.berth.platform.plugins.module_utils.harbor.members import (
    MemberAdapter, desired_member,
)
from ansible_collections.berth.platform.plugins.module_utils.module import BerthModule

ARGUMENT_SPEC = dict(
    project=dict(type="str", required=True),
    username=dict(type="str"),
    group=dict(type="str"),
    group_type=dict(type="str", choices=["oidc", "ldap", "http"], default="oidc"),
    ldap_group_dn=dict(type="str"),
    role=dict(type="str"),
    state=dict(type="str", choices=["present", "absent"], default="present"),
)


def main():
    module = BerthModule(argument_spec=ARGUMENT_SPEC, service="harbor", supports_check_mode=True,
                         mutually_exclusive=[("username", "group")],
                         required_one_of=[("username", "group")],
                         required_if=[("state", "present", ["role"])])
    p = module.params
    try:
        desired = desired_member(p["project"], role=p["role"], username=p["username"],
                                 group=p["group"], group_type=p["group_type"],
                                 ldap_group_dn=p["ldap_group_dn"], state=p["state"])
    except ValidationError as exc:
        module.fail_error(exc)
    adapter = MemberAdapter(HarborClient.from_params(p), state=p["state"])
    module.ensure(adapter, desired, state=p["state"])


if __name__ == "__main__":
    main()
