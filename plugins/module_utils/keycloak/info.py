# -*- coding: utf-8 -*-
# Copyright: berth.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read-only reports of clients and groups (modules keycloak_client_info, keycloak_group_info).

Each item has the shape of the matching module's result (``keycloak_client``'s
``client``, ``keycloak_group``'s ``group``), so a report can be fed back as
task input. Secrets are never read: a client's ``secret`` and any attribute whose
name contains ``secret`` are dropped. No Ansible imports.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.berth.platform.plugins.module_utils.errors import NotFound
from ansible_collections.berth.platform.plugins.module_utils.keycloak.clients import ClientAdapter
from ansible_collections.berth.platform.plugins.module_utils.keycloak.groups import GroupAdapter

PAGE = 100


def _paged(kc, suffix, **query):
    """Every item of a paged admin list (Keycloak caps some lists, e.g. subgroups at 10)."""
    items, first = [], 0
    while True:
        page = kc.get(suffix, first=first, max=PAGE, **query) or []
        items.extend(page)
        if len(page) < PAGE:
            return items
        first += PAGE


def without_secrets(client):
    """A reported client with no secret material."""
    out = dict(client)
    out.pop("secret", None)
    out["attributes"] = dict((k, v) for k, v in (out.get("attributes") or {}).items()
                             if "secret" not in k.lower())
    for key in ("redirect_uris", "web_origins", "default_client_scopes", "optional_client_scopes"):
        out[key] = sorted(out.get(key) or [])
    return out


def clients(kc, client_id=None):
    """The realm's clients (or the one named ``client_id``) in keycloak_client's shape."""
    adapter = ClientAdapter(kc)
    if client_id is not None:
        reps = [r for r in kc.get("/clients", clientId=client_id) or [] if r.get("clientId") == client_id]
    else:
        reps = _paged(kc, "/clients")
    out = [without_secrets(adapter.normalize(rep)) for rep in reps]
    return sorted(out, key=lambda c: c["client_id"] or "")


def groups(kc, path=None, subgroups=True, members=False, realm_roles=False):
    """The realm's groups (or the one at ``path``, with its subgroups) in keycloak_group's shape.

    A flat list in path order; each item also has ``parent`` (its parent's path or None) and
    ``subgroup_count``.
    """
    adapter = GroupAdapter(kc)
    if path is not None:
        try:
            top = [kc.get("/group-by-path/" + path.strip("/"))]
        except NotFound:
            return []
    else:
        top = _paged(kc, "/groups", briefRepresentation="false")
    found, queue = [], list(top)
    while queue:
        rep = queue.pop(0)
        found.append(rep)
        if subgroups and rep.get("subGroupCount"):
            queue.extend(_paged(kc, "/groups/%s/children" % rep["id"], briefRepresentation="false"))
    out = []
    for rep in found:
        item = adapter.normalize(rep)
        parent = item["path"].rsplit("/", 1)[0]
        item["parent"] = parent or None
        item["subgroup_count"] = rep.get("subGroupCount", 0)
        if members:
            item["members"] = sorted(u["username"] for u in _paged(kc, "/groups/%s/members" % rep["id"],
                                                                   briefRepresentation="true"))
        if realm_roles:
            roles = kc.get("/groups/%s/role-mappings/realm" % rep["id"]) or []
            item["realm_roles"] = sorted(r["name"] for r in roles)
        out.append(item)
    return sorted(out, key=lambda g: g["path"])
