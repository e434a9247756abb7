#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: berth.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: harbor_robot_info
short_description: Report Harbor robot accounts, their permissions and expiry (never secrets)
version_added: 0.2.0
description:
  - Lists the robots of one project, or the system-level robots, in M(berth.platform.harbor_robot)'s
    shape, with C(expires_at) and C(expires_in_days), so expiring pull secrets are visible before
    they break.
  - Reads every page (Harbor lists at most 100 per page). Never returns a secret.
author:
  - berth.platform maintainers (@berth)
extends_documentation_fragment:
  - berth.platform.harbor
  - berth.platform.attributes.read_only
options:
  level:
    description: C(project) lists one project's robots; C(system) lists system robots.
    type: str
    choices: [project, system]
    default: project
  project:
    description:
      - The project whose robots to list (required with O(level=project)).
      - A project that does not exist has no robots - RV(robots) and RV(expiring) are empty, as
        M(berth.platform.harbor_project_info) returns no project.
    type: str
  name:
    description: Only the robot with this name (without prefix and project).
    type: str
  expiring_within_days:
    description: Mark robots that expire within this many days (or have expired) in RV(expiring).
    type: int
    default: 14
"""

EXAMPLES = r"""
- name: Robots of team-a
  berth.platform.harbor_robot_info:
    project: team-a
  register: team_a_robots

- name: Fail the audit when a robot expires within 14 days
  ansible.builtin.assert:
    that: team_a_robots.expiring | length == 0
    fail_msg: "expiring: {{ team_a_robots.expiring | map(attribute='full_name') | join(', ') }}"

- name: System robots
  berth.platform.harbor_robot_info:
    level: system
"""

RETURN = r"""
robots:
  description: The robots, sorted by name; each as RV(berth.platform.harbor_robot#module:robot) without secret.
  returned: always
  type: list
  elements: dict
  sample:
    - name: pull
      full_name: robot$team-a+pull
      id: 7
      level: project
      project: team-a
      description: ""
      duration: 90
      disable: false
      expires_at: 1798139927
      expires_in_days: 42.5
      permissions: [{kind: project, namespace: team-a, access: [{resource: repository, action: pull}]}]
expiring:
  description: The robots of RV(robots) that expire within O(expiring_within_days) days or have expired.
  returned: always
  type: list
  elements: dict
"""

import time

from ansible_collections.berth.platform.plugins.module_utils.harbor.client import HarborClient
from ansible_collections.berth.platform.plugins.module_utils.harbor.robots import (
    DAY, list_robots, robot_prefix, robot_view,
)
from ansible_collections.berth.platform.plugins.module_utils.module import BerthModule

ARGUMENT_SPEC = dict(
    level=dict(type="str", choices=["project", "system"], default="project"),
    project=dict(type="str"),
    name=dict(type="str"),
    expiring_within_days=dict(type="int", default=14),
)


def main():
    module = BerthModule(argument_spec=ARGUMENT_SPEC, service="harbor", supports_check_mode=True,
                         required_if=[("level", "project", ("project",))])
    params = module.params
    harbor = HarborClient.from_params(params)

    def report():
        project_id = None
        if params["level"] == "project":
            project = harbor.project(params["project"])
            if project is None:  # no project, no robots: an empty report, like harbor_project_info
                return dict(changed=False, robots=[], expiring=[])
            project_id = project["project_id"]
        now = time.time()
        robots = []
        for robot in list_robots(harbor, params["level"], project_id):
            robot["_prefix"] = robot_prefix(robot, project=params["project"])
            view = robot_view(robot, now=now)
            if params["name"] is None or view["name"] == params["name"]:
                robots.append(view)
        robots.sort(key=lambda r: r["name"])
        horizon = now + params["expiring_within_days"] * DAY
        expiring = [r for r in robots if r["expires_at"] not in (None, -1) and r["expires_at"] <= horizon]
        return dict(changed=False, robots=robots, expiring=expiring)

    module.run(report)


if __name__ == "__main__":
    main()
