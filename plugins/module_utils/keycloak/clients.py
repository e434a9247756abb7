# -*- coding: utf-8 -*-
# Copyright: berth.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The OIDC client adapter for ``ensure`` (module keycloak_client). No Ansible imports.

Compared shape: the module's own option names (``redirect_uris``,
``protocol_mappers``, ...), so a diff reads like the task that caused it.
Client scopes and protocol mappers are written through their own endpoints:
Keycloak ignores them in a client update.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

from ansible_collections.berth.platform.plugins.module_utils.ensure import (
    Adapter, matches, plan_children,
)
from ansible_collections.berth.platform.plugins.module_utils.errors import ValidationError
from ansible_collections.berth.platform.plugins.module_utils.keycloak import normalize as norm

# A desired secret that never equals the stored one: "generate a new secret".
REGENERATE = "<regenerate>"

# option name -> ClientRepresentation key, for plain values
FIELDS = (
    ("name", "name"), ("description", "description"), ("enabled", "enabled"),
    ("root_url", "rootUrl"), ("base_url", "baseUrl"),
    ("standard_flow", "standardFlowEnabled"), ("direct_access_grants", "directAccessGrantsEnabled"),
    ("service_accounts", "serviceAccountsEnabled"), ("redirect_uris", "redirectUris"),
    ("web_origins", "webOrigins"),
)
STRING_FIELDS = ("name", "description", "root_url", "base_url")
LIST_FIELDS = ("redirect_uris", "web_origins")
SCOPE_KINDS = (("default_client_scopes", "defaultClientScopes", "default"),
               ("optional_client_scopes", "optionalClientScopes", "optional"))


# authentication_flow_binding_overrides suboption -> Keycloak's binding key
FLOW_BINDINGS = (("browser", "browser"), ("direct_grant", "direct_grant"))
OVERRIDES = "authentication_flow_binding_overrides"


def public_client_problems(desired, client_id=None):
    """What a public client cannot hold, among the options ``desired`` sets.

    Keycloak drops a public client's secret (a rerun would never converge) and a public
    client cannot use the client credentials grant, so these are refused, not sent.
    ``client_id`` names an existing public client when the task leaves ``confidential`` out.
    """
    held = []
    if desired.get("secret") == REGENERATE:
        held.append("regenerate_secret")
    elif desired.get("secret") is not None:
        held.append("secret")
    if desired.get("service_accounts"):
        held.append("service_accounts: true")
    if not held:
        return []
    if client_id is None:
        where = "a public client (confidential: false)"
        fix = "set confidential: true"
    else:
        where = "client %s is public in Keycloak and" % client_id
        fix = "set confidential: true to make it confidential"
    return ["%s cannot hold %s - Keycloak keeps no secret and allows no client credentials grant "
            "for public clients; %s, or leave %s out" % (where, ", ".join(held), fix,
                                                         "them" if len(held) > 1 else "it")]


def validate_input(desired):
    """Local checks, before anything is read or written."""
    problems = []
    if desired.get("confidential") is False:
        problems.extend(public_client_problems(desired))
    for uri in desired.get("redirect_uris") or []:
        why = norm.invalid_redirect_uri(uri)
        if why:
            problems.append("redirect URI %r: %s" % (uri, why))
    for origin in desired.get("web_origins") or []:
        why = norm.invalid_web_origin(origin)
        if why:
            problems.append("web origin %r: %s" % (origin, why))
    dups = norm.duplicate_names(desired.get("protocol_mappers") or [])
    if dups:
        problems.append("protocol mapper names must be unique, repeated: %s" % ", ".join(dups))
    if problems:
        raise ValidationError("; ".join(problems), service=norm.SERVICE)


class ClientAdapter(Adapter):
    """One OIDC client of a realm, found by ``client_id``."""

    kind = "client"
    secret_fields = ("secret",)
    unordered = ("redirect_uris", "web_origins", "default_client_scopes",
                 "optional_client_scopes", "protocol_mappers")

    def __init__(self, kc, mappers_exclusive=True):
        self.kc = kc
        self.mappers_exclusive = mappers_exclusive
        self.desired = {}
        self._scope_ids = None
        self._flow_ids = None

    # -- read ------------------------------------------------------------------
    def find(self, desired):
        self.desired = desired
        validate_input(desired)
        self._validate_against_server(desired)
        client_id = desired["client_id"]
        reps = self.kc.get("/clients", clientId=client_id) or []
        rep = next((r for r in reps if r.get("clientId") == client_id), None)
        if rep is not None and desired.get("confidential") is None and rep.get("publicClient"):
            problems = public_client_problems(desired, client_id)
            if problems:
                raise ValidationError("; ".join(problems), service=norm.SERVICE)
        if rep is not None and not rep.get("publicClient") and "secret" not in rep:
            rep["secret"] = self.read_secret(rep)
        return rep

    def read_secret(self, rep):
        """The client's current secret (None for public clients)."""
        if rep is None or rep.get("publicClient"):
            return None
        path = self.kc.admin_path("/clients/%s/client-secret" % rep["id"])
        return (self.kc.call("GET", path, self.kc.admin.get_client_secrets, rep["id"]) or {}).get("value")

    def normalize(self, current):
        out = dict(client_id=current.get("clientId"), id=current.get("id"))
        for key, rep_key in FIELDS:
            value = current.get(rep_key)
            if key in STRING_FIELDS and value is None:
                value = ""
            if key in LIST_FIELDS and value is None:
                value = []
            out[key] = value
        out["confidential"] = not current.get("publicClient", False)
        out["attributes"] = norm.string_map(current.get("attributes") or {})
        for key, rep_key, _kind in SCOPE_KINDS:
            out[key] = list(current.get(rep_key) or [])
        out["protocol_mappers"] = self._mappers(current)
        out[OVERRIDES] = self._overrides_by_alias(current.get("authenticationFlowBindingOverrides") or {})
        out["secret"] = current.get("secret") if out["confidential"] else None
        return out

    def _overrides_by_alias(self, by_id):
        """Keycloak's {binding: flow id} as {option: flow alias}; no override is ""."""
        names = dict((v, k) for k, v in self.flow_ids().items()) if any(by_id.values()) else {}
        return dict((key, names.get(by_id.get(binding) or "", by_id.get(binding) or ""))
                    for key, binding in FLOW_BINDINGS)

    def flow_ids(self):
        """The realm's top-level authentication flows, alias -> id (read once)."""
        if self._flow_ids is None:
            path = self.kc.admin_path("/authentication/flows")
            flows = self.kc.call("GET", path, self.kc.admin.get_authentication_flows) or []
            self._flow_ids = dict((f["alias"], f["id"]) for f in flows if f.get("topLevel", True))
        return self._flow_ids

    def _mappers(self, current):
        wanted = dict((m["name"], m) for m in self.desired.get("protocol_mappers") or [])
        managed = self.desired.get("protocol_mappers") is not None
        out = []
        for rep in current.get("protocolMappers") or []:
            mine = wanted.get(rep.get("name"))
            if managed and mine is None and not self.mappers_exclusive:
                continue
            out.append(norm.mapper_from_server(rep, set(mine["config"]) if mine else None))
        return sorted(out, key=lambda m: m["name"] or "")

    # -- write -----------------------------------------------------------------
    def create(self, desired):
        payload = {"clientId": desired["client_id"], "protocol": "openid-connect"}
        self._apply_fields(payload, desired, [k for k, v in desired.items() if v is not None])
        # confidential not set: a new client is confidential, as documented (Keycloak's admin API
        # would make it public). On update an unset option changes nothing.
        payload.setdefault("publicClient", False)
        if "authenticationFlowBindingOverrides" in payload:  # a new client has none to remove
            payload["authenticationFlowBindingOverrides"] = dict(
                (k, v) for k, v in payload["authenticationFlowBindingOverrides"].items() if v)
        if desired.get("protocol_mappers"):
            payload["protocolMappers"] = [norm.mapper_to_server(m) for m in desired["protocol_mappers"]]
        path = self.kc.admin_path("/clients")
        new_id = self.kc.call("POST", path, self.kc.admin.create_client, payload)
        created = self.kc.call("GET", path + "/" + new_id, self.kc.admin.get_client, new_id)
        self._sync_scopes(created, desired)
        return self.find(desired)

    def update(self, current, desired, changes):
        linked = ("protocol_mappers", "default_client_scopes", "optional_client_scopes")
        rep_keys = [k for k in changes if k not in linked]
        regenerate = desired.get("secret") == REGENERATE and "secret" in changes
        if regenerate:
            rep_keys.remove("secret")
        if rep_keys:
            rep = copy.deepcopy(current)
            for key in ("protocolMappers", "defaultClientScopes", "optionalClientScopes", "access",
                        "secret"):
                rep.pop(key, None)
            self._apply_fields(rep, desired, rep_keys)
            path = self.kc.admin_path("/clients/" + current["id"])
            self.kc.call("PUT", path, self.kc.admin.update_client, current["id"], rep)
        if regenerate:
            path = self.kc.admin_path("/clients/%s/client-secret" % current["id"])
            self.kc.call("POST", path, self.kc.admin.generate_client_secrets, current["id"])
        if "protocol_mappers" in changes:
            self._sync_mappers(current, desired["protocol_mappers"])
        if "default_client_scopes" in changes or "optional_client_scopes" in changes:
            self._sync_scopes(current, desired)
        return self.find(desired)

    def delete(self, current):
        path = self.kc.admin_path("/clients/" + current["id"])
        self.kc.call("DELETE", path, self.kc.admin.delete_client, current["id"])

    # -- helpers ---------------------------------------------------------------
    def _apply_fields(self, rep, desired, keys):
        for key, rep_key in FIELDS:
            if key in keys:
                rep[rep_key] = desired[key]
        if OVERRIDES in keys:
            # "" removes an override in Keycloak; bindings the task does not name are kept
            overrides = dict(rep.get("authenticationFlowBindingOverrides") or {})
            ids = self.flow_ids()
            for key, binding in FLOW_BINDINGS:
                alias = desired[OVERRIDES].get(key)
                if alias is not None:
                    overrides[binding] = ids[alias] if alias else ""
            rep["authenticationFlowBindingOverrides"] = overrides
        if "confidential" in keys:
            rep["publicClient"] = not desired["confidential"]
        if "attributes" in keys:
            attributes = dict(rep.get("attributes") or {})
            attributes.update(desired["attributes"])
            rep["attributes"] = attributes
        if "secret" in keys and desired["secret"] != REGENERATE:
            rep["secret"] = desired["secret"]

    def _sync_mappers(self, current, wanted_list):
        client_uuid = current["id"]
        base = self.kc.admin_path("/clients/%s/protocol-mappers/models" % client_uuid)
        admin = self.kc.admin
        deletes, writes = plan_children(
            dict((m.get("name"), m) for m in current.get("protocolMappers") or []),
            dict((m["name"], m) for m in wanted_list), self.mappers_exclusive,
            same_kind=lambda rep, mapper: rep.get("protocolMapper") == mapper["protocol_mapper"],
            same_content=lambda rep, mapper: matches(
                norm.mapper_from_server(rep, set(mapper["config"])), mapper))
        for rep in deletes:
            self.kc.call("DELETE", base + "/" + rep["id"], admin.remove_client_mapper,
                         client_uuid, rep["id"])
        for rep, mapper in writes:
            if rep is None:
                self.kc.call("POST", base, admin.add_mapper_to_client, client_uuid,
                             norm.mapper_to_server(mapper))
            else:
                self.kc.call("PUT", base + "/" + rep["id"], admin.update_client_mapper, client_uuid,
                             rep["id"], norm.mapper_to_server(mapper, rep))

    def _sync_scopes(self, current, desired):
        client_uuid = current["id"]
        admin = self.kc.admin
        plan = []
        for key, rep_key, kind in SCOPE_KINDS:
            if desired.get(key) is None:
                continue
            have, want = set(current.get(rep_key) or []), set(desired[key])
            plan.append((kind, sorted(have - want), sorted(want - have)))
        # a scope is default or optional, never both: one that moves leaves its old list
        for other_key, other_rep_key, other_kind in SCOPE_KINDS:
            if desired.get(other_key) is None:
                moving = set(n for kind, _r, add in plan if kind != other_kind for n in add)
                stale = sorted(moving & set(current.get(other_rep_key) or []))
                if stale:
                    plan.append((other_kind, stale, []))
        ids = self.scope_ids()
        # removals first: a scope moving from optional to default must leave one list first
        for kind, remove, _add in plan:
            fn = getattr(admin, "delete_client_%s_client_scope" % kind)
            for name in remove:
                path = self.kc.admin_path("/clients/%s/%s-client-scopes/%s" % (client_uuid, kind, ids[name]))
                self.kc.call("DELETE", path, fn, client_uuid, ids[name])
        for kind, _remove, add in plan:
            fn = getattr(admin, "add_client_%s_client_scope" % kind)
            for name in add:
                path = self.kc.admin_path("/clients/%s/%s-client-scopes/%s" % (client_uuid, kind, ids[name]))
                payload = {"realm": self.kc.realm, "client": client_uuid, "clientScopeId": ids[name]}
                self.kc.call("PUT", path, fn, client_uuid, ids[name], payload)

    def scope_ids(self):
        if self._scope_ids is None:
            scopes = self.kc.call("GET", self.kc.admin_path("/client-scopes"), self.kc.admin.get_client_scopes)
            self._scope_ids = dict((s["name"], s["id"]) for s in scopes)
        return self._scope_ids

    def _validate_against_server(self, desired):
        """Mapper types and scope names the realm knows; fails before any write."""
        problems = []
        mappers = desired.get("protocol_mappers") or []
        if mappers:
            info = self.kc.call("GET", "/admin/serverinfo", self.kc.admin.get_server_info)
            known = info.get("protocolMapperTypes") or {}
            for m in mappers:
                types = set(t.get("id") for t in known.get(m["protocol"], []))
                if m["protocol_mapper"] not in types:
                    problems.append("protocol mapper %r: unknown type %r for protocol %s"
                                    % (m["name"], m["protocol_mapper"], m["protocol"]))
        overrides = desired.get(OVERRIDES) or {}
        wanted_flows = sorted(set(v for v in overrides.values() if v))
        if wanted_flows:
            missing = [a for a in wanted_flows if a not in self.flow_ids()]
            if missing:
                problems.append("authentication flows not found in realm %s: %s (known: %s)" % (
                    self.kc.realm, ", ".join(missing), ", ".join(sorted(self.flow_ids()))))
        names = set((desired.get("default_client_scopes") or []) + (desired.get("optional_client_scopes") or []))
        if names:
            missing = sorted(names - set(self.scope_ids()))
            if missing:
                problems.append("client scopes not found in realm %s: %s" % (self.kc.realm, ", ".join(missing)))
            both = sorted(set(desired.get("default_client_scopes") or []) & set(desired.get("optional_client_scopes") or []))
            if both:
                problems.append("client scopes cannot be both default and optional: %s" % ", ".join(both))
        if problems:
            raise ValidationError("; ".join(problems), service=norm.SERVICE)
