# -*- coding: utf-8 -*-
# Copyright: berth.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The project adapter for ``ensure`` (module harbor_project). No Ansible imports.

Harbor stores project metadata as strings (``"true"``, ``"high"``); ``normalize``
turns them into the typed values modules take, so a rerun compares equal.
The storage quota lives in ``/quotas`` and is read and written there - only when the task
manages it (``storage_quota`` set): reading ``/quotas`` needs the system permission
``quota:list``, which an account that may create projects need not hold.

Before a write that sets a quota, the adapter makes sure Harbor will keep it (issue 24):
- the account may read quotas back (``GET /quotas``), else the write is refused before the
  project is created, rather than created and then failing on the read-back;
- Harbor's ``quota_per_project_enable`` is on: with it off Harbor drops ``storage_limit`` on
  create silently and enforces no quota, so the task is refused before anything is written.
  Admins read the setting from ``/configurations``; other accounts from a project summary,
  which carries a quota only while the setting is on.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.berth.platform.plugins.module_utils.ensure import Adapter
from ansible_collections.berth.platform.plugins.module_utils.errors import (
    Conflict, Forbidden, ValidationError,
)
from ansible_collections.berth.platform.plugins.module_utils.harbor.client import (
    path_segment, repository_segment,
)

# Harbor's own rule (src/pkg/project/manager.go: validProjectName, 1 to 255 characters). \Z, not $:
# Python's $ also matches before a trailing newline, Go's does not.
PROJECT_NAME = re.compile(r"^[a-z0-9]+(?:[._-][a-z0-9]+)*\Z")
BOOL_METADATA = ("public", "auto_scan", "auto_sbom_generation", "prevent_vul",
                 "reuse_sys_cve_allowlist", "enable_content_trust", "enable_content_trust_cosign")
# Harbor's largest finite quota (src/pkg/quota/types: MaxLimitedValue, "exceeded 1024TB").
MAX_QUOTA = 1024 ** 5
SEVERITIES = ("none", "low", "medium", "high", "critical")
QUOTA_PERMISSION_HINT = ("reading quotas needs Harbor's system permission quota:list (for a robot: "
                         "kind system, namespace /, resource quota, action list; an admin has it); "
                         "grant it, or leave storage_quota out (see docs/permissions.md)")
QUOTAS_OFF = ("Harbor's quota_per_project_enable setting is off: Harbor neither stores nor enforces a "
              "per-project quota (it drops storage_limit when it creates a project)")
QUOTAS_OFF_HINT = ("turn per-project quotas on (PUT /api/v2.0/configurations "
                   "{\"quota_per_project_enable\": true}, as an admin), or leave storage_quota out")
_UNITS = {"": 1, "b": 1, "k": 1000, "kb": 1000, "m": 1000 ** 2, "mb": 1000 ** 2,
          "g": 1000 ** 3, "gb": 1000 ** 3, "t": 1000 ** 4, "tb": 1000 ** 4,
          "ki": 1024, "kib": 1024, "mi": 1024 ** 2, "mib": 1024 ** 2,
          "gi": 1024 ** 3, "gib": 1024 ** 3, "ti": 1024 ** 4, "tib": 1024 ** 4}


def validate_project_name(name):
    if not name or len(name) > 255 or not PROJECT_NAME.match(name):
        raise ValidationError(
            "invalid project name %r: Harbor wants lower-case letters and digits, separated by "
            "single '.', '_' or '-', at most 255 characters (normalize team names first)" % name)
    return name


def parse_size(value):
    """Bytes from ``10GiB``, ``500 MB``, ``1073741824`` or ``-1`` (unlimited)."""
    if value is None:
        return None
    text = str(value).strip().replace(" ", "")
    if text == "-1":
        return -1
    match = re.match(r"^(\d+(?:\.\d+)?)([a-zA-Z]*)$", text)
    unit = match and match.group(2).lower()
    if not match or unit not in _UNITS:
        raise ValidationError("storage_quota %r is not a size: use -1 (unlimited), a number of bytes, "
                              "or a number with a unit such as 500MiB, 10GiB, 1TB" % (value,))
    number = match.group(1)
    size = int(number) * _UNITS[unit] if number.isdigit() else int(float(number) * _UNITS[unit])
    if size <= 0:
        raise ValidationError("storage_quota must be -1 (unlimited) or more than 0 bytes")
    if size > MAX_QUOTA:
        raise ValidationError("storage_quota %r is more than Harbor's limit of 1024 TiB (%d bytes)"
                              % (value, MAX_QUOTA))
    return size


def _as_bool(value):
    return str(value).lower() == "true" if value is not None else False


def project_view(project, quota=None):
    """A Harbor project (with its quota) in the shape the modules take."""
    meta = project.get("metadata") or {}
    view = dict(name=project["name"], project_id=project["project_id"],
                repo_count=project.get("repo_count", 0))
    for key in BOOL_METADATA:
        view[key] = _as_bool(meta.get(key))
    view["severity"] = meta.get("severity") or "none"
    if quota is not None:
        view["storage_quota"] = (quota.get("hard") or {}).get("storage")
        view["storage_used"] = (quota.get("used") or {}).get("storage", 0)
    return view


def desired_metadata(desired):
    meta = {}
    for key in BOOL_METADATA:
        if desired.get(key) is not None:
            meta[key] = "true" if desired[key] else "false"
    if desired.get("severity") is not None:
        meta["severity"] = desired["severity"]
    return meta


def quota_setting(harbor, project_ids=()):
    """Harbor's ``quota_per_project_enable``: True, False, or None when this account cannot tell.

    Only admins may read ``GET /configurations``. Other accounts ask for the summary of a project
    that holds a quota record (``project_ids``): Harbor adds the quota to a summary only while the
    setting is on (src/server/v2.0/handler/project.go, getProjectQuotaSummary) - and only for an
    account that may read the project's quota, which ``/users/current/permissions`` tells. The
    answer is kept on the client for the rest of the run.
    """
    return harbor.once("quota_per_project_enable", lambda: _quota_setting(harbor, project_ids))


def _quota_setting(harbor, project_ids):
    try:
        setting = (harbor.configurations().get("quota_per_project_enable") or {}).get("value")
        enabled = None if setting is None else bool(setting)
    except Forbidden:
        enabled = None
        for project_id in project_ids[:1]:
            enabled = _quota_in_summary(harbor, project_id)
    return enabled


def _quota_in_summary(harbor, project_id):
    try:
        if (harbor.get_json("/projects/%d/summary" % project_id) or {}).get("quota"):
            return True
        held = harbor.get_json("/users/current/permissions",
                               params={"scope": "/project/%d" % project_id, "relative": "true"}) or []
    except Forbidden:
        return None
    if any(p.get("resource") == "quota" and p.get("action") == "read" for p in held):
        return False  # may read the quota, and the summary shows none: the setting is off
    return None


def quota_hard(quota):
    """The storage limit of a quota record (None without a record)."""
    return ((quota or {}).get("hard") or {}).get("storage")


class ProjectAdapter(Adapter):
    """One project, found by its exact name."""

    kind = "project"

    def __init__(self, harbor, purge=False, state="present"):
        self.harbor = harbor
        self.purge = purge
        self.state = state
        self.current = None

    def find(self, desired):
        self.current = None
        project = self.harbor.project(desired["name"])
        if project is None:
            return None
        if desired.get("storage_quota") is not None and self.state != "absent":
            project["_quota"] = self.read_quota(project["project_id"])
        if self.state == "absent":
            # Checked here, so check mode reports the refusal too and nothing is half-deleted.
            project["_repositories"] = self.harbor.project_repositories(project["name"])
            if project["_repositories"] and not self.purge:
                names = sorted(r["name"] for r in project["_repositories"])
                raise Conflict(
                    "project %s still holds %d repositories (%s); Harbor refuses to delete it"
                    % (project["name"], len(names), ", ".join(names[:5])),
                    service="harbor", method="DELETE", path="/projects/" + project["name"],
                    hint="set purge: true to delete its repositories first")
        self.current = project
        return project

    def read_quota(self, project_id):
        """The quota record of a project (None when it has none); a refusal names storage_quota."""
        try:
            return self.harbor.project_quota(project_id)
        except Forbidden as exc:
            raise Forbidden("storage_quota is set, but this account may not read quotas (%s)" % exc.message,
                            service="harbor", method="GET", path="/quotas", status=exc.status,
                            hint=QUOTA_PERMISSION_HINT)

    def normalize(self, current):
        return project_view(current, current.get("_quota"))

    # -- checks before a write that sets the quota -----------------------------------------
    def quota_preflight(self, desired, current):
        """Refuse, before anything is written, a quota Harbor would not keep or we could not read
        back. Runs only when the write sets storage_quota (a create with it, or a change of it)."""
        wanted = desired.get("storage_quota")
        if wanted is None:
            return
        if current is not None and quota_hard(current.get("_quota")) == wanted:
            return  # the quota is not what changes
        project_ids = []
        if current is None:
            # A create: prove now that the quota can be read back (find reads it for an existing one).
            project_ids = self._quota_sample()
        elif current.get("_quota") is not None:
            project_ids = [current["project_id"]]
        if quota_setting(self.harbor, project_ids) is False:
            raise ValidationError("storage_quota (%d bytes) for project %s refused: %s; nothing was written"
                                  % (desired["storage_quota"], desired["name"], QUOTAS_OFF),
                                  service="harbor", hint=QUOTAS_OFF_HINT)

    def _quota_sample(self):
        """Ids of projects with a quota record (at most one), from ``GET /quotas``: proves the account
        may read quotas, else refuses. Asked once per client (tenants creates many projects)."""
        return self.harbor.once("quota_sample", self._read_quota_sample)

    def _read_quota_sample(self):
        try:
            quotas = self.harbor.get_json("/quotas", params={"reference": "project", "page_size": 1}) or []
        except Forbidden as exc:
            raise Forbidden("storage_quota is set, but this account may not read quotas (%s); "
                            "nothing was written" % exc.message, service="harbor", method="GET",
                            path="/quotas", status=exc.status, hint=QUOTA_PERMISSION_HINT)
        return [(q.get("ref") or {}).get("id") for q in quotas if (q.get("ref") or {}).get("id")]

    def preview(self, desired):
        self.quota_preflight(desired, self.current)

    # -- write -----------------------------------------------------------------------------
    def create(self, desired):
        self.quota_preflight(desired, None)
        body = dict(project_name=desired["name"], metadata=desired_metadata(desired))
        if desired.get("storage_quota") is not None:
            body["storage_limit"] = desired["storage_quota"]
        response = self.harbor.request("POST", "/projects", json_body=body)
        project_id = self.harbor.created_id(response)
        if project_id is None:  # no Location: read the new project back
            created = self.find(desired)
        else:
            # What Harbor stored is what was sent: the project answered from the request and
            # the Location header, without reading it back (issue 26).
            created = dict(name=desired["name"], project_id=project_id, repo_count=0,
                           metadata=dict({"public": "false"}, **desired_metadata(desired)))
            self.current = created
        if created is not None and desired.get("storage_quota") is not None:
            created = self._settle_new_quota(created, desired)
        return created

    def _settle_new_quota(self, created, desired):
        """Harbor keeps storage_limit only from a creator with the system permission project:create
        (others get the default, storage_per_project) and only while per-project quotas are on.

        The first project this client creates is read back to see which; once Harbor has kept a
        creator's limit, the next ones (same account, same settings, same run) are taken as sent."""
        if "_quota" not in created and getattr(self.harbor, "_berth_quota_kept", False):
            created["_quota"] = dict(hard=dict(storage=desired["storage_quota"]), used=dict(storage=0))
            return created
        if "_quota" not in created:
            created["_quota"] = self.read_quota(created["project_id"])
        quota = created.get("_quota")
        self.harbor._berth_quota_kept = quota is not None and quota_hard(quota) == desired["storage_quota"]
        if quota is None:
            raise Conflict("Harbor created project %s but stored no quota for it: %s"
                           % (desired["name"], QUOTAS_OFF), service="harbor", method="POST",
                           path="/projects", hint=QUOTAS_OFF_HINT)
        if quota_hard(quota) != desired["storage_quota"]:
            self._put_quota(quota, desired)
            created = self.find(desired)
        return created

    def _put_quota(self, quota, desired):
        self.harbor.request("PUT", "/quotas/%d" % quota["id"],
                            json_body=dict(hard=dict(storage=desired["storage_quota"])))

    def update(self, current, desired, changes):
        if "storage_quota" in changes:
            self.quota_preflight(desired, current)
            quota = current.get("_quota")
            if quota is None:
                raise Conflict("project %s has no quota record to update (Harbor makes none while its "
                               "quota_per_project_enable setting is off)" % desired["name"],
                               service="harbor", hint=QUOTAS_OFF_HINT)
            # The quota first: its system permission is the one an account most likely lacks,
            # and a refusal then leaves the project as it was.
            self._put_quota(quota, desired)
        meta = desired_metadata(dict((k, desired[k]) for k in changes))
        if meta:
            self.harbor.request("PUT", "/projects/%d" % current["project_id"],
                                json_body=dict(metadata=meta))
        # Harbor answers both writes with no body; the project is what it was plus what was sent.
        updated = dict(current, metadata=dict(current.get("metadata") or {}, **meta))
        if "storage_quota" in changes:
            quota = current["_quota"]
            updated["_quota"] = dict(quota, hard=dict(quota.get("hard") or {}, storage=desired["storage_quota"]))
        return updated

    def delete(self, current):
        name = current["name"]
        for repo in current.get("_repositories") or []:
            short = repo["name"].split("/", 1)[1] if "/" in repo["name"] else repo["name"]
            self.harbor.request("DELETE", "/projects/%s/repositories/%s"
                                % (path_segment(name), repository_segment(short)))
        self.harbor.request("DELETE", "/projects/%d" % current["project_id"])
