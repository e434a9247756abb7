#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: berth.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: harbor_project_info
short_description: Report Harbor projects with their metadata, quotas and members
version_added: 0.2.0
description:
  - Lists every project the account can see, or the one project named exactly O(name), in the shape of
    M(berth.platform.harbor_project)'s RV(berth.platform.harbor_project#module:project) result (typed
    metadata, C(storage_quota) and C(storage_used) in bytes).
  - Reads every page of Harbor's lists, so more than 100 projects are all reported; quotas come from one
    paged quota list, not one request per project.
  - Read-only; never reports a change and never returns secrets.
author:
  - berth.platform maintainers (@berth)
extends_documentation_fragment:
  - berth.platform.harbor
  - berth.platform.attributes.read_only
options:
  name:
    description:
      - Report only the project with exactly this name (C(team-a) does not match C(team-a-1)). Not set
        means every project.
    type: str
  members:
    description:
      - Add each project's members (C(members)) in the shape of M(berth.platform.harbor_project_member)'s
        RV(berth.platform.harbor_project_member#module:member) result; one more request per project.
    type: bool
    default: false
"""

EXAMPLES = r"""
- name: Every project with its quota
  berth.platform.harbor_project_info:
    harbor_url: https://harbor.example.com
    harbor_username: admin
    harbor_password: "{{ vault_harbor_admin_password }}"
  register: harbor_projects

- name: Projects that use more than 80 % of their quota
  ansible.builtin.debug:
    msg: "{{ item.name }}: {{ item.storage_used }} of {{ item.storage_quota }} bytes"
  loop: "{{ harbor_projects.projects | rejectattr('storage_quota', 'none') | selectattr('storage_quota', '>', 0) }}"
  when: item.storage_used > 0.8 * item.storage_quota

- name: One project and who may use it
  berth.platform.harbor_project_info:
    name: team-a
    members: true
  register: team_a   # team_a.projects[0].members: role, username or group, ...
"""

RETURN = r"""
projects:
  description:
    - The projects, sorted by name, each with C(name), C(project_id), C(repo_count), the typed metadata
      options of M(berth.platform.harbor_project), C(storage_quota) (bytes, C(-1) unlimited) and
      C(storage_used) (bytes), both C(null) when the account may not read quotas; C(members) when
      asked for. Empty when O(name) names no project.
  returned: always
  type: list
  elements: dict
  sample:
    - name: team-a
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
      members:
        - project: team-a
          project_id: 12
          member_id: 31
          entity_id: 4
          group: team-a
          group_type: oidc
          ldap_group_dn: null
          role: developer
        - project: team-a
          project_id: 12
          member_id: 1
          entity_id: 1
          username: admin
          role: project-admin
"""

from ansible_collections.berth.platform.plugins.module_utils.harbor import info
from ansible_collections.berth.platform.plugins.module_utils.harbor.client import HarborClient
from ansible_collections.berth.platform.plugins.module_utils.module import BerthModule

ARGUMENT_SPEC = dict(
    name=dict(type="str"),
    members=dict(type="bool", default=False),
)


def main():
    module = BerthModule(argument_spec=ARGUMENT_SPEC, service="harbor", supports_check_mode=True)
    p = module.params
    harbor = HarborClient.from_params(p)
    module.run(lambda: dict(changed=False,
                            projects=info.projects(harbor, name=p["name"], members=p["members"])))


if __name__ == "__main__":
    main()
