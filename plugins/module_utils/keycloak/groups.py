# -*- coding: utf-8 -*-
# Copyright: berth.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The group adapter for ``ensure`` (module keycloak_group). No Ansible imports.

A group is found by its full path (``/parent/child``), so subgroups are as
idempotent as top-level groups. With ``rename_from`` a group not found at its
path is looked for under its previous name and renamed in place (same id, so
members, roles, attributes and subgroups stay). Members (by username) and realm roles are
complete lists when managed; users and roles are looked up before anything is
written, so an unknown name fails the run with nothing changed.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.berth.platform.plugins.module_utils.ensure import Adapter
from ansible_collections.berth.platform.plugins.module_utils.errors import NotFound, ValidationError
from ansible_collections.berth.platform.plugins.module_utils.keycloak import normalize as norm


class GroupAdapter(Adapter):
    """One group of a realm, found by ``path``."""

    kind = "group"
    unordered = ("members", "realm_roles")

    def __init__(self, kc, parent=None, rename_from=None, skip_missing_members=False):
        self.kc = kc
        self.parent = parent
        self.parent_id = None
        self.user_ids = {}
        self.roles = {}
        # Members not (yet) in the realm - users of a brokered IdP exist only after their first
        # login - are left out (and listed in ``skipped_members``) instead of failing the run.
        self.skip_missing_members = skip_missing_members
        self.skipped_members = []
        # full path of the group's previous name (same parent), or None
        self.rename_from = rename_from
        self.renamed_from = None

    # -- read ------------------------------------------------------------------
    def find(self, desired):
        self._resolve(desired)
        group = self.by_path(desired["path"])
        old = None
        if self.rename_from and self.rename_from != desired["path"]:
            old = self.by_path(self.rename_from)
        if group is not None and old is not None:
            raise ValidationError(
                "cannot rename %s to %s: both groups exist in realm %s (a rename never merges "
                "groups); leave rename_from out, or remove one of them first"
                % (self.rename_from, desired["path"], self.kc.realm), service=norm.SERVICE)
        if group is None and old is not None:
            group, self.renamed_from = old, old.get("path")  # the same group, members and all
        if group is None:
            return None
        if desired.get("members") is not None:
            path = self.kc.admin_path("/groups/%s/members" % group["id"])
            users = self.kc.call("GET", path, self.kc.admin.get_group_members, group["id"])
            group["members"] = sorted(u["username"] for u in users)
        if desired.get("realm_roles") is not None:
            path = self.kc.admin_path("/groups/%s/role-mappings/realm" % group["id"])
            roles = self.kc.call("GET", path, self.kc.admin.get_group_realm_roles, group["id"])
            group["realmRoleNames"] = sorted(r["name"] for r in roles)
        return group

    def by_path(self, path):
        try:
            return self.kc.call("GET", self.kc.admin_path("/group-by-path" + path),
                                self.kc.admin.get_group_by_path, path)
        except NotFound:
            return None

    def _resolve(self, desired):
        """Parent, users and roles must exist; fail before any write when one does not."""
        problems = []
        if self.parent and self.parent_id is None:
            parent = self.by_path("/" + self.parent.strip("/"))
            if parent is None:
                problems.append("parent group %s not found in realm %s (create it first)"
                                % (self.parent, self.kc.realm))
            else:
                self.parent_id = parent["id"]
        for username in desired.get("members") or []:
            if username not in self.user_ids:
                path = self.kc.admin_path("/users")
                user_id = self.kc.call("GET", path, self.kc.admin.get_user_id, username)
                if user_id is None and self.skip_missing_members:
                    self.skipped_members.append(username)
                elif user_id is None:
                    problems.append("user %s not found in realm %s (create the user first, or "
                                    "missing_members: skip for users of a brokered identity provider)"
                                    % (username, self.kc.realm))
                self.user_ids[username] = user_id
        if self.skipped_members:
            desired["members"] = [m for m in desired["members"] if m not in self.skipped_members]
        for name in desired.get("realm_roles") or []:
            if name not in self.roles:
                try:
                    self.roles[name] = self.kc.call("GET", self.kc.admin_path("/roles/" + name),
                                                    self.kc.admin.get_realm_role, name)
                except NotFound:
                    problems.append("realm role %s not found in realm %s" % (name, self.kc.realm))
        if problems:
            raise ValidationError("; ".join(problems), service=norm.SERVICE)

    def normalize(self, current):
        out = dict(name=current.get("name"), path=current.get("path"), id=current.get("id"),
                   attributes=norm.multi_map(current.get("attributes") or {}))
        if "members" in current:
            out["members"] = current["members"]
        if "realmRoleNames" in current:
            out["realm_roles"] = current["realmRoleNames"]
        return out

    # -- write -----------------------------------------------------------------
    def create(self, desired):
        payload = {"name": desired["name"], "attributes": desired.get("attributes") or {}}
        if self.parent_id:
            path = self.kc.admin_path("/groups/%s/children" % self.parent_id)
        else:
            path = self.kc.admin_path("/groups")
        self.kc.call("POST", path, self.kc.admin.create_group, payload, parent=self.parent_id)
        # python-keycloak returns None when Keycloak sends no Location: read back by path.
        group = self.by_path(desired["path"])
        if group is None:
            raise NotFound("group %s not found after create" % desired["path"],
                           service=norm.SERVICE, method="GET", path=path)
        group["members"], group["realmRoleNames"] = [], []
        self._sync_links(group, desired)
        return self.find(desired)

    def update(self, current, desired, changes):
        if "attributes" in changes or "name" in changes:
            attributes = dict(current.get("attributes") or {})
            attributes.update(desired.get("attributes") or {})
            payload = {"name": desired["name"], "attributes": attributes}
            path = self.kc.admin_path("/groups/" + current["id"])
            self.kc.call("PUT", path, self.kc.admin.update_group, current["id"], payload)
        self._sync_links(current, desired)
        return self.find(desired)

    def delete(self, current):
        path = self.kc.admin_path("/groups/" + current["id"])
        self.kc.call("DELETE", path, self.kc.admin.delete_group, current["id"])

    def _sync_links(self, group, desired):
        admin, group_id = self.kc.admin, group["id"]
        if desired.get("members") is not None:
            have, want = set(group.get("members") or []), set(desired["members"])
            for username in sorted(want - have):
                user_id = self.user_ids[username]
                path = self.kc.admin_path("/users/%s/groups/%s" % (user_id, group_id))
                self.kc.call("PUT", path, admin.group_user_add, user_id, group_id)
            for username in sorted(have - want):
                user_id = self.user_ids.get(username) or self.kc.call(
                    "GET", self.kc.admin_path("/users"), admin.get_user_id, username)
                path = self.kc.admin_path("/users/%s/groups/%s" % (user_id, group_id))
                self.kc.call("DELETE", path, admin.group_user_remove, user_id, group_id)
        if desired.get("realm_roles") is not None:
            have, want = set(group.get("realmRoleNames") or []), set(desired["realm_roles"])
            path = self.kc.admin_path("/groups/%s/role-mappings/realm" % group_id)
            add = [self.roles[n] for n in sorted(want - have)]
            if add:
                self.kc.call("POST", path, admin.assign_group_realm_roles, group_id, add)
            if have - want:
                roles = self.kc.call("GET", path, admin.get_group_realm_roles, group_id)
                remove = [r for r in roles if r["name"] in have - want]
                self.kc.call("DELETE", path, admin.delete_group_realm_roles, group_id, remove)
