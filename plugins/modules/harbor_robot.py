#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: berth.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: harbor_robot
short_description: Manage a Harbor robot account (v2) at project or system level, and its secret
version_added: 0.2.0
description:
  - Creates, updates or removes a robot account, found by level, project and name. A robot created
    by hand is adopted, never duplicated.
  - Changes to the description, duration, disable flag or permissions are made in place, so the
    robot keeps its secret and every pull secret made from it keeps working. Permissions are
    compared as sets and always sent as the full list (Harbor replaces the list whole).
  - The secret is returned only when it is created or changed (create, rotation, explicit
    O(secret) set), in RV(secret). Register the task with C(no_log) if it can return one.
  - Names are given and compared without Harbor's robot name prefix (C(robot$) by default, the
    C(robot_name_prefix) setting). The prefix is read from the robots Harbor returns; set
    O(robot_name_prefix) only to insist on one.
  - "Automation without the admin password: create a system robot with this module (as admin, once),
    then use its full name and secret as O(harbor_username)/O(harbor_password) for every other
    Harbor module. See EXAMPLES for the least-privilege permission set."
author:
  - berth.platform maintainers (@berth)
extends_documentation_fragment:
  - berth.platform.harbor
attributes:
  check_mode:
    support: full
    description: Reports what would change, rotation included, without writing to Harbor.
  diff_mode:
    support: full
    description: Shows the managed options before and after; the secret only as C(<redacted>).
options:
  name:
    description:
      - Robot name without prefix or project, for example C(pull). Harbor stores a project robot
        as C(<project>+<name>) and shows it as C(robot$<project>+<name>).
      - Lower-case letters and digits separated by single C(.), C(_) or C(-).
    type: str
    required: true
  level:
    description: A C(project) robot acts in one project; a C(system) robot may span projects and system resources.
    type: str
    choices: [project, system]
    default: project
  project:
    description:
      - The project of a project robot (required with O(level=project)). It must exist for
        O(state=present); with O(state=absent) a missing project means there is nothing to remove.
    type: str
  description:
    description: Free text shown in Harbor.
    type: str
  duration:
    description:
      - Days the secret stays valid at least, from the robot's creation or from its last rotation by
        this module; C(-1) never expires. Not set means not managed (a new robot then never expires).
      - Harbor counts the duration in whole days from the robot's creation and keeps the old expiry
        when a secret is refreshed; a rotation here also renews the expiry by extending Harbor's
        duration by the days since creation, rounded up to whole days. So after a rotation the
        secret stays valid for at least O(duration) days and less than one day more (C(expires_at) in RV(robot)
        shows the exact time). Such an extended duration is not reported as a change later.
    type: int
  disable:
    description: Disable the robot (its secret stops working until enabled again).
    type: bool
  access:
    description:
      - Shorthand for a project robot's permissions. C(pull) is C(repository:pull); C(push) is
        C(repository:pull) and C(repository:push) (what C(docker push) and CI need).
      - Mutually exclusive with O(permissions).
    type: str
    choices: [pull, push]
  permissions:
    description:
      - The complete permission list. A project robot has exactly one entry for its project.
      - Resources and actions are checked against what Harbor offers (C(GET /api/v2.0/permissions))
        before anything is written, when the account may read that list (admins); a robot account
        relies on Harbor's own check, which also rejects the write as a whole.
    type: list
    elements: dict
    suboptions:
      kind:
        description: C(project) or C(system).
        type: str
        choices: [project, system]
        default: project
      namespace:
        description: Project name (C(*) for every project, system robots only), or C(/) for kind C(system).
        type: str
        required: true
      access:
        description: "Resource/action pairs, for example C({resource: repository, action: pull})."
        type: list
        elements: dict
        required: true
        suboptions:
          resource:
            description: Harbor resource, for example C(repository), C(artifact), C(project).
            type: str
            required: true
          action:
            description: Harbor action, for example C(pull), C(push), C(read), C(list), C(create).
            type: str
            required: true
  secret:
    description:
      - An explicit secret, when another system is its source of truth (Vault, an existing
        Kubernetes Secret). Harbor requires 8-128 characters with an upper-case letter, a lower-case
        letter and a digit.
      - Compared by logging in to Harbor's token service with it (Harbor never returns secrets);
        set again when the robot does not accept it. For a disabled or expired robot it cannot be
        checked and is only set on create.
      - Mutually exclusive with O(rotate=always) and O(rotate=before_expiry).
    type: str
  rotate:
    description:
      - C(never) keeps the secret. C(always) issues a new secret on every run. C(before_expiry)
        issues one when the robot expires within O(rotate_before_days) days (or has expired).
      - A rotation renews the expiry (see O(duration)); the old secret stops working at once.
    type: str
    choices: [always, never, before_expiry]
    default: never
  rotate_before_days:
    description:
      - With O(rotate=before_expiry), how many days before expiry to rotate. Not set means 7.
      - Only with O(rotate=before_expiry); set with another O(rotate) it is refused before anything
        is sent (it would have no effect).
    type: int
  robot_name_prefix:
    description:
      - Harbor's robot name prefix, when it must be insisted on. Not set means the prefix is read
        from Harbor's answers.
    type: str
  state:
    description:
      - Whether the robot should exist. C(absent) when the project does not exist reports no change
        (there is nothing to remove).
    type: str
    choices: [present, absent]
    default: present
"""

EXAMPLES = r"""
- name: Pull robot for team-a (its secret goes into the namespace's pull secret)
  berth.platform.harbor_robot:
    project: team-a
    name: pull
    description: image pulls for the team-a namespace
    access: pull
  register: pull_robot
  no_log: true   # the result holds the secret on create

- name: Push robot for CI, rotated a week before it expires
  berth.platform.harbor_robot:
    project: team-a
    name: ci-push
    access: push
    duration: 90
    rotate: before_expiry
    rotate_before_days: 7
  register: push_robot
  no_log: true

- name: Bootstrap a least-privilege system robot for automation (run once as admin)
  berth.platform.harbor_robot:
    level: system
    name: berth-automation
    permissions:
      - kind: system
        namespace: /
        access:
          - {resource: project, action: create}
          - {resource: project, action: list}
          - {resource: quota, action: list}
          - {resource: quota, action: read}
          - {resource: quota, action: update}
          - {resource: robot, action: list}
          - {resource: robot, action: read}
          - {resource: robot, action: create}
          - {resource: robot, action: delete}
      - kind: project
        namespace: "*"
        access:
          - {resource: project, action: read}
          - {resource: project, action: update}
          - {resource: project, action: delete}
          - {resource: metadata, action: list}
          - {resource: metadata, action: read}
          - {resource: metadata, action: create}
          - {resource: metadata, action: update}
          - {resource: quota, action: read}
          - {resource: member, action: list}
          - {resource: member, action: read}
          - {resource: member, action: create}
          - {resource: member, action: update}
          - {resource: member, action: delete}
          - {resource: repository, action: list}
          - {resource: repository, action: delete}
          # Harbor lets a robot create only robots within its own permissions ("permission scope is
          # invalid. It must be equal to or more restrictive than the creator robot's permissions"):
          # pull and push here, so it can create the teams' pull and push robots.
          - {resource: repository, action: pull}
          - {resource: repository, action: push}
          - {resource: robot, action: list}
          - {resource: robot, action: read}
          - {resource: robot, action: create}
          - {resource: robot, action: delete}
  register: automation
  no_log: true

- name: Use the robot for everything else
  berth.platform.harbor_project:
    harbor_username: "{{ automation.robot.full_name }}"
    harbor_password: "{{ automation.secret }}"
    name: team-b
  no_log: true

- name: Secret kept in Vault
  berth.platform.harbor_robot:
    project: team-a
    name: deploy
    access: pull
    secret: "{{ lookup('community.hashi_vault.hashi_vault', 'secret/harbor/team-a:deploy') }}"

- name: Revoke
  berth.platform.harbor_robot:
    project: team-a
    name: ci-push
    state: absent
"""

RETURN = r"""
action:
  description: What was done, one of C(create), C(update), C(delete), C(none).
  returned: always
  type: str
  sample: create
robot:
  description:
    - The robot after the run (never its secret). C(secret) in it shows only whether the secret
      was managed (C(<redacted>)) or changed (C(<redacted (changed)>)).
  returned: always
  type: dict
  sample:
    name: pull
    full_name: robot$team-a+pull
    id: 7
    level: project
    project: team-a
    description: image pulls for the team-a namespace
    duration: -1
    disable: false
    expires_at: -1
    expires_in_days: null
    permissions: [{kind: project, namespace: team-a, access: [{resource: repository, action: pull}]}]
secret:
  description:
    - The robot's secret, only when this run created or changed it. Sensitive - register with C(no_log).
  returned: when the secret was created or changed (not in check mode)
  type: str
  sample: Xq3vJ0mN8rTz2bLw4yHc6kPd1sFg9aEe
secret_changed:
  description: Whether this run gave the robot a new secret (create, rotation, explicit secret set).
  returned: always
  type: bool
  sample: true
secret_note:
  description: Why a secret was issued in an unusual way, for example after a create whose answer was lost.
  returned: when there is something to say
  type: str
"""

from ansible_collections.berth.platform.plugins.module_utils.errors import BerthError, ValidationError
from ansible_collections.berth.platform.plugins.module_utils.harbor.client import HarborClient
from ansible_collections.berth.platform.plugins.module_utils.harbor.robots import (
    ROBOT_NAME, ROTATE, RobotAdapter, check_permissions_known, desired_permissions, valid_secret,
)
from ansible_collections.berth.platform.plugins.module_utils.module import BerthModule

DEFAULT_ROTATE_BEFORE_DAYS = 7

ARGUMENT_SPEC = dict(
    name=dict(type="str", required=True),
    level=dict(type="str", choices=["project", "system"], default="project"),
    project=dict(type="str"),
    description=dict(type="str"),
    duration=dict(type="int"),
    disable=dict(type="bool"),
    access=dict(type="str", choices=["pull", "push"]),
    permissions=dict(type="list", elements="dict", options=dict(
        kind=dict(type="str", choices=["project", "system"], default="project"),
        namespace=dict(type="str", required=True),
        access=dict(type="list", elements="dict", required=True, options=dict(
            resource=dict(type="str", required=True),
            action=dict(type="str", required=True),
        )),
    )),
    secret=dict(type="str", no_log=True),
    rotate=dict(type="str", choices=["always", "never", "before_expiry"], default="never"),
    rotate_before_days=dict(type="int"),
    robot_name_prefix=dict(type="str"),
    state=dict(type="str", choices=["present", "absent"], default="present"),
)


def desired_robot(params):
    """The desired robot from the module options; ValidationError before anything is sent."""
    if not ROBOT_NAME.match(params["name"]):
        raise ValidationError("invalid robot name %r: lower-case letters and digits separated by single "
                              "'.', '_' or '-' (no prefix, no project)" % params["name"])
    if params["level"] == "project" and not params["project"]:
        raise ValidationError("project is required for a project robot (level: project)")
    if params["duration"] is not None and (params["duration"] == 0 or params["duration"] < -1):
        raise ValidationError("duration must be -1 (never expires) or a number of days > 0, not %d"
                              % params["duration"])
    if params["secret"] is not None and params["rotate"] != "never":
        raise ValidationError("secret and rotate: %s exclude each other: an explicit secret is "
                              "rotated by changing it" % params["rotate"])
    if params["secret"] is not None and not valid_secret(params["secret"]):
        raise ValidationError("secret does not meet Harbor's rule: 8-128 characters with at least one "
                              "upper-case letter, one lower-case letter and one digit")
    if params["rotate_before_days"] is not None and params["rotate"] != "before_expiry":
        raise ValidationError("rotate_before_days applies only with rotate: before_expiry (rotate is %s): "
                              "set rotate: before_expiry, or leave rotate_before_days out" % params["rotate"])
    if params["rotate_before_days"] is not None and params["rotate_before_days"] < 0:
        raise ValidationError("rotate_before_days must be 0 or more")
    desired = dict(name=params["name"], description=params["description"],
                   duration=params["duration"], disable=params["disable"], permissions=None,
                   secret=params["secret"] if params["rotate"] == "never" else ROTATE)
    if params["state"] == "present":
        desired["permissions"] = desired_permissions(params["level"], params["project"],
                                                     params["permissions"], params["access"])
    return desired


def main():
    module = BerthModule(argument_spec=ARGUMENT_SPEC, service="harbor", supports_check_mode=True,
                         mutually_exclusive=[("access", "permissions")],
                         required_if=[("level", "project", ("project",))])
    params = module.params
    harbor = HarborClient.from_params(params)
    before_days = DEFAULT_ROTATE_BEFORE_DAYS if params["rotate_before_days"] is None else params["rotate_before_days"]
    adapter = RobotAdapter(harbor, params["level"], project=params["project"], rotate=params["rotate"],
                           rotate_before_days=before_days, prefix=params["robot_name_prefix"],
                           state=params["state"])

    def extra(outcome):
        secret = (outcome.resource or {}).get("_secret")
        result = dict(secret_changed=outcome.action == "create" or "secret" in outcome.changes)
        if secret:
            result["secret"] = secret
        if adapter.secret_note:
            result["secret_note"] = adapter.secret_note
        return result

    try:
        desired = desired_robot(params)
        if desired["permissions"]:
            available = harbor.permissions()
            if available is not None:
                check_permissions_known(desired["permissions"], available)
    except BerthError as exc:
        module.fail_error(exc)
    module.ensure(adapter, desired, state=params["state"], extra=extra)


if __name__ == "__main__":
    main()
