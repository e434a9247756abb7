# -*- coding: utf-8 -*-
# Copyright: berth.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Istio objects that put Harbor behind the mesh without breaking it.

What breaks a real Harbor behind Istio, and what is built here instead:

- A RequestAuthentication on a workload that serves ``/v2/`` rejects the
  Harbor-signed bearer token docker sends (issuer ``harbor-token-issuer``) with
  401 "Jwt issuer is not configured"; a path exemption in an AuthorizationPolicy
  does not help. So JWT checks never select harbor-core or the ingress gateway
  on the ``Authorization`` header: ``jwt.mode: portal`` guards the portal
  workload only, ``jwt.mode: header`` validates a token that an auth proxy puts
  in another header, and no JWT check is the default.
- harbor-core proxies ``/v2/`` to the registry keeping the external Host
  (``src/server/registry/proxy.go``); with STRICT mTLS the sidecar finds no
  route for that host, sends it out unencrypted, and the registry's sidecar
  resets it (503 on push). With STRICT the default remedy is a MESH_INTERNAL
  ServiceEntry for the Harbor host on port 5000 plus a mesh VirtualService
  that routes it to the registry Service, both visible in Harbor's namespace
  only: the traffic stays mTLS.
- Routing: Harbor's API, OIDC and token paths go to core before the portal
  catch-all (else ``POST /c/login`` gets 405 from the portal), with no rewrite,
  no retries (multi-GB layer uploads) and Istio's default of no timeout.

Builders are pure: they return manifests or raise ValidationError.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.berth.platform.plugins.module_utils.errors import ValidationError

# Harbor's own paths served by core (the chart's nginx and ingress send these to core).
CORE_PREFIXES = ("/api/", "/c/", "/chartrepo/", "/service/", "/v1/", "/v2/")
REGISTRY_PORT = 5000
DEFAULT_JWT_HEADER = "x-forwarded-access-token"
_HOST = re.compile(r"^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$")


def _meta(name, namespace, labels=None):
    meta = {"name": name, "namespace": namespace}
    if labels:
        meta["labels"] = dict(labels)
    return meta


def check_host(host):
    """Harbor's external host: a DNS name, no scheme, port, path or trailing slash (it must
    equal externalURL's host; the token realm, OIDC redirect and cookies derive from it)."""
    if not host or not _HOST.match(host):
        raise ValidationError("harbor_host must be a DNS name such as harbor.example.com (no scheme, port, "
                              "path or trailing slash; externalURL is https://<harbor_host>), got %r" % host)
    return host


def gateway(name, namespace, host, credential_name, selector, https_redirect=True, labels=None,
            version="v1"):
    if not credential_name:
        raise ValidationError("gateway.tls_credential_name is required (a TLS Secret for %s in the "
                              "ingress gateway's namespace)" % host)
    servers = [{"port": {"number": 443, "name": "https", "protocol": "HTTPS"},
                "tls": {"mode": "SIMPLE", "credentialName": credential_name}, "hosts": [host]}]
    http = {"port": {"number": 80, "name": "http", "protocol": "HTTP"}, "hosts": [host]}
    if https_redirect:
        http["tls"] = {"httpsRedirect": True}
    servers.append(http)
    return {"apiVersion": "networking.istio.io/" + version, "kind": "Gateway",
            "metadata": _meta(name, namespace, labels),
            "spec": {"selector": dict(selector), "servers": servers}}


def routes(name, namespace, host, gateway_ref, core_host, portal_host, labels=None, version="v1"):
    """Harbor's VirtualService: core paths first (no rewrite, no retries), the portal last."""
    if "/" not in gateway_ref:
        raise ValidationError("the gateway reference must be namespace-qualified (<namespace>/<name>), "
                              "got %r" % gateway_ref)
    core = {"name": "harbor-core",
            "match": [{"uri": {"prefix": prefix}} for prefix in CORE_PREFIXES],
            "route": [{"destination": {"host": core_host, "port": {"number": 80}}}],
            # A retried blob upload cannot be replayed; a layer upload may take many minutes.
            "retries": {"attempts": 0}}
    portal = {"name": "harbor-portal", "match": [{"uri": {"prefix": "/"}}],
              "route": [{"destination": {"host": portal_host, "port": {"number": 80}}}]}
    return {"apiVersion": "networking.istio.io/" + version, "kind": "VirtualService",
            "metadata": _meta(name, namespace, labels),
            "spec": {"hosts": [host], "gateways": [gateway_ref], "http": [core, portal]}}


def peer_authentication(namespace, mode="STRICT", labels=None, version="v1"):
    # Named "default" without a selector: the namespace-wide policy Istio expects.
    return {"apiVersion": "security.istio.io/" + version, "kind": "PeerAuthentication",
            "metadata": _meta("default", namespace, labels), "spec": {"mtls": {"mode": mode}}}


def registry_host_entry(name, namespace, host, labels=None, version="v1"):
    """Declares the external Harbor host on port 5000 inside the mesh (this namespace only), so
    the sidecar of core has a route for the Host header core's registry proxy keeps."""
    return {"apiVersion": "networking.istio.io/" + version, "kind": "ServiceEntry",
            "metadata": _meta(name, namespace, labels),
            "spec": {"hosts": [host], "location": "MESH_INTERNAL", "resolution": "DNS",
                     "exportTo": ["."],
                     "ports": [{"number": REGISTRY_PORT, "name": "http-registry", "protocol": "HTTP"}]}}


def registry_host_route(name, namespace, host, registry_host, labels=None, version="v1"):
    """Mesh traffic to <harbor host>:5000 goes to the registry Service (mTLS)."""
    return {"apiVersion": "networking.istio.io/" + version, "kind": "VirtualService",
            "metadata": _meta(name, namespace, labels),
            "spec": {"hosts": [host], "gateways": ["mesh"], "exportTo": ["."],
                     "http": [{"name": "harbor-registry",
                               "match": [{"port": REGISTRY_PORT}],
                               "route": [{"destination": {"host": registry_host,
                                                          "port": {"number": REGISTRY_PORT}}}]}]}}


def registry_port_permissive(name, namespace, registry_selector, labels=None, version="v1"):
    """The other remedy: the registry's port 5000 accepts plaintext (weaker; documented)."""
    return {"apiVersion": "security.istio.io/" + version, "kind": "PeerAuthentication",
            "metadata": _meta(name, namespace, labels),
            "spec": {"selector": {"matchLabels": dict(registry_selector)}, "mtls": {"mode": "STRICT"},
                     "portLevelMtls": {str(REGISTRY_PORT): {"mode": "PERMISSIVE"}}}}


def request_authentication(name, namespace, selector, issuer, jwks_uri=None, audiences=None,
                           header=None, labels=None, version="v1"):
    """Validates Keycloak JWTs on ``selector``'s pods; with ``header`` only that header is read
    (Istio then never looks at ``Authorization``, where Harbor's own tokens travel)."""
    if not issuer or not issuer.startswith("https://"):
        raise ValidationError("jwt.issuer must be the https:// issuer URL of the Keycloak realm, got %r" % issuer)
    rule = {"issuer": issuer,
            "jwksUri": jwks_uri or issuer.rstrip("/") + "/protocol/openid-connect/certs"}
    if audiences:
        rule["audiences"] = list(audiences)
    if header:
        if header.lower() == "authorization":
            raise ValidationError("jwt.header must not be Authorization: docker, robots and Harbor's "
                                  "components send Harbor's own credentials there")
        rule["fromHeaders"] = [{"name": header}]
        rule["forwardOriginalToken"] = True
    return {"apiVersion": "security.istio.io/" + version, "kind": "RequestAuthentication",
            "metadata": _meta(name, namespace, labels),
            "spec": {"selector": {"matchLabels": dict(selector)}, "jwtRules": [rule]}}


def require_jwt(name, namespace, selector, labels=None, version="v1"):
    """ALLOW only requests with a valid JWT on ``selector``'s pods (the portal, never core)."""
    return {"apiVersion": "security.istio.io/" + version, "kind": "AuthorizationPolicy",
            "metadata": _meta(name, namespace, labels),
            "spec": {"selector": {"matchLabels": dict(selector)}, "action": "ALLOW",
                     "rules": [{"from": [{"source": {"requestPrincipals": ["*"]}}]}]}}
