#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: berth.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: istio_harbor_security
short_description: Harbor behind Istio that keeps working - Gateway, routes, mTLS that does not break pushes, narrow JWT checks
version_added: 0.2.0
description:
  - Ensures the Istio objects that expose Harbor through the mesh, each with server-side apply
    (field manager C(berth.platform)); objects this module manages but the options no longer ask for
    are removed, so switching a mode never leaves an old policy behind.
  - C(Gateway) C(<name>-gateway) for O(harbor_host) with a TLS credential; plain HTTP redirected.
  - "C(VirtualService) C(<name>), in this order: the prefixes C(/api/) (REST API, the UI's calls),
    C(/c/) (login, OIDC login and callback) and C(/v2/) (registry API) and exactly C(/service/token)
    (the token service docker and containerd log in at; its parameters are in the query string) to
    harbor-core port 80, no rewrite, no retries and Istio's default of no timeout (multi-GB layer
    uploads); then every other C(/service/) path answered C(404) by the gateway itself (a direct
    response); then C(/) to the portal (core's paths must come first, otherwise C(POST /c/login)
    reaches the portal and gets 405). The gateway reference is namespace-qualified."
  - "Why not all of C(/service/): C(/service/notifications/...) is jobservice's job status hook, whose
    handler checks no credentials (Harbor C(src/server/route.go), C(src/server/handler/job_status_hook.go));
    through the gateway anyone could post forged job states. Jobservice calls core inside the mesh, not
    through the gateway, and the chart's own nginx answers 404 there too. C(/chartrepo/) (ChartMuseum,
    removed in Harbor 2.8) and C(/v1/) (the chart's nginx answers 404) are not routed to core; they
    reach the portal like any unknown path."
  - "Service names follow the chart's C(harbor.fullname) rule for O(release), O(name_override) and
    O(fullname_override): release C(harbor) has C(harbor-core), C(harbor-portal), C(harbor-registry);
    release C(hub) has C(hub-harbor-core) and so on; O(routes.core_service), O(routes.portal_service)
    and O(registry_service) override them."
  - C(PeerAuthentication) C(default) - namespace-wide mTLS (C(STRICT) by default).
  - "STRICT mTLS and pushes: harbor-core proxies C(/v2/) to the registry keeping the external Host
    header (Harbor C(src/server/registry/proxy.go), goharbor/harbor #14605); the sidecar finds no route
    for C(<harbor_host>:5000), sends it out without mTLS and the registry's STRICT sidecar resets it:
    C(503 upstream connect error) on push and login. With C(STRICT) the module therefore also emits,
    by default (O(registry_fix=service_entry)), a MESH_INTERNAL C(ServiceEntry) for O(harbor_host)
    port 5000 and a mesh C(VirtualService) that routes it to the registry Service, both exported to
    Harbor's namespace only: the traffic stays mutual TLS. O(registry_fix=permissive_port) instead
    lets the registry's port 5000 accept plaintext (weaker: anything in the mesh can then reach the
    registry without a client certificate)."
  - "JWT checks are off by default because every default would lock out real Harbor traffic. A
    C(RequestAuthentication) on a workload that serves C(/v2/) (harbor-core or the ingress gateway)
    rejects the Harbor-signed bearer token docker, containerd and Trivy send (issuer
    C(harbor-token-issuer)) with C(401 Jwt issuer is not configured), and an C(AuthorizationPolicy)
    path exemption does not help; a JWT-requiring policy on core also locks out the UI (session
    cookie + CSRF header), robots, admins and this collection's C(harbor_*) modules (basic auth),
    Harbor's OIDC login (C(/c/oidc/login), C(/c/oidc/callback), C(POST /c/login)) and Harbor's own
    components (jobservice C(POST /service/notifications/...), Trivy, core to registry)."
  - "O(jwt.mode=portal) - C(RequestAuthentication) and a JWT-requiring C(AuthorizationPolicy) on the
    portal pods only (they serve the UI's static files; every API call goes to core). Breaks: browsers
    that do not carry a JWT, so an auth proxy (for example oauth2-proxy) must sit in front of the
    portal and put the user's token in C(Authorization). Does not affect docker, robots, CI, the
    API, OIDC login or Harbor's components."
  - "O(jwt.mode=header) - C(RequestAuthentication) on core that reads only O(jwt.header) (never
    C(Authorization)): a token an auth proxy forwards there is validated, and a request with an
    invalid one is rejected; nothing requires the header, so nothing else changes. Breaks nothing of
    the traffic above; it is for auditing and for an auth proxy in front."
  - "Sidecar injection: the PeerAuthentication and the JWT policies are enforced by the istio-proxy
    sidecar only. With O(mtls_mode=STRICT) or O(jwt) the module first reads Harbor's Namespace
    (injection on with C(istio-injection=enabled) or an C(istio.io/rev) label, unless
    C(istio-injection=disabled)) and the pods labelled C(app=<harbor.name>) in it (a pod needs an
    C(istio-proxy) container; one without started before injection was enabled and must be
    restarted). If either is missing it fails naming the namespace or the pods and the fix, before
    writing anything; with O(require_injection=false) it only warns. Result C(injection)."
  - Check mode sends server-side dry runs. When Harbor's namespace does not exist yet (a check run
    before the harbor role created it), check mode warns, skips the dry runs in that namespace and
    reports what it would create.
author:
  - berth.platform maintainers (@berth)
extends_documentation_fragment:
  - berth.platform.k8s
attributes:
  check_mode:
    support: full
    description: Server-side dry run for every object.
  diff_mode:
    support: full
    description: Per object, the managed fields before and after.
options:
  namespace:
    description: Namespace Harbor runs in.
    type: str
    required: true
  name:
    description:
      - Base name of the objects (C(<name>-gateway), the VirtualService C(<name>), ...).
      - Also Harbor's Helm release name unless O(release) is given.
    type: str
    default: harbor
  release:
    description:
      - Harbor's Helm release name; the Services' names derive from it as the chart derives them
        (C(harbor.fullname)) - release C(harbor) has C(harbor-core), release C(hub) C(hub-harbor-core).
      - Defaults to O(name).
    type: str
  name_override:
    description:
      - The chart's C(nameOverride), if set. It changes the Services' names (release C(hub) with
        C(registry) has C(hub-registry-core)) and the pods' C(app) label (the default selectors).
    type: str
  fullname_override:
    description: The chart's C(fullnameOverride), if set; the Services are then C(<fullname_override>-core) and so on.
    type: str
  harbor_host:
    description:
      - Harbor's public host name, for example C(harbor.example.com) - the host of Harbor's
        C(externalURL) (C(https://<harbor_host>), no path, no trailing slash). The token service realm,
        the OIDC redirect and Secure cookies derive from it, so the Gateway and routes must use the same.
    type: str
    required: true
  state:
    description: Whether the objects should exist. C(absent) removes every object this module manages.
    type: str
    choices: [present, absent]
    default: present
  labels:
    description: Labels put on every object.
    type: dict
  gateway:
    description: The Gateway.
    type: dict
    default: {}
    suboptions:
      enabled:
        description: Manage the Gateway.
        type: bool
        default: true
      namespace:
        description: Namespace of the Gateway (and of its TLS Secret's ingress gateway); defaults to O(namespace).
        type: str
      selector:
        description: Labels of the ingress gateway workload.
        type: dict
        default: {istio: ingressgateway}
      tls_credential_name:
        description: Name of the TLS Secret (in the ingress gateway's namespace) for O(harbor_host). Required when enabled.
        type: str
      https_redirect:
        description: Redirect plain HTTP to HTTPS.
        type: bool
        default: true
  routes:
    description: Harbor's VirtualService C(<name>) through the Gateway.
    type: dict
    default: {}
    suboptions:
      enabled:
        description: Manage the VirtualService.
        type: bool
        default: true
      gateway:
        description: The Gateway, namespace-qualified; defaults to the one this module manages.
        type: str
      core_service:
        description: harbor-core's Service; defaults to the chart's name (C(harbor-core) for release C(harbor), see O(release)).
        type: str
      portal_service:
        description: The portal's Service; defaults to the chart's name (C(harbor-portal) for release C(harbor), see O(release)).
        type: str
  mtls_mode:
    description: Mode of the namespace-wide PeerAuthentication C(default).
    type: str
    choices: [STRICT, PERMISSIVE]
    default: STRICT
  registry_fix:
    description:
      - How pushes keep working under STRICT mTLS (see the description). Ignored with C(PERMISSIVE).
      - C(service_entry) keeps mTLS; C(permissive_port) lets the registry's port 5000 accept plaintext;
        C(none) emits nothing (only when core's registry traffic is fixed some other way).
    type: str
    choices: [service_entry, permissive_port, none]
    default: service_entry
  registry_service:
    description: The registry's Service; defaults to the chart's name (C(harbor-registry) for release C(harbor), see O(release)).
    type: str
  registry_selector:
    description:
      - Labels of the registry pods (for O(registry_fix=permissive_port)).
      - "Defaults to the chart's labels, C(app: <harbor.name>) and C(component: registry), where
        C(<harbor.name>) is O(name_override) or C(harbor)."
    type: dict
  require_injection:
    description:
      - With O(mtls_mode=STRICT) or O(jwt), fail before writing anything when Harbor's namespace is not
        labelled for Istio sidecar injection or a Harbor pod runs without the C(istio-proxy) sidecar
        (see the description). C(false) only warns.
      - Needs C(get) on the Namespace and C(list) on pods in it.
      - In check mode a namespace that does not exist yet is a warning, not a failure.
    type: bool
    default: true
  jwt:
    description: Narrow JWT checks (see the description for what each mode would break). Left out, none.
    type: dict
    suboptions:
      mode:
        description: C(portal) requires a valid JWT on the portal pods only; C(header) validates a JWT in O(jwt.header) on core.
        type: str
        choices: [portal, header]
        required: true
      issuer:
        description: Issuer URL of the Keycloak realm, C(https://<keycloak>/realms/<realm>).
        type: str
        required: true
      jwks_uri:
        description: JWKS URL; defaults to the issuer's C(/protocol/openid-connect/certs).
        type: str
      audiences:
        description: Accepted audiences (for example the Harbor client id).
        type: list
        elements: str
      header:
        description: With O(jwt.mode=header), the header that carries the token (never C(Authorization)).
        type: str
        default: x-forwarded-access-token
      portal_selector:
        description:
          - Labels of the portal pods.
          - "Defaults to the official chart's, C(app: <harbor.name>) (O(name_override) or C(harbor)) and C(component: portal)."
        type: dict
      core_selector:
        description:
          - Labels of the harbor-core pods.
          - "Defaults to the official chart's, C(app: <harbor.name>) (O(name_override) or C(harbor)) and C(component: core)."
        type: dict
"""

EXAMPLES = r"""
- name: Harbor behind Istio - Gateway, routes, STRICT mTLS with working pushes
  berth.platform.istio_harbor_security:
    namespace: harbor
    harbor_host: harbor.example.com
    gateway:
      namespace: istio-ingress
      tls_credential_name: harbor-tls

- name: JWT required on the UI only, with oauth2-proxy in front of the portal
  berth.platform.istio_harbor_security:
    namespace: harbor
    harbor_host: harbor.example.com
    gateway:
      tls_credential_name: harbor-tls
    jwt:
      mode: portal
      issuer: https://sso.example.com/realms/platform
      audiences: [harbor]

- name: Release hub (Services hub-harbor-core, ...), objects named harbor-*
  berth.platform.istio_harbor_security:
    namespace: registry
    name: harbor
    release: hub
    harbor_host: harbor.example.com
    gateway:
      tls_credential_name: harbor-tls

- name: Pods not injected yet - warn instead of failing (for example while migrating)
  berth.platform.istio_harbor_security:
    namespace: harbor
    harbor_host: harbor.example.com
    gateway:
      tls_credential_name: harbor-tls
    require_injection: false

- name: mTLS only; another team's gateway and routes
  berth.platform.istio_harbor_security:
    namespace: harbor
    harbor_host: harbor.example.com
    gateway:
      enabled: false
    routes:
      enabled: false

- name: Remove all of it
  berth.platform.istio_harbor_security:
    namespace: harbor
    harbor_host: harbor.example.com
    state: absent
"""

RETURN = r"""
objects:
  description: Per C(Kind/name), the object as stored (or as it would be in check mode) and what was done.
  returned: always
  type: dict
  sample:
    PeerAuthentication/default:
      action: none
      object: {apiVersion: security.istio.io/v1, kind: PeerAuthentication,
               metadata: {name: default, namespace: harbor}, spec: {mtls: {mode: STRICT}}}
    ServiceEntry/harbor-registry-host:
      action: create
      object: {}
registry_fix:
  description: The remedy applied for core's registry traffic under STRICT mTLS, and why.
  returned: always
  type: str
  sample: "service_entry: harbor.example.com:5000 routed to harbor-registry over mTLS"
injection:
  description:
    - What was found about Istio sidecar injection for Harbor. C(checked) is false when nothing needs a
      sidecar (O(state=absent), or PERMISSIVE mTLS without O(jwt)) or O(require_injection=false) and the
      namespace may not be read; C(namespace_exists) is false when the namespace does not exist (check mode).
    - C(in_force) is true when the namespace is labelled for injection and every live Harbor pod runs
      C(istio-proxy); C(pods_without_sidecar) lists the pods to restart.
  returned: always
  type: dict
  sample:
    checked: true
    namespace: harbor
    namespace_exists: true
    namespace_injection: true
    namespace_label: istio-injection=enabled
    pod_selector: app=harbor
    pods: 7
    pods_without_sidecar: []
    in_force: true
"""

from ansible_collections.berth.platform.plugins.module_utils import chart_names
from ansible_collections.berth.platform.plugins.module_utils.ensure import ensure
from ansible_collections.berth.platform.plugins.module_utils.errors import Forbidden
from ansible_collections.berth.platform.plugins.module_utils.istio import harbor_security as hs
from ansible_collections.berth.platform.plugins.module_utils.k8s.adapters import ManifestAdapter
from ansible_collections.berth.platform.plugins.module_utils.module import BerthModule

ARGUMENT_SPEC = dict(
    namespace=dict(type="str", required=True),
    name=dict(type="str", default="harbor"),
    release=dict(type="str"),
    name_override=dict(type="str"),
    fullname_override=dict(type="str"),
    harbor_host=dict(type="str", required=True),
    state=dict(type="str", choices=["present", "absent"], default="present"),
    labels=dict(type="dict"),
    gateway=dict(type="dict", default={}, options=dict(
        enabled=dict(type="bool", default=True),
        namespace=dict(type="str"),
        selector=dict(type="dict", default={"istio": "ingressgateway"}),
        tls_credential_name=dict(type="str"),
        https_redirect=dict(type="bool", default=True),
    )),
    routes=dict(type="dict", default={}, options=dict(
        enabled=dict(type="bool", default=True),
        gateway=dict(type="str"),
        core_service=dict(type="str"),
        portal_service=dict(type="str"),
    )),
    mtls_mode=dict(type="str", choices=["STRICT", "PERMISSIVE"], default="STRICT"),
    registry_fix=dict(type="str", choices=["service_entry", "permissive_port", "none"],
                      default="service_entry"),
    registry_service=dict(type="str"),
    registry_selector=dict(type="dict"),
    require_injection=dict(type="bool", default=True),
    jwt=dict(type="dict", options=dict(
        mode=dict(type="str", choices=["portal", "header"], required=True),
        issuer=dict(type="str", required=True),
        jwks_uri=dict(type="str"),
        audiences=dict(type="list", elements="str"),
        header=dict(type="str", default=hs.DEFAULT_JWT_HEADER),
        portal_selector=dict(type="dict"),
        core_selector=dict(type="dict"),
    )),
)


def managed_names(p):
    """(kind, name, namespace) of every object this module may manage; the legacy
    JWT policy on core (``<name>-require-jwt``, which locked out docker) included."""
    ns, name = p["namespace"], p["name"]
    gw_ns = p["gateway"]["namespace"] or ns
    return [("Gateway", name + "-gateway", gw_ns), ("VirtualService", name, ns),
            ("PeerAuthentication", "default", ns),
            ("ServiceEntry", name + "-registry-host", ns), ("VirtualService", name + "-registry-host", ns),
            ("PeerAuthentication", name + "-registry-permissive", ns),
            ("RequestAuthentication", name + "-jwt", ns),
            ("AuthorizationPolicy", name + "-portal-require-jwt", ns),
            ("AuthorizationPolicy", name + "-require-jwt", ns)]


def chart_services(p):
    """The Services the routes point at: explicit names, else the chart's for the release."""
    release = p.get("release") or p["name"]
    name_override, fullname_override = p.get("name_override"), p.get("fullname_override")

    def chart(component):
        return chart_names.component_name(component, release, name_override, fullname_override)
    rt = p["routes"]
    return dict(core=rt["core_service"] or chart("core"), portal=rt["portal_service"] or chart("portal"),
                registry=p["registry_service"] or chart("registry"))


def selectors(p):
    """Pod selectors: explicit ones, else the official chart's labels (``app`` is harbor.name)."""
    name_override, jwt = p.get("name_override"), p["jwt"] or {}
    return dict(registry=p["registry_selector"] or hs.default_selector("registry", name_override),
                portal=jwt.get("portal_selector") or hs.default_selector("portal", name_override),
                core=jwt.get("core_selector") or hs.default_selector("core", name_override))


def desired_objects(p, net, sec):
    """The manifests this run asks for, and a sentence on the registry remedy."""
    ns, name, labels, host = p["namespace"], p["name"], p["labels"], hs.check_host(p["harbor_host"])
    gw, rt, jwt = p["gateway"], p["routes"], p["jwt"]
    services, selects = chart_services(p), selectors(p)
    svc = "%s.%s.svc.cluster.local"
    gw_ns = gw["namespace"] or ns
    objects = []
    if gw["enabled"]:
        objects.append(hs.gateway(name + "-gateway", gw_ns, host, gw["tls_credential_name"], gw["selector"],
                                  gw["https_redirect"], labels, net))
    if rt["enabled"]:
        gateway_ref = rt["gateway"] or "%s/%s-gateway" % (gw_ns, name)
        objects.append(hs.routes(name, ns, host, gateway_ref, svc % (services["core"], ns),
                                 svc % (services["portal"], ns), labels, net))
    objects.append(hs.peer_authentication(ns, p["mtls_mode"], labels, sec))
    registry = svc % (services["registry"], ns)
    fix = p["registry_fix"] if p["mtls_mode"] == "STRICT" else "none"
    if fix == "service_entry":
        objects.append(hs.registry_host_entry(name + "-registry-host", ns, host, labels, net))
        objects.append(hs.registry_host_route(name + "-registry-host", ns, host, registry, labels, net))
        why = "service_entry: %s:5000 routed to %s over mTLS" % (host, registry)
    elif fix == "permissive_port":
        objects.append(hs.registry_port_permissive(name + "-registry-permissive", ns, selects["registry"],
                                                   labels, sec))
        why = "permissive_port: the registry's port 5000 accepts plaintext from core's pass-through Host"
    elif p["mtls_mode"] == "STRICT":
        why = "none: nothing emitted; pushes fail under STRICT unless core's registry traffic is fixed elsewhere"
    else:
        why = "none: PERMISSIVE mTLS accepts core's pass-through registry traffic"
    if jwt:
        if jwt["mode"] == "portal":
            objects.append(hs.request_authentication(name + "-jwt", ns, selects["portal"], jwt["issuer"],
                                                     jwt["jwks_uri"], jwt["audiences"], None, labels, sec))
            objects.append(hs.require_jwt(name + "-portal-require-jwt", ns, selects["portal"], labels, sec))
        else:
            objects.append(hs.request_authentication(name + "-jwt", ns, selects["core"], jwt["issuer"],
                                                     jwt["jwks_uri"], jwt["audiences"], jwt["header"],
                                                     labels, sec))
    return objects, why


def enforced_by_sidecars(p):
    """What this run asks the sidecars to enforce (None: nothing, no injection needed)."""
    if p["state"] == "absent":
        return None
    wanted = []
    if p["mtls_mode"] == "STRICT":
        wanted.append("mtls_mode STRICT")
    if p["jwt"]:
        wanted.append("jwt.mode %s" % p["jwt"]["mode"])
    return " and ".join(wanted) or None


def check_injection(module, client, p):
    """Harbor's namespace and pods as the sidecar injector left them; fails (or warns with
    require_injection=false) when the mesh would not be in force. Reads only."""
    enforced = enforced_by_sidecars(p)
    ns, app = p["namespace"], chart_names.name(p.get("name_override"))
    if enforced is None:
        if p["state"] == "present" and module.check_mode and not _namespace_exists(client, ns):
            module.warn("namespace %s does not exist yet: no server-side dry run in it" % ns)
            return dict(checked=False, namespace_exists=False)
        return dict(checked=False)
    try:
        namespace = client.get("v1", "Namespace", ns)
        pods = client.list("v1", "Pod", namespace=ns, label_selector="app=" + app) if namespace else []
    except Forbidden as exc:
        if p["require_injection"]:
            raise
        module.warn("cannot verify Istio sidecar injection for Harbor in namespace %s: %s" % (ns, exc))
        return dict(checked=False)
    report = hs.injection_report(ns, namespace, pods, app)
    if namespace is None and module.check_mode:
        module.warn("namespace %s does not exist yet (the harbor role creates it labelled for Istio sidecar "
                    "injection): injection not checked, no server-side dry run in it" % ns)
        return report
    problem = hs.injection_problem(report, enforced)
    if problem is None:
        return report
    message, fix = problem
    if p["require_injection"]:
        raise hs.MeshNotInForce(message, hint=fix)
    module.warn("%s - %s" % (message, fix))
    return report


def _namespace_exists(client, ns):
    try:
        return client.get("v1", "Namespace", ns) is not None
    except Forbidden:
        return True  # cannot tell: let the dry run speak


class _Unpreviewed(ManifestAdapter):
    """Check mode in a namespace that does not exist yet: the server cannot dry-run there."""

    def preview(self, desired):
        return None


def main():
    module = BerthModule(argument_spec=ARGUMENT_SPEC, service="k8s", supports_check_mode=True)
    p = module.params

    def action():
        client = module.k8s_client()
        versions = {"networking.istio.io": client.preferred_version("networking.istio.io", "Gateway"),
                    "security.istio.io": client.preferred_version("security.istio.io", "AuthorizationPolicy")}
        # Bad input first, then the injection check: both before anything is written.
        wanted, why = ([], "") if p["state"] == "absent" else desired_objects(
            p, versions["networking.istio.io"], versions["security.istio.io"])
        injection = check_injection(module, client, p)
        missing_ns = p["namespace"] if injection.get("namespace_exists") is False else None
        keyed = dict(("%s/%s" % (o["kind"], o["metadata"]["name"]), o) for o in wanted)
        for kind, name, ns in managed_names(p):
            key = "%s/%s" % (kind, name)
            if key not in keyed:
                group = "security.istio.io" if kind.endswith(("Authentication", "Policy")) else "networking.istio.io"
                keyed[key] = {"apiVersion": "%s/%s" % (group, versions[group]), "kind": kind,
                              "metadata": {"name": name, "namespace": ns}, "_absent": True}
        results, changed = {}, False
        diff = dict(before={}, after={})
        for key, obj in keyed.items():
            state = "absent" if obj.pop("_absent", False) else "present"
            adapter_class = _Unpreviewed if obj["metadata"]["namespace"] == missing_ns else ManifestAdapter
            adapter = adapter_class(client, kind=obj["kind"])
            outcome = ensure(adapter, obj, state=state, check_mode=module.check_mode)
            if state == "absent" and not outcome.changed:
                continue  # never existed: not worth a line in the result
            changed = changed or outcome.changed
            results[key] = dict(action=outcome.action, object=outcome.shown(adapter))
            diff["before"][key] = outcome.before or {}
            diff["after"][key] = outcome.after or {}
        result = dict(changed=changed, objects=results, registry_fix=why, injection=injection)
        if module._diff:
            result["diff"] = diff
        return result

    module.run(action)  # typed errors, validation included, become one fail_json


if __name__ == "__main__":
    main()
