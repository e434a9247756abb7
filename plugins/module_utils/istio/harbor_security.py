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
- Routing: only the paths clients use go to core - ``/api/``, ``/c/``, ``/v2/``
  and exactly ``/service/token`` - before the portal catch-all (else
  ``POST /c/login`` gets 405 from the portal), with no rewrite, no retries
  (multi-GB layer uploads) and Istio's default of no timeout. The rest of
  ``/service/`` is core's internal side: ``/service/notifications/...`` is
  jobservice's job status hook, which checks no credentials (Harbor
  ``src/server/route.go``, ``src/server/handler/job_status_hook.go``); the
  chart's nginx answers 404 there, and so does the gateway (a direct response).
  Jobservice reaches core inside the mesh, not through the gateway.
- Names: the Services are the chart's (``harbor.fullname``: release ``hub``
  has ``hub-harbor-core``), see module_utils/chart_names.py; the pods' ``app``
  label is the chart's ``harbor.name`` (nameOverride, else ``harbor``).
- Injection: PeerAuthentication and the JWT policies are enforced by the
  istio-proxy sidecar only; ``injection_report`` tells whether Harbor's
  namespace is labelled for injection and which of its pods run without one.

Builders are pure: they return manifests or raise ValidationError.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.berth.platform.plugins.module_utils import chart_names
from ansible_collections.berth.platform.plugins.module_utils.errors import BerthError, ValidationError

# The paths clients use on core (Harbor 2.15 src/server/route.go and its API): the REST API and
# its UI calls, the login/OIDC controllers, the registry API - and the token service, exactly
# (its parameters travel in the query string, which Istio's uri match does not see).
# Not routed: /chartrepo/ (ChartMuseum, removed in Harbor 2.8) and /v1/ (the chart's nginx
# answers 404); they fall to the portal like any unknown path.
CORE_PREFIXES = ("/api/", "/c/", "/v2/")
CORE_EXACT = ("/service/token",)
# Core's internal side, answered 404 by the gateway itself: /service/notifications/... is
# jobservice's job status hook, which checks no credentials (src/server/handler/job_status_hook.go).
INTERNAL_PREFIXES = ("/service/",)
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
    """Harbor's VirtualService: core's client paths first (no rewrite, no retries), then a 404
    for the rest of ``/service/`` (core's internal hooks), the portal last."""
    if "/" not in gateway_ref:
        raise ValidationError("the gateway reference must be namespace-qualified (<namespace>/<name>), "
                              "got %r" % gateway_ref)
    core = {"name": "harbor-core",
            "match": ([{"uri": {"prefix": prefix}} for prefix in CORE_PREFIXES]
                      + [{"uri": {"exact": path}} for path in CORE_EXACT]),
            "route": [{"destination": {"host": core_host, "port": {"number": 80}}}],
            # A retried blob upload cannot be replayed; a layer upload may take many minutes.
            "retries": {"attempts": 0}}
    internal = {"name": "harbor-internal-not-found",
                "match": [{"uri": {"prefix": prefix}} for prefix in INTERNAL_PREFIXES],
                "directResponse": {"status": 404}}
    portal = {"name": "harbor-portal", "match": [{"uri": {"prefix": "/"}}],
              "route": [{"destination": {"host": portal_host, "port": {"number": 80}}}]}
    return {"apiVersion": "networking.istio.io/" + version, "kind": "VirtualService",
            "metadata": _meta(name, namespace, labels),
            "spec": {"hosts": [host], "gateways": [gateway_ref], "http": [core, internal, portal]}}


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


# -- sidecar injection ------------------------------------------------------------------

INJECTION_LABEL = "istio-injection"
REVISION_LABEL = "istio.io/rev"
SIDECAR = "istio-proxy"


class MeshNotInForce(BerthError):
    """Harbor's namespace or pods are not injected, so the mesh policies would be enforced by nothing."""


def default_selector(component, name_override=None):
    """The official chart's labels of one component's pods."""
    return {"app": chart_names.name(name_override), "component": component}


def namespace_injection(namespace_obj):
    """(on, label) for a Namespace as Istio's injector webhooks select it: ``istio-injection=enabled``,
    or an ``istio.io/rev`` label; ``istio-injection=disabled`` turns both off."""
    labels = ((namespace_obj or {}).get("metadata") or {}).get("labels") or {}
    value = labels.get(INJECTION_LABEL)
    if value == "disabled":
        return False, "%s=disabled" % INJECTION_LABEL
    if value == "enabled":
        return True, "%s=enabled" % INJECTION_LABEL
    if labels.get(REVISION_LABEL):
        return True, "%s=%s" % (REVISION_LABEL, labels[REVISION_LABEL])
    return False, None


def has_sidecar(pod):
    """True when the pod runs istio-proxy (a container, or a native sidecar init container)."""
    spec = pod.get("spec") or {}
    return any(c.get("name") == SIDECAR for c in (spec.get("containers") or []) + (spec.get("initContainers") or []))


def injection_report(namespace, namespace_obj, pods, app):
    """What the injector did for Harbor: the namespace's label and the live pods without a sidecar.
    ``namespace_obj`` is None when the namespace does not exist; finished or terminating pods are
    left out (they are going away)."""
    on, label = namespace_injection(namespace_obj)
    live = [p for p in pods
            if ((p.get("status") or {}).get("phase") not in ("Succeeded", "Failed"))
            and not (p.get("metadata") or {}).get("deletionTimestamp")]
    without = sorted(p["metadata"]["name"] for p in live if not has_sidecar(p))
    exists = namespace_obj is not None
    return dict(checked=True, namespace=namespace, namespace_exists=exists, namespace_injection=on,
                namespace_label=label, pod_selector="app=" + app, pods=len(live),
                pods_without_sidecar=without, in_force=exists and on and not without)


def injection_problem(report, enforced):
    """(message, fix) when ``report`` shows the mesh is not in force, else None.
    ``enforced`` names what would go unenforced (for example ``mtls_mode STRICT``)."""
    if report["in_force"]:
        return None
    ns = report["namespace"]
    found = []
    if not report["namespace_exists"]:
        found.append("namespace %s does not exist" % ns)
    elif not report["namespace_injection"]:
        found.append("namespace %s is not labelled for sidecar injection (%s)"
                     % (ns, report["namespace_label"] or "neither istio-injection=enabled nor istio.io/rev"))
    if report["pods_without_sidecar"]:
        found.append("Harbor pods (%s) without an istio-proxy sidecar - started before injection was "
                     "enabled, or opted out: %s" % (report["pod_selector"], ", ".join(report["pods_without_sidecar"])))
    message = ("Istio is not in force for Harbor in namespace %s: %s. What this run asks for (%s) is enforced "
               "by the istio-proxy sidecar only: a pod without one accepts plaintext from anyone and ignores "
               "the policies, and its calls to injected pods are refused under STRICT mTLS"
               % (ns, "; ".join(found), enforced))
    if not report["namespace_exists"]:
        fix = ("install Harbor first (the harbor role creates the namespace labelled for injection with "
               "harbor_istio_injection: true), or set require_injection=false to only warn")
    else:
        steps = []
        if not report["namespace_injection"]:
            steps.append("kubectl label namespace %s istio-injection=enabled --overwrite (or istio.io/rev=<revision>; "
                         "the harbor role does it with harbor_istio_injection: true, harbor_istio_revision)" % ns)
        steps.append("kubectl rollout restart deployment,statefulset -n %s (pods get the sidecar only when they "
                     "start)" % ns)
        fix = "fix: " + ", then ".join(steps) + "; or set require_injection=false to only warn"
    return message, fix
