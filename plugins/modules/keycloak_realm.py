#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: berth.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: keycloak_realm
short_description: Bootstrap a Keycloak realm - enabled, display name, lifetimes, brute-force protection
version_added: 0.2.0
description:
  - Creates, updates or removes a realm with the few settings a platform needs - enabled, display
    name, login settings (self-registration off), token and session lifetimes and brute-force
    protection.
  - Only the options you set are managed; an option left out is neither compared nor changed
    (O(enabled) defaults to V(true)).
  - Lifetimes are in seconds, as Keycloak stores them, so reruns compare exactly and report no change.
  - An option next to a switch the same task turns off (O(offline_session_max_lifespan) with
    O(offline_session_max_lifespan_enabled=false), a remember-me lifetime with O(remember_me=false),
    brute-force settings with O(brute_force.enabled=false)) could not take effect; the task fails
    before anything is written instead of storing it silently.
  - An existing realm is found by name before anything is written; it is never created twice.
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
    description: Name of the realm (its C(realm) field, used in URLs).
    type: str
    required: true
  state:
    description:
      - Whether the realm should exist.
      - V(absent) removes the realm with all its clients, users and groups. The C(master) realm
        cannot be removed.
    type: str
    choices: [present, absent]
    default: present
  enabled:
    description: Whether users can log in to the realm.
    type: bool
    default: true
  display_name:
    description: Name shown on the login page.
    type: str
  display_name_html:
    description: HTML version of the display name.
    type: str
  ssl_required:
    description: When HTTPS is required - for V(all) requests, V(external) ones only, or V(none).
    type: str
    choices: [all, external, none]
  registration_allowed:
    description:
      - Whether users can register themselves. Keycloak creates realms with registration off;
        set V(false) to keep it off.
    type: bool
  reset_password_allowed:
    description: Whether the login page offers "forgot password".
    type: bool
  remember_me:
    description: Whether the login page offers "remember me".
    type: bool
  verify_email:
    description: Whether users must verify their email address.
    type: bool
  login_with_email_allowed:
    description: Whether users can log in with their email address.
    type: bool
  access_token_lifespan:
    description: Access token lifetime in seconds (Keycloak's default is 300).
    type: int
  access_token_lifespan_for_implicit_flow:
    description: Access token lifetime for the implicit flow, in seconds.
    type: int
  access_code_lifespan:
    description: Lifetime of an authorization code, in seconds.
    type: int
  access_code_lifespan_login:
    description: Time a user has to complete the login, in seconds ("login timeout").
    type: int
  access_code_lifespan_user_action:
    description: Time a user has to complete a required action (e.g. update password), in seconds.
    type: int
  sso_session_idle_timeout:
    description: SSO session idle timeout in seconds.
    type: int
  sso_session_max_lifespan:
    description: SSO session maximum lifetime in seconds.
    type: int
  sso_session_idle_timeout_remember_me:
    description:
      - SSO session idle timeout with "remember me", in seconds (0 means the normal timeout).
      - Refused together with O(remember_me=false), where it cannot take effect.
    type: int
  sso_session_max_lifespan_remember_me:
    description:
      - SSO session maximum lifetime with "remember me", in seconds (0 means the normal one).
      - Refused together with O(remember_me=false), where it cannot take effect.
    type: int
  offline_session_idle_timeout:
    description:
      - Offline session idle timeout in seconds (Keycloak's C(offlineSessionIdleTimeout), default
        30 days). An offline token (scope C(offline_access)) not used for this long expires.
    type: int
  offline_session_max_lifespan_enabled:
    description:
      - Whether offline sessions have a maximum lifetime (C(offlineSessionMaxLifespanEnabled));
        Keycloak creates realms with it off.
    type: bool
  offline_session_max_lifespan:
    description:
      - Offline session maximum lifetime in seconds (C(offlineSessionMaxLifespan), default 60 days),
        counted from the login whatever the use.
      - Takes effect only with O(offline_session_max_lifespan_enabled=true); together with
        O(offline_session_max_lifespan_enabled=false) it is refused.
    type: int
  client_session_idle_timeout:
    description: Client session idle timeout in seconds (0 means the SSO session's).
    type: int
  client_session_max_lifespan:
    description: Client session maximum lifetime in seconds (0 means the SSO session's).
    type: int
  oauth2_device_code_lifespan:
    description:
      - Lifetime of a device code and its user code in the OAuth 2.0 device authorization grant,
        in seconds (C(oauth2DeviceCodeLifespan), Keycloak's default 600). At least 1.
    type: int
  oauth2_device_polling_interval:
    description:
      - Seconds a device must wait between token requests while the user logs in
        (C(oauth2DevicePollingInterval), Keycloak's default 5). At least 1.
    type: int
  brute_force:
    description:
      - Brute-force protection (login failure lockout). Only the suboptions you set are managed.
      - With O(brute_force.enabled=false) the other suboptions cannot take effect and are refused.
    type: dict
    suboptions:
      enabled:
        description: Whether brute-force detection is on.
        type: bool
      permanent_lockout:
        description: Lock users permanently (until an admin unlocks them) instead of temporarily.
        type: bool
      max_login_failures:
        description: Failures before a lockout (Keycloak's C(failureFactor)).
        type: int
      wait_increment:
        description: Seconds added to the lockout on every further failure.
        type: int
      max_wait:
        description: Longest temporary lockout, in seconds.
        type: int
      failure_reset_time:
        description: Seconds after which the failure count is reset.
        type: int
      quick_login_check_ms:
        description: Failures closer together than this many milliseconds count as quick logins.
        type: int
      minimum_quick_login_wait:
        description: Seconds a user waits after a quick login failure.
        type: int
      max_temporary_lockouts:
        description:
          - Temporary lockouts before a permanent one (with O(brute_force.permanent_lockout=true);
            refused with O(brute_force.permanent_lockout=false)).
        type: int
notes:
  - python-keycloak's C(create_realm(skip_exists=True)) raises TypeError on Keycloak 26's answer
    for an existing realm; this module never relies on it - it reads the realm first.
"""

EXAMPLES = r"""
- name: Platform realm with short tokens, brute-force protection, no self-registration
  berth.platform.keycloak_realm:
    realm: platform
    display_name: Berth Platform
    registration_allowed: false
    reset_password_allowed: true
    access_token_lifespan: 300          # 5 minutes
    sso_session_idle_timeout: 1800      # 30 minutes
    sso_session_max_lifespan: 36000     # 10 hours
    access_code_lifespan_login: 1800
    offline_session_idle_timeout: 604800        # offline tokens unused for 7 days expire
    offline_session_max_lifespan_enabled: true
    offline_session_max_lifespan: 2592000       # and all of them after 30 days
    oauth2_device_code_lifespan: 300            # device login (CLI tools): 5 minutes to finish
    oauth2_device_polling_interval: 5
    brute_force:
      enabled: true
      max_login_failures: 5
      wait_increment: 60
      max_wait: 900

- name: Remove a realm
  berth.platform.keycloak_realm:
    realm: old-platform
    state: absent
"""

RETURN = r"""
action:
  description: What was done, one of C(create), C(update), C(delete), C(none).
  returned: always
  type: str
  sample: update
realm:
  description:
    - The realm after the run in the module's option names (every option, not only the managed
      ones), plus C(id). In check mode or after a delete, the managed options.
  returned: always
  type: dict
  sample:
    realm: platform
    id: 6c7c7d2e-1f43-4a0e-9f58-3c2b1a0d9e8f
    enabled: true
    display_name: Berth Platform
    registration_allowed: false
    access_token_lifespan: 300
    sso_session_idle_timeout: 1800
    sso_session_max_lifespan: 36000
    offline_session_idle_timeout: 604800
    offline_session_max_lifespan_enabled: true
    offline_session_max_lifespan: 2592000
    oauth2_device_code_lifespan: 300
    oauth2_device_polling_interval: 5
    brute_force: {enabled: true, max_login_failures: 5, wait_increment: 60, max_wait: 900}
"""

from ansible.module_utils.basic import missing_required_lib

from ansible_collections.berth.platform.plugins.module_utils.keycloak.client import (
    HAS_KEYCLOAK, KEYCLOAK_IMPORT_ERROR, KeycloakClient,
)
from ansible_collections.berth.platform.plugins.module_utils.keycloak.realms import (
    FIELDS, RealmAdapter,
)
from ansible_collections.berth.platform.plugins.module_utils.module import BerthModule

BRUTE_FORCE_SPEC = dict(
    enabled=dict(type="bool"),
    permanent_lockout=dict(type="bool"),
    max_login_failures=dict(type="int"),
    wait_increment=dict(type="int"),
    max_wait=dict(type="int"),
    failure_reset_time=dict(type="int"),
    quick_login_check_ms=dict(type="int"),
    minimum_quick_login_wait=dict(type="int"),
    max_temporary_lockouts=dict(type="int"),
)

ARGUMENT_SPEC = dict(
    realm=dict(type="str", required=True),
    state=dict(type="str", choices=["present", "absent"], default="present"),
    enabled=dict(type="bool", default=True),
    display_name=dict(type="str"),
    display_name_html=dict(type="str"),
    ssl_required=dict(type="str", choices=["all", "external", "none"]),
    registration_allowed=dict(type="bool"),
    reset_password_allowed=dict(type="bool", no_log=False),
    remember_me=dict(type="bool"),
    verify_email=dict(type="bool"),
    login_with_email_allowed=dict(type="bool"),
    access_token_lifespan=dict(type="int", no_log=False),
    access_token_lifespan_for_implicit_flow=dict(type="int", no_log=False),
    access_code_lifespan=dict(type="int"),
    access_code_lifespan_login=dict(type="int"),
    access_code_lifespan_user_action=dict(type="int"),
    sso_session_idle_timeout=dict(type="int"),
    sso_session_max_lifespan=dict(type="int"),
    sso_session_idle_timeout_remember_me=dict(type="int"),
    sso_session_max_lifespan_remember_me=dict(type="int"),
    offline_session_idle_timeout=dict(type="int"),
    offline_session_max_lifespan_enabled=dict(type="bool"),
    offline_session_max_lifespan=dict(type="int"),
    client_session_idle_timeout=dict(type="int"),
    client_session_max_lifespan=dict(type="int"),
    oauth2_device_code_lifespan=dict(type="int"),
    oauth2_device_polling_interval=dict(type="int"),
    brute_force=dict(type="dict", options=BRUTE_FORCE_SPEC),
)


def desired_realm(params):
    desired = dict(realm=params["realm"])
    desired.update((key, params[key]) for key, _rep in FIELDS)
    # only the suboptions set: a diff then shows exactly those
    brute = dict((k, v) for k, v in (params["brute_force"] or {}).items() if v is not None)
    desired["brute_force"] = brute or None
    return desired


def main():
    module = BerthModule(argument_spec=ARGUMENT_SPEC, service="keycloak", supports_check_mode=True)
    if not HAS_KEYCLOAK:
        module.fail_json(msg=missing_required_lib("python-keycloak"), exception=KEYCLOAK_IMPORT_ERROR)
    params = module.params
    desired = desired_realm(params)
    if params["state"] == "absent":
        desired = dict(realm=params["realm"])
    kc = KeycloakClient.from_params(params, realm=params["realm"])
    module.ensure(RealmAdapter(kc, state=params["state"]), desired, state=params["state"],
                  result_key="realm")


if __name__ == "__main__":
    main()
