#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: berth.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: harbor_user
short_description: Create, update or remove Harbor users
version_added: 0.2.0
description:
  - Creates a local Harbor user (only while Harbor is in C(db_auth)), updates its profile, admin
    flag and password, or removes a user of any kind (local, LDAP, OIDC) by exact O(username) or
    O(email). Harbor's user search matches loosely; this module acts only on the exact match.
  - Options not set are not managed.
  - >-
    B(OIDC conflicting user.) Harbor links an OIDC user to the provider's subject and issuer
    (C(sub) + C(iss)). When these change for a person - the identity provider or realm was
    rebuilt, the user re-created, the issuer URL changed - Harbor treats the next login as a new
    user, tries to onboard it under the same username and email and fails; the login callback
    (C(/c/oidc/callback)) answers C(409) with
    C({"errors":[{"code":"UNKNOWN","message":"failed to create user record: user <username> or email <email> already exists"}]})
    (Harbor's C(core/controllers/oidc.go) C(userOnboard) and C(pkg/user/dao) C(Create)).
    Remove the old user with O(state=absent) and O(username) (or O(email)); the person is onboarded
    again, with the new subject, at their next login (with C(auto_onboard) without a question).
    Their project memberships as a user go with the old record; memberships of their OIDC groups
    apply again at once.
  - Removing users is also the way to let Harbor change its authentication mode, which it refuses
    while users other than admin exist (see M(berth.platform.harbor_config)).
  - Harbor only marks a removed user deleted (and renames it), so the username and email can be
    used again right away.
author:
  - berth.platform maintainers (@berth)
extends_documentation_fragment:
  - berth.platform.harbor
attributes:
  check_mode:
    support: full
    description: Reports what would change, and who would be removed, without writing to Harbor.
  diff_mode:
    support: full
    description: Shows the managed fields before and after; the password only as C(<redacted>).
options:
  username:
    description:
      - The exact username. Required with O(state=present).
      - With O(state=absent), give either this or O(email).
      - The built-in C(admin) is not managed.
    type: str
  email:
    description:
      - E-mail address; required to create a user (Harbor's address rule applies).
      - With O(state=absent) and without O(username), the user with exactly this address is removed.
    type: str
  realname:
    description: Full name; when creating a user without it, the username is used.
    type: str
  comment:
    description: Free text, at most 30 characters.
    type: str
  password:
    description:
      - Password of a local user; required to create one. Harbor wants 8 to 128 characters with
        upper-case and lower-case letters and a digit.
      - Written as O(update_password) says; never returned.
    type: str
  update_password:
    description:
      - V(on_create) - the password is set when the user is created and left alone afterwards.
      - V(always) - the password is made the given one on every run; the module logs in as the user
        to find out whether it already is, so a rerun reports no change.
    type: str
    choices: [always, on_create]
    default: on_create
  admin:
    description: Whether the user is a Harbor system administrator (C(sysadmin_flag)). Works in every auth mode.
    type: bool
  state:
    description:
      - C(present) creates or updates the user; C(absent) removes it.
      - Outside C(db_auth) Harbor refuses to create local users and to change profiles or passwords;
        the module says so before writing anything.
    type: str
    choices: [present, absent]
    default: present
seealso:
  - module: berth.platform.harbor_config
"""

EXAMPLES = r"""
- name: A local user for a CI system (db_auth only)
  berth.platform.harbor_user:
    harbor_url: https://harbor.example.com
    harbor_username: admin
    harbor_password: "{{ vault_harbor_admin_password }}"
    username: ci-bot
    email: ci-bot@example.com
    realname: CI bot
    password: "{{ vault_ci_bot_password }}"
    comment: managed by Ansible

- name: Make an OIDC-onboarded user a Harbor admin
  berth.platform.harbor_user:
    username: alice
    admin: true

- name: Remove the user whose OIDC subject changed; alice is onboarded again at her next login
  berth.platform.harbor_user:
    username: alice
    state: absent

- name: Remove whoever has this e-mail address
  berth.platform.harbor_user:
    email: old.account@example.com
    state: absent
  register: removed   # removed.users_removed == ['old-account']
"""

RETURN = r"""
action:
  description: What was done, one of C(create), C(update), C(delete), C(none).
  returned: always
  type: str
  sample: delete
user:
  description:
    - The user after the run - C(username), C(email), C(realname), C(comment), C(admin), C(user_id);
      never a password. In check mode with changes, the managed fields as they would be; after a
      removal, empty.
  returned: always
  type: dict
  sample:
    username: ci-bot
    email: ci-bot@example.com
    realname: CI bot
    comment: managed by Ansible
    admin: false
    user_id: 7
users_removed:
  description: Usernames removed by this run (in check mode, the ones that would be removed).
  returned: always
  type: list
  elements: str
  sample: [alice]
"""

from ansible_collections.berth.platform.plugins.module_utils.errors import ValidationError
from ansible_collections.berth.platform.plugins.module_utils.harbor.client import HarborClient
from ansible_collections.berth.platform.plugins.module_utils.harbor.users import (
    UserAdapter, validate_input,
)
from ansible_collections.berth.platform.plugins.module_utils.module import BerthModule

ARGUMENT_SPEC = dict(
    username=dict(type="str"),
    email=dict(type="str"),
    realname=dict(type="str"),
    comment=dict(type="str"),
    password=dict(type="str", no_log=True),
    update_password=dict(type="str", choices=["always", "on_create"], default="on_create",
                         no_log=False),
    admin=dict(type="bool"),
    state=dict(type="str", choices=["present", "absent"], default="present"),
)

FIELDS = ("username", "email", "realname", "comment", "password", "admin")


def desired_user(params):
    if params["state"] == "absent":
        return dict(username=params["username"], email=params["email"])
    return dict((key, params[key]) for key in FIELDS)


def main():
    module = BerthModule(argument_spec=ARGUMENT_SPEC, service="harbor", supports_check_mode=True,
                         required_if=[("state", "present", ["username"])])
    params = module.params
    desired = desired_user(params)
    try:
        validate_input(desired, state=params["state"])
    except ValidationError as exc:
        module.fail_error(exc)
    adapter = UserAdapter(HarborClient.from_params(params), state=params["state"],
                          update_password=params["update_password"])

    def removed(outcome):
        gone = [outcome.before.get("username")] if outcome.action == "delete" else []
        return dict(users_removed=gone)

    module.ensure(adapter, desired, state=params["state"], result_key="user", extra=removed)


if __name__ == "__main__":
    main()
