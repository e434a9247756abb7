"""The VirtualService schema check (istio.vs_schema): unknown fields refused with their path."""

import functools
import os

import pytest
import yaml

from ansible_collections.berth.platform.plugins.module_utils.errors import Forbidden, ValidationError
from ansible_collections.berth.platform.plugins.module_utils.istio import vs_schema
from ansible_collections.berth.platform.plugins.module_utils.istio.vs_schema import (
    BUILTIN_SCHEMA, check, expand, load, problems, spec_schema_of, trim,
)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))))))
REFERENCE_CRDS = os.path.join(ROOT, "..", "shared", "reference", "istio-1.30.3-crd-all.gen.yaml")
ROUTE = [{"destination": {"host": "a"}}]


def reference_crd():
    if not os.path.exists(REFERENCE_CRDS):
        pytest.skip("reference CRDs not found at %s" % REFERENCE_CRDS)
    return _reference_crd()


@functools.lru_cache(maxsize=1)
def _reference_crd():
    with open(REFERENCE_CRDS) as f:
        for doc in yaml.load_all(f, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
            if doc and doc["metadata"]["name"] == vs_schema.CRD_NAME:
                return doc
    raise AssertionError("no VirtualService CRD in the reference file")


@pytest.mark.parametrize("version", ["v1", "v1beta1", "v1alpha3"])
def test_builtin_schema_is_istio_1_30_3_crd(version):
    """The compact built-in schema expands to exactly the reference CRD's spec schema."""
    assert BUILTIN_SCHEMA == trim(spec_schema_of(reference_crd(), version))


def test_unknown_field_named_with_its_path_and_a_suggestion():
    found = problems({"hosts": ["a"], "http": [{"fualt": {}, "route": ROUTE}]}, BUILTIN_SCHEMA)
    assert found == [("http[0].fualt", "unknown field (did you mean fault?)")]


def test_unknown_field_without_a_close_name_lists_the_known_ones():
    [(path, message)] = problems({"hosts": ["a"], "tcp": [{"route": ROUTE, "zzz": 1}]}, BUILTIN_SCHEMA)
    assert path == "tcp[0].zzz"
    assert "known here: match, route" in message


@pytest.mark.parametrize("spec,path,message", [
    ({"hosts": ["a"], "http": [{"match": [{"headers": {"end-user": {"exakt": "j"}}}], "route": ROUTE}]},
     "http[0].match[0].headers.end-user.exakt", "did you mean exact?"),
    ({"hosts": ["a"], "http": [{"route": [{"destination": {"host": "a", "prot": {"number": 1}}}]}]},
     "http[0].route[0].destination.prot", "did you mean port?"),
    ({"hosts": ["a"], "tls": [{"match": [{"sniHost": ["a"]}], "route": ROUTE}]},
     "tls[0].match[0].sniHost", "did you mean sniHosts?"),
    ({"host": ["a"], "http": [{"route": ROUTE}]}, "host", "did you mean hosts?"),
    ({"hosts": "a", "http": [{"route": ROUTE}]}, "hosts", "expected array, got string"),
    ({"hosts": ["a"], "http": [{"route": [{"destination": {"host": "a"}, "weight": "50"}]}]},
     "http[0].route[0].weight", "expected integer, got string"),
    ({"hosts": ["a"], "http": [{"route": [{"destination": {"host": "a"}, "weight": True}]}]},
     "http[0].route[0].weight", "expected integer, got boolean"),
    ({"hosts": ["a"], "http": [{"route": ROUTE, "mirrorPercentage": {"value": "50"}}]},
     "http[0].mirrorPercentage.value", "expected number, got string"),
    ({"hosts": ["a"], "http": [{"redirect": {"uri": "/", "derivePort": "NOPE"}}]},
     "http[0].redirect.derivePort", "must be one of FROM_PROTOCOL_DEFAULT, FROM_REQUEST_PORT"),
    ({"hosts": ["a"], "tcp": [{"match": [{"port": -1}], "route": ROUTE}]}, "tcp[0].match[0].port",
     "must be at least 0"),
    ({"hosts": ["a"], "tcp": [{"match": [{"port": 2 ** 32}], "route": ROUTE}]}, "tcp[0].match[0].port",
     "must be at most 4294967295"),
    ({"hosts": ["a"], "http": [{"route": [{"weight": 100}]}]}, "http[0].route[0].destination", "is required"),
    ({"hosts": ["a"], "http": [{"route": [{"destination": {"subset": "v1"}}]}]},
     "http[0].route[0].destination.host", "is required"),
    ({"hosts": ["a"], "http": [{"route": ROUTE, "fault": {"abort": {"httpStatus": 500, "grpcStatus": "X"}}}]},
     "http[0].fault.abort", "set at most one of httpStatus, grpcStatus or http2Error (got httpStatus and grpcStatus)"),
    ({"hosts": ["a"], "http": [{"match": [{"uri": {"exact": "/", "prefix": "/"}}], "route": ROUTE}]},
     "http[0].match[0].uri", "set at most one of exact, prefix or regex (got exact and prefix)"),
    ({"hosts": ["a"], "http": [{"directResponse": {"status": 200, "body": {"string": "a", "bytes": "YQ=="}}}]},
     "http[0].directResponse.body", "set at most one of string or bytes"),
    ({"hosts": None, "http": [{"route": ROUTE}]}, "hosts", "must not be null"),
])
def test_problems_name_path_and_reason(spec, path, message):
    found = problems(spec, BUILTIN_SCHEMA)
    assert any(p == path and message in m for p, m in found), found


def test_nullable_fields_and_integral_floats_pass():
    assert problems({"hosts": ["a"], "http": [{
        "route": [{"destination": {"host": "a", "port": {"number": 80.0}}, "weight": 100}],
        "corsPolicy": {"allowCredentials": None}, "mirrorPercentage": {"value": 5}}]}, BUILTIN_SCHEMA) == []


def test_check_raises_with_the_schema_source_and_a_bounded_list():
    spec = {"hosts": ["a"], "http": [dict([("x%d" % i, 1) for i in range(9)], route=ROUTE)]}
    with pytest.raises(ValidationError) as info:
        check(spec, BUILTIN_SCHEMA, "builtin")
    text = str(info.value)
    assert text.startswith("VirtualService spec refused by Istio 1.30's built-in schema: http[0].x0: unknown field")
    assert "(and 3 more)" in text
    with pytest.raises(ValidationError) as info:
        check({"hosts": ["a"], "http": [{"fualt": 1, "route": ROUTE}]}, BUILTIN_SCHEMA, "cluster")
    assert "refused by the cluster's CRD: http[0].fualt" in str(info.value)
    check({"hosts": ["a"], "http": [{"route": ROUTE}]}, BUILTIN_SCHEMA)


def test_a_live_schema_with_more_fields_accepts_them():
    """A newer Istio's CRD knows fields the built-in schema does not: the cluster's schema decides."""
    newer = {"type": "object", "properties": dict(BUILTIN_SCHEMA["properties"], newField={"type": "string"}),
             "x-kubernetes-validations": [{"rule": "true"}]}
    assert problems({"hosts": ["a"], "newField": "x"}, newer) == []
    assert problems({"hosts": ["a"], "newField": "x"}, BUILTIN_SCHEMA)[0][0] == "newField"


def test_preserve_unknown_fields_and_open_maps():
    schema = {"type": "object", "x-kubernetes-preserve-unknown-fields": True, "properties": {"a": {"type": "string"}}}
    assert problems({"a": "x", "b": {"c": 1}}, schema) == []
    assert problems({"a": 1}, schema) == [("a", "expected string, got integer 1")]


class FakeClient:
    def __init__(self, answer):
        self.answer = answer
        self.calls = []

    def get(self, api_version, kind, name, namespace=None):
        self.calls.append((api_version, kind, name, namespace))
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer


def crd_with(version, spec_schema):
    return {"spec": {"versions": [{"name": "v1alpha3", "schema": {}},
                                  {"name": version, "schema": {"openAPIV3Schema": {
                                      "type": "object", "properties": {"spec": spec_schema}}}}]}}


def test_load_prefers_the_cluster_crd_for_the_version_applied():
    marker = {"type": "object", "properties": {"hosts": {"type": "array"}}}
    client = FakeClient(crd_with("v1", marker))
    assert load(client, "v1", "auto") == (marker, "cluster")
    assert client.calls == [("apiextensions.k8s.io/v1", "CustomResourceDefinition",
                             "virtualservices.networking.istio.io", None)]
    assert load(client, "v1", "cluster") == (marker, "cluster")


@pytest.mark.parametrize("answer", [
    Forbidden("customresourcedefinitions is forbidden: User cannot get", service="k8s", status=403),
    None,  # not found: K8sClient.get answers None
    {"spec": {"versions": [{"name": "v1beta1"}]}},  # no schema for the version applied
])
def test_load_falls_back_to_builtin_in_auto_and_refuses_in_cluster(answer):
    assert load(FakeClient(answer), "v1", "auto") == (BUILTIN_SCHEMA, "builtin")
    with pytest.raises(ValidationError) as info:
        load(FakeClient(answer), "v1", "cluster")
    assert "schema_source=builtin" in str(info.value)


def test_builtin_never_reads_the_cluster():
    client = FakeClient(AssertionError("must not be called"))
    assert load(client, "v1", "builtin") == (BUILTIN_SCHEMA, "builtin")
    assert client.calls == []


def test_compact_notation():
    assert expand({"a": "uint32?", "b": ("X", "Y"), "c": ["string"], "d": {"*": "boolean"},
                   "+required": ("a",), "+at_most_one": ("a", "c")}) == {
        "type": "object",
        "properties": {"a": {"type": "integer", "minimum": 0, "maximum": 4294967295, "nullable": True},
                       "b": {"type": "string", "enum": ["X", "Y"]},
                       "c": {"type": "array", "items": {"type": "string"}},
                       "d": {"type": "object", "additionalProperties": {"type": "boolean"}}},
        "required": ["a"],
        "oneOf": [{"not": {"anyOf": [{"required": ["a"]}, {"required": ["c"]}]}},
                  {"required": ["a"]}, {"required": ["c"]}],
    }
