#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: berth.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: harbor_config
short_description: Manage Harbor's authentication mode, OIDC provider and system settings
version_added: 0.2.0
description:
  - Reads Harbor's configuration (C(GET /configurations)) and writes the settings that differ in one
    C(PUT /configurations). Options not set are not managed.
  - Values are compared as the types Harbor stores (booleans, numbers, strings); the OIDC scope
    (one comma-separated string in Harbor) is compared as a set and
    O(oidc.extra_redirect_parms) (a JSON string in Harbor) as a whole dict, so a rerun reports no change.
  - Harbor refuses to change the authentication mode while any user other than the built-in
    admin exists (local, LDAP or OIDC-onboarded; deleted users do not count). The module checks
    this before it writes anything, in check mode too, and fails with the number of users, up to
    ten of their names, and what to do - remove them with M(berth.platform.harbor_user) or keep
    the current mode.
  - The OIDC client secret is write-only - Harbor never returns it. It never appears in results,
    diffs or C(-vvv) output; diffs show C(<redacted>) under C(oidc_client_secret).
author:
  - berth.platform maintainers (@berth)
extends_documentation_fragment:
  - berth.platform.harbor
attributes:
  check_mode:
    support: full
    description:
      - Reports what would change without writing to Harbor. The auth mode refusal,
        setting validation and O(verify_oidc) run in check mode too.
  diff_mode:
    support: full
    description: Shows the managed settings before and after; the client secret only as C(<redacted>).
options:
  auth_mode:
    description:
      - Harbor's authentication mode.
      - Local users can only be created in C(db_auth). Harbor refuses a change while users
        other than admin exist (see the description).
    type: str
    choices: [db_auth, ldap_auth, uaa_auth, http_auth, oidc_auth]
  oidc:
    description:
      - The OIDC provider Harbor uses in C(oidc_auth). Suboptions not set are not managed.
      - Switching O(auth_mode) to C(oidc_auth) needs O(oidc.endpoint) and O(oidc.client_id),
        set here or already stored in Harbor.
    type: dict
    suboptions:
      name:
        description: Provider name shown on Harbor's login page (C(LOGIN WITH <name>)).
        type: str
      endpoint:
        description:
          - The issuer URL, for example C(https://sso.example.com/realms/platform). Harbor reads
            C(<endpoint>/.well-known/openid-configuration); its C(issuer) must equal this exactly
            (no trailing C(/)).
        type: str
      client_id:
        description: Client ID of Harbor at the provider.
        type: str
      client_secret:
        description:
          - Client secret of Harbor at the provider. Write-only; when it is written depends on
            O(update_client_secret).
        type: str
      groups_claim:
        description: Claim of the ID token that lists the user's groups, for example C(groups).
        type: str
      admin_group:
        description: Members of this group are Harbor system administrators.
        type: str
      group_filter:
        description: Regular expression; only matching groups are onboarded to Harbor.
        type: str
      scope:
        description:
          - Scopes requested at login, for example C([openid, profile, email, offline_access]).
            Harbor needs C(openid); C(offline_access) lets CLI secrets outlive the session.
          - Written joined with C(,) in the given order; compared as a set.
        type: list
        elements: str
      user_claim:
        description: Claim to take the Harbor username from, for example C(preferred_username); empty means Harbor's default, the C(name) claim.
        type: str
      verify_cert:
        description: Verify the provider's TLS certificate (harbor-core must trust its CA).
        type: bool
      auto_onboard:
        description: Create the Harbor user on first login without asking for a username.
        type: bool
      extra_redirect_parms:
        description:
          - Extra query parameters for the redirect to the provider, for example key C(prompt) with value C(login) (always show the provider's login page).
            Harbor stores them as a JSON string of strings; values are compared as strings.
          - This is the complete set - parameters Harbor has that are not listed are removed (the diff
            shows them as C(<removed>)); V({}) removes all.
        type: dict
      logout:
        description: Log the user out of the provider too when they log out of Harbor.
        type: bool
  update_client_secret:
    description:
      - When O(oidc.client_secret) is written. Harbor never returns the secret, so it cannot be
        compared.
      - V(on_create) - written only when O(auth_mode) switches to C(oidc_auth) or another O(oidc)
        setting changes in the same run; otherwise reruns leave it alone and report no change.
        To rotate it, run once with V(always).
      - V(always) - written on every run (needs O(oidc.client_secret)); the task then always reports a change.
    type: str
    choices: [always, on_create]
    default: on_create
  verify_oidc:
    description:
      - Before saving (and in check mode), ask Harbor to test the OIDC endpoint
        (C(POST /system/oidc/ping) with O(oidc.endpoint) and O(oidc.verify_cert), or the stored ones).
        When Harbor cannot use it, the module fails with Harbor's message and writes nothing.
      - Runs on every run, changed or not.
    type: bool
    default: false
  project_creation_restriction:
    description: Who may create projects.
    type: str
    choices: [everyone, adminonly]
  self_registration:
    description: Let people sign up for a local account (C(db_auth) only).
    type: bool
  robot_name_prefix:
    description: Prefix of robot account names, C(robot$) by default.
    type: str
  robot_token_duration:
    description: Default lifetime of robot account secrets, in days.
    type: int
  read_only:
    description: Put the registry in read-only mode (pushes and deletes refused).
    type: bool
  settings:
    description:
      - Other settings by Harbor's key, for example C(session_timeout) (minutes) or C(storage_per_project) (bytes, C(-1) unlimited).
      - Keys must be ones C(GET /configurations) returns; values are converted to the type Harbor
        has for the key (C("120") becomes C(120) for a number), or refused.
      - Keys with an option of their own, and credentials (keys with C(secret) or C(password)),
        are refused.
    type: dict
notes:
  - Harbor's own messages for refused changes appear in the failure; the module checks what it
    can before writing.
  - harbor-core keeps its settings in one in-process map that every request reloads from the
    database, so a read right after a write can briefly answer the previous values; the module
    reads again (up to about 3 seconds) until Harbor shows what was written.
seealso:
  - module: berth.platform.harbor_user
  - module: berth.platform.keycloak_client
"""

EXAMPLES = r"""
- name: Harbor's OIDC client in Keycloak
  berth.platform.keycloak_client:
    realm: platform
    client_id: harbor
    confidential: true
    redirect_uris: [https://harbor.example.com/c/oidc/callback]
    protocol_mappers:
      - name: groups
        protocol_mapper: oidc-group-membership-mapper
        config: {claim.name: groups, full.path: false, id.token.claim: true,
                 access.token.claim: true, userinfo.token.claim: true}
    return_secret: true
  no_log: true
  register: harbor_client

- name: Log in to Harbor through Keycloak
  berth.platform.harbor_config:
    harbor_url: https://harbor.example.com
    harbor_username: admin
    harbor_password: "{{ vault_harbor_admin_password }}"
    auth_mode: oidc_auth
    verify_oidc: true
    oidc:
      name: Keycloak
      endpoint: https://sso.example.com/realms/platform
      client_id: harbor
      client_secret: "{{ harbor_client.client_secret }}"
      scope: [openid, profile, email, offline_access]
      groups_claim: groups
      admin_group: platform-admins
      user_claim: preferred_username
      verify_cert: true
      auto_onboard: true

- name: Rotate the client secret (always written, always reports a change)
  berth.platform.harbor_config:
    oidc:
      client_secret: "{{ new_harbor_client_secret }}"
    update_client_secret: always

- name: System settings
  berth.platform.harbor_config:
    project_creation_restriction: adminonly
    self_registration: false
    robot_token_duration: 90
    settings:
      session_timeout: 120
      banner_message: ""
"""

RETURN = r"""
action:
  description: What was done, C(update) or C(none).
  returned: always
  type: str
  sample: update
config:
  description:
    - Harbor's configuration after the run in the module's shape - O(auth_mode), O(oidc) (never
      with C(client_secret)), the system settings and C(settings) with every other key Harbor
      returned (credentials left out).
    - In check mode with changes, the managed settings as they would be.
  returned: always
  type: dict
  sample:
    auth_mode: oidc_auth
    oidc:
      name: Keycloak
      endpoint: https://sso.example.com/realms/platform
      client_id: harbor
      groups_claim: groups
      admin_group: ""
      group_filter: ""
      scope: [openid, profile, email, offline_access]
      user_claim: ""
      verify_cert: true
      auto_onboard: true
      extra_redirect_parms: {}
      logout: false
    project_creation_restriction: adminonly
    self_registration: false
    robot_name_prefix: robot$
    robot_token_duration: 30
    read_only: false
    settings:
      session_timeout: 60
      storage_per_project: -1
oidc_verified:
  description: The endpoint Harbor tested successfully with O(verify_oidc=true).
  returned: when O(verify_oidc=true)
  type: str
  sample: https://sso.example.com/realms/platform
"""

from ansible_collections.berth.platform.plugins.module_utils.errors import ValidationError
from ansible_collections.berth.platform.plugins.module_utils.harbor.client import HarborClient
from ansible_collections.berth.platform.plugins.module_utils.harbor.configuration import (
    AUTH_MODES, PROJECT_CREATION, SYSTEM_FIELDS, ConfigAdapter, desired_config, validate_input,
)
from ansible_collections.berth.platform.plugins.module_utils.module import BerthModule

OIDC_SPEC = dict(
    name=dict(type="str"),
    endpoint=dict(type="str"),
    client_id=dict(type="str"),
    client_secret=dict(type="str", no_log=True),
    groups_claim=dict(type="str"),
    admin_group=dict(type="str"),
    group_filter=dict(type="str"),
    scope=dict(type="list", elements="str"),
    user_claim=dict(type="str"),
    verify_cert=dict(type="bool"),
    auto_onboard=dict(type="bool"),
    extra_redirect_parms=dict(type="dict"),
    logout=dict(type="bool"),
)

ARGUMENT_SPEC = dict(
    auth_mode=dict(type="str", choices=list(AUTH_MODES)),
    oidc=dict(type="dict", options=OIDC_SPEC),
    update_client_secret=dict(type="str", choices=["always", "on_create"], default="on_create",
                              no_log=False),
    verify_oidc=dict(type="bool", default=False),
    project_creation_restriction=dict(type="str", choices=list(PROJECT_CREATION)),
    self_registration=dict(type="bool"),
    robot_name_prefix=dict(type="str"),
    robot_token_duration=dict(type="int", no_log=False),
    read_only=dict(type="bool"),
    settings=dict(type="dict"),
)


def desired_from_params(params):
    oidc = params["oidc"] or {}
    return desired_config(auth_mode=params["auth_mode"], oidc=oidc,
                          client_secret=oidc.get("client_secret"),
                          system=dict((key, params[key]) for key in SYSTEM_FIELDS),
                          settings=params["settings"])


def main():
    module = BerthModule(argument_spec=ARGUMENT_SPEC, service="harbor", supports_check_mode=True)
    params = module.params
    try:
        desired = desired_from_params(params)
        validate_input(desired)
        if params["update_client_secret"] == "always" and not (params["oidc"] or {}).get("client_secret"):
            # Nothing to write every run: almost surely a secret that did not reach the task.
            raise ValidationError("update_client_secret: always needs oidc.client_secret (the secret to write on "
                                  "every run); without one, leave update_client_secret out", service="harbor")
    except ValidationError as exc:
        module.fail_error(exc)
    adapter = ConfigAdapter(HarborClient.from_params(params),
                            update_client_secret=params["update_client_secret"],
                            verify_oidc=params["verify_oidc"])

    def verified(outcome):
        return dict(oidc_verified=adapter.pinged) if params["verify_oidc"] else {}

    module.ensure(adapter, desired, result_key="config", extra=verified)


if __name__ == "__main__":
    main()
