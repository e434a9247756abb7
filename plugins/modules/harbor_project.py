#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: berth.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: harbor_project
short_description: Manage a Harbor project, its metadata and its storage quota
version_added: 0.2.0
description:
  - Creates, updates or removes a Harbor project, found by its exact name (an existing project
    created by hand is adopted, never duplicated).
  - Metadata options are typed; Harbor stores them as strings and they are compared as the types
    given here, so a rerun reports no change.
  - Options not set are not managed. The storage quota is read (C(GET /quotas)) only when
    O(storage_quota) is set, so an account that may create projects but not read quotas can manage
    everything else; docs/permissions.md lists what each option needs.
author:
  - berth.platform maintainers (@berth)
extends_documentation_fragment:
  - berth.platform.harbor
attributes:
  check_mode:
    support: full
    description: Reports what would change without writing to Harbor.
  diff_mode:
    support: full
    description: Shows the managed options before and after.
options:
  name:
    description:
      - Project name. Harbor's rule applies - lower-case letters and digits, separated by single
        C(.), C(_) or C(-), at most 255 characters.
    type: str
    required: true
  state:
    description:
      - C(absent) removes the project. Harbor refuses to delete a project that holds repositories;
        the module says so before writing anything, unless O(purge=true).
    type: str
    choices: [present, absent]
    default: present
  purge:
    description: With O(state=absent), delete the project's repositories (and their artifacts) first.
    type: bool
    default: false
  public:
    description: Anyone, even anonymous users, may pull from a public project.
    type: bool
  auto_scan:
    description: Scan images on push.
    type: bool
  auto_sbom_generation:
    description: Generate an SBOM on push.
    type: bool
  prevent_vul:
    description: Refuse pulls of images with vulnerabilities at or above O(severity).
    type: bool
  severity:
    description: The severity that O(prevent_vul) blocks.
    type: str
    choices: [none, low, medium, high, critical]
  reuse_sys_cve_allowlist:
    description: Use the system CVE allowlist instead of a project one.
    type: bool
  enable_content_trust:
    description: Only allow pulls of signed images (Notary, deprecated by Harbor).
    type: bool
  enable_content_trust_cosign:
    description: Only allow pulls of images signed with cosign.
    type: bool
  storage_quota:
    description:
      - Storage limit of the project; C(-1) means unlimited.
      - A number of bytes or a size with a unit - decimal C(KB) C(MB) C(GB) C(TB) or binary C(KiB)
        C(MiB) C(GiB) C(TiB), for example C(10GiB).
      - Needs Harbor's per-project quotas on (its C(quota_per_project_enable) setting, on by default).
        With it off Harbor drops the limit when it creates a project and enforces none, so a task
        that would write a quota is refused before anything is written. Admins read the setting
        from C(/configurations); other accounts from a project summary, when they may read quotas.
      - Needs an account that may read quotas (system C(quota:list)) and, to change the quota of an
        existing project, update them (system C(quota:update)). Without C(quota:list) the task is
        refused before the project is created. The quota is written before the metadata, so a
        refused quota update leaves the project as it was.
    type: str
"""

EXAMPLES = r"""
- name: Project for team-a, scanned on push, 10 GiB
  berth.platform.harbor_project:
    harbor_url: https://harbor.example.com
    harbor_username: admin
    harbor_password: "{{ vault_harbor_admin_password }}"
    name: team-a
    public: false
    auto_scan: true
    prevent_vul: true
    severity: high
    storage_quota: 10GiB

- name: Remove a project and everything in it
  berth.platform.harbor_project:
    name: team-old
    state: absent
    purge: true
"""

RETURN = r"""
action:
  description: What was done, one of C(create), C(update), C(delete), C(none).
  returned: always
  type: str
  sample: update
project:
  description:
    - The project after the run, with typed metadata, C(project_id), C(repo_count), and - when
      O(storage_quota) is set - C(storage_quota) and C(storage_used) in bytes. In check mode or after
      a delete, the managed options.
  returned: always
  type: dict
  sample:
    name: team-a
    project_id: 12
    repo_count: 3
    public: false
    auto_scan: true
    auto_sbom_generation: false
    prevent_vul: true
    severity: high
    reuse_sys_cve_allowlist: false
    enable_content_trust: false
    enable_content_trust_cosign: false
    storage_quota: 10737418240
    storage_used: 52428800
"""

from ansible_collections.berth.platform.plugins.module_utils.harbor.client import HarborClient
from ansible_collections.berth.platform.plugins.module_utils.harbor.projects import (
    BOOL_METADATA, ProjectAdapter, parse_size, validate_project_name,
)
from ansible_collections.berth.platform.plugins.module_utils.errors import ValidationError
from ansible_collections.berth.platform.plugins.module_utils.module import BerthModule

ARGUMENT_SPEC = dict(
    name=dict(type="str", required=True),
    state=dict(type="str", choices=["present", "absent"], default="present"),
    purge=dict(type="bool", default=False),
    severity=dict(type="str", choices=["none", "low", "medium", "high", "critical"]),
    storage_quota=dict(type="str"),
)
ARGUMENT_SPEC.update((key, dict(type="bool")) for key in BOOL_METADATA)


def main():
    module = BerthModule(argument_spec=ARGUMENT_SPEC, service="harbor", supports_check_mode=True)
    params = module.params
    try:
        desired = dict(name=validate_project_name(params["name"]),
                       storage_quota=parse_size(params["storage_quota"]),
                       severity=params["severity"])
    except ValidationError as exc:
        module.fail_error(exc)
    desired.update((key, params[key]) for key in BOOL_METADATA)
    adapter = ProjectAdapter(HarborClient.from_params(params), purge=params["purge"],
                             state=params["state"])
    module.ensure(adapter, desired, state=params["state"])


if __name__ == "__main__":
    main()
