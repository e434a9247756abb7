"""Istio's own VirtualServices (tests/integration/data/istio_samples) as istio_vs's typed options.

The lab run (tests/integration/playbooks/istio_vs_samples.yml) applies them; here, offline,
each sample's typed options go through Ansible's own argument validation and istio_vs's
builder and must give exactly the sample's spec, which both checks accept. The every-option
VirtualService of istio_vs_api.yml must use every typed option there is.
"""

import glob
import os

import pytest
import yaml
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.berth.platform.plugins.module_utils.istio import virtual_service, vs_schema
from ansible_collections.berth.platform.plugins.modules import istio_vs

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))))))
INTEGRATION = os.path.join(ROOT, "tests", "integration")
SAMPLES = os.path.join(INTEGRATION, "data", "istio_samples")
SPEC_OPTIONS = ("hosts", "gateways", "export_to", "http", "tcp", "tls")


def load_yaml(path):
    with open(path) as f:
        return yaml.safe_load(f)


def playbook_vars(name):
    return load_yaml(os.path.join(INTEGRATION, "playbooks", name + ".yml"))[0]["vars"]


def sample_ids():
    return sorted(os.path.basename(p)[:-5] for p in glob.glob(os.path.join(SAMPLES, "*.yaml")))


CASES = dict((case["id"], case) for case in playbook_vars("istio_vs_samples")["samples"])


def built(args):
    """What istio_vs sends for ``args``: Ansible's validation (None for every unset suboption,
    floats converted), then the builder, then both checks (the built-in schema, istiod's rules)."""
    result = ArgumentSpecValidator(istio_vs.ARGUMENT_SPEC).validate(dict(args, name="x", namespace="ns"))
    assert not result.error_messages, result.error_messages
    p = result.validated_parameters
    vs = virtual_service.manifest("x", "ns", "v1", p["hosts"], gateways=p["gateways"], http=p["http"],
                                  export_to=p["export_to"], tcp=p["tcp"], tls=p["tls"], spec=p["spec"])
    vs_schema.check(vs["spec"], vs_schema.BUILTIN_SCHEMA)
    return vs["spec"]


def test_every_sample_file_has_a_case_and_a_notice():
    assert sorted(CASES) == sample_ids()
    with open(os.path.join(SAMPLES, "NOTICE")) as f:
        notice = f.read()
    for sample in sample_ids():
        assert "\n%s.yaml: " % sample in notice
        assert load_yaml(os.path.join(SAMPLES, sample + ".yaml"))["kind"] == "VirtualService"


@pytest.mark.parametrize("sample", sample_ids())
def test_sample_as_typed_options_is_the_sample(sample):
    spec = load_yaml(os.path.join(SAMPLES, sample + ".yaml"))["spec"]
    case = CASES[sample]
    if "passthrough" in case:  # a deprecated field: only Istio's own YAML can say it
        assert "deprecated" in case["passthrough"]
        assert built({"spec": spec}) == spec
        return
    assert set(case["args"]) <= set(SPEC_OPTIONS)
    assert built(case["args"]) == spec


def test_every_option_builds_istio_yaml():
    pb = playbook_vars("istio_vs_api")
    assert built(pb["every_option"]) == pb["every_option_istio"]


def _leaves(spec, prefix=""):
    for name, option in spec.items():
        if option.get("options"):
            yield from _leaves(option["options"], prefix + name + ".")
        else:
            yield prefix + name


def _given(value, prefix=""):
    if isinstance(value, dict):
        for key, item in value.items():
            yield prefix + key
            yield from _given(item, prefix + key + ".")
    elif isinstance(value, list):
        for item in value:
            yield from _given(item, prefix)


def test_every_option_uses_every_typed_option():
    given = set(_given(playbook_vars("istio_vs_api")["every_option"]))
    typed = dict((k, istio_vs.ARGUMENT_SPEC[k]) for k in SPEC_OPTIONS)
    assert sorted(set(_leaves(typed)) - given) == []
