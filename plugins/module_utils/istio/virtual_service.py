# -*- coding: utf-8 -*-
# Copyright: berth.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Build an Istio VirtualService manifest from istio_vs's options, and judge it as istiod would.

Two ways in, one way out:

- ``build_spec``: the typed, snake_case options (``http``, ``tcp``, ``tls`` and
  their suboptions) become Istio's camelCase spec. Destinations are written
  flat (``host``, ``port``, ``subset`` next to ``weight``), ports as numbers and
  percentages as numbers; everything else keeps Istio's structure.
- ``spec``: Istio's own spec, passed as given (copied from Istio's docs).

Either way ``check_spec`` then runs the checks istiod's validating webhook makes
that a CRD schema cannot (a route with no destination, route and redirect
together, a delegate VirtualService with gateways, weights, ports,
percentages, fault injection istiod does not support), with the path of the
problem in Istio's field names. Unknown fields and types are ``vs_schema``'s
job. No Ansible imports.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

from ansible_collections.berth.platform.plugins.module_utils.errors import ValidationError

STRING_MATCH_KINDS = ("exact", "prefix", "regex")
# gRPC status names istiod accepts for fault.abort.grpcStatus (pkg/util/grpc/codes.go).
GRPC_STATUSES = ("OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND",
                 "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION",
                 "ABORTED", "OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS",
                 "UNAUTHENTICATED")
SPEC_OPTIONS = ("hosts", "gateways", "export_to", "http", "tcp", "tls")


# -- typed options -> Istio ----------------------------------------------------
def camel(name):
    """snake_case -> camelCase (``ignore_uri_case`` -> ``ignoreUriCase``)."""
    head, _sep, tail = name.partition("_")
    return head + "".join(part[:1].upper() + part[1:] for part in tail.split("_")) if tail else head


def _clean(d):
    """Drop unset values (None) and empty containers; False and 0 stay."""
    return dict((k, v) for k, v in d.items() if v is not None and v != {} and v != [])


def _plain(options, names):
    """The named scalar/list options under their camelCase names."""
    return _clean(dict((camel(n), copy.deepcopy(options.get(n))) for n in names))


def _string_match(value):
    return None if value is None else dict((k, v) for k, v in value.items() if v is not None)


def _string_matches(mapping):
    if mapping is None:
        return None
    return dict((name, _string_match(spec) or {}) for name, spec in mapping.items())


def _percentage(value):
    return None if value is None else {"value": value}


def _destination(options):
    port = options.get("port")
    return _clean({"host": options.get("host"), "subset": options.get("subset"),
                   "port": None if port is None else {"number": port}})


def _header_operations(options):
    if not options:
        return None
    return _clean({"set": options.get("set"), "add": options.get("add"), "remove": options.get("remove")})


def _headers(options):
    if not options:
        return None
    return _clean({"request": _header_operations(options.get("request")),
                   "response": _header_operations(options.get("response"))})


def _route_destinations(items, http=False):
    out = []
    for item in items or []:
        entry = {"destination": _destination(item), "weight": item.get("weight")}
        if http:
            entry["headers"] = _headers(item.get("headers"))
        out.append(_clean(entry))
    return out


def _http_match(match):
    out = _plain(match, ("name", "port", "gateways", "ignore_uri_case", "source_namespace", "stat_prefix"))
    for field in ("uri", "scheme", "method", "authority"):
        if match.get(field) is not None:
            out[field] = _string_match(match[field])
    for field in ("headers", "without_headers", "query_params"):
        if match.get(field) is not None:
            out[camel(field)] = _string_matches(match[field])
    if match.get("source_labels") is not None:
        out["sourceLabels"] = dict(match["source_labels"])
    return out


def _fault(options):
    if not options:
        return None
    delay, abort = options.get("delay"), options.get("abort")
    out = {}
    if delay:
        out["delay"] = _clean({"fixedDelay": delay.get("fixed_delay"),
                               "percentage": _percentage(delay.get("percentage"))})
    if abort:
        out["abort"] = _clean({"httpStatus": abort.get("http_status"), "grpcStatus": abort.get("grpc_status"),
                               "percentage": _percentage(abort.get("percentage"))})
    return out


def _cors(options):
    if not options:
        return None
    out = _plain(options, ("allow_methods", "allow_headers", "expose_headers", "max_age", "allow_credentials",
                           "unmatched_preflights"))
    if options.get("allow_origins") is not None:
        out["allowOrigins"] = [_string_match(o) for o in options["allow_origins"]]
    return out


def _rewrite(options):
    if not options:
        return None
    out = _plain(options, ("uri", "authority"))
    regex = options.get("uri_regex_rewrite")
    if regex:
        out["uriRegexRewrite"] = _clean({"match": regex.get("match"), "rewrite": regex.get("rewrite")})
    return out


def _direct_response(options):
    if not options:
        return None
    body = options.get("body")
    return _clean({"status": options.get("status"),
                   "body": _clean({"string": body.get("string"), "bytes": body.get("bytes")}) if body else None})


def http_route(route):
    """One typed ``http`` item as Istio's HTTPRoute (checks are ``check_spec``'s)."""
    out = _plain(route, ("name", "timeout"))
    matches = [_http_match(m) for m in route.get("match") or []]
    if matches:
        out["match"] = matches
    out["route"] = _route_destinations(route.get("route"), http=True)
    if route.get("redirect"):
        out["redirect"] = _plain(route["redirect"], ("uri", "authority", "port", "derive_port", "scheme",
                                                     "redirect_code"))
    out["directResponse"] = _direct_response(route.get("direct_response"))
    if route.get("delegate"):
        out["delegate"] = _plain(route["delegate"], ("name", "namespace"))
    out["rewrite"] = _rewrite(route.get("rewrite"))
    if route.get("retries"):
        out["retries"] = _plain(route["retries"], ("attempts", "per_try_timeout", "retry_on", "backoff",
                                                   "retry_remote_localities", "retry_ignore_previous_hosts"))
    out["fault"] = _fault(route.get("fault"))
    if route.get("mirror"):
        out["mirror"] = _destination(route["mirror"])
    out["mirrorPercentage"] = _percentage(route.get("mirror_percentage"))
    mirrors = [_clean({"destination": _destination(m), "percentage": _percentage(m.get("percentage"))})
               for m in route.get("mirrors") or []]
    out["mirrors"] = mirrors
    out["corsPolicy"] = _cors(route.get("cors_policy"))
    out["headers"] = _headers(route.get("headers"))
    return _clean(out)


def _l4_match(match, tls=False):
    names = ("port", "destination_subnets", "source_namespace", "gateways")
    out = _plain(match, names + (("sni_hosts",) if tls else ("source_subnet",)))
    if match.get("source_labels") is not None:
        out["sourceLabels"] = dict(match["source_labels"])
    return out


def l4_route(route, tls=False):
    """One typed ``tcp`` or ``tls`` item as Istio's TCPRoute / TLSRoute."""
    return _clean({"match": [_l4_match(m, tls) for m in route.get("match") or []],
                   "route": _route_destinations(route.get("route"))})


def build_spec(hosts=None, gateways=None, http=None, export_to=None, tcp=None, tls=None):
    """Istio's VirtualService spec from the typed options (None: not given)."""
    spec = {}
    if hosts:
        spec["hosts"] = list(hosts)
    if gateways:
        spec["gateways"] = list(gateways)
    if export_to:
        spec["exportTo"] = list(export_to)
    if http:
        spec["http"] = [http_route(r) for r in http]
    if tcp:
        spec["tcp"] = [l4_route(r) for r in tcp]
    if tls:
        spec["tls"] = [l4_route(r, tls=True) for r in tls]
    return spec


# -- istiod's checks -------------------------------------------------------------
def _check_string_match(value, where, presence=False):
    """uri/scheme/method/authority need exactly one kind; header and query maps also
    take {} (presence of the header or parameter)."""
    if not isinstance(value, dict):
        return  # the schema check names the type
    given = [k for k, v in value.items() if v is not None]
    if given and all(k in STRING_MATCH_KINDS for k in given) and len(given) == 1:
        return
    if presence and not given:
        return
    raise ValidationError("%s needs exactly one of exact, prefix or regex%s"
                          % (where, " (or {} for presence)" if presence else ""))


def _check_port(value, where):
    if value is None or isinstance(value, bool) or not isinstance(value, int):
        return
    if not 1 <= value <= 65535:
        raise ValidationError("%s port %s is outside 1-65535" % (where, value))


def _check_percentage(value, where):
    number = (value or {}).get("value") if isinstance(value, dict) else None
    if isinstance(number, (int, float)) and not isinstance(number, bool) and not 0 <= number <= 100:
        raise ValidationError("%s %s is outside 0-100" % (where, number))


def _check_destination(dest, where):
    if not isinstance(dest, dict) or not dest.get("host"):
        raise ValidationError("%s has no destination host" % where)
    port = dest.get("port")
    _check_port(port.get("number") if isinstance(port, dict) else None, where)


def _check_destinations(items, where):
    weights = []
    for index, item in enumerate(items or []):
        item = item if isinstance(item, dict) else {}
        _check_destination(item.get("destination"), "%s.route[%d]" % (where, index))
        weights.append(item.get("weight"))
        if isinstance(item.get("weight"), int) and item["weight"] < 0:
            raise ValidationError("%s.route[%d] weight %d is below 0" % (where, index, item["weight"]))
    given = [w for w in weights if isinstance(w, int)]
    if len(weights) > 1 and given and sum(given) != 100:
        raise ValidationError("%s.route weights add up to %d, not 100" % (where, sum(given)))


def _check_http_match(match, where):
    if not isinstance(match, dict):
        return
    if not match:
        raise ValidationError("%s is empty: give uri, method, headers, port or another condition "
                              "(or leave match out to match all)" % where)
    for field in ("uri", "scheme", "method", "authority"):
        if field in match:
            _check_string_match(match[field], "%s.%s" % (where, field))
    for field in ("headers", "withoutHeaders", "queryParams"):
        for name, value in sorted((match.get(field) or {}).items()):
            _check_string_match(value, "%s.%s.%s" % (where, field, name), presence=True)
    _check_port(match.get("port"), where)


def _check_fault(fault, where):
    if not isinstance(fault, dict):
        return
    if not fault.get("abort") and not fault.get("delay"):
        raise ValidationError("%s needs an abort and/or a delay" % where)
    delay = fault.get("delay") or {}
    if "exponentialDelay" in delay:
        raise ValidationError("%s.delay.exponentialDelay is not supported by istiod yet; use fixedDelay" % where)
    if delay and not delay.get("fixedDelay") and "percent" not in delay:
        raise ValidationError("%s.delay needs fixedDelay" % where)
    _check_percentage(delay.get("percentage"), where + ".delay.percentage")
    abort = fault.get("abort") or {}
    if "http2Error" in abort:
        raise ValidationError("%s.abort.http2Error is not supported by istiod yet; use httpStatus or grpcStatus"
                              % where)
    _check_status(abort.get("httpStatus"), where + ".abort.httpStatus")
    grpc = abort.get("grpcStatus")
    if grpc is not None and grpc not in GRPC_STATUSES:
        raise ValidationError("%s.abort.grpcStatus %r is not a gRPC status name istiod knows (%s)"
                              % (where, grpc, ", ".join(GRPC_STATUSES)))
    _check_percentage(abort.get("percentage"), where + ".abort.percentage")


def _check_http_route(route, where, in_delegate):
    if not isinstance(route, dict):
        return
    for m_index, match in enumerate(route.get("match") or []):
        _check_http_match(match, "%s.match[%d]" % (where, m_index))
    kinds = ("route", "redirect", "directResponse", "delegate", "fault", "rewrite", "mirror", "mirrors")
    has = dict((k, bool(route.get(k))) for k in kinds)
    if has["delegate"]:
        if in_delegate:
            raise ValidationError("%s has a delegate, but this VirtualService is itself a delegate (no hosts)"
                                  % where)
        for other in ("route", "redirect"):
            if has[other]:
                raise ValidationError("%s has both delegate and %s; a delegating route may have neither" % (where, other))
    elif has["redirect"]:
        for other in ("route", "fault", "rewrite", "directResponse"):
            if has[other]:
                raise ValidationError("%s has both %s and redirect; Istio allows one" % (where, other))
    elif has["directResponse"]:
        for other in ("route", "fault", "rewrite"):
            if has[other]:
                raise ValidationError("%s has both %s and directResponse; Istio allows one" % (where, other))
    elif not has["route"]:
        raise ValidationError("%s has neither route destinations nor a redirect (nor directResponse or delegate)"
                              % where)
    if has["mirror"] and has["mirrors"]:
        raise ValidationError("%s has both mirror and mirrors; Istio allows one" % where)
    _check_destinations(route.get("route"), where)
    if has["mirror"]:
        _check_destination(route["mirror"], where + ".mirror")
    for k_index, mirror in enumerate(route.get("mirrors") or []):
        mirror = mirror if isinstance(mirror, dict) else {}
        _check_destination(mirror.get("destination"), "%s.mirrors[%d]" % (where, k_index))
        _check_percentage(mirror.get("percentage"), "%s.mirrors[%d].percentage" % (where, k_index))
    _check_percentage(route.get("mirrorPercentage"), where + ".mirrorPercentage")
    _check_redirect(route.get("redirect"), where + ".redirect")
    _check_rewrite(route.get("rewrite"), where + ".rewrite")
    direct = route.get("directResponse")
    if isinstance(direct, dict):
        _check_status(direct.get("status"), where + ".directResponse.status")
    _check_fault(route.get("fault"), where + ".fault")


def _check_status(status, where):
    if isinstance(status, int) and not isinstance(status, bool) and not 200 <= status <= 600:
        raise ValidationError("%s %d is not in range 200-599" % (where, status))


def _check_redirect(redirect, where):
    if not isinstance(redirect, dict):
        return
    if not any(redirect.get(k) for k in ("uri", "authority", "scheme", "port", "derivePort")):
        raise ValidationError("%s must give uri, authority, scheme or port" % where)
    code = redirect.get("redirectCode")
    if isinstance(code, int) and code and not 300 <= code <= 399:
        raise ValidationError("%s.redirectCode %d is not a redirect (3xx)" % (where, code))
    if redirect.get("scheme") not in (None, "http", "https"):
        raise ValidationError("%s.scheme must be http or https, got %r" % (where, redirect["scheme"]))
    _check_port(redirect.get("port"), where)


def _check_rewrite(rewrite, where):
    if not isinstance(rewrite, dict):
        return
    regex = rewrite.get("uriRegexRewrite")
    if rewrite.get("uri") and regex:
        raise ValidationError("%s may give uri or uriRegexRewrite, not both" % where)
    if not (rewrite.get("uri") or regex or rewrite.get("authority")):
        raise ValidationError("%s must give uri, uriRegexRewrite or authority" % where)
    if isinstance(regex, dict) and not (regex.get("match") and regex.get("rewrite")):
        raise ValidationError("%s.uriRegexRewrite needs both match and rewrite" % where)


def _check_l4_route(route, where, tls):
    if not isinstance(route, dict):
        return
    if tls and not route.get("match"):
        raise ValidationError("%s needs at least one match with sniHosts" % where)
    for m_index, match in enumerate(route.get("match") or []):
        m_where = "%s.match[%d]" % (where, m_index)
        if not isinstance(match, dict):
            continue
        if tls and not match.get("sniHosts"):
            raise ValidationError("%s needs at least one SNI host (sniHosts)" % m_where)
        _check_port(match.get("port"), m_where)
    if not route.get("route"):
        raise ValidationError("%s has no route destinations" % where)
    _check_destinations(route.get("route"), where)


def check_spec(spec):
    """istiod's checks on an Istio-shaped spec; raises ValidationError with the path."""
    if not isinstance(spec, dict):
        raise ValidationError("spec must be a mapping (Istio's VirtualService spec)")
    delegate = not spec.get("hosts")
    if delegate:
        for field in ("gateways", "tcp", "tls"):
            if spec.get(field):
                raise ValidationError(
                    "hosts is empty, which makes this a delegate VirtualService, and a delegate may not "
                    "have %s: give hosts, or leave %s out" % (field, field))
    for index, route in enumerate(spec.get("http") or []):
        _check_http_route(route, "http[%d]" % index, delegate)
    for kind in ("tcp", "tls"):
        for index, route in enumerate(spec.get(kind) or []):
            _check_l4_route(route, "%s[%d]" % (kind, index), kind == "tls")


def manifest(name, namespace, api_version, hosts=None, gateways=None, http=None, export_to=None,
             labels=None, tcp=None, tls=None, spec=None, check=True):
    """The full VirtualService manifest for server-side apply, checked as istiod would
    (``check=False`` leaves ``check_spec`` to the caller, after the schema check).

    ``spec`` (Istio's own spec) and the typed options exclude each other.
    """
    if spec is not None:
        typed = [n for n, v in zip(SPEC_OPTIONS, (hosts, gateways, export_to, http, tcp, tls)) if v]
        if typed:
            raise ValidationError("spec is Istio's whole VirtualService spec; leave out %s (or put them in spec)"
                                  % ", ".join(typed))
        body = copy.deepcopy(spec)
    else:
        body = build_spec(hosts, gateways=gateways, http=http, export_to=export_to, tcp=tcp, tls=tls)
    if check:
        check_spec(body)
    metadata = {"name": name, "namespace": namespace}
    if labels:
        metadata["labels"] = labels
    return {"apiVersion": "networking.istio.io/" + api_version, "kind": "VirtualService",
            "metadata": metadata, "spec": body}
