# -*- coding: utf-8 -*-
# Copyright: berth.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Harbor's system configuration for ``ensure`` (module harbor_config). No Ansible imports.

``GET /configurations`` answers ``{key: {"value": v, "editable": bool}}`` with typed JSON
values (booleans, integers, strings); two OIDC settings need translating:
``oidc_scope`` is one comma-separated string (Harbor splits it on ``,`` and trims,
lib/config/userconfig.go OIDCSetting) and ``oidc_extra_redirect_parms`` is a JSON object
handed out as text. ``normalize`` gives the module's shape (``auth_mode``, ``oidc``,
the system settings, ``settings``), so a rerun compares equal.

The OIDC client secret is write-only: Harbor drops password-type settings from its
answer (controller/config/controller.go ConvertForGet), so it is never compared. It
travels in the top-level key ``oidc_client_secret`` (a secret field of the adapter, so
diffs show it only as ``<redacted>``) and is never part of the returned view.

Harbor refuses to change ``auth_mode`` while any user other than the built-in admin
exists; the adapter finds out before anything is written (see ``auth_mode_blockers``).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import json
import time

from ansible_collections.berth.platform.plugins.module_utils.ensure import Adapter, changed_keys
from ansible_collections.berth.platform.plugins.module_utils.errors import (
    BadRequest, Conflict, ValidationError,
)

SERVICE = "harbor"
PATH = "/configurations"
AUTH_MODES = ("db_auth", "ldap_auth", "uaa_auth", "http_auth", "oidc_auth")
OIDC_AUTH = "oidc_auth"
DB_AUTH = "db_auth"
UPDATE_ALWAYS = "always"
UPDATE_ON_CREATE = "on_create"

# oidc suboption -> Harbor key is "oidc_" + suboption for every one of them
OIDC_STRINGS = ("name", "endpoint", "client_id", "groups_claim", "admin_group", "group_filter",
                "user_claim")
OIDC_BOOLS = ("verify_cert", "auto_onboard", "logout")
OIDC_FIELDS = OIDC_STRINGS + OIDC_BOOLS + ("scope", "extra_redirect_parms")
SYSTEM_FIELDS = ("project_creation_restriction", "self_registration", "robot_name_prefix",
                 "robot_token_duration", "read_only")
PROJECT_CREATION = ("everyone", "adminonly")
SECRET_KEY = "oidc_client_secret"
# Keys with an option of their own: refused in ``settings``.
OWNED = frozenset(("auth_mode", SECRET_KEY) + SYSTEM_FIELDS
                  + tuple("oidc_" + f for f in OIDC_FIELDS))
# Harbor limits numbers to 10 digits (common.UIMaxLengthLimitedOfNumber,
# controller/config verifyValueLengthCfg): 9999999999.
MAX_NUMBER = 9999999999
USERS_SHOWN = 10
# An extra redirect parameter Harbor has and the task does not name: it goes (the map is
# one setting in Harbor, compared whole); diffs show it with this value.
REMOVED = "<removed>"


def harbor_key(field):
    return "oidc_" + field


def is_secret_key(key):
    """Settings that hold credentials (``uaa_client_secret``, ``ldap_search_password``):
    never shown and never taken from ``settings`` (its values are not no_log)."""
    return "secret" in key or "password" in key


# -- value translation --------------------------------------------------------
def split_scope(text):
    """Harbor's ``oidc_scope`` string as a list (split on ``,``, trimmed, empties dropped)."""
    if isinstance(text, (list, tuple)):
        return [str(s).strip() for s in text if str(s).strip()]
    return [s.strip() for s in (text or "").split(",") if s.strip()]


def join_scope(scopes):
    return ",".join(scopes)


def parse_parms(value):
    """``oidc_extra_redirect_parms`` as a dict (Harbor hands it out as JSON text)."""
    for _layer in range(2):
        if isinstance(value, dict):
            return dict((str(k), str(v)) for k, v in value.items())
        if not value:
            return {}
        try:
            value = json.loads(value)
        except (TypeError, ValueError):
            return {}
    return value if isinstance(value, dict) else {}


def dump_parms(parms):
    return json.dumps(parms, sort_keys=True, separators=(",", ":"))


def text_value(value):
    """A map value as Harbor stores it (map[string]string): booleans as true/false."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


_TRUE = ("true", "yes", "on", "1", "y")
_FALSE = ("false", "no", "off", "0", "n")


def coerce_setting(key, value, like):
    """``value`` as the JSON type Harbor uses for ``key`` (the type of ``like``, its current value).

    Harbor's PUT takes typed JSON (swagger ``Configurations``); ``"30"`` for an integer
    setting is refused, so strings from templates are converted here, or refused with
    a message naming the key.
    """
    def bad(kind):
        return ValidationError("settings.%s: %r is not a %s (Harbor's current value is %r)"
                               % (key, value, kind, like), service=SERVICE)

    if isinstance(like, bool):
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in _TRUE + _FALSE:
            return value.strip().lower() in _TRUE
        if isinstance(value, int) and value in (0, 1):
            return bool(value)
        raise bad("boolean")
    if isinstance(like, int):
        if isinstance(value, bool):
            raise bad("number")
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, str):
            text = value.strip()
            if text.lstrip("-").isdigit():
                value = int(text)
        if not isinstance(value, int):
            raise bad("number")
        return value
    if isinstance(like, float) and not isinstance(value, bool):
        try:
            return float(value)
        except (TypeError, ValueError):
            raise bad("number")
    if isinstance(value, bool) or isinstance(value, (dict, list)):
        raise bad("string")
    if value is None:
        raise bad("string")
    return str(value)


# -- the module's shape --------------------------------------------------------
def config_view(raw, wanted_scope=None):
    """Harbor's ``GET /configurations`` answer in the module's shape (never any secret).

    ``wanted_scope``: scopes compare as a set; when Harbor holds the same set as
    wanted, the view lists them in the wanted order, so only a real difference counts.
    """
    values = dict((k, v.get("value")) for k, v in (raw or {}).items()
                  if isinstance(v, dict) and "value" in v)
    oidc = {}
    for field in OIDC_STRINGS:
        oidc[field] = values.get(harbor_key(field)) or ""
    for field in OIDC_BOOLS:
        oidc[field] = bool(values.get(harbor_key(field)))
    scope = split_scope(values.get(harbor_key("scope")))
    if wanted_scope is not None and sorted(set(scope)) == sorted(set(wanted_scope)) \
            and len(scope) == len(set(scope)):
        scope = list(wanted_scope)
    oidc["scope"] = scope
    oidc["extra_redirect_parms"] = parse_parms(values.get(harbor_key("extra_redirect_parms")))
    view = dict(auth_mode=values.get("auth_mode"), oidc=oidc)
    for field in SYSTEM_FIELDS:
        view[field] = values.get(field)
    view["settings"] = dict((k, v) for k, v in sorted(values.items())
                            if k not in OWNED and not is_secret_key(k))
    return view


def desired_config(auth_mode=None, oidc=None, client_secret=None, system=None, settings=None):
    """The ``desired`` dict for ``ensure`` from module-shaped input (None = not managed)."""
    desired = dict(auth_mode=auth_mode, oidc=None, settings=None)
    desired[SECRET_KEY] = client_secret
    if oidc:
        wanted = dict((k, v) for k, v in oidc.items() if v is not None and k in OIDC_FIELDS)
        if "scope" in wanted:
            wanted["scope"] = split_scope(wanted["scope"])
        if "extra_redirect_parms" in wanted:
            wanted["extra_redirect_parms"] = dict(
                (str(k), text_value(v)) for k, v in wanted["extra_redirect_parms"].items())
        desired["oidc"] = wanted or None
    for field in SYSTEM_FIELDS:
        desired[field] = (system or {}).get(field)
    if settings:
        desired["settings"] = dict(settings)
    return desired


def validate_input(desired):
    """Checks that need no server; every problem in one message."""
    problems = []
    if desired.get("auth_mode") is not None and desired["auth_mode"] not in AUTH_MODES:
        problems.append("auth_mode must be one of %s" % ", ".join(AUTH_MODES))
    oidc = desired.get("oidc") or {}
    for item in oidc.get("scope") or []:
        if "," in item:
            problems.append("oidc.scope: give one scope per list item (%r holds a comma)" % item)
    if oidc.get("scope") is not None and not oidc["scope"]:
        problems.append("oidc.scope must name at least one scope (openid)")
    if oidc.get("endpoint") and not oidc["endpoint"].startswith(("https://", "http://")):
        problems.append("oidc.endpoint must be the issuer URL, for example "
                        "https://sso.example.com/realms/platform")
    restriction = desired.get("project_creation_restriction")
    if restriction is not None and restriction not in PROJECT_CREATION:
        problems.append("project_creation_restriction must be everyone or adminonly")
    duration = desired.get("robot_token_duration")
    if duration is not None and not 0 < duration <= MAX_NUMBER:
        problems.append("robot_token_duration must be 1 to %d days" % MAX_NUMBER)
    prefix = desired.get("robot_name_prefix")
    if prefix is not None and not prefix.strip():
        problems.append("robot_name_prefix must not be empty")
    secret = desired.get(SECRET_KEY)
    if secret is not None and not secret:
        problems.append("oidc.client_secret must not be empty")
    for key in sorted(desired.get("settings") or {}):
        if key in OWNED:
            problems.append("settings.%s: use the module option for it (%s)" % (key, option_for(key)))
        elif is_secret_key(key):
            problems.append("settings.%s holds a credential: settings is not no_log, "
                            "so this module does not take it" % key)
    if problems:
        raise ValidationError("; ".join(problems), service=SERVICE)


def option_for(key):
    if key == SECRET_KEY:
        return "oidc.client_secret"
    if key.startswith("oidc_"):
        return "oidc." + key[len("oidc_"):]
    return key


# -- Harbor's auth-mode rule ----------------------------------------------------
def auth_mode_blockers(users):
    """The users that keep Harbor from changing auth_mode.

    Harbor's rule (harbor-core v2.15.2, src/controller/config/controller.go
    ``validateCfg`` / ``authModeCanBeModified``): a changed ``auth_mode`` is refused with
    400 "the auth mode cannot be modified as new users have been inserted into database"
    unless ``userManager.Count(ctx, &q.Query{})`` is 0. That count
    (src/pkg/user/manager.go ``Count`` + ``excludeDefaultAdmin``, src/pkg/user/dao/dao.go
    ``Count``) covers every user with ``user_id > 1`` and ``deleted = false`` - the very
    users ``GET /users`` lists (same manager, same filters), whatever their origin
    (local, LDAP, OIDC onboarded). A removed user (``DELETE /users/{id}``) is only marked
    deleted and no longer counts.
    """
    return sorted((u for u in users or [] if (u.get("user_id") or 0) > 1),
                  key=lambda u: u.get("username") or "")


def refusal(current_mode, wanted_mode, blockers):
    """The Conflict to raise when Harbor would refuse the auth mode change."""
    names = [u.get("username") or "?" for u in blockers]
    shown = ", ".join(names[:USERS_SHOWN]) + (", ..." if len(names) > USERS_SHOWN else "")
    return Conflict(
        "Harbor refuses to change auth_mode from %s to %s while users other than admin exist: "
        "%d user%s (%s). Harbor allows an auth mode change only while no user other than the "
        "built-in admin is in its database (it answers \"the auth mode cannot be modified as new "
        "users have been inserted into database\"); nothing was written"
        % (current_mode, wanted_mode, len(names), "" if len(names) == 1 else "s", shown),
        service=SERVICE, method="PUT", path=PATH,
        hint="delete these users first with berth.platform.harbor_user (state: absent), "
             "or keep auth_mode %s" % current_mode)


def shows(raw, body):
    """Whether Harbor's answer ``raw`` holds the values of a PUT ``body`` (secrets excepted)."""
    for key, wanted in body.items():
        if key == SECRET_KEY:
            continue
        value = (raw.get(key) or {}).get("value")
        if key == harbor_key("scope"):
            value, wanted = split_scope(value), split_scope(wanted)
        elif key == harbor_key("extra_redirect_parms"):
            value, wanted = parse_parms(value), parse_parms(wanted)
        if value != wanted:
            return False
    return True


class ConfigAdapter(Adapter):
    """Harbor's one configuration: always found, only ever updated."""

    kind = "config"
    secret_fields = (SECRET_KEY,)

    def __init__(self, harbor, update_client_secret=UPDATE_ON_CREATE, verify_oidc=False,
                 sleep=time.sleep):
        self.harbor = harbor
        self.sleep = sleep
        self.update_client_secret = update_client_secret
        self.verify_oidc = verify_oidc
        self.desired = {}
        self.pinged = None

    # -- read ------------------------------------------------------------------
    def find(self, desired):
        """Read the configuration and settle everything Harbor would refuse, before any write.

        Runs in check mode too: bad ``settings`` keys or values, an auth mode change
        Harbor would refuse, a read-only configuration and (``verify_oidc``) an OIDC
        endpoint Harbor cannot use all fail here.
        """
        self.desired = desired
        validate_input(desired)
        raw = self.harbor.configurations()
        self._check_settings(desired, raw)
        current = self.normalize(raw)
        self._mark_removed_parms(desired, current)
        self._decide_secret(desired, current)
        changes = changed_keys(current, desired)
        self._require_complete_oidc(desired, current)
        if "auth_mode" in changes:
            self._require_no_users(current["auth_mode"], desired["auth_mode"])
        self._require_editable(raw, desired, current, changes)
        if self.verify_oidc:
            self._ping(desired, current)
        return raw

    def normalize(self, current):
        wanted = (self.desired.get("oidc") or {}).get("scope")
        return config_view(current, wanted_scope=wanted)

    def _check_settings(self, desired, raw):
        settings = desired.get("settings")
        if not settings:
            return
        known = dict((k, v["value"]) for k, v in raw.items()
                     if isinstance(v, dict) and "value" in v and k not in OWNED
                     and not is_secret_key(k))
        unknown = sorted(k for k in settings if k not in known)
        if unknown:
            raise ValidationError(
                "settings: unknown key%s %s; Harbor's configuration has: %s"
                % ("" if len(unknown) == 1 else "s", ", ".join(unknown), ", ".join(sorted(known))),
                service=SERVICE)
        desired["settings"] = dict((k, coerce_setting(k, v, known[k])) for k, v in settings.items())

    @staticmethod
    def _mark_removed_parms(desired, current):
        """``extra_redirect_parms`` is one JSON value in Harbor, compared whole: keys Harbor
        has and the task does not name are marked REMOVED, so they count as a change,
        show in the diff and are left out of the written map."""
        wanted = (desired.get("oidc") or {}).get("extra_redirect_parms")
        if wanted is None:
            return
        for key in current["oidc"]["extra_redirect_parms"]:
            wanted.setdefault(key, REMOVED)

    def _decide_secret(self, desired, current):
        """With ``on_create`` the secret is written only together with an OIDC change.

        Harbor never returns it, so it cannot be compared. It is sent when the auth mode
        switches to oidc_auth or another oidc setting changes; otherwise it is left out
        (not managed). With ``always`` it stays in and, never equal, is always written.
        """
        if desired.get(SECRET_KEY) is None or self.update_client_secret == UPDATE_ALWAYS:
            return
        switching = (desired.get("auth_mode") == OIDC_AUTH and current["auth_mode"] != OIDC_AUTH)
        oidc_changing = bool(desired.get("oidc")) and bool(
            changed_keys(current["oidc"], desired["oidc"]))
        if not (switching or oidc_changing):
            desired[SECRET_KEY] = None

    def _require_complete_oidc(self, desired, current):
        if desired.get("auth_mode") != OIDC_AUTH:
            return
        merged = dict(current["oidc"])
        merged.update(desired.get("oidc") or {})
        missing = [f for f in ("endpoint", "client_id") if not merged.get(f)]
        if missing:
            raise ValidationError(
                "auth_mode oidc_auth needs %s: set %s" % (
                    " and ".join("oidc." + f for f in missing),
                    ", ".join("oidc." + f for f in missing)), service=SERVICE)

    def _require_editable(self, raw, desired, current, changes):
        keys = self.body(desired, current, changes).keys()
        # auth_mode's "editable" is false while users block it too; _require_no_users
        # has said so by now, so here it can only mean a read-only configuration.
        frozen = sorted(k for k in keys if isinstance(raw.get(k), dict)
                        and raw[k].get("editable") is False)
        if frozen:
            raise Conflict(
                "Harbor's configuration is read-only for %s (set at startup through "
                "CONFIG_OVERWRITE_JSON); nothing was written" % ", ".join(frozen),
                service=SERVICE, method="PUT", path=PATH,
                hint="change harbor-core's CONFIG_OVERWRITE_JSON instead")

    def _require_no_users(self, current_mode, wanted_mode):
        blockers = auth_mode_blockers(self.harbor.paged("/users"))
        if blockers:
            raise refusal(current_mode, wanted_mode, blockers)

    def _ping(self, desired, current):
        oidc = dict(current["oidc"])
        oidc.update(desired.get("oidc") or {})
        if not oidc.get("endpoint"):
            raise ValidationError("verify_oidc needs oidc.endpoint (Harbor has none stored)",
                                  service=SERVICE)
        body = dict(url=oidc["endpoint"], verify_cert=bool(oidc.get("verify_cert")))
        try:
            self.harbor.request("POST", "/system/oidc/ping", json_body=body)
        except BadRequest as exc:
            raise BadRequest(
                "OIDC endpoint %s failed Harbor's check (verify_cert: %s): %s; nothing was written"
                % (body["url"], str(body["verify_cert"]).lower(), exc.message),
                service=SERVICE, method="POST", path="/system/oidc/ping", status=exc.status,
                hint="Harbor reads <endpoint>/.well-known/openid-configuration itself: the URL must "
                     "be reachable from harbor-core, its certificate trusted by harbor-core (or "
                     "verify_cert: false), and the document's issuer equal to the endpoint exactly "
                     "(no trailing /)")
        self.pinged = body["url"]

    # -- write -----------------------------------------------------------------
    @staticmethod
    def body(desired, current, changes):
        """The ``PUT /configurations`` body for ``changes``: only keys that differ."""
        body = {}
        for key in changes:
            value = desired[key]
            if key == "oidc":
                for field, wanted in value.items():
                    if wanted is None or current["oidc"].get(field) == wanted:
                        continue
                    if field == "scope":
                        wanted = join_scope(wanted)
                    elif field == "extra_redirect_parms":
                        wanted = dump_parms(dict((k, v) for k, v in wanted.items() if v != REMOVED))
                    body[harbor_key(field)] = wanted
            elif key == "settings":
                for name, wanted in value.items():
                    if current["settings"].get(name) != wanted:
                        body[name] = wanted
            else:
                body[key] = value
        return body

    def create(self, desired):  # pragma: no cover - find never answers None
        raise AssertionError("Harbor's configuration always exists")

    def update(self, current, desired, changes):
        body = self.body(desired, self.normalize(current), changes)
        if body:
            self.harbor.request("PUT", PATH, json_body=copy.deepcopy(body))
        return self.read_back(body)

    def read_back(self, body, attempts=5):
        """The configuration after a PUT, read until it shows what was written.

        harbor-core keeps its settings in one in-process map that every request reloads
        from the database (pkg/config/store ConfigStore.Load): a read that overlaps another
        request's reload can answer the previous values for a moment. Waits 0.2 s, 0.4 s,
        ... between reads; after ``attempts`` reads the last answer is returned as it is.
        """
        raw = self.harbor.configurations()
        for attempt in range(attempts - 1):
            if shows(raw, body):
                break
            self.sleep(0.2 * 2 ** attempt)
            raw = self.harbor.configurations()
        return raw

    def delete(self, current):  # pragma: no cover - the module has no state
        raise AssertionError("Harbor's configuration cannot be removed")
