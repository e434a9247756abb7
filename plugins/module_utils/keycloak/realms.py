# -*- coding: utf-8 -*-
# Copyright: berth.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The realm adapter for ``ensure`` (module keycloak_realm). No Ansible imports.

Compared shape: the module's option names; ``brute_force`` is a nested dict.
The realm is found with a plain GET (404 -> absent) and created with a POST
without python-keycloak's ``skip_exists`` (which raises TypeError on the 409
body of Keycloak 26): an existing realm is never re-created, a racing create
surfaces as a clear 409.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.berth.platform.plugins.module_utils.ensure import Adapter
from ansible_collections.berth.platform.plugins.module_utils.errors import NotFound, ValidationError

SERVICE = "keycloak"

# option name -> RealmRepresentation key
FIELDS = (
    ("enabled", "enabled"), ("display_name", "displayName"), ("display_name_html", "displayNameHtml"),
    ("ssl_required", "sslRequired"), ("registration_allowed", "registrationAllowed"),
    ("reset_password_allowed", "resetPasswordAllowed"), ("remember_me", "rememberMe"),
    ("verify_email", "verifyEmail"), ("login_with_email_allowed", "loginWithEmailAllowed"),
    ("access_token_lifespan", "accessTokenLifespan"),
    ("access_token_lifespan_for_implicit_flow", "accessTokenLifespanForImplicitFlow"),
    ("access_code_lifespan", "accessCodeLifespan"),
    ("access_code_lifespan_login", "accessCodeLifespanLogin"),
    ("access_code_lifespan_user_action", "accessCodeLifespanUserAction"),
    ("sso_session_idle_timeout", "ssoSessionIdleTimeout"),
    ("sso_session_max_lifespan", "ssoSessionMaxLifespan"),
    ("sso_session_idle_timeout_remember_me", "ssoSessionIdleTimeoutRememberMe"),
    ("sso_session_max_lifespan_remember_me", "ssoSessionMaxLifespanRememberMe"),
    ("offline_session_idle_timeout", "offlineSessionIdleTimeout"),
    ("offline_session_max_lifespan_enabled", "offlineSessionMaxLifespanEnabled"),
    ("offline_session_max_lifespan", "offlineSessionMaxLifespan"),
    ("client_session_idle_timeout", "clientSessionIdleTimeout"),
    ("client_session_max_lifespan", "clientSessionMaxLifespan"),
    ("oauth2_device_code_lifespan", "oauth2DeviceCodeLifespan"),
    ("oauth2_device_polling_interval", "oauth2DevicePollingInterval"),
)
STRING_FIELDS = ("display_name", "display_name_html")
LIFETIMES = (
    "access_token_lifespan", "access_token_lifespan_for_implicit_flow", "access_code_lifespan",
    "access_code_lifespan_login", "access_code_lifespan_user_action", "sso_session_idle_timeout",
    "sso_session_max_lifespan", "sso_session_idle_timeout_remember_me",
    "sso_session_max_lifespan_remember_me", "offline_session_idle_timeout",
    "offline_session_max_lifespan", "client_session_idle_timeout", "client_session_max_lifespan",
)
# at least one second: a device code that expires at once, or polling without a pause, is no setting
POSITIVE = ("oauth2_device_code_lifespan", "oauth2_device_polling_interval")
# Keycloak 26's realm update writes the device grant settings unconditionally
# (OAuth2DeviceConfig): a PUT that leaves one out resets it to its default (600 s, 5 s).
# Every update sends them as stored unless it changes them.
ALWAYS_SENT = ("oauth2DeviceCodeLifespan", "oauth2DevicePollingInterval")
# (option, the switch it needs, the switch's value for it to take effect)
NEEDS = (
    ("offline_session_max_lifespan", "offline_session_max_lifespan_enabled", True),
    ("sso_session_idle_timeout_remember_me", "remember_me", True),
    ("sso_session_max_lifespan_remember_me", "remember_me", True),
)

# brute_force suboption -> RealmRepresentation key
BRUTE_FORCE = (
    ("enabled", "bruteForceProtected"), ("permanent_lockout", "permanentLockout"),
    ("max_login_failures", "failureFactor"), ("wait_increment", "waitIncrementSeconds"),
    ("max_wait", "maxFailureWaitSeconds"), ("failure_reset_time", "maxDeltaTimeSeconds"),
    ("quick_login_check_ms", "quickLoginCheckMilliSeconds"),
    ("minimum_quick_login_wait", "minimumQuickLoginWaitSeconds"),
    ("max_temporary_lockouts", "maxTemporaryLockouts"),
)


def validate_input(desired, state="present"):
    """Local checks, before anything is read or written."""
    problems = []
    realm = desired["realm"]
    if not realm.strip() or "/" in realm or realm != realm.strip():
        # Keycloak answers only "Character '/' not allowed." and names neither option nor value.
        problems.append("realm %r: a realm name is not empty, has no '/' and no surrounding spaces "
                        "(it is part of every URL of the realm); for example platform" % realm)
    if state == "absent" and realm == "master":
        problems.append("the master realm cannot be removed")
    for key in LIFETIMES:
        value = desired.get(key)
        if value is not None and value < 0:
            problems.append("%s must be 0 or more seconds, got %d" % (key, value))
    for key in POSITIVE:
        value = desired.get(key)
        if value is not None and value < 1:
            problems.append("%s must be 1 or more seconds, got %d" % (key, value))
    brute = desired.get("brute_force") or {}
    for key, value in sorted(brute.items()):
        if isinstance(value, int) and not isinstance(value, bool) and value < 0:
            problems.append("brute_force.%s must be 0 or more, got %d" % (key, value))
    if brute.get("max_login_failures") == 0:
        problems.append("brute_force.max_login_failures must be 1 or more")
    problems.extend(ineffective(desired))
    if problems:
        raise ValidationError("; ".join(problems), service=SERVICE)


def ineffective(desired):
    """Options the task sets next to a switch it turns off, so they could not take effect.

    Keycloak would store them and ignore them; they are refused instead.
    """
    problems = []
    for key, switch, needed in NEEDS:
        if desired.get(key) is not None and desired.get(switch) is not None and desired[switch] != needed:
            problems.append("%s has no effect with %s: %s; leave it out or set %s: %s"
                            % (key, switch, _yaml(desired[switch]), switch, _yaml(needed)))
    brute = desired.get("brute_force") or {}
    if brute.get("enabled") is False:
        others = sorted(k for k, v in brute.items() if k != "enabled" and v is not None)
        if others:
            problems.append("brute_force.%s %s no effect with brute_force.enabled: false; leave %s "
                            "out or enable brute-force protection"
                            % (", brute_force.".join(others), "has" if len(others) == 1 else "have",
                               "it" if len(others) == 1 else "them"))
    if brute.get("max_temporary_lockouts") is not None and brute.get("permanent_lockout") is False:
        problems.append("brute_force.max_temporary_lockouts has no effect with "
                        "brute_force.permanent_lockout: false (it counts temporary lockouts before "
                        "a permanent one)")
    return problems


def _yaml(value):
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


class RealmAdapter(Adapter):
    """One realm, found by its name."""

    kind = "realm"

    def __init__(self, kc, state="present"):
        self.kc = kc
        self.state = state

    def find(self, desired):
        validate_input(desired, self.state)
        try:
            return self.kc.get("")
        except NotFound:
            return None

    def normalize(self, current):
        out = dict(realm=current.get("realm"), id=current.get("id"))
        for key, rep_key in FIELDS:
            value = current.get(rep_key)
            if key in STRING_FIELDS and value is None:
                value = ""
            out[key] = value
        out["brute_force"] = dict((key, current.get(rep_key)) for key, rep_key in BRUTE_FORCE)
        return out

    def preview(self, desired):
        validate_input(desired, self.state)

    # -- write -----------------------------------------------------------------
    def create(self, desired):
        payload = {"realm": desired["realm"]}
        payload.update(to_representation(desired, [k for k, v in desired.items() if v is not None]))
        self.kc.call("POST", "/admin/realms", self.kc.admin.create_realm, payload)
        return self.kc.get("")

    def update(self, current, desired, changes):
        payload = to_representation(desired, changes)
        # Keycloak resets these to their defaults when a PUT leaves them out: send them as stored
        payload.update((key, current[key]) for key in ALWAYS_SENT
                       if key not in payload and current.get(key) is not None)
        path = self.kc.admin_path()
        self.kc.call("PUT", path, self.kc.admin.update_realm, desired["realm"], payload)
        return self.kc.get("")

    def delete(self, current):
        path = self.kc.admin_path()
        self.kc.call("DELETE", path, self.kc.admin.delete_realm, current["realm"])


def to_representation(desired, keys):
    """The RealmRepresentation fields for the option names in ``keys`` (only those)."""
    rep = {}
    for key, rep_key in FIELDS:
        if key in keys and desired.get(key) is not None:
            rep[rep_key] = desired[key]
    if "brute_force" in keys:
        for key, rep_key in BRUTE_FORCE:
            value = (desired.get("brute_force") or {}).get(key)
            if value is not None:
                rep[rep_key] = value
    return rep
