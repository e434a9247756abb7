# -*- coding: utf-8 -*-
# Copyright: berth.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The VirtualService schema: refuse what the CRD does not declare, naming its path.

Two sources give the same kind of schema (an OpenAPI v3 ``spec`` schema):

- ``cluster``: the live ``CustomResourceDefinition virtualservices.networking.istio.io``,
  the version being applied. It is exactly what the API server will judge with,
  including fields of an Istio newer than this collection.
- ``builtin``: ``BUILTIN``, the same knowledge for Istio 1.30 in a compact form
  (no descriptions, shared parts written once). A unit test expands it and
  compares it with Istio 1.30.3's CRD, so it cannot drift from the real one.
  It needs no request and no cluster-wide read access.

``check`` walks a spec against either and reports every unknown field, wrong
type, value outside an enum or range, missing required field and broken
"at most one of" group, each with its path (``http[0].fualt``). CEL rules
(durations such as ``timeout``) are left to the API server, which judges them
in check mode too (server-side dry run). No Ansible imports.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import difflib

from ansible_collections.berth.platform.plugins.module_utils.errors import (
    Forbidden, NotFound, Unauthorized, ValidationError,
)

CRD_NAME = "virtualservices.networking.istio.io"
SOURCES = ("auto", "cluster", "builtin")

# -- the compact notation ----------------------------------------------------
# "string", "boolean", "number", "int32" (integer), "uint32" (integer 0..2^32-1);
# a trailing "?" makes a value nullable. A tuple is a string enum, a one-item
# list an array of that item, {ANY: x} a map of x, any other dict an object with
# those properties; REQUIRED and AT_MOST_ONE name its required fields and its
# "at most one of" group (Istio's oneOf).
ANY = "*"
REQUIRED = "+required"
AT_MOST_ONE = "+at_most_one"

S = "string"
STRING_MATCH = {"exact": S, "prefix": S, "regex": S, AT_MOST_ONE: ("exact", "prefix", "regex")}
DESTINATION = {"host": S, "port": {"number": "uint32"}, "subset": S, REQUIRED: ("host",)}
PERCENT = {"value": "number"}
HEADER_OPERATIONS = {"add": {ANY: S}, "remove": [S], "set": {ANY: S}}
HEADERS = {"request": HEADER_OPERATIONS, "response": HEADER_OPERATIONS}
L4_ROUTE = [{"destination": DESTINATION, "weight": "int32", REQUIRED: ("destination",)}]
L4_MATCH = {"destinationSubnets": [S], "gateways": [S], "port": "uint32",
            "sourceLabels": {ANY: S}, "sourceNamespace": S}

BUILTIN = {
    "exportTo": [S],
    "gateways": [S],
    "hosts": [S],
    "http": [{
        "corsPolicy": {
            "allowCredentials": "boolean?",
            "allowHeaders": [S],
            "allowMethods": [S],
            "allowOrigin": [S],
            "allowOrigins": [STRING_MATCH],
            "exposeHeaders": [S],
            "maxAge": S,
            "unmatchedPreflights": ("UNSPECIFIED", "FORWARD", "IGNORE"),
        },
        "delegate": {"name": S, "namespace": S},
        "directResponse": {
            "body": {"bytes": S, "string": S, AT_MOST_ONE: ("string", "bytes")},
            "status": "uint32",
            REQUIRED: ("status",),
        },
        "fault": {
            "abort": {"grpcStatus": S, "http2Error": S, "httpStatus": "int32", "percentage": PERCENT,
                      AT_MOST_ONE: ("httpStatus", "grpcStatus", "http2Error")},
            "delay": {"exponentialDelay": S, "fixedDelay": S, "percent": "int32", "percentage": PERCENT,
                      AT_MOST_ONE: ("fixedDelay", "exponentialDelay")},
        },
        "headers": HEADERS,
        "match": [{
            "authority": STRING_MATCH,
            "gateways": [S],
            "headers": {ANY: STRING_MATCH},
            "ignoreUriCase": "boolean",
            "method": STRING_MATCH,
            "name": S,
            "port": "uint32",
            "queryParams": {ANY: STRING_MATCH},
            "scheme": STRING_MATCH,
            "sourceLabels": {ANY: S},
            "sourceNamespace": S,
            "statPrefix": S,
            "uri": STRING_MATCH,
            "withoutHeaders": {ANY: STRING_MATCH},
        }],
        "mirror": DESTINATION,
        "mirror_percent": "uint32?",
        "mirrorPercent": "uint32?",
        "mirrorPercentage": PERCENT,
        "mirrors": [{"destination": DESTINATION, "percentage": PERCENT, REQUIRED: ("destination",)}],
        "name": S,
        "redirect": {
            "authority": S,
            "derivePort": ("FROM_PROTOCOL_DEFAULT", "FROM_REQUEST_PORT"),
            "port": "uint32",
            "redirectCode": "uint32",
            "scheme": S,
            "uri": S,
            AT_MOST_ONE: ("port", "derivePort"),
        },
        "retries": {
            "attempts": "int32",
            "backoff": S,
            "perTryTimeout": S,
            "retryIgnorePreviousHosts": "boolean?",
            "retryOn": S,
            "retryRemoteLocalities": "boolean?",
        },
        "rewrite": {"authority": S, "uri": S, "uriRegexRewrite": {"match": S, "rewrite": S}},
        "route": [{"destination": DESTINATION, "headers": HEADERS, "weight": "int32",
                   REQUIRED: ("destination",)}],
        "timeout": S,
    }],
    "tcp": [{"match": [dict(L4_MATCH, sourceSubnet=S)], "route": L4_ROUTE}],
    "tls": [{"match": [dict(L4_MATCH, sniHosts=[S], **{REQUIRED: ("sniHosts",)})], "route": L4_ROUTE,
             REQUIRED: ("match",)}],
}

_UINT32 = {"type": "integer", "minimum": 0, "maximum": 4294967295}
# The OpenAPI keywords this module reads; everything else (descriptions, formats,
# CEL rules) is dropped before a comparison.
KEYWORDS = ("type", "properties", "items", "additionalProperties", "required", "oneOf", "anyOf",
            "not", "enum", "minimum", "maximum", "nullable", "x-kubernetes-preserve-unknown-fields")


def expand(compact):
    """The compact notation as the OpenAPI schema it stands for (KEYWORDS only)."""
    if isinstance(compact, str):
        nullable = compact.endswith("?")
        name = compact.rstrip("?")
        out = dict(_UINT32) if name == "uint32" else {"type": "integer" if name == "int32" else name}
        if nullable:
            out["nullable"] = True
        return out
    if isinstance(compact, tuple):
        return {"type": "string", "enum": list(compact)}
    if isinstance(compact, list):
        return {"type": "array", "items": expand(compact[0])}
    if ANY in compact:
        return {"type": "object", "additionalProperties": expand(compact[ANY])}
    out = {"type": "object",
           "properties": dict((k, expand(v)) for k, v in compact.items() if not k.startswith("+"))}
    if REQUIRED in compact:
        out["required"] = list(compact[REQUIRED])
    if AT_MOST_ONE in compact:
        group = compact[AT_MOST_ONE]
        out["oneOf"] = ([{"not": {"anyOf": [{"required": [k]} for k in group]}}]
                        + [{"required": [k]} for k in group])
    return out


def trim(schema):
    """An OpenAPI schema with only KEYWORDS, recursively (for comparisons)."""
    if isinstance(schema, list):
        return [trim(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out = {}
    for key in KEYWORDS:
        if key not in schema:
            continue
        value = schema[key]
        if key == "properties":
            out[key] = dict((k, trim(v)) for k, v in value.items())
        elif key in ("items", "additionalProperties", "not", "oneOf", "anyOf"):
            out[key] = trim(value)
        else:
            out[key] = value
    return out


BUILTIN_SCHEMA = expand(BUILTIN)


# -- where the schema comes from ---------------------------------------------
def spec_schema_of(crd, version):
    """The ``spec`` schema of ``version`` in a CRD object, or None."""
    for item in (crd or {}).get("spec", {}).get("versions") or []:
        if item.get("name") == version:
            root = ((item.get("schema") or {}).get("openAPIV3Schema") or {})
            return (root.get("properties") or {}).get("spec")
    return None


def load(client, version, source="auto"):
    """(schema, label) for ``source``: the cluster's CRD, the built-in one, or the
    cluster's when it can be read and the built-in one otherwise (``auto``)."""
    if source == "builtin":
        return BUILTIN_SCHEMA, "builtin"
    try:
        crd = client.get("apiextensions.k8s.io/v1", "CustomResourceDefinition", CRD_NAME)
    except (Forbidden, Unauthorized, NotFound) as exc:
        if source == "cluster":
            raise ValidationError("cannot read the CustomResourceDefinition %s to check the spec (%s)"
                                  % (CRD_NAME, exc), service="k8s",
                                  hint="grant get on customresourcedefinitions, or use schema_source=builtin")
        return BUILTIN_SCHEMA, "builtin"
    schema = spec_schema_of(crd, version)
    if schema is None:
        if source == "cluster":
            raise ValidationError("the cluster's CustomResourceDefinition %s has no schema for %s"
                                  % (CRD_NAME, version), service="k8s",
                                  hint="install Istio's CRDs, or use schema_source=builtin")
        return BUILTIN_SCHEMA, "builtin"
    return schema, "cluster"


# -- the walk ------------------------------------------------------------------
def _join(path, key):
    return "%s.%s" % (path, key) if path else str(key)


def _kind(value):
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, dict):
        return "object"
    if isinstance(value, (list, tuple)):
        return "array"
    return type(value).__name__


def _type_ok(value, wanted):
    kind = _kind(value)
    if wanted == "number":
        return kind in ("number", "integer")
    if wanted == "integer" and kind == "number":
        return float(value).is_integer()
    return kind == wanted


def _satisfies(value, schema):
    """The structural subset of JSON schema Istio's CRDs use inside oneOf (required/not/anyOf/oneOf)."""
    if not isinstance(value, dict):
        return True
    if any(k not in value for k in schema.get("required") or ()):
        return False
    if "not" in schema and _satisfies(value, schema["not"]):
        return False
    if "anyOf" in schema and not any(_satisfies(value, s) for s in schema["anyOf"]):
        return False
    if "oneOf" in schema and sum(1 for s in schema["oneOf"] if _satisfies(value, s)) != 1:
        return False
    return True


def _one_of_message(value, branches):
    names = []
    for branch in branches:
        names.extend(branch.get("required") or ())
    present = [n for n in names if n in value]
    if names and present:
        return "set at most one of %s (got %s)" % (_or(names), " and ".join(present))
    return "matches none or several of its alternatives"


def _or(names):
    return names[0] if len(names) == 1 else "%s or %s" % (", ".join(names[:-1]), names[-1])


def problems(value, schema, path=""):
    """Every way ``value`` breaks ``schema``, as (path, message) pairs."""
    out = []
    _walk(value, schema or {}, path, out)
    return out


def _walk(value, schema, path, out):
    if value is None:
        if not schema.get("nullable"):
            out.append((path, "must not be null"))
        return
    wanted = schema.get("type")
    if wanted and not _type_ok(value, wanted):
        out.append((path, "expected %s, got %s %r" % (wanted, _kind(value), value)))
        return
    if "enum" in schema and value not in schema["enum"]:
        out.append((path, "must be one of %s, got %r" % (", ".join(map(str, schema["enum"])), value)))
    if _kind(value) in ("integer", "number"):
        if "minimum" in schema and value < schema["minimum"]:
            out.append((path, "must be at least %s, got %s" % (schema["minimum"], value)))
        if "maximum" in schema and value > schema["maximum"]:
            out.append((path, "must be at most %s, got %s" % (schema["maximum"], value)))
    if isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            _walk(item, schema.get("items") or {}, "%s[%d]" % (path, index), out)
        return
    if not isinstance(value, dict):
        return
    properties = schema.get("properties")
    extra = schema.get("additionalProperties")
    for key in sorted(value, key=str):
        where = _join(path, key)
        if properties is not None and key in properties:
            _walk(value[key], properties[key], where, out)
        elif isinstance(extra, dict):
            _walk(value[key], extra, where, out)
        elif properties is not None and extra is not True \
                and not schema.get("x-kubernetes-preserve-unknown-fields"):
            close = difflib.get_close_matches(str(key), list(properties), n=1)
            hint = ("did you mean %s?" % close[0]) if close else "known here: " + ", ".join(sorted(properties))
            out.append((where, "unknown field (%s)" % hint))
    for key in schema.get("required") or ():
        if key not in value:
            out.append((_join(path, key), "is required"))
    if "oneOf" in schema and sum(1 for s in schema["oneOf"] if _satisfies(value, s)) != 1:
        out.append((path, _one_of_message(value, schema["oneOf"])))


def check(spec, schema, label="builtin", limit=6):
    """Raise ValidationError naming every problem (at most ``limit``) of ``spec`` under ``schema``."""
    found = problems(spec, schema)
    if not found:
        return
    shown = ["%s: %s" % (path or "spec", message) for path, message in found[:limit]]
    more = " (and %d more)" % (len(found) - limit) if len(found) > limit else ""
    origin = "the cluster's CRD" if label == "cluster" else "Istio 1.30's built-in schema"
    raise ValidationError("VirtualService spec refused by %s: %s%s" % (origin, "; ".join(shown), more))
