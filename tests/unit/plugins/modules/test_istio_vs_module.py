"""istio_vs's documentation and argument spec agree (what ansible-test's validate-modules
checks), and every EXAMPLES task is valid input that istio_vs would send."""

import pytest
import yaml
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.berth.platform.plugins.module_utils.istio import virtual_service, vs_schema
from ansible_collections.berth.platform.plugins.modules import istio_vs

DOC = yaml.safe_load(istio_vs.DOCUMENTATION)
EXAMPLES = yaml.safe_load(istio_vs.EXAMPLES)


def _compare(doc_options, spec_options, where, out):
    if sorted(doc_options) != sorted(spec_options):
        out.append("%s: documented %s, in the spec %s" % (where, sorted(doc_options), sorted(spec_options)))
    for name in sorted(set(doc_options) & set(spec_options)):
        doc, spec = doc_options[name], spec_options[name]
        path = "%s.%s" % (where, name) if where else name
        if not doc.get("description"):
            out.append("%s: no description" % path)
        for key, default in (("type", "str"), ("elements", None), ("required", False), ("choices", None),
                             ("default", None)):
            if doc.get(key, default) != spec.get(key, default):
                out.append("%s: %s documented %r, spec %r" % (path, key, doc.get(key, default), spec.get(key, default)))
        if bool(doc.get("suboptions")) != bool(spec.get("options")):
            out.append("%s: suboptions documented %s, in the spec %s"
                       % (path, bool(doc.get("suboptions")), bool(spec.get("options"))))
        elif doc.get("suboptions"):
            _compare(doc["suboptions"], spec["options"], path, out)


def test_documentation_and_argument_spec_agree():
    problems = []
    _compare(DOC["options"], istio_vs.ARGUMENT_SPEC, "", problems)
    assert problems == []


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
