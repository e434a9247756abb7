"""The README's first step: ``site.yml --check --diff`` on clusters, a Keycloak and a Harbor that hold
nothing of this inventory yet finishes, shows what every role would do, and writes nothing
(issue 24) - read back from every server. Names carry a uuid suffix (BERTH_LAB_SUFFIX)."""

import os
import subprocess
import uuid

from conftest import require
from harbor_api import HarborApi
from test_tenants import INVENTORY, PLAYBOOKS, core, recap


def test_check_diff_on_empty_clusters_finishes_and_writes_nothing(lab, run_playbook, kc_admin):
    require(lab, "HARBOR_URL", "KEYCLOAK_URL", "K8S_EAST_KUBECONFIG", "K8S_WEST_KUBECONFIG", "HELM", "HARBOR_CHART")
    suffix = "-" + uuid.uuid4().hex[:8]
    proc = run_playbook(os.path.join(PLAYBOOKS, "site"), extra_args=["-i", INVENTORY, "--check", "--diff"],
                        env_overrides=dict(BERTH_LAB_SUFFIX=suffix))
    stats = recap(proc)
    assert stats["east"]["failed"] == 0 and stats["west"]["failed"] == 0, proc.stdout[-3000:]
    out = proc.stdout
    # Every role said what it would do.
    for line in ("TASK [berth.platform.harbor : Install or upgrade Harbor]",
                 "Realm platform%s does not exist yet" % suffix,
                 "TASK [berth.platform.istio_harbor",
                 "TASK [berth.platform.harbor_oidc : Harbor logs in through OIDC",
                 "Would keep the robot's secret in Secret harbor%s/" % suffix,
                 "TASK [berth.platform.tenant : All teams of this cluster]"):
        assert line in out, line
    assert "team-a%s" % suffix in out and "team-c%s" % suffix in out  # the teams' plan is shown

    # Nothing written anywhere.
    for cluster in ("east", "west"):
        names = [n.metadata.name for n in core(lab, cluster).list_namespace().items]
        assert not [n for n in names if n.endswith(suffix)], (cluster, names)
    listed = subprocess.run([lab["HELM"], "list", "-A", "-q", "--kubeconfig", lab["K8S_EAST_KUBECONFIG"]],
                            capture_output=True, text=True, check=True)
    assert "harbor%s" % suffix not in listed.stdout
    kc_admin.change_current_realm("master")
    assert "platform" + suffix not in [r["realm"] for r in kc_admin.get_realms()]
    api = HarborApi(lab)
    for team in "abc":
        assert api.get("/projects", name="team-%s%s" % (team, suffix)) in ([], None)
    assert not [r for r in api.robots("name=berth-automation" + suffix) if r["name"].endswith(suffix)]
