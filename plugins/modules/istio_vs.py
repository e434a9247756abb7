#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: berth.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: istio_vs
short_description: Manage an Istio VirtualService from a typed, validated spec (the whole VirtualService API)
version_added: 0.2.0
description:
  - Creates, updates or deletes an Istio C(VirtualService) with server-side apply
    (field manager C(berth.platform)).
  - "Two ways to write the spec. The typed options O(hosts), O(gateways), O(export_to),
    O(http), O(tcp) and O(tls) cover the whole VirtualService API of Istio 1.30 in
    snake_case: routes, matches (URI, scheme, method, authority, headers, query
    parameters, port, source labels, ...), redirects, direct responses, delegation,
    rewrites, timeouts, retries, fault injection, mirrors, CORS and header
    manipulation, TCP routes and TLS (SNI) routes. Destinations are flat (O(http[].route[].host),
    O(http[].route[].port), O(http[].route[].subset) next to O(http[].route[].weight)) and
    percentages are plain numbers; the rest keeps Istio's structure. Or give O(spec):
    Istio's own camelCase spec as written in Istio's documentation, passed as given."
  - "Left to O(spec) on purpose: fields Istio deprecated (C(mirrorPercent), C(mirror_percent),
    C(corsPolicy.allowOrigin), C(fault.delay.percent)), fields istiod refuses
    (C(fault.delay.exponentialDelay), C(fault.abort.http2Error)), and fields of an Istio newer
    than this collection."
  - "Whichever way, the spec is checked before anything is sent, in check mode too.
    First against the VirtualService schema (see O(schema_source)): every unknown field is
    refused with its path and a suggestion (for example C(http[0].fualt), with 'did you mean
    fault?'), as are wrong types, values outside an enum or a range, missing required fields
    and two fields of an exclusive group. Then as istiod's validating webhook does: at least one
    http, tcp or tls route; a route needs destinations, a redirect, a direct response or a
    delegate, and not two of them; a VirtualService without hosts is a delegate and may not
    have gateways, tcp or tls; ports 1-65535; weights of several destinations add up to 100;
    percentages 0-100; abort, direct response and redirect status codes; gRPC status names;
    complete redirects and rewrites. Paths name Istio's (camelCase) fields."
  - "The API server judges the rest (CRD rules such as durations, C(timeout: 0.5ms)), in check mode
    through a server-side dry run, so nothing is stored."
  - Uses C(networking.istio.io/v1), or C(v1beta1) where the cluster does not serve C(v1).
author:
  - berth.platform maintainers (@berth)
extends_documentation_fragment:
  - berth.platform.k8s
attributes:
  check_mode:
    support: full
    description: Server-side dry run; nothing is stored.
  diff_mode:
    support: full
    description: Shows the managed fields before and after; server-managed fields are left out.
notes:
  - "Schema sources: the cluster's C(CustomResourceDefinition virtualservices.networking.istio.io)
    is exactly what the API server judges with, including fields of newer Istio releases; reading
    it needs C(get) on C(customresourcedefinitions) (cluster scope) and costs one request. The
    built-in schema is Istio 1.30's, kept equal to Istio 1.30.3's CRD by the collection's tests;
    it needs no request and no cluster-wide access."
options:
  name:
    description: Name of the VirtualService.
    type: str
    required: true
  namespace:
    description: Namespace of the VirtualService.
    type: str
    required: true
  state:
    description: Whether the VirtualService should exist.
    type: str
    choices: [present, absent]
    default: present
  api_version:
    description: Version of C(networking.istio.io) to use; C(auto) picks C(v1) when served.
    type: str
    choices: [auto, v1, v1beta1]
    default: auto
  labels:
    description: Labels of the VirtualService.
    type: dict
  schema_source:
    description:
      - Which VirtualService schema judges the spec before it is sent.
      - C(auto) reads the cluster's CRD and falls back to the built-in schema when the CRD cannot
        be read (no permission, not found); C(cluster) insists on the cluster's CRD; C(builtin) never
        reads it.
      - RV(schema_source) tells which one was used.
    type: str
    choices: [auto, cluster, builtin]
    default: auto
  spec:
    description:
      - Istio's whole VirtualService C(spec) as written in Istio's documentation (camelCase,
        C(destination.port.number), C(percentage.value)), passed as given after the checks above.
      - Excludes O(hosts), O(gateways), O(export_to), O(http), O(tcp) and O(tls).
    type: dict
  hosts:
    description:
      - Destination hosts this VirtualService applies to.
      - Leave out for a delegate VirtualService (one that another VirtualService's
        O(http[].delegate) points at); a delegate may not have O(gateways), O(tcp) or O(tls).
    type: list
    elements: str
  gateways:
    description: Gateways (C(namespace/name)) and/or C(mesh) the routes apply to.
    type: list
    elements: str
  export_to:
    description: Namespaces this VirtualService is visible to (C(.) for its own, C(*) for all).
    type: list
    elements: str
  http:
    description: HTTP routes (Istio's C(HTTPRoute)), evaluated in order; the first match wins.
    type: list
    elements: dict
    suboptions:
      name:
        description: Name of the route, for logs and debugging.
        type: str
      match:
        description: Conditions (any one of them) for this route; leave out to match everything.
        type: list
        elements: dict
        suboptions:
          name:
            description: Name of the match, appended to the route's name in logs.
            type: str
          uri:
            description: 'URI match: exactly one of C(exact), C(prefix), C(regex), for example C({prefix: /v2/}).'
            type: dict
          scheme:
            description: URI scheme match, exactly one of C(exact), C(prefix), C(regex).
            type: dict
          method:
            description: HTTP method match, exactly one of C(exact), C(prefix), C(regex).
            type: dict
          authority:
            description: Authority (Host header) match, exactly one of C(exact), C(prefix), C(regex).
            type: dict
          headers:
            description:
              - 'Header name (lower case) to a match with exactly one of C(exact), C(prefix), C(regex),
                for example C({end-user: {exact: jason}}); C({}) matches the presence of the header.'
            type: dict
          without_headers:
            description: Like O(http[].match[].headers), but the request must not match (C(withoutHeaders)).
            type: dict
          query_params:
            description: Query parameter name to a match, like O(http[].match[].headers) (C(queryParams)).
            type: dict
          port:
            description: Port the request arrives on (1-65535).
            type: int
          source_labels:
            description: Labels the calling workload must have (C(sourceLabels)).
            type: dict
          source_namespace:
            description: Namespace of the calling workload (C(sourceNamespace)).
            type: str
          gateways:
            description: Gateways this match applies to, overriding the VirtualService's O(gateways).
            type: list
            elements: str
          ignore_uri_case:
            description: Match the URI case-insensitively (C(ignoreUriCase)).
            type: bool
          stat_prefix:
            description: Prefix for the statistics of this match (C(statPrefix)).
            type: str
      route:
        description: Destinations of matching requests (Istio's C(HTTPRouteDestination)).
        type: list
        elements: dict
        suboptions:
          host:
            description: Service host, for example C(harbor-core.harbor.svc.cluster.local) (C(destination.host)).
            type: str
            required: true
          port:
            description: Service port, 1-65535 (C(destination.port.number)).
            type: int
          subset:
            description: Subset of a DestinationRule (C(destination.subset)).
            type: str
          weight:
            description: Share of traffic in percent; the weights of a route must add up to 100.
            type: int
          headers:
            description: Header manipulation for this destination only, like O(http[].headers).
            type: dict
            suboptions:
              request:
                description: Changes to the request.
                type: dict
                suboptions:
                  set:
                    description: Header name to the value it is set to (replacing any value).
                    type: dict
                  add:
                    description: Header name to a value appended to it.
                    type: dict
                  remove:
                    description: Header names to remove.
                    type: list
                    elements: str
              response:
                description: Changes to the response.
                type: dict
                suboptions:
                  set:
                    description: Header name to the value it is set to (replacing any value).
                    type: dict
                  add:
                    description: Header name to a value appended to it.
                    type: dict
                  remove:
                    description: Header names to remove.
                    type: list
                    elements: str
      redirect:
        description: Answer with a redirect instead of routing (Istio's C(HTTPRedirect)).
        type: dict
        suboptions:
          uri:
            description: Path to redirect to.
            type: str
          authority:
            description: Host to redirect to.
            type: str
          port:
            description: Port to redirect to (excludes O(http[].redirect.derive_port)).
            type: int
          derive_port:
            description: Take the port from the protocol's default or the request (C(derivePort)).
            type: str
            choices: [FROM_PROTOCOL_DEFAULT, FROM_REQUEST_PORT]
          scheme:
            description: Scheme to redirect to, for example C(https).
            type: str
          redirect_code:
            description: HTTP status of the redirect (default 301) (C(redirectCode)).
            type: int
      direct_response:
        description: Answer with a fixed response instead of routing (C(directResponse)).
        type: dict
        suboptions:
          status:
            description: HTTP status of the response.
            type: int
            required: true
          body:
            description: Body of the response, one of O(http[].direct_response.body.string) or O(http[].direct_response.body.bytes).
            type: dict
            suboptions:
              string:
                description: Body as text.
                type: str
              bytes:
                description: Body as base64.
                type: str
      delegate:
        description:
          - Hand matching requests to the routes of another VirtualService (one without hosts).
          - A delegating route has no O(http[].route) and no O(http[].redirect).
        type: dict
        suboptions:
          name:
            description: Name of the delegate VirtualService.
            type: str
            required: true
          namespace:
            description: Its namespace (default the namespace of this one).
            type: str
      rewrite:
        description: Rewrite the request before forwarding.
        type: dict
        suboptions:
          uri:
            description: New URI (replaces the matched prefix or the whole path).
            type: str
          authority:
            description: New authority (Host header).
            type: str
          uri_regex_rewrite:
            description: Rewrite the path with a regular expression (C(uriRegexRewrite)).
            type: dict
            suboptions:
              match:
                description: RE2 regular expression.
                type: str
              rewrite:
                description: Replacement, with C(\1) style groups.
                type: str
      timeout:
        description: Timeout for the route, for example C(30s).
        type: str
      retries:
        description: Retry policy of the route.
        type: dict
        suboptions:
          attempts:
            description: Number of retries.
            type: int
          per_try_timeout:
            description: Timeout per try, for example C(2s) (C(perTryTimeout)).
            type: str
          retry_on:
            description: Conditions to retry on, for example C(5xx,connect-failure) (C(retryOn)).
            type: str
          backoff:
            description: Base interval between retries, for example C(25ms).
            type: str
          retry_remote_localities:
            description: Retry in other localities (C(retryRemoteLocalities)).
            type: bool
          retry_ignore_previous_hosts:
            description: Avoid hosts already tried (C(retryIgnorePreviousHosts)).
            type: bool
      fault:
        description: Fault injection (Istio's C(HTTPFaultInjection)); give O(http[].fault.delay) and/or O(http[].fault.abort).
        type: dict
        suboptions:
          delay:
            description: Delay requests before forwarding.
            type: dict
            suboptions:
              fixed_delay:
                description: The delay, for example C(7s) (C(fixedDelay)).
                type: str
                required: true
              percentage:
                description: Share of requests delayed, 0-100 (C(percentage.value)).
                type: float
          abort:
            description: Answer some requests with an error instead of forwarding them.
            type: dict
            suboptions:
              http_status:
                description: HTTP status to answer with, 200-599 (C(httpStatus)).
                type: int
              grpc_status:
                description: gRPC status to answer with instead (C(grpcStatus)).
                type: str
                choices: [OK, CANCELLED, UNKNOWN, INVALID_ARGUMENT, DEADLINE_EXCEEDED, NOT_FOUND,
                          ALREADY_EXISTS, PERMISSION_DENIED, RESOURCE_EXHAUSTED, FAILED_PRECONDITION,
                          ABORTED, OUT_OF_RANGE, UNIMPLEMENTED, INTERNAL, UNAVAILABLE, DATA_LOSS,
                          UNAUTHENTICATED]
              percentage:
                description: Share of requests aborted, 0-100 (C(percentage.value)).
                type: float
      mirror:
        description: Send a copy of the requests to this destination too (responses are dropped).
        type: dict
        suboptions:
          host:
            description: Service host.
            type: str
            required: true
          port:
            description: Service port (1-65535).
            type: int
          subset:
            description: Subset of a DestinationRule.
            type: str
      mirror_percentage:
        description: Share of requests mirrored to O(http[].mirror), 0-100 (C(mirrorPercentage.value)).
        type: float
      mirrors:
        description: Several mirror destinations, each with its own share (excludes O(http[].mirror)).
        type: list
        elements: dict
        suboptions:
          host:
            description: Service host.
            type: str
            required: true
          port:
            description: Service port (1-65535).
            type: int
          subset:
            description: Subset of a DestinationRule.
            type: str
          percentage:
            description: Share of requests mirrored here, 0-100 (C(percentage.value)).
            type: float
      cors_policy:
        description: Cross-origin resource sharing (C(corsPolicy)).
        type: dict
        suboptions:
          allow_origins:
            description: Allowed origins, each with exactly one of C(exact), C(prefix), C(regex) (C(allowOrigins)).
            type: list
            elements: dict
          allow_methods:
            description: Allowed methods (C(allowMethods)).
            type: list
            elements: str
          allow_headers:
            description: Allowed request headers (C(allowHeaders)).
            type: list
            elements: str
          expose_headers:
            description: Response headers the browser may read (C(exposeHeaders)).
            type: list
            elements: str
          max_age:
            description: How long the answer to a preflight may be cached, for example C(24h) (C(maxAge)).
            type: str
          allow_credentials:
            description: Whether credentials may be sent (C(allowCredentials)).
            type: bool
          unmatched_preflights:
            description: What to do with preflights from origins not allowed (C(unmatchedPreflights)).
            type: str
            choices: [UNSPECIFIED, FORWARD, IGNORE]
      headers:
        description: Header manipulation for every destination of the route.
        type: dict
        suboptions:
          request:
            description: Changes to the request.
            type: dict
            suboptions:
              set:
                description: Header name to the value it is set to (replacing any value).
                type: dict
              add:
                description: Header name to a value appended to it.
                type: dict
              remove:
                description: Header names to remove.
                type: list
                elements: str
          response:
            description: Changes to the response.
            type: dict
            suboptions:
              set:
                description: Header name to the value it is set to (replacing any value).
                type: dict
              add:
                description: Header name to a value appended to it.
                type: dict
              remove:
                description: Header names to remove.
                type: list
                elements: str
  tcp:
    description: TCP routes (Istio's C(TCPRoute)), for ports that carry plain TCP.
    type: list
    elements: dict
    suboptions:
      match:
        description: Conditions (any one of them); leave out to match all TCP traffic.
        type: list
        elements: dict
        suboptions:
          port:
            description: Port the connection arrives on (1-65535).
            type: int
          destination_subnets:
            description: Destination IPv4/IPv6 subnets, for example C(10.1.0.0/16) (C(destinationSubnets)).
            type: list
            elements: str
          source_labels:
            description: Labels the calling workload must have (C(sourceLabels)).
            type: dict
          source_namespace:
            description: Namespace of the calling workload (C(sourceNamespace)).
            type: str
          source_subnet:
            description: Source subnet of the connection (C(sourceSubnet)).
            type: str
          gateways:
            description: Gateways this match applies to.
            type: list
            elements: str
      route:
        description: Destinations of matching connections.
        type: list
        elements: dict
        suboptions:
          host:
            description: Service host (C(destination.host)).
            type: str
            required: true
          port:
            description: Service port, 1-65535 (C(destination.port.number)).
            type: int
          subset:
            description: Subset of a DestinationRule.
            type: str
          weight:
            description: Share of connections in percent; the weights of a route must add up to 100.
            type: int
  tls:
    description: TLS routes (Istio's C(TLSRoute)) for TLS passed through unterminated, routed by SNI.
    type: list
    elements: dict
    suboptions:
      match:
        description: Conditions (any one of them); at least one, each with O(tls[].match[].sni_hosts).
        type: list
        elements: dict
        required: true
        suboptions:
          sni_hosts:
            description: SNI names to match, covered by the VirtualService's O(hosts) (C(sniHosts)).
            type: list
            elements: str
            required: true
          port:
            description: Port the connection arrives on (1-65535).
            type: int
          destination_subnets:
            description: Destination subnets (C(destinationSubnets)).
            type: list
            elements: str
          source_labels:
            description: Labels the calling workload must have (C(sourceLabels)).
            type: dict
          source_namespace:
            description: Namespace of the calling workload (C(sourceNamespace)).
            type: str
          gateways:
            description: Gateways this match applies to.
            type: list
            elements: str
      route:
        description: Destinations of matching connections.
        type: list
        elements: dict
        suboptions:
          host:
            description: Service host (C(destination.host)).
            type: str
            required: true
          port:
            description: Service port, 1-65535 (C(destination.port.number)).
            type: int
          subset:
            description: Subset of a DestinationRule.
            type: str
          weight:
            description: Share of connections in percent; the weights of a route must add up to 100.
            type: int
"""

EXAMPLES = r"""
- name: Route Harbor's API, login and registry paths to harbor-core, the rest to the portal
  berth.platform.istio_vs:
    name: harbor
    namespace: harbor
    hosts: [harbor.example.com]
    gateways: [harbor/harbor-gateway]
    http:
      - name: core
        match:
          - uri: {prefix: /api/}
          - uri: {prefix: /c/}
          - uri: {prefix: /v2/}
          - uri: {exact: /service/token}
        route:
          - host: harbor-core.harbor.svc.cluster.local
            port: 80
      # The rest of /service/ is core's internal job status hook, which checks no credentials.
      - name: internal
        match:
          - uri: {prefix: /service/}
        direct_response: {status: 404}
      - name: portal
        match:
          - uri: {prefix: /}
        route:
          - host: harbor-portal.harbor.svc.cluster.local
            port: 80

- name: Canary 10 % of traffic, with retries and a timeout
  berth.platform.istio_vs:
    name: shop
    namespace: shop
    hosts: [shop]
    http:
      - route:
          - {host: shop, subset: stable, weight: 90}
          - {host: shop, subset: canary, weight: 10}
        timeout: 10s
        retries: {attempts: 3, per_try_timeout: 2s, retry_on: 5xx}

- name: Bookinfo's ratings-test-delay - a 7 s delay for jason, everyone else straight through
  berth.platform.istio_vs:
    name: ratings
    namespace: bookinfo
    hosts: [ratings]
    http:
      - match:
          - headers: {end-user: {exact: jason}}
        fault:
          delay: {fixed_delay: 7s, percentage: 100}
        route: [{host: ratings, subset: v1}]
      - route: [{host: ratings, subset: v1}]

- name: Mirror all traffic to v2, CORS and header changes on the way
  berth.platform.istio_vs:
    name: httpbin
    namespace: web
    hosts: [httpbin]
    http:
      - route: [{host: httpbin, subset: v1, weight: 100}]
        mirror: {host: httpbin, subset: v2}
        mirror_percentage: 100
        cors_policy:
          allow_origins: [{exact: https://example.com}]
          allow_methods: [GET, POST]
          max_age: 24h
        headers:
          request: {set: {x-env: prod}}
          response: {remove: [server]}

- name: tcp-echo through a gateway on port 31400
  berth.platform.istio_vs:
    name: tcp-echo
    namespace: echo
    hosts: ["*"]
    gateways: [tcp-echo-gateway]
    tcp:
      - match: [{port: 31400}]
        route: [{host: tcp-echo, port: 9000, subset: v1}]

- name: TLS passthrough routed by SNI
  berth.platform.istio_vs:
    name: nginx
    namespace: web
    hosts: [nginx.example.com]
    gateways: [mygateway]
    tls:
      - match: [{port: 443, sni_hosts: [nginx.example.com]}]
        route: [{host: my-nginx, port: 443}]

- name: Istio's own YAML, passed as given (checked against the cluster's CRD schema)
  berth.platform.istio_vs:
    name: reviews
    namespace: bookinfo
    spec:
      hosts: [reviews]
      http:
        - route:
            - destination: {host: reviews, subset: v1}
              weight: 50
            - destination: {host: reviews, subset: v3}
              weight: 50

- name: Remove it
  berth.platform.istio_vs:
    name: shop
    namespace: shop
    state: absent
"""

RETURN = r"""
virtual_service:
  description: The VirtualService as stored (or, in check mode, as it would be), without server-managed fields.
  returned: always
  type: dict
  sample:
    apiVersion: networking.istio.io/v1
    kind: VirtualService
    metadata: {name: harbor, namespace: harbor}
    spec:
      hosts: [harbor.example.com]
      http:
        - match: [{uri: {prefix: /v2/}}]
          route: [{destination: {host: harbor-core, port: {number: 80}}}]
action:
  description: What was done, one of C(create), C(update), C(delete), C(none).
  returned: always
  type: str
  sample: create
schema_source:
  description: Which schema judged the spec, C(cluster) (the cluster's CRD) or C(builtin) (Istio 1.30's).
  returned: when O(state=present)
  type: str
  sample: cluster
"""

from ansible_collections.berth.platform.plugins.module_utils.errors import BerthError
from ansible_collections.berth.platform.plugins.module_utils.istio import virtual_service, vs_schema
from ansible_collections.berth.platform.plugins.module_utils.istio.validation import require_routes
from ansible_collections.berth.platform.plugins.module_utils.k8s.adapters import ManifestAdapter
from ansible_collections.berth.platform.plugins.module_utils.module import BerthModule

STRING_MATCH = dict(type="dict")
HEADER_OPERATIONS = dict(type="dict", options=dict(
    set=dict(type="dict"), add=dict(type="dict"), remove=dict(type="list", elements="str")))
HEADERS = dict(type="dict", options=dict(request=HEADER_OPERATIONS, response=HEADER_OPERATIONS))
DESTINATION = dict(host=dict(type="str", required=True), port=dict(type="int"), subset=dict(type="str"))
HTTP_MATCH = dict(
    name=dict(type="str"), uri=STRING_MATCH, scheme=STRING_MATCH, method=STRING_MATCH,
    authority=STRING_MATCH, headers=dict(type="dict"), without_headers=dict(type="dict"),
    query_params=dict(type="dict"), port=dict(type="int"), source_labels=dict(type="dict"),
    source_namespace=dict(type="str"), gateways=dict(type="list", elements="str"),
    ignore_uri_case=dict(type="bool"), stat_prefix=dict(type="str"))
ROUTE = dict(
    name=dict(type="str"),
    match=dict(type="list", elements="dict", options=HTTP_MATCH),
    route=dict(type="list", elements="dict", options=dict(DESTINATION, weight=dict(type="int"), headers=HEADERS)),
    redirect=dict(type="dict", options=dict(
        uri=dict(type="str"), authority=dict(type="str"), port=dict(type="int"),
        derive_port=dict(type="str", choices=["FROM_PROTOCOL_DEFAULT", "FROM_REQUEST_PORT"]),
        scheme=dict(type="str"), redirect_code=dict(type="int"))),
    direct_response=dict(type="dict", options=dict(
        status=dict(type="int", required=True),
        body=dict(type="dict", options=dict(string=dict(type="str"), bytes=dict(type="str"))))),
    delegate=dict(type="dict", options=dict(name=dict(type="str", required=True), namespace=dict(type="str"))),
    rewrite=dict(type="dict", options=dict(
        uri=dict(type="str"), authority=dict(type="str"),
        uri_regex_rewrite=dict(type="dict", options=dict(match=dict(type="str"), rewrite=dict(type="str"))))),
    timeout=dict(type="str"),
    retries=dict(type="dict", options=dict(
        attempts=dict(type="int"), per_try_timeout=dict(type="str"), retry_on=dict(type="str"),
        backoff=dict(type="str"), retry_remote_localities=dict(type="bool"),
        retry_ignore_previous_hosts=dict(type="bool"))),
    fault=dict(type="dict", options=dict(
        delay=dict(type="dict", options=dict(fixed_delay=dict(type="str", required=True),
                                             percentage=dict(type="float"))),
        abort=dict(type="dict", options=dict(
            http_status=dict(type="int"),
            grpc_status=dict(type="str", choices=list(virtual_service.GRPC_STATUSES)),
            percentage=dict(type="float"))))),
    mirror=dict(type="dict", options=DESTINATION),
    mirror_percentage=dict(type="float"),
    mirrors=dict(type="list", elements="dict", options=dict(DESTINATION, percentage=dict(type="float"))),
    cors_policy=dict(type="dict", options=dict(
        allow_origins=dict(type="list", elements="dict"),
        allow_methods=dict(type="list", elements="str"), allow_headers=dict(type="list", elements="str"),
        expose_headers=dict(type="list", elements="str"), max_age=dict(type="str"),
        allow_credentials=dict(type="bool"),
        unmatched_preflights=dict(type="str", choices=["UNSPECIFIED", "FORWARD", "IGNORE"]))),
    headers=HEADERS,
)
L4_MATCH = dict(port=dict(type="int"), destination_subnets=dict(type="list", elements="str"),
                source_labels=dict(type="dict"), source_namespace=dict(type="str"),
                gateways=dict(type="list", elements="str"))
L4_ROUTE = dict(type="list", elements="dict", options=dict(DESTINATION, weight=dict(type="int")))
ARGUMENT_SPEC = dict(
    name=dict(type="str", required=True),
    namespace=dict(type="str", required=True),
    state=dict(type="str", choices=["present", "absent"], default="present"),
    api_version=dict(type="str", choices=["auto", "v1", "v1beta1"], default="auto"),
    labels=dict(type="dict"),
    schema_source=dict(type="str", choices=list(vs_schema.SOURCES), default="auto"),
    spec=dict(type="dict"),
    hosts=dict(type="list", elements="str"),
    gateways=dict(type="list", elements="str"),
    export_to=dict(type="list", elements="str"),
    http=dict(type="list", elements="dict", options=ROUTE),
    tcp=dict(type="list", elements="dict", options=dict(
        match=dict(type="list", elements="dict", options=dict(L4_MATCH, source_subnet=dict(type="str"))),
        route=L4_ROUTE)),
    tls=dict(type="list", elements="dict", options=dict(
        match=dict(type="list", elements="dict", required=True, options=dict(
            L4_MATCH, sni_hosts=dict(type="list", elements="str", required=True))),
        route=L4_ROUTE)),
)


def main():
    module = BerthModule(argument_spec=ARGUMENT_SPEC, service="k8s", supports_check_mode=True,
                         mutually_exclusive=[["spec", option] for option in virtual_service.SPEC_OPTIONS])
    p = module.params
    client = module.k8s_client()
    used = {}
    try:
        version = p["api_version"]
        if version == "auto":
            version = client.preferred_version("networking.istio.io", "VirtualService")
        if p["state"] == "absent":
            desired = {"apiVersion": "networking.istio.io/" + version, "kind": "VirtualService",
                       "metadata": {"name": p["name"], "namespace": p["namespace"]}}
        else:
            desired = virtual_service.manifest(
                p["name"], p["namespace"], version, p["hosts"], gateways=p["gateways"],
                http=p["http"], export_to=p["export_to"], labels=p["labels"], tcp=p["tcp"], tls=p["tls"],
                spec=p["spec"], check=False)
            require_routes(desired["spec"])  # istiod's rule: http, tcp or tls (issue 12)
            # The schema first: an unknown or misspelt field gets its name and a suggestion.
            schema, source = vs_schema.load(client, version, p["schema_source"])
            vs_schema.check(desired["spec"], schema, source)
            virtual_service.check_spec(desired["spec"])  # istiod's other rules
            used["schema_source"] = source
    except BerthError as exc:
        module.fail_error(exc)
    module.ensure(ManifestAdapter(client, kind="virtual_service"), desired, state=p["state"],
                  extra=lambda outcome: used)


if __name__ == "__main__":
    main()
