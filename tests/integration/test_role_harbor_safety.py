"""The harbor role's safety defaults, read back from the lab's east API server and Helm (issue 22):

- no public default credential: the chart's internal PostgreSQL gets a password made once (never
  ``changeit``), which Helm reads back from the release's own Secret - never through values, logs
  or -vvv output - and keeps across reruns and upgrades; a release that already runs keeps its own;
- Harbor's namespace is labelled for sidecar injection before anything is installed in it;
- every Secret the release needs and does not make is checked before Helm, nothing written on a refusal;
- a private CA file becomes the chart's caBundleSecretName;
- a release not named ``harbor`` gets the chart's object names (``hub-harbor-*``);
- ``--check --diff`` on an empty cluster finishes and writes nothing.
"""

import base64
import json
import secrets
import subprocess
import uuid

import pytest

from conftest import require

PLAYBOOK = "role_harbor_lab"


def clients(lab):
    from kubernetes import client, config
    api = config.new_client_from_config(lab["K8S_EAST_KUBECONFIG"])
    return client.CoreV1Api(api), client.AppsV1Api(api)


def secret_data(core, ns, name):
    return dict((k, base64.b64decode(v).decode()) for k, v in (core.read_namespaced_secret(name, ns).data or {}).items())


def helm(lab, *args):
    return subprocess.run([lab["HELM"], "--kubeconfig", lab["K8S_EAST_KUBECONFIG"]] + list(args),
                          capture_output=True, text=True, check=False)


def namespace_exists(core, ns):
    from kubernetes.client.rest import ApiException
    try:
        core.read_namespace(ns)
        return True
    except ApiException as exc:
        if exc.status == 404:
            return False
        raise


@pytest.fixture
def ns(lab):
    require(lab, "K8S_EAST_KUBECONFIG", "HELM", "HARBOR_CHART")
    name = "it-hsafe-" + uuid.uuid4().hex[:6]
    yield name
    for release in ("harbor", "hub"):
        helm(lab, "uninstall", release, "-n", name)
    from lab_kube import delete_namespace
    delete_namespace(clients(lab)[0].api_client, name)


def run_role(run_playbook, ns, check=True, extra_args=(), verbosity=0, **variables):
    variables = dict({"harbor_namespace": ns}, **variables)
    return run_playbook(PLAYBOOK, check=check, verbosity=verbosity,
                        extra_args=["-e", json.dumps(variables)] + list(extra_args))


def recap_changed(proc):
    return proc.stdout.split("PLAY RECAP")[-1]


def test_internal_database_password_is_made_once_and_never_the_public_default(lab, run_playbook, ns):
    core, apps = clients(lab)
    admin = "Adm1n" + secrets.token_hex(8)
    first = run_role(run_playbook, ns, verbosity=3, harbor_release="hub", harbor_admin_password=admin)
    kept = secret_data(core, ns, "hub-berth-secrets")
    password = kept["DATABASE_PASSWORD"]
    assert len(password) == 32 and password != "changeit"
    # The chart's own Secrets (database and core) hold it: Helm read it back from the release's Secret.
    database = core.read_namespaced_secret("hub-harbor-database", ns)
    assert base64.b64decode(database.data["POSTGRES_PASSWORD"]).decode() == password
    assert database.metadata.annotations["meta.helm.sh/release-name"] == "hub"
    assert secret_data(core, ns, "hub-harbor-core")["POSTGRESQL_PASSWORD"] == password
    # Never through values, the output or -vvv.
    values = helm(lab, "get", "values", "hub", "-n", ns, "-o", "json")
    assert values.returncode == 0 and password not in values.stdout and "changeit" not in values.stdout
    assert password not in first.stdout + first.stderr
    assert json.loads(values.stdout)["database"]["internal"]["password"] == ""

    # A rerun changes nothing; an upgrade with another value keeps the password.
    again = run_role(run_playbook, ns, harbor_release="hub", harbor_admin_password=admin)
    assert "changed=0" in recap_changed(again), again.stdout[-3000:]
    run_role(run_playbook, ns, harbor_release="hub", harbor_admin_password=admin, harbor_log_level="debug")
    assert helm(lab, "get", "values", "hub", "-n", ns, "-o", "json").stdout.count('"debug"') == 1
    assert secret_data(core, ns, "hub-harbor-core")["POSTGRESQL_PASSWORD"] == password
    assert secret_data(core, ns, "hub-harbor-database")["POSTGRES_PASSWORD"] == password
    assert secret_data(core, ns, "hub-berth-secrets")["DATABASE_PASSWORD"] == password

    # The release's objects carry the chart's names for a release not called harbor.
    deployments = {d.metadata.name for d in apps.list_namespaced_deployment(ns).items}
    assert {"hub-harbor-core", "hub-harbor-portal", "hub-harbor-registry"} <= deployments

    # Initial-only values are compared: another admin password is reported, not silently ignored.
    changed = run_role(run_playbook, ns, harbor_release="hub", harbor_admin_password=admin + "x")
    assert "admin_password differs from the initial admin password" in changed.stdout + changed.stderr
    assert secret_data(core, ns, "hub-berth-secrets")["HARBOR_ADMIN_PASSWORD"] == admin


def test_a_release_installed_with_the_public_default_keeps_its_password_and_is_reported(lab, run_playbook, ns):
    core = clients(lab)[0]
    core.create_namespace({"metadata": {"name": ns}})
    installed = helm(lab, "install", "harbor", lab["HARBOR_CHART"], "-n", ns, "--set", "trivy.enabled=false",
                     "--set", "expose.type=clusterIP", "--set", "expose.tls.enabled=false",
                     "--set", "persistence.enabled=false")
    assert installed.returncode == 0, installed.stderr
    assert secret_data(core, ns, "harbor-database")["POSTGRES_PASSWORD"] == "changeit"
    proc = run_role(run_playbook, ns, harbor_admin_password="Adm1n" + secrets.token_hex(8),
                    harbor_persistence_enabled=False)
    # Changing it would lock harbor-core out of a database initialised with it: kept, and reported.
    assert "still uses the chart's public default password" in proc.stdout + proc.stderr
    assert secret_data(core, ns, "harbor-core")["POSTGRESQL_PASSWORD"] == "changeit"
    assert secret_data(core, ns, "harbor-berth-secrets")["DATABASE_PASSWORD"] == "changeit"


def test_namespace_is_labelled_for_injection_and_the_ca_bundle_reaches_the_chart(lab, run_playbook, ns):
    core, apps = clients(lab)
    run_role(run_playbook, ns, harbor_admin_password="Adm1n" + secrets.token_hex(8),
             harbor_ca_bundle_file=lab["LAB_CA"], harbor_namespace_labels={"team": "platform"})
    labels = core.read_namespace(ns).metadata.labels
    assert labels["istio-injection"] == "enabled" and labels["team"] == "platform"
    with open(lab["LAB_CA"]) as handle:
        assert secret_data(core, ns, "harbor-berth-ca-bundle")["ca.crt"] == handle.read()
    for name in ("harbor-core", "harbor-jobservice", "harbor-registry"):
        volumes = {v.name: v for v in apps.read_namespaced_deployment(name, ns).spec.template.spec.volumes}
        assert volumes["ca-bundle-certs"].secret.secret_name == "harbor-berth-ca-bundle", name
    # A revision-based Istio: istio.io/rev instead of istio-injection.
    run_role(run_playbook, ns, harbor_admin_password="Adm1n" + secrets.token_hex(8),
             harbor_ca_bundle_file=lab["LAB_CA"], harbor_istio_revision="1-30-3")
    labels = core.read_namespace(ns).metadata.labels
    assert labels["istio.io/rev"] == "1-30-3"


@pytest.mark.parametrize("variables, expected", [
    (dict(harbor_admin_password="", harbor_admin_password_secret="harbor-admin"),
     "Secret {ns}/harbor-admin does not exist (needed by Deployment/harbor-core, keys HARBOR_ADMIN_PASSWORD)"),
    (dict(harbor_database={"host": "pg.example.com", "existing_secret": "harbor-db"}),
     "Secret {ns}/harbor-db has no key password"),
    (dict(harbor_redis={"addr": "redis.example.com:6379", "existing_secret": "harbor-redis"}),
     "Secret {ns}/harbor-redis does not exist"),
    (dict(harbor_image_storage={"type": "s3", "s3": {"bucket": "b", "region": "r", "existingSecret": "harbor-s3"}}),
     "Secret {ns}/harbor-s3 does not exist"),
])
def test_a_missing_referenced_secret_stops_the_role_before_anything_is_written(lab, run_playbook, ns, variables, expected):
    core = clients(lab)[0]
    # The namespace exists (that is where such Secrets are made) and holds a Secret without the key.
    core.create_namespace({"metadata": {"name": ns}})
    core.create_namespaced_secret(ns, {"metadata": {"name": "harbor-db"}, "stringData": {"pass": "x"}})
    variables = dict({"harbor_admin_password": "Adm1n" + secrets.token_hex(8)}, **variables)
    proc = run_role(run_playbook, ns, check=False, **variables)
    assert proc.returncode != 0
    assert expected.format(ns=ns) in proc.stdout, proc.stdout[-3000:]
    names = {s.metadata.name for s in core.list_namespaced_secret(ns).items}
    assert names == {"harbor-db"}, names  # no chart secrets, no release
    assert helm(lab, "list", "-n", ns, "-q").stdout.strip() == ""
    assert "istio-injection" not in (core.read_namespace(ns).metadata.labels or {})


def test_check_mode_on_an_empty_cluster_finishes_and_writes_nothing(lab, run_playbook, ns):
    core = clients(lab)[0]
    proc = run_role(run_playbook, ns, extra_args=["--check", "--diff"],
                    harbor_admin_password="Adm1n" + secrets.token_hex(8), harbor_ca_bundle_file=lab["LAB_CA"])
    assert "Install or upgrade Harbor" in proc.stdout
    assert "failed=0" in recap_changed(proc)
    assert not namespace_exists(core, ns)
    assert helm(lab, "list", "-n", ns, "-q").stdout.strip() == ""


def test_ha_values_bound_database_connections_and_spread_replicas(lab, run_playbook, ns, tmp_path):
    core, apps = clients(lab)
    core.create_namespace({"metadata": {"name": ns}})
    core.create_namespaced_secret(ns, {"metadata": {"name": "harbor-db"}, "stringData": {"password": "x"}})
    run_role(run_playbook, ns, harbor_admin_password="Adm1n" + secrets.token_hex(8),
             harbor_database={"host": "pg.example.com", "existing_secret": "harbor-db"},
             harbor_replicas={"core": 2, "portal": 2, "registry": 1, "jobservice": 1},
             harbor_registry_access_mode="ReadWriteOnce", harbor_render_dest=str(tmp_path / "r.yaml"))
    config = core.read_namespaced_config_map("harbor-core", ns).data
    assert (config["POSTGRESQL_MAX_OPEN_CONNS"], config["POSTGRESQL_MAX_IDLE_CONNS"]) == ("100", "50")
    spread = apps.read_namespaced_deployment("harbor-core", ns).spec.template.spec.topology_spread_constraints
    assert [(c.topology_key, c.max_skew, c.label_selector.match_labels["component"]) for c in spread] == [
        ("kubernetes.io/hostname", 1, "core")]
    assert apps.read_namespaced_deployment("harbor-registry", ns).spec.template.spec.topology_spread_constraints is None
    # No internal database: no password made for it.
    assert "DATABASE_PASSWORD" not in secret_data(core, ns, "harbor-berth-secrets")
