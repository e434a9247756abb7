#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: berth.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: tenants
short_description: Reconcile every team of one cluster in one run (namespaces, projects, members, robots, Secrets)
version_added: 0.2.0
description:
  - The bulk form of the C(berth.platform.tenant) role's work, for platforms with hundreds of
    teams. For each team of O(teams) on the cluster it connects to, it ensures the same objects
    by the same rules, on the same adapters as the single-object modules
    M(berth.platform.harbor_project), M(berth.platform.harbor_project_member),
    M(berth.platform.harbor_robot) and M(berth.platform.registry_pull_secret).
  - A namespace named after the team (normalized like the P(berth.platform.team_name#filter)
    filter), labelled C(app.kubernetes.io/managed-by=berth.platform) and C(berth.platform/team).
  - A private Harbor project of that name with the team's storage quota; the team's OIDC group
    as O(member_role), C(<team>-admins) as O(admin_role) when the team names admins.
  - Per cluster a pull robot C(pull-<cluster>) and a push robot C(push-<cluster>) (or their
    blue/green names C(.a)/C(.b) after a rotation). Their Secrets are the source of truth for
    the robots' secrets (Harbor shows a secret only once) - the pull Secret
    (C(kubernetes.io/dockerconfigjson), linked to the team's ServiceAccounts) and the push
    Secrets (C(config.json) and C(dockerconfigjson)). A robot whose Secret is gone gets a new
    secret, written back. This cluster's robots that no Secret names are revoked.
  - Current state is read with list calls first (projects, quotas, namespaces, this cluster's
    Secrets, ServiceAccounts; per project its members and robots, as Harbor has no list of all
    project robots), then only the differences are written, O(concurrency) teams at a time.
  - A team that fails does not stop the others; the module fails at the end naming the failed
    teams, and a rerun finishes the job.
  - "A team with C(state=absent) is offboarded on this cluster: its Secrets are removed (the pull
    secret unlinked first) and this cluster's robots revoked; with C(purge=true) also its
    namespace and its Harbor project with all repositories."
  - "The Harbor project is shared by every cluster of the team. A purge is refused - for that team
    nothing is changed, in check mode too, and the module fails naming the robots - while the
    project still holds a robot of another cluster (C(pull-<cluster>), C(push-<cluster>), their
    C(.a)/C(.b) names) that is not in the team's C(purge_clusters): that cluster still uses the
    project. C(purge_force=true) deletes it anyway, with a warning."
author:
  - berth.platform maintainers (@berth)
extends_documentation_fragment:
  - berth.platform.harbor
  - berth.platform.k8s.beside_harbor
attributes:
  check_mode:
    support: full
    description: Plans without writing; Kubernetes objects are judged by a server-side dry run.
      Members, robots and Secrets of a team whose project or namespace is still to be created are
      reported as following it.
  diff_mode:
    support: full
    description: One diff per changed team, object by object; secrets show as C(<redacted>).
options:
  teams:
    description: The teams of this cluster, in the shape of the role's C(berth_teams).
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description: The team's name; normalized for the namespace, project and group names.
        type: str
        required: true
      display_name:
        description: Shown as the namespace annotation C(berth.platform/display-name).
        type: str
      members:
        description: Keycloak group members (the M(berth.platform.keycloak_group) side); ignored here.
        type: list
        elements: str
      admins:
        description: When not empty, the group C(<team>-admins) becomes O(admin_role) of the project.
        type: list
        elements: str
      quota:
        description: Storage quota of the project, for example C(10GiB) or bytes; -1 unlimited.
        type: raw
      robots:
        description: "Per robot kind (C(pull), C(push)): C(enabled), C(description), C(duration) (days)."
        type: dict
      service_accounts:
        description: ServiceAccounts that get the pull secret; default O(default_service_accounts).
        type: list
        elements: str
      state:
        description: C(absent) offboards the team on this cluster.
        type: str
        choices: [present, absent]
        default: present
      purge:
        description:
          - With C(state=absent), also delete the namespace and the Harbor project with its repositories.
          - Refused while another cluster's robots remain in the project (see C(purge_force)).
        type: bool
        default: false
      purge_force:
        description:
          - With C(purge), delete the Harbor project even though robots of other clusters remain in
            it - those clusters' pull and push Secrets then hold robots Harbor no longer knows.
          - Without it such a purge is refused before anything of the team is changed.
        type: bool
        default: false
      purge_clusters:
        description:
          - With C(purge), the other clusters offboarded in the same run (playbooks/offboard_team.yml
            sets them); their robots do not hold the purge back, as that run revokes them.
          - Robots of any other cluster still do (unless C(purge_force)).
        type: list
        elements: str
        default: []
  cluster:
    description:
      - This cluster's name; part of the robot names (C(pull-<cluster>)) and of the Secrets'
        C(berth.platform/cluster) label, so every cluster has its own robots.
    type: str
    required: true
  registry:
    description: Registry host[:port] written into the docker configs; default the host of O(harbor_url).
    type: str
  exclusive:
    description:
      - Also offboard the teams that carry the collection's marker (a namespace labelled
        C(app.kubernetes.io/managed-by=berth.platform) with C(berth.platform/team) equal to its
        name) but are not in O(teams). Never touches anything without the marker, and never
        purges.
    type: bool
    default: false
  concurrency:
    description: How many teams are written at the same time.
    type: int
    default: 8
  oidc_members:
    description: Make the team's OIDC groups project members (Harbor must run with auth mode oidc).
    type: bool
    default: true
  member_role:
    description: Project role of the team's group.
    type: str
    default: developer
  admin_role:
    description: Project role of the C(<team>-admins) group.
    type: str
    default: project-admin
  default_quota:
    description: Storage quota of a team that sets none; not set leaves quotas unmanaged.
    type: str
  default_robots:
    description: Robot options every team's C(robots) is merged onto.
    type: dict
    default: {pull: {enabled: true}, push: {enabled: true}}
  default_service_accounts:
    description: ServiceAccounts that get the pull secret when a team names none.
    type: list
    elements: str
    default: [default]
  pull_secret_name:
    description: Name of the pull Secret in each namespace.
    type: str
    default: harbor-pull
  push_secret_name:
    description: Name of the push Secret (C(config.json)) in each namespace.
    type: str
    default: harbor-push
  push_dockerconfig_secret_name:
    description: Name of the push Secret in C(dockerconfigjson) shape.
    type: str
    default: harbor-push-dockerconfig
  labels:
    description: Extra labels for namespaces and Secrets.
    type: dict
    default: {}
  verify_secrets:
    description:
      - Log in to Harbor with each robot's stored secret to prove Harbor still accepts it (one
        request per robot). Without it a Secret naming an existing robot counts as current; a
        secret changed behind the collection's back is then found by
        M(berth.platform.harbor_robot) or a run with this option.
    type: bool
    default: false
notes:
  - The C(berth.platform.tenant) role's variables map one to one to the options; the role stays
    the per-object form (one task per object, each visible in the play).
  - Keycloak groups are not touched here; the C(berth.platform.keycloak_oidc) role manages them
    for every cluster's teams at once.
requirements:
  - requests
seealso:
  - module: berth.platform.harbor_robot
  - module: berth.platform.registry_pull_secret
"""

EXAMPLES = r"""
- name: Every team of this cluster in one task
  berth.platform.tenants:
    harbor_url: https://harbor.example.com
    harbor_username: "{{ berth_harbor_username }}"
    harbor_password: "{{ berth_harbor_password }}"
    kubeconfig: /etc/berth/east.kubeconfig
    cluster: east
    teams:
      - name: Team A
        admins: [alice]
        quota: 20GiB
      - name: team-b
        service_accounts: [default, builder]
      - name: old-team
        state: absent
  register: tenants_result

- name: Offboard and purge a team on its last cluster (refused while another cluster's robots remain)
  berth.platform.tenants:
    kubeconfig: /etc/berth/west.kubeconfig
    cluster: west
    teams:
      - name: Team C
        state: absent
        purge: true

- name: What would change, and nothing else (the drift report)
  berth.platform.tenants:
    cluster: east
    teams: "{{ berth_teams }}"
    exclusive: true
  check_mode: true
  diff: true
  register: tenants_drift

- name: Teams that differ
  ansible.builtin.debug:
    msg: "{{ tenants_drift.teams | rejectattr('status', 'eq', 'unchanged') | map(attribute='name') }}"
"""

RETURN = r"""
msg:
  description: One line for the play output.
  returned: always
  type: str
  sample: "500 teams: 3 created, 2 updated, 0 removed, 495 unchanged, 0 failed"
requests:
  description:
    - The requests this run sent to Harbor and to the Kubernetes API server (API discovery, mostly
      answered from the kubernetes library's cache, not counted) - what a run costs the servers.
    - A converged run reads Harbor about twice a team (each project's member and robot lists) plus a
      few pages of the project and quota lists; a cold run writes about four times a team.
  returned: when the run reached the servers
  type: dict
  sample: {harbor: 1012, kubernetes: 3}
summary:
  description: How many teams ended in each status.
  returned: always
  type: dict
  sample: {created: 3, updated: 2, removed: 0, unchanged: 495, failed: 0}
teams:
  description: Per team what was done; secrets never appear.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: The team's name as given.
      type: str
    namespace:
      description: The normalized name of its namespace, project and group.
      type: str
    state:
      description: C(present) or C(absent).
      type: str
    status:
      description: One of C(created), C(updated), C(removed), C(unchanged), C(failed).
      type: str
    changes:
      description: "One line per object that changed (or would): C(<object>: <action>)."
      type: list
      elements: str
    error:
      description: Why the team failed - for example a purge refused because other clusters' robots remain.
      type: str
      returned: when status is failed
    unlisted:
      description: True for a marked team not in O(teams), offboarded by O(exclusive).
      type: bool
      returned: when true
  sample:
    - {name: Team A, namespace: team-a, state: present, status: created,
       changes: ["namespace: create", "project: create", "robot pull-east: create"]}
"""

from ansible.module_utils.six.moves.urllib.parse import urlsplit
from ansible_collections.berth.platform.plugins.module_utils import connection, tenants as bulk
from ansible_collections.berth.platform.plugins.module_utils.errors import BerthError, ValidationError
from ansible_collections.berth.platform.plugins.module_utils.harbor.client import HarborClient
from ansible_collections.berth.platform.plugins.module_utils.module import BerthModule, _k8s

TEAM_SPEC = dict(
    name=dict(type="str", required=True),
    display_name=dict(type="str"),
    members=dict(type="list", elements="str"),
    admins=dict(type="list", elements="str"),
    quota=dict(type="raw"),
    robots=dict(type="dict"),
    service_accounts=dict(type="list", elements="str"),
    state=dict(type="str", choices=["present", "absent"], default="present"),
    purge=dict(type="bool", default=False),
    purge_force=dict(type="bool", default=False),
    purge_clusters=dict(type="list", elements="str", default=[]),
)

ARGUMENT_SPEC = dict(
    teams=dict(type="list", elements="dict", required=True, options=TEAM_SPEC),
    cluster=dict(type="str", required=True),
    registry=dict(type="str"),
    exclusive=dict(type="bool", default=False),
    concurrency=dict(type="int", default=8),
    oidc_members=dict(type="bool", default=True),
    member_role=dict(type="str", default="developer"),
    admin_role=dict(type="str", default="project-admin"),
    default_quota=dict(type="str"),
    default_robots=dict(type="dict", default={"pull": {"enabled": True}, "push": {"enabled": True}}),
    default_service_accounts=dict(type="list", elements="str", default=["default"]),
    pull_secret_name=dict(type="str", default="harbor-pull"),
    push_secret_name=dict(type="str", default="harbor-push"),
    push_dockerconfig_secret_name=dict(type="str", default="harbor-push-dockerconfig"),
    labels=dict(type="dict", default={}),
    verify_secrets=dict(type="bool", default=False),
)
ARGUMENT_SPEC.update(connection.K8S_BESIDE_HARBOR)


def settings_from(params):
    if params["concurrency"] < 1:
        raise ValidationError("concurrency must be 1 or more, not %d" % params["concurrency"])
    registry = params["registry"] or urlsplit(params["harbor_url"]).netloc
    return bulk.Settings(
        params["cluster"], registry, member_role=params["member_role"], admin_role=params["admin_role"],
        oidc_members=params["oidc_members"], default_quota=params["default_quota"],
        default_robots=params["default_robots"],
        secret_names={"pull": [params["pull_secret_name"]],
                      "push": [params["push_secret_name"], params["push_dockerconfig_secret_name"]]},
        default_service_accounts=params["default_service_accounts"], labels=params["labels"],
        verify_secrets=params["verify_secrets"])


def main():
    module = BerthModule(argument_spec=ARGUMENT_SPEC, service="harbor", supports_check_mode=True)
    p = module.params
    if not _k8s().HAS_KUBERNETES:
        module.fail_json(msg="the kubernetes Python library is required (pip install kubernetes)")
    try:  # every input error before any connection
        settings = settings_from(p)
        teams = bulk.plan_teams(p["teams"], settings)
        api = _k8s().api_client(kubeconfig=p["kubeconfig"], context=p["context"], host=p["host"],
                                api_key=p["api_key"], validate_certs=p["k8s_validate_certs"],
                                ca_cert=p["ca_cert"], option_names=_k8s().BESIDE_HARBOR_OPTION_NAMES)
    except BerthError as exc:
        module.fail_error(exc)

    def action():
        harbor, k8s = HarborClient.from_params(p), _k8s().K8sClient(api)
        reconcile = bulk.Reconcile(harbor, k8s, settings, check_mode=module.check_mode, concurrency=p["concurrency"])
        results = reconcile.run(teams, exclusive=p["exclusive"])
        diffs = [dict(before_header="%s (%s)" % (r["namespace"], r["status"]), after_header=r["namespace"],
                      before=r["diff"]["before"], after=r["diff"]["after"])
                 for r in results if r.get("changes") and "diff" in r]
        for result in results:
            result.pop("diff", None)
            for warning in result.pop("warnings", []):
                module.warn("%s: %s" % (result["name"], warning))
        out = dict(changed=any(r.get("changes") for r in results), teams=results,
                   summary=bulk.summary(results), msg=bulk.summary_line(results, module.check_mode),
                   requests=dict(harbor=harbor.requests_sent, kubernetes=k8s.requests_sent))
        if module._diff:
            out["diff"] = diffs
        failed = [r for r in results if r["status"] == "failed"]
        if failed:
            out["msg"] += "; failed: " + "; ".join("%s: %s" % (r["name"], r["error"]) for r in failed[:5])
            module.fail_json(**out)
        return out

    module.run(action)


if __name__ == "__main__":
    main()
