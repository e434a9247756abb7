"""istio_vs's documentation and argument spec agree (what ansible-test's validate-modules
checks), and every EXAMPLES task is valid input that istio_vs would send."""

import pytest
import yaml
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.berth.platform.plugins.module_utils.istio import virtual_service, vs_schema
from ansible_collections.berth.platform.plugins.modules import istio_vs
from doc_spec import doc_spec_problems

DOC = yaml.safe_load(istio_vs.DOCUMENTATION)
EXAMPLES = yaml.safe_load(istio_vs.EXAMPLES)


def test_documentation_and_argument_spec_agree():
    assert doc_spec_problems(istio_vs.DOCUMENTATION, istio_vs.ARGUMENT_SPEC) == []


def test_return_documents_schema_source():
    returned = yaml.safe_load(istio_vs.RETURN)
    assert set(returned) == {"virtual_service", "action", "schema_source"}


@pytest.mark.parametrize("task", EXAMPLES, ids=[t["name"] for t in EXAMPLES])
def test_examples_are_valid_input(task):
    args = task["berth.platform.istio_vs"]
    result = ArgumentSpecValidator(istio_vs.ARGUMENT_SPEC, mutually_exclusive=[
        ["spec", o] for o in virtual_service.SPEC_OPTIONS]).validate(args)
    assert not result.error_messages
    p = result.validated_parameters
    if p["state"] == "absent":
        return
    vs = virtual_service.manifest(p["name"], p["namespace"], "v1", p["hosts"], gateways=p["gateways"],
                                  http=p["http"], export_to=p["export_to"], tcp=p["tcp"], tls=p["tls"],
                                  spec=p["spec"])
    vs_schema.check(vs["spec"], vs_schema.BUILTIN_SCHEMA)
