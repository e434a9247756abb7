"""validate_certs defaults to true in every module that talks to a server over TLS, against the lab's
real harbor-core, Keycloak and east kube-apiserver, whose certificates the lab's own CA signed.

Without a CA (no ca_path, no HARBOR_CA_PATH/KEYCLOAK_CA_PATH; for Kubernetes a kubeconfig without
certificate-authority-data, or host + api_key without ca_cert) and without validate_certs, each
module fails with one message that names the TLS problem and the option that fixes it, and writes
nothing (read back here). With the CA the same call works (check mode, or a read).
keycloak_identity_provider also reads an OpenID discovery document itself: that request must verify
too (a certificate ca_path did not sign fails).

One play covers every module (playbooks/tls_every_module.yml); a static test checks that it has both
calls for each module in plugins/modules/, so a new module cannot go untested.
policy_check is not covered: it talks to no server (it runs the opa binary on the controller).
"""

import os
import subprocess
import uuid

import pytest
import requests
import yaml
from kubernetes import client, config

from conftest import PLAYBOOKS, require, without_env
from fault_proxy import FaultProxy
from harbor_api import HarborApi
from harbor_fixtures import create_group, project  # noqa: F401  pylint: disable=unused-import
from lab_kube import create_namespace, delete_namespace

MODULES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "plugins", "modules")
NO_SERVER = {"policy_check"}
SERVICE = "web"  # its port name means nothing to Istio, so istio_port_names would fix it


def tls_modules():
    """Every module of plugins/modules/ but those that talk to no server."""
    return set(name[:-3] for name in os.listdir(MODULES)
               if name.endswith(".py") and not name.startswith("_")) - NO_SERVER


def calls(prefix):
    """{module: FQCN used} for the tasks of tls_every_module.yml registered as ``<prefix><module>``."""
    with open(os.path.join(PLAYBOOKS, "tls_every_module.yml")) as handle:
        tasks = yaml.safe_load(handle)[0]["tasks"]
    found = {}
    for task in tasks:
        register = task.get("register", "")
        if register.startswith(prefix):
            found[register[len(prefix):]] = [key for key in task if key.startswith("berth.platform.")]
    return found


def test_play_calls_every_module_without_and_with_the_ca():
    expected = dict((name, ["berth.platform." + name]) for name in tls_modules())
    assert calls("no_ca_") == expected
    assert calls("ca_") == expected


def kubeconfig_without_ca(kubeconfig, path):
    """A copy of ``kubeconfig`` whose clusters name no CA: the client falls back to its default trust."""
    with open(kubeconfig) as handle:
        kube = yaml.safe_load(handle)
    for cluster in kube["clusters"]:
        for key in ("certificate-authority-data", "certificate-authority", "insecure-skip-tls-verify"):
            cluster["cluster"].pop(key, None)
    path.write_text(yaml.safe_dump(kube))
    return str(path)


@pytest.fixture
def untrusted_keycloak(lab, tmp_path):
    """Keycloak behind a TLS proxy whose certificate (valid for 127.0.0.1) the lab CA did not sign."""
    url, ca = require(lab, "KEYCLOAK_URL", "KEYCLOAK_CA_PATH")
    key, cert = tmp_path / "untrusted.key", tmp_path / "untrusted.crt"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    with FaultProxy(url, str(cert), str(key), ca) as proxy:
        yield proxy


@pytest.fixture
def k8s_namespace(lab):
    """A namespace of the test's own with one Service, on the east cluster; gone afterwards."""
    (kubeconfig,) = require(lab, "K8S_EAST_KUBECONFIG")
    api = config.new_client_from_config(config_file=kubeconfig)
    name = "it-tls-" + uuid.uuid4().hex[:8]
    create_namespace(api, name)
    try:
        client.CoreV1Api(api).create_namespaced_service(name, client.V1Service(
            metadata=client.V1ObjectMeta(name=SERVICE),
            spec=client.V1ServiceSpec(ports=[client.V1ServicePort(name="web", port=8080)])))
        yield api, name
    finally:
        delete_namespace(api, name)


# What istio_vs and istio_harbor_security write: (group, plural), all served as v1.
ISTIO_KINDS = [("networking.istio.io", "virtualservices"), ("networking.istio.io", "gateways"),
               ("networking.istio.io", "serviceentries"), ("security.istio.io", "peerauthentications"),
               ("security.istio.io", "requestauthentications"), ("security.istio.io", "authorizationpolicies")]


def require_untrusted_by_default(url):
    """The test proves nothing where the lab CA is trusted anyway (system store, REQUESTS_CA_BUNDLE)."""
    try:
        requests.get(url, timeout=30)
    except requests.exceptions.SSLError:
        return
    pytest.fail("%s is trusted without a CA here (the lab CA is in the default trust store or "
                "REQUESTS_CA_BUNDLE): a call without a CA cannot fail" % url)


def written(harbor, project_name, kc, api, ns, name):
    """What the calls without a CA could have written: {what: found}, empty when nothing was."""
    found = {}
    config_now = harbor.get("/configurations")
    if config_now["read_only"]["value"]:
        found["harbor read_only"] = True
    if harbor.project(name) is not None:
        found["harbor project"] = name
    pid = harbor.project(project_name)["project_id"]
    robots = harbor.robots("Level=project,ProjectID=%d" % pid)
    if robots:
        found["harbor robots"] = [r["name"] for r in robots]
    groups = [m["entity_name"] for m in harbor.get("/projects/%s/members" % project_name) or []
              if m["entity_type"] == "g"]
    if groups:
        found["harbor group members"] = groups
    users = [u for u in harbor.get("/users/search", username=name) or [] if u["username"] == name]
    if users:
        found["harbor user"] = users
    if kc.get_client_id(name) is not None:
        found["keycloak client"] = name
    if [g for g in kc.get_groups() if g["name"] == name]:
        found["keycloak group"] = name
    if [i for i in kc.get_idps() if i["alias"] == name]:
        found["keycloak identity provider"] = name
    if [r for r in kc.get_realms() if r["realm"] == name]:
        found["keycloak realm"] = name
    core = client.CoreV1Api(api)
    secrets = [s.metadata.name for s in core.list_namespaced_secret(ns).items]
    if secrets:
        found["secrets"] = secrets
    ports = core.read_namespaced_service(SERVICE, ns).spec.ports
    if [p.app_protocol for p in ports] != [None]:
        found["service appProtocol"] = [p.app_protocol for p in ports]
    custom = client.CustomObjectsApi(api)
    for group, plural in ISTIO_KINDS:
        items = custom.list_namespaced_custom_object(group, "v1", ns, plural)["items"]
        if items:
            found[plural] = [i["metadata"]["name"] for i in items]
    return found


def clean_up(harbor, kc, name, found):
    """Remove what a module wrongly wrote outside the test's own project and namespace."""
    if "harbor project" in found:
        harbor.delete_project(name)
    for user in found.get("harbor user", []):
        harbor.call("DELETE", "/users/%d" % user["user_id"], expect=(200, 404))
    if "keycloak client" in found:
        kc.delete_client(kc.get_client_id(name))
    for group in [g for g in kc.get_groups() if g["name"] == name]:
        kc.delete_group(group["id"])
    if "keycloak identity provider" in found:
        kc.delete_idp(name)
    if "keycloak realm" in found:
        kc.delete_realm(name)


@pytest.fixture
def harbor_group(lab):
    """An OIDC user group Harbor knows, so harbor_project_member can add it in any auth mode."""
    api = HarborApi(lab)
    name = "it-tls-" + uuid.uuid4().hex[:8]
    group_id = create_group(api, name)
    yield name
    api.call("DELETE", "/usergroups/%d" % group_id, expect=(200, 404))


def test_every_module_fails_without_the_ca_and_works_with_it(  # noqa: F811 pylint: disable=redefined-outer-name
        lab, run_playbook, kc_admin, project, harbor_group, k8s_namespace, untrusted_keycloak, tmp_path):
    harbor_ca, keycloak_ca, k8s_ca, kubeconfig, kube_url = require(
        lab, "HARBOR_CA_PATH", "KEYCLOAK_CA_PATH", "LAB_CA", "K8S_EAST_KUBECONFIG", "K8S_EAST_URL")
    api, ns = k8s_namespace
    uid = uuid.uuid4().hex[:8]
    name = "tls-" + uid
    harbor = HarborApi(lab)
    kc_admin.change_current_realm("master")
    require_untrusted_by_default(lab["HARBOR_URL"] + "/api/v2.0/ping")
    kube_no_ca = kubeconfig_without_ca(kubeconfig, tmp_path / "no-ca.kubeconfig")
    try:
        assert written(harbor, project, kc_admin, api, ns, name) == {}
        run_playbook("tls_every_module", extra_vars=dict(
            id=uid, project=project, group=harbor_group, ns=ns, svc=SERVICE, harbor_ca=harbor_ca,
            keycloak_ca=keycloak_ca, k8s_ca=k8s_ca, kube_no_ca=kube_no_ca, kube_url=kube_url,
            untrusted_discovery=untrusted_keycloak.url + "/realms/master/.well-known/openid-configuration"),
            # No CA from the environment, nor a validate_certs: the modules' defaults decide.
            env_overrides=without_env(lab, "HARBOR_CA_PATH", "HARBOR_VALIDATE_CERTS", "KEYCLOAK_CA_PATH",
                                      "KEYCLOAK_VALIDATE_CERTS", "K8S_AUTH_"))
        assert written(harbor, project, kc_admin, api, ns, name) == {}
        # Nothing was sent on through the certificate ca_path did not sign.
        assert untrusted_keycloak.seen == []
    finally:
        clean_up(harbor, kc_admin, name, written(harbor, project, kc_admin, api, ns, name))
