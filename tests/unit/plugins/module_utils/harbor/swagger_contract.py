"""Harbor's Swagger (shared/reference/harbor-v2.15.2-swagger.yaml) as a judge of requests.

``SwaggerContract.problems(method, path, query, body)`` lists what a request gets wrong
against the contract: an unknown path or method, a query parameter the operation does
not declare, a missing required one, a body that does not validate against the
operation's body schema (unknown properties included: Harbor's models are closed).
Paths outside ``/api/v2.0`` (the registry token service) are not part of the contract.
"""

import copy
import os
import re

import jsonschema
import yaml

REFERENCE = os.environ.get("BERTH_REFERENCE") or os.path.join(
    os.path.dirname(os.path.abspath(__file__)), *([".."] * 6 + ["shared", "reference"]))
SWAGGER = os.path.join(REFERENCE, "harbor-v2.15.2-swagger.yaml")


def _closed(schema):
    """A copy of a Swagger 2.0 schema where objects with properties reject unknown keys."""
    schema = copy.deepcopy(schema)

    def walk(node):
        if isinstance(node, dict):
            if node.get("type") == "object" and "properties" in node:
                node.setdefault("additionalProperties", False)
            for key in ("x-nullable", "x-omitempty", "x-isnullable"):
                if node.pop(key, None) and "type" in node and not isinstance(node["type"], list):
                    node["type"] = [node["type"], "null"]
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)
    walk(schema)
    return schema


class SwaggerContract:
    def __init__(self, path=SWAGGER):
        with open(path) as f:
            self.spec = yaml.safe_load(f)
        self.base = self.spec["basePath"]
        self.definitions = _closed(self.spec["definitions"])
        self.routes = []
        for template, item in self.spec["paths"].items():
            pattern = "^" + re.sub(r"\{[^}]+\}", "[^/]+", template) + "$"
            self.routes.append((re.compile(pattern), template, item))

    def _parameters(self, item, operation):
        params = []
        for param in list(item.get("parameters", [])) + list(operation.get("parameters", [])):
            if "$ref" in param:
                param = self.spec["parameters"][param["$ref"].rsplit("/", 1)[-1]]
            params.append(param)
        return params

    def problems(self, method, path, query=None, body=None):
        if not path.startswith(self.base + "/"):
            return []
        rel = path[len(self.base):]
        matches = [(t, item) for pattern, t, item in self.routes if pattern.match(rel)]
        # A literal path (/projects/{name}/_deletable) wins over a templated one.
        matches.sort(key=lambda m: m[0].count("{"))
        if not matches:
            return ["%s %s: no such path in Harbor's API" % (method, rel)]
        template, item = matches[0]
        operation = item.get(method.lower())
        if operation is None:
            return ["%s %s: Harbor's API has no %s on %s" % (method, rel, method, template)]
        params = self._parameters(item, operation)
        found = []
        declared = dict((p["name"], p) for p in params if p["in"] == "query")
        for name in sorted(query or {}):
            if name not in declared:
                found.append("%s %s: query parameter %r not declared" % (method, template, name))
        for name, param in declared.items():
            if param.get("required") and name not in (query or {}):
                found.append("%s %s: required query parameter %r missing" % (method, template, name))
        body_params = [p for p in params if p["in"] == "body"]
        if body is not None and not body_params:
            found.append("%s %s: sends a body the operation does not take" % (method, template))
        if body_params:
            param = body_params[0]
            if body is None:
                if param.get("required"):
                    found.append("%s %s: required body missing" % (method, template))
            else:
                # Swagger's '#/definitions/X' refs resolve inside this merged schema.
                schema = dict(_closed(param["schema"]), definitions=self.definitions)
                for error in jsonschema.Draft4Validator(schema).iter_errors(body):
                    where = "/".join(str(p) for p in error.absolute_path) or "(body)"
                    found.append("%s %s: body %s: %s" % (method, template, where, error.message))
        return found


_CONTRACT = []


def check_request(method, path, query=None, body=None):
    """Raise AssertionError when a request leaves Harbor's API contract. The in-memory Harbors
    of the unit tests call this for every request, so each adapter test is a contract test."""
    if not _CONTRACT:
        _CONTRACT.append(SwaggerContract())
    problems = _CONTRACT[0].problems(method, path, query, body)
    if problems:
        raise AssertionError("request outside Harbor's API contract:\n" + "\n".join(problems))
