# -*- coding: utf-8 -*-
# Copyright: berth.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Build an Istio VirtualService manifest from the readable options of istio_vs.

Validation here catches what users get wrong most (a route with no destination,
an empty match, a bad port, weights not adding up) with one clear message
before anything is sent; the CRD schema on the server judges the rest.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.berth.platform.plugins.module_utils.errors import ValidationError

STRING_MATCH_KINDS = ("exact", "prefix", "regex")


def _string_match(value, where):
    """{'prefix': '/v2/'} -> same, after checking exactly one kind is set."""
    given = dict((k, v) for k, v in (value or {}).items() if v is not None)
    if len(given) != 1 or next(iter(given)) not in STRING_MATCH_KINDS:
        raise ValidationError("%s needs exactly one of exact, prefix or regex" % where)
    return given


def _port(value, where):
    if value is None:
        return None
    if not 1 <= value <= 65535:
        raise ValidationError("%s port %s is outside 1-65535" % (where, value))
    return {"number": value}


def _drop_none(d):
    return dict((k, v) for k, v in d.items() if v is not None and v != {} and v != [])


def http_route(route, index):
    where = "http[%d]" % index
    out = {}
    if route.get("name"):
        out["name"] = route["name"]
    matches = []
    for m_index, match in enumerate(route.get("match") or []):
        m_where = "%s.match[%d]" % (where, m_index)
        item = {}
        if match.get("uri"):
            item["uri"] = _string_match(match["uri"], m_where + ".uri")
        if match.get("method"):
            item["method"] = _string_match(match["method"], m_where + ".method")
        for header, spec in (match.get("headers") or {}).items():
            item.setdefault("headers", {})[header] = _string_match(spec, "%s.headers.%s" % (m_where, header))
        if not item:
            raise ValidationError("%s is empty: give uri, method or headers (or leave match out to match all)" % m_where)
        matches.append(item)
    if matches:
        out["match"] = matches

    destinations = []
    for d_index, dest in enumerate(route.get("route") or []):
        d_where = "%s.route[%d]" % (where, d_index)
        if not dest.get("host"):
            raise ValidationError("%s has no destination host" % d_where)
        destination = _drop_none({"host": dest["host"], "subset": dest.get("subset"),
                                  "port": _port(dest.get("port"), d_where)})
        destinations.append(_drop_none({"destination": destination, "weight": dest.get("weight")}))
    weights = [d.get("weight") for d in destinations]
    if len(destinations) > 1 and any(w is not None for w in weights) and sum(w or 0 for w in weights) != 100:
        raise ValidationError("%s.route weights add up to %d, not 100" % (where, sum(w or 0 for w in weights)))
    if destinations:
        out["route"] = destinations
    redirect = route.get("redirect")
    if redirect:
        out["redirect"] = _drop_none({"uri": redirect.get("uri"), "authority": redirect.get("authority"),
                                      "redirectCode": redirect.get("redirect_code")})
    if not destinations and not out.get("redirect"):
        raise ValidationError("%s has neither route destinations nor a redirect" % where)
    if destinations and out.get("redirect"):
        raise ValidationError("%s has both route and redirect; Istio allows one" % where)
    rewrite = route.get("rewrite")
    if rewrite:
        out["rewrite"] = _drop_none({"uri": rewrite.get("uri"), "authority": rewrite.get("authority")})
    if route.get("timeout"):
        out["timeout"] = route["timeout"]
    retries = route.get("retries")
    if retries:
        out["retries"] = _drop_none({"attempts": retries.get("attempts"),
                                     "perTryTimeout": retries.get("per_try_timeout"),
                                     "retryOn": retries.get("retry_on")})
    if route.get("headers"):
        out["headers"] = route["headers"]
    return out


def manifest(name, namespace, api_version, hosts, gateways=None, http=None, export_to=None,
             labels=None):
    """The full VirtualService manifest for server-side apply."""
    if not hosts:
        raise ValidationError("hosts must name at least one host")
    spec = {"hosts": list(hosts)}
    if gateways:
        spec["gateways"] = list(gateways)
    if export_to:
        spec["exportTo"] = list(export_to)
    spec["http"] = [http_route(r, i) for i, r in enumerate(http or [])]
    metadata = {"name": name, "namespace": namespace}
    if labels:
        metadata["labels"] = labels
    return {"apiVersion": "networking.istio.io/" + api_version, "kind": "VirtualService",
            "metadata": metadata, "spec": spec}
