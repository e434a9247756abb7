"""The bad-input matrix (issue 14): invalid names, unknown enums, wrong types, missing required
combinations, unreachable hosts, TLS failures, wrong credentials and non-existent parents, over every
module and the roles, against the lab's real Harbor, Keycloak and east kube-apiserver.

Each case must fail with one clear message that names the option (or the host or credential
problem) and says how to fix it, and must write nothing: the servers are read back before and after
with the admin credentials of lab.env. Every name a case uses contains ``badin`` so that a
half-written object shows. No message shows a password, neither the lab's nor a wrong one.
A case that is known to fail the rule is a strict xfail naming the defect.

One play runs every case (playbooks/bad_input_cases.yml: one looping task per module, one
block/rescue per role case), so the whole matrix costs one ansible-playbook start; the module
cases are dealt to SHARDS local inventory hosts that run side by side (strategy free).
"""

import json
import os
import uuid

import pytest
from kubernetes import client, config

from conftest import require
from harbor_api import HarborApi

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
POLICIES = os.path.join(ROOT, "roles", "policy", "files")
DEAD_URL = "http://127.0.0.1:9"  # the discard port: nothing listens on it
PREFIX = "badin-"
SHARDS = 3  # plays side by side: the module runs are CPU-bound, and the lab host has few CPUs

# Placeholders in the case arguments, filled in from the lab when the play runs.
KUBE = {"kubeconfig": "<kubeconfig>"}
BAD_TOKEN_KUBE = {"host": "<k8s_url>", "api_key": "<wrong_password>", "ca_cert": "<lab_ca>"}
NO_CA_KUBE = {"host": "<k8s_url>", "api_key": "<wrong_password>"}
DEAD_KUBE = {"host": DEAD_URL, "api_key": "<wrong_password>"}
PULL_SECRET = dict(KUBE, name="badin-pull", namespace="default", registry="registry.example.com",
                   username="robot$badin+pull", password="<wrong_password>", service_accounts=[])
VS = dict(KUBE, name="badin-vs", namespace="default", hosts=["badin.example.com"], http=[{"route": [{"host": "badin"}]}])
SECURITY = dict(KUBE, namespace="default", name="badin-harbor", harbor_host="badin.example.com",
                gateway={"tls_credential_name": "badin-tls"})
IDP = {"realm": "master", "alias": "badin-idp", "client_id": "badin-idp", "client_secret": "<wrong_password>",
       "authorization_url": "https://idp.example.com/auth", "token_url": "https://idp.example.com/token"}
ROBOT = {"project": "<project>", "name": "badin-pull", "access": "pull"}
MEMBER = {"project": "<project>", "group": "badin-group", "group_type": "oidc", "role": "developer"}
TENANTS = dict(KUBE, cluster="badin", teams=[{"name": "badin-team"}])
POLICY = {"policy_dir": POLICIES, "opa_binary": "<opa>", "constraints": [],
          "manifests": [{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "badin-cm"}}]}

TLS_FIX = ["TLS verification failed", "ca_path", "validate_certs"]
K8S_TLS_FIX = ["TLS verification failed", "ca_cert", "validate_certs"]
# ansible-core's _list_no_log_values() converts each string element of a list of dicts that has
# suboptions with check_type_dict() before the type checks, and its TypeError reaches the user alone.
CORE_SUBSPEC = ("ansible-core: a string where a list of dicts with suboptions is wanted fails with only "
                "'dictionary requested, could not parse JSON or key=value', naming no option")
UNREACHABLE = ["cannot reach", "127.0.0.1:9", "check the URL"]
KC_UNREACHABLE = ["cannot reach", "127.0.0.1:9", "check auth_keycloak_url"]
K8S_UNREACHABLE = ["cannot reach the API server", "127.0.0.1", "check", "kubeconfig"]
MISSING_NS = ["namespace", "badin-missing-ns", "not found", "create namespace badin-missing-ns first"]

# Known defects (issue 14 report): each such case is a strict xfail, so fixing the module turns it
# into a failure here until the mark is removed.
# What the xfail cases above write: {case id: (snapshot key, name)}; removed after the run.
KNOWN_WRITES = {}


def case(case_id, category, module, args, expected, xfail=None):
    marks = [pytest.mark.xfail(strict=True, reason=xfail)] if xfail else []
    return pytest.param(case_id, category, module, args, expected, id=case_id, marks=marks)


MODULE_CASES = [
    # -- invalid names ---------------------------------------------------------------------------
    case("harbor-project-name-upper", "invalid name", "harbor_project", {"name": "Badin_Project"},
         ["name", "Badin_Project", "lower-case"]),
    case("harbor-robot-name-upper", "invalid name", "harbor_robot", dict(ROBOT, name="Badin-Pull"),
         ["invalid robot name", "Badin-Pull"]),
    case("harbor-user-name-illegal", "invalid name", "harbor_user",
         {"username": "badin#user", "email": "badin-user@example.com", "password": "<wrong_password>"},
         ["username", "must not contain", "#"]),
    case("keycloak-realm-name-slash", "invalid name", "keycloak_realm", {"realm": "badin/realm"},
         ["realm 'badin/realm'"]),
    case("keycloak-group-name-slash", "invalid name", "keycloak_group", {"realm": "master", "name": "badin/group"},
         ["name", "badin/group", "parent"]),
    case("keycloak-idp-alias-space", "invalid name", "keycloak_identity_provider", dict(IDP, alias="badin idp"),
         ["alias", "badin idp"]),
    case("pull-secret-name-upper", "invalid name", "registry_pull_secret", dict(PULL_SECRET, name="Badin_Pull"),
         ["name", "Badin_Pull", "RFC 1123"]),
    case("istio-vs-name-upper", "invalid name", "istio_vs", dict(VS, name="Badin_VS"),
         ["name", "Badin_VS", "RFC 1123"]),
    case("chart-secrets-name-upper", "invalid name", "harbor_chart_secrets",
         dict(KUBE, namespace="default", name="Badin_Secrets"), ["name", "Badin_Secrets", "RFC 1123"]),
    case("keycloak-client-redirect-uri", "invalid name", "keycloak_client",
         {"realm": "master", "client_id": "badin-client", "redirect_uris": ["not a uri"]},
         ["redirect URI 'not a uri'", "whitespace"]),
    # -- unknown enums ---------------------------------------------------------------------------
    case("harbor-project-severity", "unknown enum", "harbor_project", {"name": "badin-enum", "severity": "extreme"},
         ["severity", "must be one of", "critical", "extreme"]),
    case("harbor-robot-access", "unknown enum", "harbor_robot", dict(ROBOT, access="admin"),
         ["access", "must be one of", "pull, push"]),
    case("harbor-robot-permission-action", "unknown enum", "harbor_robot",
         {"project": "<project>", "name": "badin-pull",
          "permissions": [{"namespace": "<project>", "access": [{"resource": "repository", "action": "fly"}]}]},
         ["permission", "repository:fly"]),
    case("harbor-config-auth-mode", "unknown enum", "harbor_config", {"auth_mode": "kerberos"},
         ["auth_mode", "must be one of", "oidc_auth"]),
    case("harbor-member-role", "unknown enum", "harbor_project_member", dict(MEMBER, role="owner"),
         ["role", "owner", "developer"]),
    case("harbor-member-group-type", "unknown enum", "harbor_project_member", dict(MEMBER, group_type="saml"),
         ["group_type", "must be one of", "oidc"]),
    case("keycloak-realm-ssl-required", "unknown enum", "keycloak_realm",
         {"realm": "badin-realm", "ssl_required": "sometimes"}, ["ssl_required", "must be one of", "external"]),
    case("keycloak-idp-sync-mode", "unknown enum", "keycloak_identity_provider", dict(IDP, sync_mode="NEVER"),
         ["sync_mode", "must be one of", "IMPORT"]),
    case("keycloak-client-mapper-type", "unknown enum", "keycloak_client",
         {"realm": "master", "client_id": "badin-client",
          "protocol_mappers": [{"name": "badin", "protocol_mapper": "oidc-badin-mapper"}]},
         ["unknown type", "oidc-badin-mapper"]),
    case("istio-vs-api-version", "unknown enum", "istio_vs", dict(VS, api_version="v2"),
         ["api_version", "must be one of", "v1beta1"]),
    case("istio-security-mtls-mode", "unknown enum", "istio_harbor_security", dict(SECURITY, mtls_mode="DISABLE"),
         ["mtls_mode", "must be one of", "STRICT"]),
    case("pull-secret-type", "unknown enum", "registry_pull_secret", dict(PULL_SECRET, secret_type="opaque"),
         ["secret_type", "must be one of", "dockerconfigjson"]),
    case("tenants-team-state", "unknown enum", "tenants", dict(TENANTS, teams=[{"name": "badin-team", "state": "gone"}]),
         ["state", "must be one of", "absent", "teams"]),
    case("harbor-robot-info-level", "unknown enum", "harbor_robot_info", {"level": "global"},
         ["level", "must be one of", "project, system"]),
    # -- wrong types -----------------------------------------------------------------------------
    case("harbor-project-public-not-bool", "wrong type", "harbor_project", {"name": "badin-type", "public": "maybe"},
         ["public", "bool", "maybe"]),
    case("harbor-robot-duration-not-int", "wrong type", "harbor_robot", dict(ROBOT, duration="forever"),
         ["duration", "int", "forever"]),
    case("harbor-project-info-members-not-bool", "wrong type", "harbor_project_info",
         {"name": "<project>", "members": "lots"}, ["members", "bool", "lots"]),
    case("harbor-robot-info-days-not-int", "wrong type", "harbor_robot_info",
         {"project": "<project>", "expiring_within_days": "soon"}, ["expiring_within_days", "int", "soon"]),
    case("keycloak-realm-lifespan-not-int", "wrong type", "keycloak_realm",
         {"realm": "badin-realm", "access_token_lifespan": "an hour"}, ["access_token_lifespan", "int"]),
    case("keycloak-client-mappers-not-dicts", "wrong type", "keycloak_client",
         {"realm": "master", "client_id": "badin-client", "protocol_mappers": ["groups"]},
         ["protocol_mappers", "dict"], xfail=CORE_SUBSPEC),
    case("keycloak-group-info-subgroups-not-bool", "wrong type", "keycloak_group_info",
         {"realm": "master", "subgroups": "perhaps"}, ["subgroups", "bool", "perhaps"]),
    case("istio-vs-http-not-dicts", "wrong type", "istio_vs", dict(VS, http="route"), ["http", "dict"], xfail=CORE_SUBSPEC),
    case("istio-port-names-fix-not-bool", "wrong type", "istio_port_names",
         dict(KUBE, namespace="default", fix="sometimes"), ["fix", "bool", "sometimes"]),
    case("tenants-concurrency-not-int", "wrong type", "tenants", dict(TENANTS, concurrency="many"),
         ["concurrency", "int", "many"]),
    case("policy-check-fail-on-violation-not-bool", "wrong type", "policy_check", dict(POLICY, fail_on_violation="sometimes"),
         ["fail_on_violation", "bool", "sometimes"]),
    case("keycloak-client-info-timeout-not-int", "wrong type", "keycloak_client_info",
         {"realm": "master", "connection_timeout": "slow"}, ["connection_timeout", "int", "slow"]),
    # -- missing required combinations -----------------------------------------------------------
    case("harbor-robot-access-and-permissions", "missing combination", "harbor_robot",
         dict(ROBOT, permissions=[{"namespace": "<project>", "access": [{"resource": "repository", "action": "pull"}]}]),
         ["access", "permissions", "mutually exclusive"]),
    case("harbor-robot-secret-and-rotate", "missing combination", "harbor_robot",
         dict(ROBOT, secret="Badin-Secret-1", rotate="always"), ["secret", "rotate", "exclude each other"]),
    case("harbor-robot-project-level-without-project", "missing combination", "harbor_robot",
         {"name": "badin-pull", "access": "pull", "level": "project"}, ["project"]),
    case("harbor-member-neither-user-nor-group", "missing combination", "harbor_project_member",
         {"project": "<project>", "role": "developer"}, ["username", "group"]),
    case("harbor-member-without-role", "missing combination", "harbor_project_member",
         {"project": "<project>", "group": "badin-group", "group_type": "oidc"}, ["role", "state"]),
    case("harbor-user-without-email", "missing combination", "harbor_user",
         {"username": "badin-user", "password": "<wrong_password>"}, ["email"]),
    case("keycloak-idp-without-endpoints", "missing combination", "keycloak_identity_provider",
         {"realm": "master", "alias": "badin-idp", "client_id": "badin-idp"},
         ["discovery_url", "authorization_url"]),
    case("tenants-team-without-name", "missing combination", "tenants", dict(TENANTS, teams=[{"display_name": "Badin"}]),
         ["missing required arguments", "name", "teams"]),
    case("tenants-robot-not-a-dict", "wrong type", "tenants", dict(TENANTS, teams=[{"name": "badin-team", "robots": {"pull": "yes"}}]),
         ["teams[0] (badin-team)", "robots.pull must be a dict", "enabled: false"]),
    case("keycloak-group-without-name", "missing combination", "keycloak_group", {"realm": "master"},
         ["missing required arguments", "name"]),
    case("pull-secret-without-registry", "missing combination", "registry_pull_secret",
         dict((k, v) for k, v in PULL_SECRET.items() if k != "registry"), ["registry", "state"]),
    case("policy-check-constraint-without-kind", "missing combination", "policy_check",
         dict(POLICY, constraints=[{"name": "badin"}]), ["missing required arguments", "kind", "constraints"]),
    case("harbor-config-always-without-secret", "missing combination", "harbor_config",
         {"update_client_secret": "always", "oidc": {"name": "kc", "endpoint": "https://sso.example.com/realms/x",
                                                     "client_id": "harbor"}},
         ["update_client_secret: always needs oidc.client_secret"]),
    case("harbor-robot-rotate-before-days-without-before-expiry", "missing combination", "harbor_robot",
         dict(ROBOT, rotate_before_days=3), ["rotate_before_days", "only with rotate: before_expiry", "rotate is never"]),
    case("policy-check-no-manifests", "missing combination", "policy_check", dict(POLICY, manifests=[]),
         ["no manifests to check", "manifests", "manifest_text", "manifest_files"]),
    # -- unreachable hosts -----------------------------------------------------------------------
    case("harbor-project-unreachable", "unreachable host", "harbor_project",
         {"name": "badin-dead", "harbor_url": DEAD_URL, "timeout": 5}, UNREACHABLE),
    case("harbor-robot-info-unreachable", "unreachable host", "harbor_robot_info",
         {"project": "<project>", "harbor_url": DEAD_URL, "timeout": 5}, UNREACHABLE),
    case("keycloak-realm-unreachable", "unreachable host", "keycloak_realm",
         {"realm": "badin-dead", "auth_keycloak_url": DEAD_URL, "connection_timeout": 5}, KC_UNREACHABLE),
    case("keycloak-client-info-unreachable", "unreachable host", "keycloak_client_info",
         {"realm": "master", "auth_keycloak_url": DEAD_URL, "connection_timeout": 5}, KC_UNREACHABLE),
    case("pull-secret-unreachable", "unreachable host", "registry_pull_secret",
         dict(PULL_SECRET, kubeconfig=None, **DEAD_KUBE), K8S_UNREACHABLE),
    case("istio-port-names-unreachable", "unreachable host", "istio_port_names",
         dict(DEAD_KUBE, namespace="default", fix=True), K8S_UNREACHABLE),
    # -- TLS failures ----------------------------------------------------------------------------
    case("harbor-robot-no-ca", "TLS failure", "harbor_robot", dict(ROBOT, ca_path=""), TLS_FIX),
    case("harbor-project-info-no-ca", "TLS failure", "harbor_project_info", {"name": "<project>", "ca_path": ""},
         TLS_FIX),
    case("keycloak-group-no-ca", "TLS failure", "keycloak_group", {"realm": "master", "name": "badin-group",
                                                                   "ca_path": ""}, TLS_FIX),
    case("istio-vs-no-ca", "TLS failure", "istio_vs", dict(VS, kubeconfig=None, **NO_CA_KUBE), K8S_TLS_FIX),
    # -- wrong credentials -----------------------------------------------------------------------
    # Not the admin: Harbor refuses a user for 1.5 s after a failed login, which would fail the other cases.
    case("harbor-project-wrong-password", "wrong credentials", "harbor_project",
         {"name": "badin-creds", "harbor_username": "badin-nobody", "harbor_password": "<wrong_password>"},
         ["401", "harbor_username/harbor_password"]),
    case("harbor-robot-wrong-robot-secret", "wrong credentials", "harbor_robot",
         dict(ROBOT, harbor_username="robot$badin-automation", harbor_password="<wrong_password>"),
         ["401", "harbor_username/harbor_password", "robot$"]),
    case("keycloak-realm-wrong-password", "wrong credentials", "keycloak_realm",
         {"realm": "badin-creds", "auth_password": "<wrong_password>"}, ["Invalid user credentials", "auth_password"]),
    case("keycloak-idp-wrong-password", "wrong credentials", "keycloak_identity_provider",
         dict(IDP, auth_password="<wrong_password>"), ["Invalid user credentials", "auth_password"]),
    case("pull-secret-bad-token", "wrong credentials", "registry_pull_secret",
         dict(PULL_SECRET, kubeconfig=None, **BAD_TOKEN_KUBE), ["401 Unauthorized", "api_key", "kubeconfig"]),
    case("istio-security-bad-token", "wrong credentials", "istio_harbor_security",
         dict(SECURITY, kubeconfig=None, **BAD_TOKEN_KUBE), ["401 Unauthorized", "api_key", "kubeconfig"]),
    # -- non-existent parents --------------------------------------------------------------------
    case("harbor-member-missing-project", "missing parent", "harbor_project_member",
         dict(MEMBER, project="badin-missing-project"), ["project", "badin-missing-project", "not found"]),
    case("harbor-robot-missing-project", "missing parent", "harbor_robot", dict(ROBOT, project="badin-missing-project"),
         ["project badin-missing-project not found"]),
    case("keycloak-group-missing-realm", "missing parent", "keycloak_group",
         {"realm": "badin-missing-realm", "name": "badin-group"}, ["Realm not found", "check that the realm exists"]),
    case("keycloak-group-missing-parent", "missing parent", "keycloak_group",
         {"realm": "master", "name": "badin-group", "parent": "/badin-missing-parent"},
         ["parent", "/badin-missing-parent"]),
    case("keycloak-client-missing-realm", "missing parent", "keycloak_client",
         {"realm": "badin-missing-realm", "client_id": "badin-client"}, ["Realm not found", "check that the realm exists"]),
    case("keycloak-idp-missing-realm", "missing parent", "keycloak_identity_provider",
         dict(IDP, realm="badin-missing-realm"), ["Realm not found", "check that the realm exists"]),
    case("keycloak-group-info-missing-realm", "missing parent", "keycloak_group_info",
         {"realm": "badin-missing-realm"}, ["Realm not found", "check that the realm exists"]),
    case("pull-secret-missing-namespace", "missing parent", "registry_pull_secret",
         dict(PULL_SECRET, namespace="badin-missing-ns"), MISSING_NS),
    case("istio-vs-missing-namespace", "missing parent", "istio_vs", dict(VS, namespace="badin-missing-ns"), MISSING_NS),
    case("chart-secrets-missing-namespace", "missing parent", "harbor_chart_secrets",
         dict(KUBE, namespace="badin-missing-ns", name="badin-secrets"), MISSING_NS),
    case("policy-check-missing-policy-dir", "missing parent", "policy_check", dict(POLICY, policy_dir="/nonexistent/badin-policies"),
         ["policy_dir", "/nonexistent/badin-policies", "not a directory"]),
]

ROLE_CASES = [
    case("role-tenant-teams-not-list", "wrong type", "role tenant", None, ["tenant_teams", "list"]),
    case("role-tenant-duplicate-team", "invalid name", "role tenant", None, ["tenant_teams", "normalization"]),
    case("role-tenant-unknown-robot", "unknown enum", "role tenant", None, ["robots", "pull and push"]),
    case("role-tenant-robot-not-a-dict", "wrong type", "role tenant", None, ["badin-team", "robots", "enabled (true or false)"]),
    case("role-keycloak-oidc-harbor-url-path", "invalid name", "role keycloak_oidc", None,
         ["keycloak_oidc_harbor_url", "no path"]),
    case("role-keycloak-oidc-teams-not-list", "wrong type", "role keycloak_oidc", None, ["keycloak_oidc_teams", "list"]),
    case("role-harbor-oidc-update-client-secret", "unknown enum", "role harbor_oidc", None,
         ["harbor_oidc_update_client_secret", "must be one of", "on_create"]),
    case("role-harbor-oidc-robot-duration", "wrong type", "role harbor_oidc", None,
         ["harbor_oidc_robot_duration", "int", "forever"]),
    case("role-harbor-external-url-slash", "invalid name", "role harbor", None,
         ["harbor_external_url", "no trailing slash"]),
    case("role-harbor-no-admin-password", "missing combination", "role harbor", None,
         ["harbor_admin_password", "harbor_admin_password_secret"]),
    case("role-istio-harbor-other-host", "invalid name", "role istio_harbor", None,
         ["istio_harbor_external_url", "harbor_external_url", "same host"]),
    case("role-istio-harbor-mtls-mode", "unknown enum", "role istio_harbor", None,
         ["istio_harbor_mtls_mode", "must be one of", "STRICT"]),
    case("role-policy-enforcement-action", "unknown enum", "role policy", None,
         ["policy_enforcement_action", "must be one of", "deny"]),
]

ALL_CASES = MODULE_CASES + ROLE_CASES


def fill(value, ctx):
    """``value`` with the ``<key>`` placeholders replaced from ``ctx``; None values dropped from dicts."""
    if isinstance(value, dict):
        return dict((k, fill(v, ctx)) for k, v in value.items() if v is not None)
    if isinstance(value, list):
        return [fill(v, ctx) for v in value]
    if isinstance(value, str):
        for key, replacement in ctx.items():
            value = value.replace("<%s>" % key, replacement)
    return value


def message_of(result):
    """The message a user sees: a looping task's (a role's assert per item) is its failed items' messages."""
    messages = [result.get("msg", "")] + [r.get("msg", "") for r in result.get("results", []) if r.get("failed")]
    return " ".join(m for m in messages if m and m != "One or more items failed")


def ours(names):
    """The names this test uses (what a case could have half-written), sorted."""
    return sorted(n for n in names if "badin" in n.lower())


def all_pages(harbor, path, key="name", **params):
    found, page = [], 1
    while True:
        batch = harbor.get(path, page=page, page_size=100, **params) or []
        found += [item[key] for item in batch]
        if len(batch) < 100:
            return found
        page += 1


def snapshot(harbor, kc_admin, core, custom):
    """What the cases could have written, read with the lab's admin credentials. Lists are narrowed
    to the names this test uses, so tests running on the lab at the same time do not disturb the
    comparison; the shared settings a case could change are compared whole."""
    settings = harbor.get("/configurations")
    kc_admin.change_current_realm("master")
    default_sa = core.read_namespaced_service_account("default", "default")
    return {
        "harbor projects": ours(all_pages(harbor, "/projects")),
        "harbor robots": ours(all_pages(harbor, "/robots")),
        "harbor users": ours(all_pages(harbor, "/users/search", key="username", username="badin")),
        "harbor settings": dict((k, settings[k]["value"]) for k in (
            "auth_mode", "project_creation_restriction", "read_only", "self_registration", "robot_token_duration")),
        "keycloak realms": ours(r["realm"] for r in kc_admin.get_realms()),
        "keycloak master groups": ours(g["name"] for g in kc_admin.get_groups()),
        "keycloak master clients": ours(c["clientId"] for c in kc_admin.get_clients()),
        "keycloak master identity providers": ours(i["alias"] for i in kc_admin.get_idps()),
        "namespaces": ours(n.metadata.name for n in core.list_namespace().items),
        "secrets in default": ours(n.metadata.name for n in core.list_namespaced_secret("default").items),
        "default service account pull secrets": [s.name for s in default_sa.image_pull_secrets or []],
        "services in default": sorted((s.metadata.name, [(p.name, p.app_protocol) for p in s.spec.ports])
                                      for s in core.list_namespaced_service("default").items),
        "virtual services in default": ours(v["metadata"]["name"] for v in custom.list_namespaced_custom_object(
            "networking.istio.io", "v1", "default", "virtualservices")["items"]),
    }


def clean_up(harbor, kc_admin, core, custom, before, after):
    """Remove what a case wrongly wrote (known defects, or a regression), so no run leaves it behind."""
    def new(key):
        return [n for n in after[key] if n not in before[key]]

    for name in new("harbor projects"):
        harbor.delete_project(name)
    for user in harbor.get("/users/search", username="badin") or []:
        if user["username"] in new("harbor users"):
            harbor.call("DELETE", "/users/%d" % user["user_id"], expect=(200, 404))
    kc_admin.change_current_realm("master")
    for group in kc_admin.get_groups():
        if group["name"] in new("keycloak master groups"):
            kc_admin.delete_group(group["id"])
    for client_id in new("keycloak master clients"):
        kc_admin.delete_client(kc_admin.get_client_id(client_id))
    for alias in new("keycloak master identity providers"):
        kc_admin.delete_idp(alias)
    for realm in new("keycloak realms"):
        kc_admin.delete_realm(realm)
    for name in new("secrets in default"):
        core.delete_namespaced_secret(name, "default")
    for name in new("virtual services in default"):
        custom.delete_namespaced_custom_object("networking.istio.io", "v1", "default", "virtualservices", name)


@pytest.fixture(scope="module")
def matrix(lab, run_playbook, kc_admin, tmp_path_factory):
    """Runs every case once: (results by case id, snapshot before, snapshot after, passwords, play output)."""
    k8s_url, kubeconfig, lab_ca, opa = require(lab, "K8S_EAST_URL", "K8S_EAST_KUBECONFIG", "LAB_CA", "OPA_BINARY")
    harbor = HarborApi(lab)
    api = config.new_client_from_config(config_file=kubeconfig)
    core, custom = client.CoreV1Api(api), client.CustomObjectsApi(api)
    wrong_password = "Badin-Wrong-1" + uuid.uuid4().hex
    project = harbor.create_project(PREFIX + uuid.uuid4().hex[:8])
    ctx = {"project": project, "kubeconfig": kubeconfig, "k8s_url": k8s_url, "lab_ca": lab_ca, "opa": opa,
           "wrong_password": wrong_password}
    # The cases are dealt to SHARDS inventory hosts (all local) that the play runs side by side.
    hosts = ["localhost"] + ["shard-%d" % n for n in range(2, SHARDS + 1)]
    cases = dict((host, {}) for host in hosts)
    for number, param in enumerate(MODULE_CASES):
        case_id, category, module, args, dummy = param.values
        cases[hosts[number % SHARDS]].setdefault(module, []).append(
            {"id": case_id, "args": fill(args, ctx), "background": category == "unreachable host"})
    work = tmp_path_factory.mktemp("bad-input")
    out, extra = work / "results", work / "cases.json"
    out.mkdir()
    extra.write_text(json.dumps({"cases": cases, "out": str(out), "wrong_url": DEAD_URL}))
    before = after = None
    try:
        before = snapshot(harbor, kc_admin, core, custom)
        # The Kubernetes cases name their connection; none comes from the environment.
        proc = run_playbook("bad_input_cases", extra_args=["-i", ",".join(hosts[1:]) + ",", "-e", "@%s" % extra],
                            env_overrides=dict((k, None) for k in os.environ if k.startswith("K8S_AUTH_")))
        after = snapshot(harbor, kc_admin, core, custom)
        by_id = {}
        for host in hosts:
            results = json.loads((out / (host + ".json")).read_text())
            by_id.update((r["item"]["id"], r) for r in results["modules"] if "ansible_job_id" not in r)
            by_id.update((r["item"]["item"]["id"], r) for r in results["background"])
            by_id.update(results["roles"])
        passwords = [p for p in (wrong_password, lab.get("HARBOR_PASSWORD"), lab.get("KEYCLOAK_PASSWORD")) if p]
        yield by_id, before, after, passwords, proc.stdout
    finally:
        if before is not None:
            clean_up(harbor, kc_admin, core, custom, before, after or snapshot(harbor, kc_admin, core, custom))
        harbor.delete_project(project)


def test_matrix_covers_every_module_role_and_category():
    modules = set(name[:-3] for name in os.listdir(os.path.join(ROOT, "plugins", "modules")) if name.endswith(".py"))
    roles = set(os.listdir(os.path.join(ROOT, "roles")))
    covered = set(p.values[2] for p in ALL_CASES)
    assert modules - covered == set()
    assert roles - set(m.split(" ", 1)[1] for m in covered if m.startswith("role ")) == set()
    ids = [p.values[0] for p in ALL_CASES]
    assert len(ids) == len(set(ids)) and len(ids) >= 40
    categories = dict()
    for param in ALL_CASES:
        categories[param.values[1]] = categories.get(param.values[1], 0) + 1
    assert sorted(categories) == sorted(["invalid name", "unknown enum", "wrong type", "missing combination",
                                         "unreachable host", "TLS failure", "wrong credentials", "missing parent"])
    assert min(categories.values()) >= 3, categories
    assert len([p for p in ALL_CASES if p.values[2].startswith("role ")]) >= 3


@pytest.mark.parametrize("case_id, category, module, args, expected", ALL_CASES)
def test_case_fails_with_one_clear_message(matrix, case_id, category, module, args, expected):  # pylint: disable=unused-argument
    results = matrix[0]
    assert case_id in results, "%s (%s) did not fail" % (case_id, module)
    result = results[case_id]
    message = message_of(result)
    assert result.get("failed"), "%s did not fail: %s" % (case_id, json.dumps(result)[:1000])
    assert not result.get("changed"), "%s reports a change: %s" % (case_id, message)
    missing = [e for e in expected if e not in message]
    assert missing == [], "%s: %r lacks %s" % (case_id, message, missing)
    assert "Traceback" not in message


def test_no_message_shows_a_password(matrix):
    results, dummy, dummy, passwords, stdout = matrix
    for case_id, result in results.items():
        # The case's own arguments (``item``) hold the wrong password, of course; ``invocation`` must not.
        shown = json.dumps(dict((k, v) for k, v in result.items() if k != "item"))
        assert [p for p in passwords if p in shown] == [], case_id
    # The lab's admin passwords come from the environment: they are nowhere in the play's output.
    assert [p for p in passwords[1:] if p in stdout] == []


def test_servers_unchanged(matrix):
    dummy, before, after, dummy, dummy = matrix
    expected = dict(before)
    for key, name in KNOWN_WRITES.values():
        expected[key] = sorted(set(expected[key] + [name]))
    changed = dict((key, {"before": before[key], "after": after[key]}) for key in before if after[key] != expected[key])
    assert changed == {}
