# -*- coding: utf-8 -*-
# Copyright: berth.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The OIDC identity provider adapter for ``ensure`` (module keycloak_identity_provider).

Compared shape: the module's option names (``authorization_url``, ``mappers``, ...).
Mappers are compared by name with their config in Keycloak's string form and
written through their own endpoints. The IdP client secret is write-only:
Keycloak returns it as ``**********``, so it is compared only when the caller
asks for it to be written (``update_client_secret``), and it is a secret field
(never shown). No Ansible imports.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import json
import re

from ansible_collections.berth.platform.plugins.module_utils.ensure import (
    Adapter, matches, plan_children,
)
from ansible_collections.berth.platform.plugins.module_utils.errors import NotFound, ValidationError
from ansible_collections.berth.platform.plugins.module_utils.keycloak import normalize as norm

SERVICE = "keycloak"
# What Keycloak returns instead of a stored secret; sent back, it keeps the stored one.
MASKED = "**********"
UPDATE_ALWAYS = "always"
UPDATE_ON_CREATE = "on_create"

# option name -> IdentityProviderRepresentation top-level key
TOP_FIELDS = (("display_name", "displayName"), ("enabled", "enabled"), ("trust_email", "trustEmail"),
              ("hide_on_login", "hideOnLogin"))
# option name -> config key (strings in Keycloak)
CONFIG_FIELDS = (
    ("authorization_url", "authorizationUrl"), ("token_url", "tokenUrl"), ("jwks_url", "jwksUrl"),
    ("issuer", "issuer"), ("userinfo_url", "userInfoUrl"), ("logout_url", "logoutUrl"),
    ("client_id", "clientId"), ("client_auth_method", "clientAuthMethod"),
    ("sync_mode", "syncMode"), ("default_scopes", "defaultScope"), ("pkce_method", "pkceMethod"),
)
BOOL_CONFIG_FIELDS = (("validate_signature", "validateSignature"), ("pkce", "pkceEnabled"))
URL_FIELDS = ("authorization_url", "token_url", "jwks_url", "userinfo_url", "logout_url", "issuer")
# discovery document key -> option name
DISCOVERY = (("authorization_endpoint", "authorization_url"), ("token_endpoint", "token_url"),
             ("jwks_uri", "jwks_url"), ("issuer", "issuer"),
             ("userinfo_endpoint", "userinfo_url"), ("end_session_endpoint", "logout_url"))
# config keys with an option of their own (or never shown)
# (Keycloak 26 moves ``hideOnLoginPage`` out of config into ``hideOnLogin``.)
OWNED_CONFIG = (set(k for _o, k in CONFIG_FIELDS + BOOL_CONFIG_FIELDS)
                | {"clientSecret", "useJwksUrl", "hideOnLoginPage"})
_ALIAS = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


def config_text(value):
    """A config value as Keycloak stores it; lists and dicts (e.g. ``claims``) as compact JSON."""
    if isinstance(value, (list, dict)):
        return json.dumps(value, sort_keys=True, separators=(",", ":"))
    return norm.config_value(value)


def config_map(values):
    if values is None:
        return None
    return dict((str(k), config_text(v)) for k, v in values.items())


def _canonical_json(text):
    try:
        return json.dumps(json.loads(text), sort_keys=True, separators=(",", ":"))
    except (TypeError, ValueError):
        return text


def mapper_from_input(mapper):
    config = config_map(mapper.get("config") or {})
    if mapper.get("sync_mode"):
        config["syncMode"] = mapper["sync_mode"]
    return dict(name=mapper["name"], mapper=mapper["mapper"], config=config)


def mapper_from_server(rep, wanted_config=None):
    """A server IdP mapper in the compared shape; with ``wanted_config`` only its keys are kept,
    and JSON-valued ones compared in canonical form (whitespace and key order do not matter)."""
    config = norm.string_map(rep.get("config") or {})
    if wanted_config is not None:
        config = dict((k, v) for k, v in config.items() if k in wanted_config)
        for key, want in wanted_config.items():
            if key in config and want[:1] in ("[", "{"):
                config[key] = _canonical_json(config[key])
    return dict(name=rep.get("name"), mapper=rep.get("identityProviderMapper"), config=config)


def discovery_reader(validate_certs=True, ca_path=None, timeout=30):
    """A function that reads an OpenID discovery document with the connection's TLS settings.

    The module reads it (not Keycloak), so its endpoints are known before anything
    is compared or written, and check mode shows them.
    """
    from ansible_collections.berth.platform.plugins.module_utils.http_client import HttpClient

    def read(url):
        http = HttpClient(url, validate_certs=validate_certs, ca_path=ca_path, timeout=timeout)
        http.service = "oidc discovery"
        try:
            return http.get_json(url)
        except ValueError:
            raise ValidationError("discovery_url %s did not return JSON" % url, service=SERVICE)
    return read


def _url_problem(value):
    if not re.match(r"^https?://[^/?#\s]+(/\S*)?$", value or "", re.I):
        return "must be an absolute http(s) URL"
    return None


PKCE_METHODS = ("S256", "plain")
DEFAULT_PKCE_METHOD = "S256"


def pkce_method_for(pkce, pkce_method):
    """The PKCE method to send: ``pkce_method``, or S256 when PKCE is on and none is given.

    Keycloak 26 refuses ``pkceEnabled`` without a method ("PKCE Method not supported: null").
    With PKCE not switched on by the task the method is not managed.
    """
    if not pkce:
        return None
    return pkce_method or DEFAULT_PKCE_METHOD


def option_problems(options):
    """Options the task sets that could not take effect together (module option names).

    Checked before anything is read or written: each would be stored and silently unused,
    or never written at all.
    """
    problems = []
    if options.get("pkce_method") and options.get("pkce") is not True:
        problems.append("pkce_method is used only with pkce: true (Keycloak ignores the method "
                        "while PKCE is off); set pkce: true or leave pkce_method out")
    if options.get("client_secret") is not None and options.get("client_auth_method") == "private_key_jwt":
        problems.append("client_secret is never used with client_auth_method: private_key_jwt "
                        "(Keycloak signs with the realm's key); leave client_secret out, or use "
                        "client_secret_post, client_secret_basic or client_secret_jwt")
    if options.get("update_client_secret") == UPDATE_ALWAYS and options.get("client_secret") is None:
        problems.append("update_client_secret: always needs client_secret (there is nothing to write)")
    return problems


def validate_input(desired):
    """Local checks, before anything is read or written."""
    problems = []
    if not _ALIAS.match(desired["alias"]):
        problems.append("alias %r: only letters, digits, '.', '_' and '-' (not first)" % desired["alias"])
    for key in URL_FIELDS + ("discovery_url",):
        value = desired.get(key)
        if value is not None and _url_problem(value):
            problems.append("%s %r: %s" % (key, value, _url_problem(value)))
    for key in sorted(set(desired.get("config") or {}) & OWNED_CONFIG):
        problems.append("config key %s: use the module option for it (client_secret, token_url, ...)" % key)
    dups = norm.duplicate_names(desired.get("mappers") or [])
    if dups:
        problems.append("mapper names must be unique, repeated: %s" % ", ".join(dups))
    if problems:
        raise ValidationError("; ".join(problems), service=SERVICE)


class IdentityProviderAdapter(Adapter):
    """One identity provider of a realm, found by ``alias``."""

    kind = "identity_provider"
    secret_fields = ("client_secret",)
    unordered = ("mappers",)

    def __init__(self, kc, update_client_secret=UPDATE_ON_CREATE, mappers_exclusive=True,
                 discover=None):
        self.kc = kc
        self.update_client_secret = update_client_secret
        self.mappers_exclusive = mappers_exclusive
        self.discover = discover
        self.desired = {}
        self.found = None
        self._mapper_types = None

    # -- read ------------------------------------------------------------------
    def find(self, desired):
        self.desired = desired
        validate_input(desired)
        self._validate_mapper_types(desired)
        if desired.get("discovery_url"):
            self._apply_discovery(desired)
        alias = desired["alias"]
        path = self.kc.admin_path("/identity-provider/instances/" + alias)
        self.found = None
        try:
            rep = self.kc.call("GET", path, self.kc.admin.get_idp, alias)
        except NotFound:
            return None
        self.found = rep
        rep["mappers"] = self.kc.call("GET", path + "/mappers", self.kc.admin.get_idp_mappers, alias)
        if desired.get("provider_id") and rep.get("providerId") != desired["provider_id"]:
            raise ValidationError(
                "identity provider %s is of type %s, not %s: remove it first to change its type"
                % (alias, rep.get("providerId"), desired["provider_id"]), service=SERVICE)
        return rep

    def _apply_discovery(self, desired):
        """Endpoints the task does not set come from the discovery document (read once)."""
        document = self.discover(desired["discovery_url"])
        if not isinstance(document, dict) or not document.get("authorization_endpoint"):
            raise ValidationError("discovery_url %s is not an OpenID Provider configuration "
                                  "(no authorization_endpoint)" % desired["discovery_url"],
                                  service=SERVICE)
        for doc_key, key in DISCOVERY:
            if desired.get(key) is None and document.get(doc_key):
                desired[key] = document[doc_key]
        desired.pop("discovery_url")

    def _validate_mapper_types(self, desired):
        mappers = desired.get("mappers") or []
        if not mappers:
            return
        if self._mapper_types is None:
            info = self.kc.call("GET", "/admin/serverinfo", self.kc.admin.get_server_info)
            providers = ((info.get("providers") or {}).get("identity-provider-mapper") or {}).get("providers")
            self._mapper_types = set(providers or {})
        unknown = ["%s (%s)" % (m["name"], m["mapper"]) for m in mappers
                   if m["mapper"] not in self._mapper_types]
        if unknown:
            raise ValidationError("unknown identity provider mapper type: %s" % ", ".join(unknown),
                                  service=SERVICE)

    def normalize(self, current):
        config = current.get("config") or {}
        out = dict(alias=current.get("alias"), internal_id=current.get("internalId"),
                   provider_id=current.get("providerId"))
        for key, rep_key in TOP_FIELDS:
            out[key] = current.get(rep_key)
        out["display_name"] = out["display_name"] or ""
        for key, conf_key in CONFIG_FIELDS:
            out[key] = config.get(conf_key)
        for key, conf_key in BOOL_CONFIG_FIELDS:
            out[key] = config.get(conf_key) == "true"
        extra = dict((k, v) for k, v in norm.string_map(config).items() if k not in OWNED_CONFIG)
        wanted = self.desired.get("config")
        if wanted is not None:
            extra = dict((k, v) for k, v in extra.items() if k in wanted)
        out["config"] = extra
        out["client_secret"] = self._secret_view(config.get("clientSecret"))
        if "mappers" in current:
            out["mappers"] = self._mappers(current["mappers"])
        return out

    def _secret_view(self, stored):
        """What the stored (masked) secret compares as.

        Keycloak never returns the secret. With ``on_create`` a stored secret counts as
        the desired one (never rewritten); with ``always`` it never equals, so it is written.
        """
        if not stored:
            return None
        wanted = self.desired.get("client_secret")
        if wanted is not None and self.update_client_secret == UPDATE_ON_CREATE:
            return wanted
        return MASKED

    def _mappers(self, reps):
        wanted = dict((m["name"], m) for m in self.desired.get("mappers") or [])
        managed = self.desired.get("mappers") is not None
        out = []
        for rep in reps:
            mine = wanted.get(rep.get("name"))
            if managed and mine is None and not self.mappers_exclusive:
                continue
            out.append(mapper_from_server(rep, mine["config"] if mine else None))
        return sorted(out, key=lambda m: m["name"] or "")

    def preview(self, desired):
        """Check mode: a create would fail for want of endpoints or client id; say so now."""
        if self.found is None:
            self._require_for_create(desired)

    # -- write -----------------------------------------------------------------
    def create(self, desired):
        self._require_for_create(desired)
        rep = {"alias": desired["alias"], "providerId": desired.get("provider_id") or "oidc",
               "config": {}}
        self._apply(rep, desired, [k for k, v in desired.items() if v is not None])
        path = self.kc.admin_path("/identity-provider/instances")
        self.kc.call("POST", path, self.kc.admin.create_idp, rep)
        created = self.find(desired)
        if created is None:
            raise NotFound("identity provider %s not found after create" % desired["alias"],
                           service=SERVICE, method="GET", path=path)
        if desired.get("mappers"):
            self._sync_mappers(created, desired["mappers"])
            created = self.find(desired)
        return created

    def update(self, current, desired, changes):
        rep_keys = [k for k in changes if k != "mappers"]
        if rep_keys:
            rep = copy.deepcopy(current)
            rep.pop("mappers", None)
            self._apply(rep, desired, rep_keys)
            path = self.kc.admin_path("/identity-provider/instances/" + current["alias"])
            self.kc.call("PUT", path, self.kc.admin.update_idp, current["alias"], rep)
        if "mappers" in changes:
            self._sync_mappers(current, desired["mappers"])
        return self.find(desired)

    def delete(self, current):
        path = self.kc.admin_path("/identity-provider/instances/" + current["alias"])
        self.kc.call("DELETE", path, self.kc.admin.delete_idp, current["alias"])

    # -- helpers ---------------------------------------------------------------
    def _require_for_create(self, desired):
        missing = [k for k in ("client_id", "authorization_url", "token_url") if not desired.get(k)]
        if missing:
            raise ValidationError(
                "creating identity provider %s needs %s (or discovery_url for the endpoints)"
                % (desired["alias"], ", ".join(missing)), service=SERVICE)

    @staticmethod
    def _apply(rep, desired, keys):
        config = rep.setdefault("config", {})
        for key, rep_key in TOP_FIELDS:
            if key in keys:
                rep[rep_key] = desired[key]
        for key, conf_key in CONFIG_FIELDS:
            if key in keys:
                config[conf_key] = desired[key]
        if "jwks_url" in keys:
            config["useJwksUrl"] = "true"
        for key, conf_key in BOOL_CONFIG_FIELDS:
            if key in keys:
                config[conf_key] = norm.config_value(desired[key])
        if "config" in keys:
            config.update(desired["config"])
        if "client_secret" in keys:
            config["clientSecret"] = desired["client_secret"]

    def _sync_mappers(self, current, wanted_list):
        alias = current["alias"]
        base = self.kc.admin_path("/identity-provider/instances/%s/mappers" % alias)
        admin = self.kc.admin
        deletes, writes = plan_children(
            dict((m.get("name"), m) for m in current.get("mappers") or []),
            dict((m["name"], m) for m in wanted_list), self.mappers_exclusive,
            same_kind=lambda rep, mapper: rep.get("identityProviderMapper") == mapper["mapper"],
            same_content=lambda rep, mapper: matches(mapper_from_server(rep, mapper["config"]), mapper))
        for rep in deletes:
            self._delete_mapper(base + "/" + rep["id"])
        for rep, mapper in writes:
            if rep is None:
                payload = dict(name=mapper["name"], identityProviderAlias=alias,
                               identityProviderMapper=mapper["mapper"], config=mapper["config"])
                self.kc.call("POST", base, admin.add_mapper_to_idp, alias, payload)
            else:
                payload = dict(rep)
                payload["config"] = dict(rep.get("config") or {})
                payload["config"].update(mapper["config"])
                self.kc.call("PUT", base + "/" + rep["id"], admin.update_mapper_in_idp, alias,
                             rep["id"], payload)

    def _delete_mapper(self, path):
        # python-keycloak has no call for this endpoint.
        from keycloak.exceptions import KeycloakDeleteError, raise_error_from_response
        connection = self.kc.connection
        self.kc.call("DELETE", path, lambda: raise_error_from_response(
            connection.raw_delete(path.lstrip("/")), KeycloakDeleteError, expected_codes=[204]))
