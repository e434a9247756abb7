# -*- coding: utf-8 -*-
# Copyright: berth.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read-only reports of Harbor objects (module harbor_project_info). No Ansible imports.

Each project has the shape of harbor_project's ``project`` result (``projects.project_view``),
members the shape of harbor_project_member's ``member``. Every list is read page by page;
quotas come from one paged ``/quotas`` list, not one request per project. Only the fields
of those shapes are reported, so nothing else a project carries leaks into a report.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.berth.platform.plugins.module_utils.errors import Forbidden
from ansible_collections.berth.platform.plugins.module_utils.harbor.members import (
    SEARCH_LIMIT, member_view,
)
from ansible_collections.berth.platform.plugins.module_utils.harbor.projects import project_view


def quotas_by_project(quotas):
    """Project id -> quota record, from the items of ``GET /quotas?reference=project``."""
    out = {}
    for quota in quotas or []:
        ref = quota.get("ref") or {}
        if ref.get("id") is not None:
            out[ref["id"]] = quota
    return out


class GroupDirectory:
    """User groups by id, read once: the admin's group list, else (no permission) a name search."""

    def __init__(self, harbor):
        self.harbor = harbor
        self._by_id = None

    def get(self, group_id, name):
        if self._by_id is None:
            try:
                self._by_id = dict((g["id"], g) for g in self.harbor.paged("/usergroups"))
            except Forbidden:
                self._by_id = {}
        if group_id not in self._by_id:
            # Also covers ldap_auth/http_auth, where Harbor lists only groups of its own kind.
            found = self.harbor.get_json("/usergroups/search",
                                         params={"groupname": name, "page_size": SEARCH_LIMIT}) or []
            for group in found:
                if group.get("id") == group_id:
                    self._by_id[group_id] = group
        return self._by_id.get(group_id)


def project_members(harbor, project, groups):
    """The members of ``project`` (a Harbor project) in harbor_project_member's shape."""
    out = []
    for member in harbor.paged("/projects/%d/members" % project["project_id"]):
        group = None
        if member.get("entity_type") == "g":
            group = groups.get(member.get("entity_id"), member.get("entity_name"))
        out.append(member_view(member, project["name"], group))
    return sorted(out, key=lambda m: (m.get("username") is None, m.get("username") or m.get("group") or ""))


def projects(harbor, name=None, members=False):
    """Every project (or the one named exactly ``name``) in harbor_project's shape, by name."""
    if name is not None:
        found = harbor.project(name)
        reps = [found] if found is not None else []
    else:
        reps = harbor.projects()
    try:
        if name is not None:
            quota = reps and harbor.project_quota(reps[0]["project_id"])
            quotas = {reps[0]["project_id"]: quota} if quota else {}
        else:
            quotas = quotas_by_project(harbor.quotas())
    except Forbidden:  # an account that may read projects but not quotas
        quotas = {}
    groups = GroupDirectory(harbor)
    out = []
    for rep in reps:
        view = project_view(rep, quotas.get(rep["project_id"]))
        if "storage_quota" not in view:  # no quota record (or not readable): the keys all the same
            view.update(storage_quota=None, storage_used=None)
        if members:
            view["members"] = project_members(harbor, rep, groups)
        out.append(view)
    return sorted(out, key=lambda p: p["name"])
