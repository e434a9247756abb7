"""Every YAML example of the documentation runs against the lab (issue 24).

The examples are found by doc_examples.py: each ```yaml block of README.md and docs/**/*.md and
the EXAMPLES of every module and filter plugin, classified as a playbook, a task list, a vars
snippet (validated, not run) or an AWX definition (validated against awx.awx's argument spec).
A block that fits none fails ``test_every_yaml_example_is_classified``; a new block needs no
change here unless it needs a prerequisite, a check-mode run or a documented failure.

How an example meets the lab - the one place to read:

- SUBSTITUTIONS rewrites each example's text: the servers (harbor.example.com's API,
  sso.example.com, the kubeconfigs) become the lab's, and every name an example creates on a
  server (realm, namespace, project, team, user, system robot) gets a suffix unique to the
  example and the run, so concurrent tests never collide and cleanup finds them by it.
- SUPPLIED_VARS are the variables the examples take from a vault or an earlier step.
- PREREQUISITES are what an example assumes exists (a project, Keycloak users, a flow); realms
  and namespaces an example's tasks name are made for every example.
- TASKS says how a task runs when not for real: in check mode, skipped (not runnable in the lab,
  with the reason), expected to fail as its documentation says, or with an assertion of what its
  comments promise.
- The connection: modules without one take the lab's from the environment (HARBOR_*,
  KEYCLOAK_*, K8S_AUTH_KUBECONFIG); the examples' module_defaults keep theirs, substituted.

The lab's Harbor is shared and must stay in db_auth: its examples run under
/tmp/harbor-authmode.lock with the Harbor guard, and CHECK_ONLY keeps harbor_config (and the
harbor_oidc role) in check mode whatever an example or TASKS says.
"""

import json
import os
import re
import secrets
import subprocess
import sys
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import yaml

import doc_examples
from conftest import playbook_invocation, require
from doc_examples import ROOT

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "doc_examples")

# -- the substitution table ----------------------------------------------------------------------
# (pattern, replacement, why), applied in order to each example's text (and to SUPPLIED_VARS,
# PREREQUISITES names and TASKS assertions). <<KEY>> is a lab.env value, <<SFX>> the example's
# unique suffix, <<ROOT>> the repository.
SUBSTITUTIONS = [
    # where the servers are
    (r"(?<=harbor_url: )https://harbor\.example\.com", "<<HARBOR_URL>>", "Harbor's API"),
    (r"https://login\.example\.com/\.well-known/openid-configuration",
     "<<KEYCLOAK_URL>>/realms/master/.well-known/openid-configuration",
     "the corporate IdP's discovery document is fetched: the lab Keycloak's master realm stands in"),
    (r"https://sso\.example\.com", "<<KEYCLOAK_URL>>", "Keycloak: admin API, OIDC endpoint, JWT issuer"),
    (r"(?<=kubeconfig: )\S*east\S*", "<<K8S_EAST_KUBECONFIG>>", "cluster east"),
    (r"(?<=kubeconfig: )\S*west\S*", "<<K8S_WEST_KUBECONFIG>>", "cluster west"),
    (r"(?<=chart_ref: )harbor/harbor\b", "<<HARBOR_CHART>>", "the Harbor chart repository: the lab's copy of the chart"),
    (r"/opt/berth/policies", "<<ROOT>>/roles/policy/files", "the policy role's Rego, installed"),
    (r"\{\{ lookup\('community\.hashi_vault\.hashi_vault', '[^']*'\) \}\}", "{{ vault_deploy_robot_secret }}",
     "no Vault in the lab: the secret it would return"),
    # names made on the servers: unique per example and run
    (r"(?<=realm: )(old-)?platform\b", r"\g<0>-<<SFX>>", "Keycloak realms"),
    (r"(?<=/realms/)platform\b", r"platform-<<SFX>>", "the realm in issuer URLs"),
    (r"(?<=namespace: )(harbor|registry|istio-ingress|shop|bookinfo|web|echo)(?![\w.-])", r"\g<1>-<<SFX>>",
     "namespaces"),
    (r"\bTeam ([A-Z][A-Za-z0-9]*)\b", r"Team \1 <<SFX>>", "teams: 'Team A <sfx>' normalizes to team-a-<sfx>"),
    (r"\bteam-([a-z][a-z0-9]*)\b", r"team-\1-<<SFX>>", "teams' projects, namespaces, groups, robots"),
    (r"\bold-team\b", r"old-team-<<SFX>>", "an offboarded team"),
    (r"\b(alice|bob|carol|dave|ci-bot)\b", r"\1-<<SFX>>", "users, in Keycloak and Harbor (and their e-mail)"),
    (r"\bold[.-]account\b", r"\g<0>-<<SFX>>", "a Harbor user removed by e-mail"),
    (r"\bberth-automation\b", r"berth-automation-<<SFX>>", "Harbor's system robot"),
]

# Variables the examples use; substituted like the examples. <<SECRET:x>> is a fresh random
# secret per run (Harbor's password and robot-secret rules: upper, lower and digits).
SUPPLIED_VARS = """
vault_harbor_admin_password: "{{ lookup('ansible.builtin.env', 'HARBOR_PASSWORD') }}"
vault_keycloak_admin_password: "{{ lookup('ansible.builtin.env', 'KEYCLOAK_PASSWORD') }}"
berth_harbor_username: "{{ lookup('ansible.builtin.env', 'HARBOR_USERNAME') }}"
berth_harbor_password: "{{ lookup('ansible.builtin.env', 'HARBOR_PASSWORD') }}"
harbor_client_secret: <<SECRET:harbor_client>>
new_harbor_client_secret: <<SECRET:new_harbor_client>>
pull_robot_secret: <<SECRET:pull_robot>>
vault_corp_idp_secret: <<SECRET:corp_idp>>
vault_corp_idp_new_secret: <<SECRET:corp_idp_new>>
vault_ci_bot_password: <<SECRET:ci_bot>>
vault_deploy_robot_secret: <<SECRET:deploy_robot>>
pull_robot: {robot: {name: robot$team-a+pull}, secret: <<SECRET:pull_robot>>}
push_robot: {robot: {name: robot$team-a+ci-push}, secret: <<SECRET:push_robot>>}
harbor_values: {externalURL: https://harbor.example.com, expose: {type: clusterIP, tls: {enabled: false}}}
harbor_external_url: <<HARBOR_URL>>   # as the lab inventory sets it
keycloak_oidc_realm: platform
berth_teams: [{name: Team A}, {name: Team B}]
policy_constraints:
  - kind: K8sDisallowedTags
    name: teams
    match: {namespaces: ["team-*"]}
    parameters: {tags: [latest]}
  - kind: K8sContainerLimits
    name: teams
    match: {namespaces: ["team-*"]}
    parameters: {cpu: "4", memory: 8Gi}
"""

# Tasks run before an example, for the registered results it reads (real, read-only).
TENANTS_PLAN = """
- name: A tenants plan for the filter (check mode)
  berth.platform.tenants:
    cluster: east
    teams: [{name: Team A}]
  check_mode: true
  register: tenant_bulk_result
"""
SETUP_TASKS = {
    "plugins/filter/drift_rows.py": TENANTS_PLAN,
    "plugins/filter/drift_report.py": TENANTS_PLAN + """- name: Its rows
  ansible.builtin.set_fact:
    drift_rows: "{{ tenant_bulk_result | berth.platform.drift_rows('east') }}"
""",
    "plugins/filter/referenced_secrets.py": """
- name: The Harbor chart, rendered
  kubernetes.core.helm_template:
    chart_ref: <<HARBOR_CHART>>
    release_namespace: harbor
  register: rendered
""",
}

# What an example assumes exists, by doc name (substituted). Every realm a Keycloak task names
# and every namespace a Kubernetes task names is made for any example (a realm the example
# creates then exists already; one it removes is there to remove).
PREREQUISITES = {
    "README.md § Harbor": dict(harbor_users=["alice"], harbor_oidc_groups=["team-a"]),
    "README.md § Keycloak": dict(keycloak_users=["alice", "bob"]),
    # in db_auth Harbor adds only OIDC groups it knows (site.yml switches to oidc_auth first)
    "README.md § On your clusters": dict(harbor_oidc_groups=["team-payments", "team-payments-admins"]),
    "plugins/modules/harbor_chart_secrets.py": dict(k8s_secrets=[dict(namespace="harbor", name="harbor-admin",
                                                                      key="HARBOR_ADMIN_PASSWORD")]),
    # a local user, so switching to OIDC is refused as DOCUMENTATION says (TASKS below)
    "plugins/modules/harbor_config.py": dict(harbor_users=["ci-bot"]),
    "plugins/modules/harbor_project.py": dict(harbor_projects=["team-old"]),
    "plugins/modules/harbor_project_info.py": dict(harbor_projects=["team-a"]),
    "plugins/modules/harbor_project_member.py": dict(harbor_projects=["team-a"], harbor_users=["alice"],
                                                     harbor_oidc_groups=["team-a"]),
    "plugins/modules/harbor_robot.py": dict(harbor_projects=["team-a"]),
    "plugins/modules/harbor_robot_info.py": dict(harbor_projects=["team-a"]),
    "plugins/modules/harbor_user.py": dict(harbor_users=["alice", "old-account <old.account@example.com>"]),
    "plugins/modules/keycloak_client.py": dict(keycloak_flows=["browser-otp"]),
    "plugins/modules/keycloak_group.py": dict(keycloak_users=["alice", "bob"], keycloak_groups=["teams"]),
    "plugins/modules/keycloak_group_info.py": dict(keycloak_groups=["teams"]),
    # the same in db_auth (harbor_project_member's DOCUMENTATION)
    "plugins/modules/tenants.py": dict(harbor_oidc_groups=["team-a", "team-a-admins", "team-b"]),
}

# Blocks deliberately not run, with the reason. None today.
NOT_RUNNABLE = {}

# The variables a vars snippet may hold, and the roles that validate them.
VARS_SNIPPETS = ("berth_teams",)


class Mode:
    """How one task runs: ``check`` (check_mode), ``skip`` (the reason), ``fails`` (a regex of the
    documented failure), ``then`` (assertions on the result, registered as the task does or as
    ``doc_result``)."""

    def __init__(self, why, check=False, skip=False, fails=None, then=()):
        self.why, self.check, self.skip, self.fails, self.then = why, check, skip, fails, list(then)


AUTH_LOCKED = "Harbor refuses to change auth_mode from db_auth to oidc_auth while users other than admin exist"
# (block id, task name as written) -> Mode
TASKS = {
    ("README.md § Harbor", "Log in with Keycloak (fails, with the reason, while local users lock the auth mode)"):
        Mode("documented failure: the prerequisite local user alice locks the auth mode; check mode keeps "
             "the shared Harbor in db_auth", check=True, fails=AUTH_LOCKED),
    ("plugins/modules/harbor_config.py", "Log in to Harbor through Keycloak"):
        Mode("the shared Harbor stays in db_auth: with a local user (prerequisite) the switch is refused as "
             "DOCUMENTATION says, before anything is written; test_harbor_config switches for real",
             check=True, fails=AUTH_LOCKED),
    ("plugins/modules/harbor_config.py", "Rotate the client secret (always written, always reports a change)"):
        Mode("writes the shared Harbor's OIDC client secret", check=True, then=["doc_result is changed"]),
    ("plugins/modules/harbor_chart_secrets.py", "Install Harbor with them"):
        Mode("installing the chart takes minutes (test_role_harbor does); check mode asks Helm", check=True),
    ("plugins/modules/harbor_project_member.py", "An LDAP group by its DN"):
        Mode("needs Harbor in ldap_auth with an LDAP server; the lab's Harbor runs db_auth without one", skip=True),
    ("plugins/modules/harbor_user.py", "Remove whoever has this e-mail address"):
        Mode("its comment", then=["removed.users_removed == ['old-account']"]),
    ("plugins/filter/harbor_fullname.py", "harbor-core's Service of release hub"):
        Mode("its comment", then=["doc_result.msg == 'hub-harbor-core'"]),
    ("plugins/filter/harbor_fullname.py", "The release's full name with the chart's fullnameOverride"):
        Mode("its comment", then=["doc_result.msg == 'registry'"]),
    ("plugins/filter/team_name.py", "Team A's namespace"):
        Mode("its comment", then=["doc_result.result.metadata.name == 'team-a'"]),
    ("plugins/modules/policy_check.py", "The same checks the policy role would enforce, reported without failing"):
        Mode("its name", then=["policy is not failed", "policy.violations | length > 0"]),
    ("plugins/modules/keycloak_group.py", "Team group named like its Harbor project and namespace"):
        Mode("its comment: stored as team-demo", then=["doc_result.group.name == 'team-demo'"]),
}

# Modules in Kubernetes namespaces that must exist beforehand: the namespace options they take.
NAMESPACED = {"istio_vs": ("namespace",), "istio_harbor_security": ("namespace", "gateway.namespace"),
              "istio_port_names": ("namespace",), "registry_pull_secret": ("namespace",),
              "harbor_chart_secrets": ("namespace",)}
# What talks to the shared Harbor: those examples run under the auth-mode lock and the guard.
USES_HARBOR = re.compile(r"^berth\.platform\.(harbor_(?!chart_secrets)\w+|tenants)$|^role:berth\.platform\.(tenant|harbor_oidc)$")
# Never run for real, whatever TASKS says: the lab's harbor-core is shared by every test and must stay
# in db_auth with its settings (TASKS may still skip such a task or expect its documented failure).
CHECK_ONLY = {
    "berth.platform.harbor_config": "Harbor's auth mode and settings are shared by every test",
    "role:berth.platform.harbor_oidc": "switches the shared Harbor to oidc_auth",
}


# -- finding and classifying -----------------------------------------------------------------------
def blocks():
    found, problems = doc_examples.all_blocks(vars_kinds=VARS_SNIPPETS)
    return found, problems


def task_list(block):
    """The block's tasks as (play index, task) - for playbooks every play's tasks."""
    if block.kind == "playbook":
        return [(i, t) for i, play in enumerate(block.data) for t in play.get("tasks") or []]
    if block.kind in ("tasks", "awx") and isinstance(block.data, list):
        return [(0, t) for t in block.data]
    return []


def test_every_yaml_example_is_classified():
    """No example is silently ignored: each is a playbook, tasks, vars or an AWX definition, and
    every entry of the tables above still names an example (and task) that exists."""
    found, problems = blocks()
    unclassified = ["%s: %s" % (b.where(), b.detail) for b in found if b.kind is None and b.id not in NOT_RUNNABLE]
    assert not unclassified and not problems, "\n".join(
        ["YAML examples that are neither a playbook, tasks, vars nor an AWX definition "
         "(fix them, or add them to NOT_RUNNABLE with the reason):"] + unclassified + problems)
    ids = set(b.id for b in found)
    names = set((b.id, t.get("name")) for b in found for _i, t in task_list(b))
    stale = ["%s: no such example" % k for k in list(PREREQUISITES) + list(SETUP_TASKS) + list(NOT_RUNNABLE)
             if k not in ids]
    stale += ["%s / %s: no such task" % key for key in TASKS if key not in names]
    assert not stale, "\n".join(["entries of test_doc_examples.py naming examples that are gone:"] + stale)
    corpus = "\n".join([b.text for b in found] + [SUPPLIED_VARS, yaml.safe_dump(PREREQUISITES)]
                       + list(SETUP_TASKS.values()))
    unused = [pattern for pattern, _r, _why in SUBSTITUTIONS if not re.search(pattern, corpus)]
    assert not unused, "SUBSTITUTIONS rules that no example needs any more: %s" % unused
    kinds = sorted(set(b.kind for b in found))
    assert {"playbook", "tasks"} <= set(kinds), kinds
    assert sum(1 for b in found if b.path == "README.md") >= 5


# -- Harbor's routes in the examples are the ones istio_harbor_security builds -----------------------
def harbor_core_routes(block):
    for _i, task in task_list(block):
        args = task.get("berth.platform.istio_vs") or {}
        for index, route in enumerate(args.get("http") or []):
            if any(str(d.get("host", "")).startswith("harbor-core") for d in route.get("route") or []):
                yield task.get("name"), args["http"], index


def test_harbor_routes_in_the_examples_are_harbor_2_15s():
    """An example VirtualService for Harbor routes to core exactly what istio_harbor_security does
    (Harbor 2.15: /api/ /c/ /v2/ and exactly /service/token), answers the rest of /service/ with
    404, and sends / to the portal last."""
    from ansible_collections.berth.platform.plugins.module_utils.istio import harbor_security as hs
    wanted = sorted([("prefix", p) for p in hs.CORE_PREFIXES] + [("exact", p) for p in hs.CORE_EXACT])
    found, _problems = blocks()
    wrong, seen = [], 0
    for block in found:
        for name, http, index in harbor_core_routes(block):
            seen += 1
            core = sorted((kind, value) for m in http[index].get("match") or []
                          for kind, value in (m.get("uri") or {}).items())
            rest = http[index + 1:]
            not_found = [r for r in rest if r.get("direct_response", {}).get("status") == 404
                         and [m.get("uri") for m in r.get("match") or []] == [{"prefix": p} for p in hs.INTERNAL_PREFIXES]]
            portal = rest and rest[-1].get("match") == [{"uri": {"prefix": "/"}}]
            if core != wanted or not not_found or not portal:
                wrong.append("%s / %s: core gets %s, /service/ 404: %s, / to the portal last: %s"
                             % (block.where(), name, core, bool(not_found), bool(portal)))
    assert seen >= 2, "no Harbor VirtualService among the examples (README, istio_vs)"
    assert not wrong, "\n".join(["Harbor routes unlike istio_harbor_security's (%s):" % wanted] + wrong)


# -- turning an example into a play ----------------------------------------------------------------
def fill(text, values):
    return re.sub(r"<<([A-Za-z0-9_:]+)>>", lambda m: values[m.group(1)], text)


def substitute(text, values):
    for pattern, replacement, _why in SUBSTITUTIONS:
        text = re.sub(pattern, lambda m, r=replacement: m.expand(fill(r, values)), text)
    return fill(text, values)


def load(text, values):
    return yaml.safe_load(substitute(text, values))


def dotted(args, path):
    for part in path.split("."):
        args = args.get(part) if isinstance(args, dict) else None
    return args


class Example:
    """One example, substituted for the lab with its own suffix."""

    def __init__(self, block, index, run, values):
        self.block = block
        self.sfx = "%s%02d" % (run, index)
        self.values = dict(values, SFX=self.sfx)
        self.data = load(block.text, self.values)
        uses = [u for _i, t in task_list(block) for u in doc_examples.task_uses(t)]
        uses += [u for t in yaml.safe_load(SETUP_TASKS.get(block.id, "[]")) for u in doc_examples.task_uses(t)]
        self.partition = "harbor" if block.kind == "vars" or any(USES_HARBOR.search(u) for u in uses) else "other"

    def tasks(self):
        """Substituted tasks paired with their doc names."""
        pairs = []
        for (_i, original), (_j, task) in zip(task_list(self.block), self._substituted_tasks()):
            pairs.append((original.get("name"), task))
        return pairs

    def _substituted_tasks(self):
        if self.block.kind == "playbook":
            return [(i, t) for i, play in enumerate(self.data) for t in play.get("tasks") or []]
        return [(0, t) for t in self.data] if isinstance(self.data, list) else []

    def prerequisites(self):
        # substituted as YAML text, so key-anchored rules (namespace: harbor) apply
        wanted = load(yaml.safe_dump(PREREQUISITES.get(self.block.id, {}), default_flow_style=False), self.values)
        realms, namespaces = set(), set()
        for _doc, task in self.tasks():
            module = doc_examples.task_module(task) or ""
            short = module.rsplit(".", 1)[-1]
            args = task.get(module) if isinstance(task.get(module), dict) else {}
            if module.startswith("berth.platform.keycloak_") and isinstance(args.get("realm"), str):
                realms.add(args["realm"])
            for path in NAMESPACED.get(short, ()) if module.startswith("berth.platform.") else ():
                value = dotted(args, path)
                if isinstance(value, str) and "{{" not in value:
                    namespaces.add(value)
        wanted["keycloak_realms"] = sorted(realms)
        wanted["namespaces"] = sorted(namespaces | set(s["namespace"] for s in wanted.get("k8s_secrets", [])))
        return wanted

    # -- the play ----------------------------------------------------------------------------
    def plays(self, awx_spec):
        supplied = load(SUPPLIED_VARS, self.values)
        if self.block.kind == "vars":
            return [self.vars_play(supplied)]
        if self.block.kind == "awx":
            return [self.awx_play(awx_spec)]
        plays = self.data if self.block.kind == "playbook" else [{"hosts": "localhost", "tasks": self.data}]
        out, doc_tasks = [], iter(self.tasks())
        for number, play in enumerate(plays):
            play = dict(play)
            play.setdefault("gather_facts", False)
            play["name"] = "%s (play %d): %s" % (self.block.id, number + 1, play.get("name", ""))
            play["vars"] = dict(supplied, **(play.get("vars") or {}))
            tasks = [self.transform(doc, task) for doc, task in (next(doc_tasks) for _t in play.get("tasks") or [])]
            if number == 0 and self.block.id in SETUP_TASKS:
                tasks.insert(0, load(SETUP_TASKS[self.block.id], self.values))
            play["tasks"] = [self.guarded([t for ts in tasks for t in ts], last=number == len(plays) - 1)]
            out.append(play)
        return out

    def transform(self, doc_name, task):
        mode = TASKS.get((self.block.id, doc_name))
        check_only = [u for u in doc_examples.task_uses(task) if u in CHECK_ONLY]
        if mode is None and not check_only:
            return [task]
        mode = mode or Mode(CHECK_ONLY[check_only[0]], check=True)
        if mode.skip:
            return []
        task = dict(task)
        if mode.check or check_only:
            task["check_mode"] = True
        added = []
        if mode.fails or mode.then:
            register = task.setdefault("register", "doc_result")
        if mode.fails:
            task["ignore_errors"] = True
            added.append({"name": "Documented: %s" % mode.why[:60], "ansible.builtin.assert": {
                "that": ["%s is failed" % register, "%s.msg is search(%s)" % (register, json.dumps(re.escape(mode.fails)))],
                "fail_msg": "expected the documented failure %r, got {{ %s.msg | default('success') }}"
                            % (mode.fails, register)}})
        if mode.then:
            added.append({"name": "Documented: %s" % mode.why[:60], "ansible.builtin.assert": {
                "that": [substitute(t, self.values) for t in mode.then]}})
        return [task] + added

    def guarded(self, tasks, last):
        """The tasks in a block: a failure is recorded (example, task, message) and the next example
        runs; reaching the end records the example as done."""
        done = [{"name": "Example done", "ansible.builtin.set_fact": {
            "doc_done": "{{ doc_done | default([]) + [%s] }}" % json.dumps(self.block.id, ensure_ascii=False)}}] if last else []
        return {"name": self.block.id, "block": tasks + done, "rescue": [{
            "name": "Record the failure", "ansible.builtin.set_fact": {
                "doc_failures": "{{ doc_failures | default([]) + [{'example': %s, 'task': ansible_failed_task.name, "
                                "'msg': (ansible_failed_result.msg | default(ansible_failed_result)) | string}] }}"
                                % json.dumps(self.block.id, ensure_ascii=False)}}]}

    def vars_play(self, supplied):
        """A vars snippet: checked by the roles that read it (argument specs, the tenant role's own
        checks and its tenants plan), in check mode."""
        assert set(self.data) == {"berth_teams"}, "no check for %s" % sorted(self.data)
        kc_spec = "%s/roles/keycloak_oidc/meta/argument_specs.yml" % ROOT
        tasks = [
            {"name": "berth_teams against keycloak_oidc's argument spec (members, admins)",
             "ansible.builtin.validate_argument_spec": {
                 "argument_spec": "{{ {'keycloak_oidc_teams': (lookup('ansible.builtin.file', %s) | from_yaml)"
                                  ".argument_specs.main.options.keycloak_oidc_teams} }}" % json.dumps(kc_spec),
                 "provided_arguments": {"keycloak_oidc_teams": "{{ berth_teams }}"}}},
            {"name": "The tenant role with these teams: argument spec, checks, plan (check mode)",
             "ansible.builtin.include_role": {"name": "berth.platform.tenant"},
             "vars": {"berth_cluster_name": "doc-%s" % self.sfx}},
        ]
        return {"name": "%s (vars)" % self.block.id, "hosts": "localhost", "gather_facts": False,
                "check_mode": True, "vars": dict(supplied, **self.data), "tasks": [self.guarded(tasks, last=True)]}

    def awx_play(self, awx_spec):
        """An AWX definition: each awx.awx task's arguments (loop items included) validated against the
        installed awx.awx module's argument spec, and credential types' inputs and injectors checked."""
        tasks = []
        items = self.data if isinstance(self.data, list) else [
            {"name": "Credential type", "awx.awx.credential_type": self.data}]
        for task in items:
            module = doc_examples.task_module(task)
            keep = dict((k, v) for k, v in task.items() if k in ("loop", "loop_control", "vars", "when"))
            spec = awx_spec(module)
            tasks.append(dict(keep, name="%s: arguments of %s" % (task.get("name"), module),
                              **{"ansible.builtin.validate_argument_spec": {
                                  "argument_spec": spec, "provided_arguments": task[module]}}))
            if module.endswith(".credential_type"):
                args = task[module]
                tasks.append(dict(keep, name="%s: a credential type" % task.get("name"), **{"ansible.builtin.assert": {
                    "that": [
                        "(%s) is mapping" % self.jinja(args.get("inputs")),
                        "(%s).fields | map(attribute='id') | list | length > 0" % self.jinja(args.get("inputs")),
                        "(%s) is mapping" % self.jinja(args.get("injectors")),
                        "(%s).keys() | difference(['env', 'file', 'extra_vars']) | length == 0"
                        % self.jinja(args.get("injectors")),
                    ]}}))
        return {"name": "%s (awx)" % self.block.id, "hosts": "localhost", "gather_facts": False,
                "tasks": [self.guarded(tasks, last=True)]}

    @staticmethod
    def jinja(value):
        """A task argument as a Jinja expression (``"{{ x }}"`` -> ``x``, data -> its JSON)."""
        if isinstance(value, str):
            match = re.match(r"^\s*\{\{(.*)\}\}\s*$", value, re.S)
            if match:
                return match.group(1).strip()
        return json.dumps(value)


def awx_argument_spec(lab_env):
    """awx_spec(module) -> the installed module's options as an argument spec (ansible-doc -j)."""
    cache = {}

    def spec(module):
        if module not in cache:
            doc_bin = os.path.join(os.path.dirname(sys.executable), "ansible-doc")
            out = subprocess.run([doc_bin, "-j", "-t", "module", module], env=lab_env, capture_output=True,
                                 text=True, check=True).stdout
            options = json.loads(out)[module]["doc"]["options"]
            cache[module] = dict((name, dict((k, v) for k, v in opt.items()
                                             if k in ("type", "required", "choices", "elements", "aliases")))
                                 for name, opt in options.items())
        return cache[module]
    return spec


# -- the lab side: prerequisites and cleanup ---------------------------------------------------------
class Lab:
    """Makes the examples' prerequisites and removes everything named with the run's id."""

    def __init__(self, lab, run):
        self.lab, self.run = lab, run

    def east(self):
        from kubernetes import config
        return config.new_client_from_config(config_file=self.lab["K8S_EAST_KUBECONFIG"])

    def west(self):
        from kubernetes import config
        return config.new_client_from_config(config_file=self.lab["K8S_WEST_KUBECONFIG"])

    def keycloak(self, realm="master"):
        from keycloak import KeycloakAdmin
        admin = KeycloakAdmin(server_url=self.lab["KEYCLOAK_URL"] + "/", username=self.lab["KEYCLOAK_USERNAME"],
                              password=self.lab["KEYCLOAK_PASSWORD"], realm_name="master",
                              user_realm_name="master", verify=self.lab["KEYCLOAK_CA_PATH"])
        admin.change_current_realm(realm)
        return admin

    def harbor(self):
        from harbor_api import HarborApi
        return HarborApi(self.lab)

    def make(self, wanted, guard=None):
        """Create ``wanted`` (Example.prerequisites()). Names on shared servers must carry the run's
        id (a SUBSTITUTIONS rule), so cleanup finds them and nothing shared is touched; users,
        groups and flows in Keycloak live in the example's own realm."""
        from kubernetes import client
        shared = [n for k in ("namespaces", "keycloak_realms", "harbor_projects", "harbor_oidc_groups", "harbor_users")
                  for n in wanted.get(k, [])]
        unsuffixed = [n for n in shared if self.run not in n]
        assert not unsuffixed, "prerequisites without the run's suffix (add a SUBSTITUTIONS rule): %s" % unsuffixed
        core = client.CoreV1Api(self.east())
        for ns in wanted.get("namespaces", []):
            core.create_namespace({"metadata": {"name": ns, "labels": {"istio-injection": "enabled"}}})
        for secret in wanted.get("k8s_secrets", []):
            core.create_namespaced_secret(secret["namespace"], {"metadata": {"name": secret["name"]},
                                                                "stringData": {secret["key"]: "Pw%sA1" % secrets.token_hex(8)}})
        for realm in wanted.get("keycloak_realms", []):
            self.keycloak().create_realm({"realm": realm, "enabled": True})
        if any(wanted.get(k) for k in ("keycloak_users", "keycloak_groups", "keycloak_flows")):
            realms = wanted["keycloak_realms"]
            assert len(realms) == 1, "Keycloak prerequisites need exactly one realm, the examples name %s" % realms
            admin = self.keycloak(realms[0])
            for user in wanted.get("keycloak_users", []):
                admin.create_user({"username": user, "enabled": True, "email": user + "@example.com",
                                   "emailVerified": True, "firstName": "Doc", "lastName": "Example"})
            for group in wanted.get("keycloak_groups", []):
                admin.create_group({"name": group})
            for flow in wanted.get("keycloak_flows", []):
                admin.copy_authentication_flow(payload={"newName": flow}, flow_alias="browser")
        api = self.harbor()
        for project in wanted.get("harbor_projects", []):
            api.create_project(project)
        for group in wanted.get("harbor_oidc_groups", []):
            api.call("POST", "/usergroups", json={"group_name": group, "group_type": 3})
        for entry in wanted.get("harbor_users", []):
            match = re.match(r"^(\S+)(?: <(\S+)>)?$", entry)
            username, email = match.group(1), match.group(2) or match.group(1) + "@example.com"
            if guard is not None:
                guard.usernames.add(username)
            api.call("POST", "/users", json={"username": username, "email": email, "realname": "Doc Example",
                                             "password": "Pw%sA1" % secrets.token_hex(8)})

    def clean(self):
        """Everything whose name holds the run's id: Harbor projects (robots with them), system
        robots, users, user groups; Keycloak realms; namespaces on east and west (waited for)."""
        from kubernetes import client
        from lab_kube import delete_namespace
        api = self.harbor()
        errors = []

        def attempt(what, call, *args):
            try:
                call(*args)
            except Exception as exc:  # pylint: disable=broad-except
                errors.append("%s: %s" % (what, exc))

        for project in api.get("/projects", q="name=~" + self.run, page_size=100) or []:
            for robot in api.robots("Level=project,ProjectID=%d" % project["project_id"]):
                attempt("robot " + robot["name"], api.call, "DELETE", "/robots/%d" % robot["id"], (200, 404))
            attempt("project " + project["name"], api.delete_project, project["name"])
        for robot in api.robots("Level=system"):
            if self.run in robot["name"]:
                attempt("robot " + robot["name"], api.call, "DELETE", "/robots/%d" % robot["id"], (200, 404))
        for user in api.get("/users", q="username=~" + self.run, page_size=100) or []:
            attempt("user " + user["username"], api.call, "DELETE", "/users/%d" % user["user_id"], (200, 404))
        for group in api.get("/usergroups", page_size=100, group_name=self.run) or []:
            if self.run in group["group_name"]:
                attempt("group " + group["group_name"], api.call, "DELETE", "/usergroups/%d" % group["id"], (200, 404))
        admin = self.keycloak()
        for realm in admin.get_realms():
            if self.run in realm["realm"]:
                attempt("realm " + realm["realm"], admin.delete_realm, realm["realm"])
        jobs = []
        for cluster in (self.east(), self.west()):
            for ns in client.CoreV1Api(cluster).list_namespace().items:
                if self.run in ns.metadata.name:
                    jobs.append((cluster, ns.metadata.name))
        with ThreadPoolExecutor(8) as pool:
            for job, future in [(j, pool.submit(delete_namespace, *j)) for j in jobs]:
                attempt("namespace " + job[1], future.result)
        return errors


# -- running -----------------------------------------------------------------------------------------
def write_workdir(tmp_path):
    """The directory the playbook runs in, as the docs assume a project: ./chart and ./charts/web (a
    team chart), deploy/web.yaml, extensions/ (the collection's AWX credential types), an inventory
    with clusters east and west."""
    os.symlink(os.path.join(DATA, "chart"), str(tmp_path / "chart"))
    (tmp_path / "charts").mkdir()
    os.symlink(os.path.join(DATA, "chart"), str(tmp_path / "charts" / "web"))
    os.symlink(os.path.join(DATA, "deploy"), str(tmp_path / "deploy"))
    os.symlink(os.path.join(ROOT, "extensions"), str(tmp_path / "extensions"))
    local = {"ansible_connection": "local", "ansible_python_interpreter": sys.executable}
    inventory = {"all": {"hosts": {"localhost": local}, "children": {"clusters": {"hosts": {
        "east": dict(local, berth_teams=[{"name": "Team A"}, {"name": "Team B"}]),
        "west": dict(local, berth_teams=[{"name": "Team B"}, {"name": "Team C"}])}}}}}
    (tmp_path / "inventory.yml").write_text(yaml.safe_dump(inventory))


def run_examples(tmp_path, examples, awx_spec, playbook_bin, env):
    plays = [p for e in examples for p in e.plays(awx_spec)]
    results = tmp_path / "results.json"
    plays.append({"name": "Results", "hosts": "localhost", "gather_facts": False, "tasks": [
        {"name": "Write them", "ansible.builtin.copy": {
            "dest": str(results), "mode": "0600",
            "content": "{{ {'failures': doc_failures | default([]), 'done': doc_done | default([])} | to_json }}"}}]})
    playbook = tmp_path / "doc_examples.yml"
    playbook.write_text(yaml.safe_dump(plays, sort_keys=False, width=10000, allow_unicode=True))
    cmd = [playbook_bin, "-i", str(tmp_path / "inventory.yml"), str(playbook)]
    proc = subprocess.run(cmd, env=env, cwd=str(tmp_path), capture_output=True, text=True, check=False)
    (tmp_path / "output.txt").write_text(proc.stdout + proc.stderr)
    if not results.exists():
        return ["the examples' playbook did not finish (rc=%d), %s:\n%s\n%s"
                % (proc.returncode, playbook, proc.stdout[-6000:], proc.stderr[-3000:])]
    outcome = json.loads(results.read_text())
    problems = ["%s / %s: %s" % (f["example"], f["task"], f["msg"]) for f in outcome["failures"]]
    not_done = sorted(set(e.block.id for e in examples) - set(outcome["done"])
                      - set(f["example"] for f in outcome["failures"]))
    if not_done:
        problems.append("examples that did not run to the end: %s" % not_done)
    if problems:
        problems.insert(0, "playbook %s, its output in %s:" % (playbook, tmp_path / "output.txt"))
    return problems


def lab_values(lab):
    values = dict((k, v) for k, v in lab.items())
    values["ROOT"] = ROOT
    values.update(("SECRET:" + name, "Pw%sA1" % secrets.token_hex(10)) for name in
                  re.findall(r"<<SECRET:(\w+)>>", SUPPLIED_VARS))
    return values


def examples_for(partition, run, values):
    found, _problems = blocks()
    runnable = [b for b in found if b.kind and b.id not in NOT_RUNNABLE]
    return [e for e in (Example(b, i, run, values) for i, b in enumerate(runnable)) if e.partition == partition]


def run_partition(lab, workdir, partition, values, awx_spec, playbook_bin, env):
    """Prerequisites, one playbook, cleanup; the problems found. Each partition has its own run id
    (the suffixes' stem), so one partition's cleanup never touches the other's names."""
    from oidc_login import guarding_harbor, holding_authmode_lock
    run = "dx%s%s" % (uuid.uuid4().hex[:5], partition[0])
    examples = examples_for(partition, run, values)
    assert examples, partition
    workdir.mkdir()
    write_workdir(workdir)
    labside = Lab(lab, run)
    problems = []
    try:
        if partition == "harbor":
            with holding_authmode_lock(), guarding_harbor(lab) as guard:
                for e in examples:
                    labside.make(e.prerequisites(), guard)
                problems = run_examples(workdir, examples, awx_spec, playbook_bin, env)
                guard.usernames.update(u["username"] for u in labside.harbor().get(
                    "/users", q="username=~" + run, page_size=100) or [])
        else:
            for e in examples:
                labside.make(e.prerequisites())
            problems = run_examples(workdir, examples, awx_spec, playbook_bin, env)
    finally:
        leftovers = labside.clean()
    return problems + ["left on the lab after cleanup: %s" % leftovers] if leftovers else problems


@pytest.mark.slow
def test_doc_examples_run_against_the_lab(lab, tmp_path):
    """Each runnable example, substituted for the lab: none fails, documented failures fail as
    documented, and everything the examples made is removed. Two playbooks at once: the examples
    that use Harbor (under the auth-mode lock and the Harbor guard) and the others."""
    require(lab, "HARBOR_URL", "KEYCLOAK_URL", "K8S_EAST_KUBECONFIG", "K8S_WEST_KUBECONFIG", "HELM", "HARBOR_CHART")
    values = lab_values(lab)
    cmd, env = playbook_invocation(lab, "unused", env_overrides={"K8S_AUTH_KUBECONFIG": lab["K8S_EAST_KUBECONFIG"]})
    env["PATH"] = os.path.dirname(lab["HELM"]) + os.pathsep + env.get("PATH", "")
    awx_spec = awx_argument_spec(env)
    with ThreadPoolExecutor(2) as pool:
        futures = [pool.submit(run_partition, lab, tmp_path / partition, partition, values, awx_spec, cmd[0], env)
                   for partition in ("harbor", "other")]
        problems = [p for f in futures for p in f.result()]
    if problems:
        pytest.fail("\n".join(["documentation examples that fail against the lab:"] + problems), pytrace=False)
