"""`make demo`: playbooks/site.yml on the running lab with its inventory (playbooks/inventories/lab),
then what was created - read back from the servers, never a secret value - a skopeo push and
pull as team A that you can copy and paste, team A's Deployment running on east's node with
the image pulled by the pull Secret linked to its `default` ServiceAccount, and Gatekeeper refusing
a `:latest` Deployment without limits in team A's namespace (a dry run: nothing is stored).

Before site.yml it makes what a directory would provide: the realm ``platform`` with the users
alice and bob (team A's members in the inventory); their passwords go to .state/demo/users.txt.
The docker auth files are written from team A's Secrets in east, mode 0600, to .state/demo/.
Afterwards Harbor runs with OIDC: `make test` starts from a fresh lab for that reason.
"""

import base64
import json
import os
import pathlib
import secrets
import shlex
import subprocess
import sys
import time

import requests
from keycloak import KeycloakAdmin
from kubernetes import client, config

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
STATE = os.path.join(ROOT, "tests", "lab", ".state")
DEMO = os.path.join(STATE, "demo")
INVENTORY = os.path.join(ROOT, "playbooks", "inventories", "lab")
MANAGED = "app.kubernetes.io/managed-by=berth.platform"
REALM = "platform"
sys.path[:0] = [os.path.join(ROOT, "tests", "integration"), os.path.join(ROOT, "tests")]
from collection_path import collections_root  # noqa: E402  pylint: disable=wrong-import-position
from endpoints import read_lab_env  # noqa: E402  pylint: disable=wrong-import-position
from oci_layout import write_oci_layout  # noqa: E402  pylint: disable=wrong-import-position
from lab_node import deploy, gatekeeper_denials, pod_outcome, push_workload_image, workload  # noqa: E402  pylint: disable=wrong-import-position


def private_file(path, content):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(content)


def people(lab):
    """The realm and team A's members, made once; their passwords kept in users.txt."""
    kc = KeycloakAdmin(server_url=lab["KEYCLOAK_URL"] + "/", username=lab["KEYCLOAK_USERNAME"],
                       password=lab["KEYCLOAK_PASSWORD"], realm_name="master", user_realm_name="master",
                       verify=lab["KEYCLOAK_CA_PATH"])
    if REALM not in [r["realm"] for r in kc.get_realms()]:
        kc.create_realm({"realm": REALM, "enabled": True})
    kc.change_current_realm(REALM)
    users_file = os.path.join(DEMO, "users.txt")
    lines = []
    for name in ("alice", "bob"):
        if kc.get_user_id(name) is None:
            password = "Demo-" + secrets.token_urlsafe(12)
            kc.create_user({"username": name, "enabled": True, "email": name + "@example.com",
                            "emailVerified": True, "firstName": name.title(), "lastName": "Demo",
                            "credentials": [{"type": "password", "value": password, "temporary": False}]})
            lines.append("%s %s\n" % (name, password))
    if lines:
        with open(users_file, "a") as handle:
            handle.writelines(lines)
        os.chmod(users_file, 0o600)
    return kc


def run_site(lab):
    env = dict(os.environ, **lab)
    env.update(BERTH_LAB_SUFFIX="", ANSIBLE_PYTHON_INTERPRETER=sys.executable, ANSIBLE_NOCOLOR="1",
               ANSIBLE_COLLECTIONS_PATH=collections_root())
    playbook = os.path.join(os.path.dirname(sys.executable), "ansible-playbook")
    cmd = [playbook, "-i", INVENTORY, os.path.join(ROOT, "playbooks", "site.yml")]
    print("$ ansible-playbook -i playbooks/inventories/lab playbooks/site.yml   (log: %s)"
          % rel(os.path.join(DEMO, "site.log")), flush=True)
    started = time.monotonic()
    with open(os.path.join(DEMO, "site.log"), "w") as log:
        proc = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, check=False)
        log.write(proc.stdout)
    recap = proc.stdout.split("PLAY RECAP")[-1].strip().splitlines()
    for line in (line for line in recap if ":" in line):
        print("  " + " ".join(line.split()))
    print("  %.0f s" % (time.monotonic() - started))
    if proc.returncode != 0:
        print(proc.stdout[-4000:])
        sys.exit("site.yml failed (rc=%d)" % proc.returncode)


def harbor_get(lab, path, **params):
    resp = requests.get(lab["HARBOR_URL"] + "/api/v2.0" + path, params=params, timeout=30,
                        auth=(lab["HARBOR_USERNAME"], lab["HARBOR_PASSWORD"]), verify=lab["HARBOR_CA_PATH"])
    resp.raise_for_status()
    return resp.json()


def show(lab, kc):
    conf = harbor_get(lab, "/configurations")
    print("\nHarbor %s  auth %s, issuer %s" % (lab["HARBOR_URL"], conf["auth_mode"]["value"],
                                               conf["oidc_endpoint"]["value"]))
    groups = []
    for group in kc.get_groups():
        members = [u["username"] for u in kc.get_group_members(group["id"])]
        groups.append("%s (%s)" % (group["name"], ", ".join(members)) if members else group["name"])
    print("Keycloak realm %s: client harbor; groups %s" % (REALM, ", ".join(groups)))

    teams = set()
    for cluster in ("east", "west"):
        api = config.new_client_from_config(lab["K8S_%s_KUBECONFIG" % cluster.upper()])
        core = client.CoreV1Api(api)
        print("\nCluster %s" % cluster)
        for ns in core.list_namespace(label_selector=MANAGED).items:
            name = ns.metadata.name
            found = core.list_namespaced_secret(name, label_selector=MANAGED).items
            kept = ", ".join("%s (%s)" % (s.metadata.name, s.type) for s in found)
            if name.startswith("team-"):
                teams.add(name)
                linked = ["%s -> %s" % (sa.metadata.name, ", ".join(r.name for r in sa.image_pull_secrets or []))
                          for sa in core.list_namespaced_service_account(name).items if sa.image_pull_secrets]
                print("  namespace %-8s Secrets: %s" % (name, kept))
                print("  %-18s ServiceAccounts: %s" % ("", "; ".join(linked)))
            else:
                print("  namespace %-8s Harbor's Helm release (no pods: the lab does not build its images); %s" % (name, kept))

    print("\nHarbor projects")
    for team in sorted(teams):
        project = harbor_get(lab, "/projects/" + team)
        members = harbor_get(lab, "/projects/%s/members" % team, page_size=100)
        robots = harbor_get(lab, "/robots", q="Level=project,ProjectID=%d" % project["project_id"], page_size=100)
        print("  %-8s members: %s" % (team, ", ".join("%s %s" % (m["entity_name"], m["role_name"]) for m in members)))
        print("  %-8s robots:  %s" % ("", ", ".join(sorted(r["name"] for r in robots))))


def rel(path):
    return os.path.relpath(path, ROOT)


def try_it(lab):
    core = client.CoreV1Api(config.new_client_from_config(lab["K8S_EAST_KUBECONFIG"]))
    push_auth, pull_auth = os.path.join(DEMO, "team-a-push.json"), os.path.join(DEMO, "team-a-pull.json")
    private_file(push_auth, base64.b64decode(
        core.read_namespaced_secret("harbor-push", "team-a").data["config.json"]).decode())
    private_file(pull_auth, base64.b64decode(
        core.read_namespaced_secret("harbor-pull", "team-a").data[".dockerconfigjson"]).decode())
    image = os.path.join(DEMO, "hello")
    if not os.path.exists(image):
        write_oci_layout(pathlib.Path(image))
    target = "docker://%s/team-a/hello:v1" % lab["HARBOR_HOST"]
    commands = [
        [lab["SKOPEO"], "copy", "--dest-authfile", rel(push_auth), "--dest-cert-dir", rel(lab["HARBOR_CERT_DIR"]),
         "oci:%s:v1" % rel(image), target],
        [lab["SKOPEO"], "copy", "--src-authfile", rel(pull_auth), "--src-cert-dir", rel(lab["HARBOR_CERT_DIR"]),
         target, "oci:%s:v1" % rel(os.path.join(DEMO, "pulled"))],
    ]
    print("\nAs team A - the push robot's CI Secret and the pull Secret as auth files (mode 0600):")
    for cmd in commands:
        print("  " + " ".join(shlex.quote(part) for part in cmd))
        done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=False)
        print("    -> %s" % ("ok" if done.returncode == 0 else "failed: " + done.stderr.strip()[-300:]))
    team_workload(lab, push_auth)
    print("\nKeycloak users alice and bob (team A; passwords in %s). Stop the lab: make lab-down"
          % rel(os.path.join(DEMO, "users.txt")))


def team_workload(lab, push_auth):
    """Team A's Deployment of its own image (the lab's pause binary), pulled on east's node."""
    api = config.new_client_from_config(lab["K8S_EAST_KUBECONFIG"])
    push_workload_image(lab, "team-a/workload:v1", ["--dest-authfile", push_auth])
    image = "%s/team-a/workload:v1" % lab["HARBOR_HOST"]
    apps = client.AppsV1Api(api)
    if apps.list_namespaced_deployment("team-a", field_selector="metadata.name=workload").items:
        apps.delete_namespaced_deployment("workload", "team-a")
        time.sleep(2)
    deploy(api, "team-a", "workload", image)
    pod, state, message = pod_outcome(api, "team-a", "workload")
    print("\nTeam A's Deployment `workload` (%s, no imagePullSecrets in its spec) on node %s:" % (image, lab["NODE_NAME"]))
    pulled_with = ", ".join(s.name for s in pod.spec.image_pull_secrets or [])
    print("  pod %s %s%s, pulled with %s" % (pod.metadata.name, state, (": " + message) if message else "", pulled_with))
    gatekeeper(api, image)


def gatekeeper(api, image):
    """Gatekeeper's pods on the node, and what it says to a :latest Deployment in team A."""
    pods = client.CoreV1Api(api).list_namespaced_pod("gatekeeper-system").items
    print("\nGatekeeper (policy role, chart 3.23.0) on east: %s" % ", ".join(
        "%s %s" % (p.metadata.name, p.status.phase) for p in pods))
    body = workload("team-a", "latest", image.rsplit(":", 1)[0] + ":latest", resources=False)
    try:
        client.AppsV1Api(api).create_namespaced_deployment("team-a", body, dry_run="All")
        print("  a :latest Deployment without limits in team-a: admitted (is Gatekeeper enforcing?)")
    except client.exceptions.ApiException as exc:
        print("  a :latest Deployment without limits in team-a (dry run): refused")
        for constraint, text in sorted(gatekeeper_denials(json.loads(exc.body)["message"])):
            print("    [%s] %s" % (constraint, text))


def main():
    os.makedirs(DEMO, mode=0o700, exist_ok=True)
    lab = read_lab_env()
    kc = people(lab)
    run_site(lab)
    show(lab, kc)
    try_it(lab)


if __name__ == "__main__":
    main()
