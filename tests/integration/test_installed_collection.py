"""The package, not the checkout: the built tarball installed with ansible-galaxy into a directory of
its own runs a playbook whose connections come only from module_defaults action groups
(group/berth.platform.harbor, .keycloak, .k8s), against the lab. -vvv shows every module was
loaded from the installed copy."""

import json
import uuid

from built_collection import build_and_install
from conftest import require, without_env
from harbor_api import HarborApi


def test_installed_tarball_runs_with_module_defaults_groups(lab, run_playbook, tmp_path):
    require(lab, "HARBOR_URL", "KEYCLOAK_URL", "K8S_EAST_KUBECONFIG", "LAB_CA")
    dummy, collections_path = build_and_install(tmp_path)
    project = "it-installed-" + uuid.uuid4().hex[:8]
    extra = dict(project=project, kubeconfig=lab["K8S_EAST_KUBECONFIG"],
                 harbor=dict(url=lab["HARBOR_URL"], username=lab["HARBOR_USERNAME"],
                             password=lab["HARBOR_PASSWORD"], ca=lab["LAB_CA"]),
                 keycloak=dict(url=lab["KEYCLOAK_URL"], username=lab["KEYCLOAK_USERNAME"],
                               password=lab["KEYCLOAK_PASSWORD"], ca=lab["LAB_CA"]))
    env = without_env(lab, "HARBOR_", "KEYCLOAK_", "K8S_AUTH_")
    env["ANSIBLE_COLLECTIONS_PATH"] = str(collections_path)
    try:
        proc = run_playbook("installed_collection", verbosity=3, env_overrides=env,
                            extra_args=["-e", json.dumps(extra)])
    finally:
        HarborApi(lab).delete_project(project)
    loaded = [line for line in proc.stdout.splitlines() if line.startswith("Using module file")]
    assert len(loaded) == 5, loaded  # five berth.platform tasks; assert has no module file
    assert all(str(collections_path) + "/ansible_collections/berth/platform/plugins/modules/" in line
               for line in loaded), loaded
