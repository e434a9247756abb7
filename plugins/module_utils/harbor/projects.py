# -*- coding: utf-8 -*-
# Copyright: berth.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The project adapter for ``ensure`` (module harbor_project). No Ansible imports.

Harbor stores project metadata as strings (``"true"``, ``"high"``); ``normalize``
turns them into the typed values modules take, so a rerun compares equal.
The storage quota lives in ``/quotas`` and is read and written there.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.berth.platform.plugins.module_utils.ensure import Adapter
from ansible_collections.berth.platform.plugins.module_utils.errors import (
    Conflict, ValidationError,
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


class ProjectAdapter(Adapter):
    """One project, found by its exact name."""

    kind = "project"

    def __init__(self, harbor, purge=False, state="present"):
        self.harbor = harbor
        self.purge = purge
        self.state = state

    def find(self, desired):
        project = self.harbor.project(desired["name"])
        if project is None:
            return None
        project["_quota"] = self.harbor.project_quota(project["project_id"])
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
        return project

    def normalize(self, current):
        return project_view(current, current.get("_quota"))

    def create(self, desired):
        body = dict(project_name=desired["name"], metadata=desired_metadata(desired))
        if desired.get("storage_quota") is not None:
            body["storage_limit"] = desired["storage_quota"]
        self.harbor.request("POST", "/projects", json_body=body)
        return self.find(desired)

    def update(self, current, desired, changes):
        meta = desired_metadata(dict((k, desired[k]) for k in changes))
        if meta:
            self.harbor.request("PUT", "/projects/%d" % current["project_id"],
                                json_body=dict(metadata=meta))
        if "storage_quota" in changes:
            quota = current.get("_quota")
            if quota is None:
                raise Conflict("project %s has no quota record to update" % desired["name"],
                               service="harbor")
            self.harbor.request("PUT", "/quotas/%d" % quota["id"],
                                json_body=dict(hard=dict(storage=desired["storage_quota"])))
        return self.find(desired)

    def delete(self, current):
        name = current["name"]
        for repo in current.get("_repositories") or []:
            short = repo["name"].split("/", 1)[1] if "/" in repo["name"] else repo["name"]
            self.harbor.request("DELETE", "/projects/%s/repositories/%s"
                                % (path_segment(name), repository_segment(short)))
        self.harbor.request("DELETE", "/projects/%d" % current["project_id"])
