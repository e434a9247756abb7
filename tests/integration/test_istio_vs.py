"""istio_vs against the lab's real kube-apiserver with Istio's CRDs (playbooks/istio_vs*.yml)."""

import glob
import os

import pytest
import yaml

from ansible_collections.berth.platform.plugins.module_utils.errors import ValidationError
from ansible_collections.berth.platform.plugins.module_utils.istio import validation, virtual_service
import istio_judge
from conftest import PLAYBOOKS, require

SAMPLES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "istio_samples")


def test_istio_vs_lifecycle(lab, run_playbook):
    require(lab, "K8S_EAST_KUBECONFIG")
    proc = run_playbook("istio_vs")
    assert "failed=0" in proc.stdout


# -- the whole VirtualService API (issue 12) ------------------------------------------------


@pytest.mark.slow
def test_istio_vs_expresses_every_istio_sample(lab, run_playbook):
    """Each of Istio's sample VirtualServices, as typed options: stored exactly, rerun unchanged."""
    require(lab, "K8S_EAST_KUBECONFIG")
    proc = run_playbook("istio_vs_samples")
    recap = proc.stdout[proc.stdout.rfind("PLAY RECAP"):]
    samples = sorted(os.path.basename(p)[:-5] for p in glob.glob(os.path.join(SAMPLES, "*.yaml")))
    for sample in samples:
        assert "\n%s " % sample in recap, "sample %s was not applied" % sample
    assert recap.count("failed=0") == len(samples) + 1  # every sample host and localhost


def test_istio_vs_whole_api_and_refusals(lab, run_playbook):
    """Every typed option at once, both schema sources, a delegate pair, refusals naming the field."""
    require(lab, "K8S_EAST_KUBECONFIG")
    proc = run_playbook("istio_vs_api")
    assert "failed=0" in proc.stdout


def _every_option_objects():
    with open(os.path.join(PLAYBOOKS, "istio_vs_api.yml")) as f:
        spec = yaml.safe_load(f)[0]["vars"]["every_option_istio"]
    for route in spec["http"]:
        if "delegate" in route:
            route["delegate"]["namespace"] = "default"  # "{{ ns }}" in the playbook
    return [{"apiVersion": "networking.istio.io/v1", "kind": "VirtualService",
             "metadata": {"name": "shop", "namespace": "default"}, "spec": spec}]


def test_istiod_accepts_what_istio_vs_builds():
    """Real istiod validation (istioctl validate, offline) of the every-option VirtualService
    and of every sample: what istio_vs sends, istiod's webhook accepts (warnings, such as the
    deprecated mirrorPercent of istio-io-mirroring, keep ok True)."""
    objects = _every_option_objects()
    for path in sorted(glob.glob(os.path.join(SAMPLES, "*.yaml"))):
        with open(path) as f:
            sample = yaml.safe_load(f)
        sample["metadata"] = {"name": os.path.basename(path)[:-5], "namespace": "default"}
        objects.append(sample)
    ok, output = istio_judge.validate(objects)
    assert ok, output


ROUTE_A = [{"destination": {"host": "a"}}]
ISTIOD_REFUSES = [
    {"hosts": ["a"], "http": [{"redirect": {"uri": "/"}, "route": ROUTE_A}]},
    {"gateways": ["gw"], "http": [{"route": ROUTE_A}]},
    {"hosts": ["a"], "http": [{"route": ROUTE_A, "fault": {"delay": {"exponentialDelay": "1s"}}}]},
    {"hosts": ["a"], "http": [{"route": ROUTE_A, "fault": {"abort": {"http2Error": "x"}}}]},
    {"hosts": ["a"], "http": [{"route": ROUTE_A, "fault": {"abort": {"httpStatus": 700}}}]},
    {"hosts": ["a"], "http": [{"route": ROUTE_A, "fault": {"abort": {"grpcStatus": "NOPE"}}}]},
    {"hosts": ["a"]},
    {"hosts": ["a"], "http": [{"directResponse": {"status": 99}}]},
    {"hosts": ["a"], "http": [{"redirect": {"uri": "/", "redirectCode": 200}}]},
    {"hosts": ["a"], "http": [{"route": ROUTE_A,
                               "rewrite": {"uri": "/", "uriRegexRewrite": {"match": "a", "rewrite": "b"}}}]},
    {"hosts": ["a"], "http": [{"route": ROUTE_A, "mirror": {"host": "b"}, "mirrors": [{"destination": {"host": "c"}}]}]},
    {"hosts": ["a"], "http": [{"route": ROUTE_A, "mirror": {"host": "b"}, "mirrorPercentage": {"value": 150}}]},
    {"hosts": ["a"], "http": [{"route": ROUTE_A, "fault": {}}]},
    {"hosts": ["a"], "tcp": [{"match": [{"port": 1}]}]},
    {"hosts": ["a"], "tls": [{"match": [{"sniHosts": ["a"]}]}]},
]


@pytest.mark.parametrize("spec", ISTIOD_REFUSES, ids=range(len(ISTIOD_REFUSES)))
def test_istio_vs_refuses_what_istiod_refuses(spec):
    """Each of istio_vs's own istiod rules is one real istiod has (not one it made up)."""
    with pytest.raises(ValidationError):  # what the module runs before sending
        validation.require_routes(spec)
        virtual_service.check_spec(spec)
    ok, output = istio_judge.validate([{"apiVersion": "networking.istio.io/v1", "kind": "VirtualService",
                                        "metadata": {"name": "refused", "namespace": "default"}, "spec": spec}])
    assert not ok, output
