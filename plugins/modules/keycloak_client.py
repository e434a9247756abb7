#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: berth.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: keycloak_client
short_description: Manage an OpenID Connect client in a Keycloak realm
version_added: 0.2.0
description:
  - Creates, updates or removes an OIDC client, its client scopes and its protocol mappers.
  - Only the options you set are managed; an option left out is neither compared nor changed.
  - Protocol mappers are compared by name, with their config in the string form Keycloak
    stores (V(true) and C("true") are equal), so a rerun reports no change.
  - The client secret never appears in diffs or in the C(client) result; it is returned in
    RV(client_secret) only when asked for with O(return_secret).
author:
  - berth.platform maintainers (@berth)
extends_documentation_fragment:
  - berth.platform.keycloak
attributes:
  check_mode:
    support: full
    description: Reports what would change without writing to Keycloak.
  diff_mode:
    support: full
    description: Shows the managed options before and after; secrets show as C(<redacted>).
options:
  realm:
    description: Realm that holds the client.
    type: str
    default: master
  client_id:
    description: The client's C(clientId), the name applications use.
    type: str
    required: true
  state:
    description: Whether the client should exist.
    type: str
    choices: [present, absent]
    default: present
  name:
    description: Display name.
    type: str
  description:
    description: Free text description.
    type: str
  enabled:
    description: Whether the client can be used.
    type: bool
  confidential:
    description:
      - V(true) for a confidential client (with a secret), V(false) for a public client.
      - Not set - a client this task creates is confidential (the module sends that explicitly;
        Keycloak's admin API alone would create a public one), so O(service_accounts=true) or a
        O(secret) in a later task just works. An existing client keeps its type.
      - A public client cannot hold O(secret), O(regenerate_secret) or O(service_accounts=true)
        (Keycloak drops the secret, and a public client has no client credentials grant).
        Those combinations are refused before anything is written - with O(confidential=false),
        or with O(confidential) not set when the existing client is public.
    type: bool
  standard_flow:
    description: Allow the authorization code flow.
    type: bool
  direct_access_grants:
    description: Allow the resource owner password grant.
    type: bool
  service_accounts:
    description:
      - Allow the client credentials grant (a service account for the client).
      - V(true) needs a confidential client, see O(confidential).
    type: bool
  redirect_uris:
    description:
      - Valid redirect URIs, compared as a set.
      - Each must be an absolute URI with a scheme (a trailing C(*) is allowed), a path
        starting with C(/) relative to O(root_url), or C(*).
    type: list
    elements: str
  web_origins:
    description: Allowed CORS origins (C(+) for the redirect URIs' origins), compared as a set.
    type: list
    elements: str
  root_url:
    description: Root URL prepended to relative URLs.
    type: str
  base_url:
    description: Default URL to use when the auth server needs to link to the client.
    type: str
  default_client_scopes:
    description:
      - Complete list of default client scopes (compared as a set; missing ones are added,
        others removed). The scopes must exist in the realm.
    type: list
    elements: str
  optional_client_scopes:
    description: Complete list of optional client scopes, like O(default_client_scopes).
    type: list
    elements: str
  attributes:
    description:
      - Client attributes to set, for example C(post.logout.redirect.uris).
      - Values are compared as the strings Keycloak stores (booleans as C(true)/C(false)).
        Attributes not named here are left alone.
    type: dict
  protocol_mappers:
    description:
      - Protocol mappers of the client, identified by O(protocol_mappers[].name).
      - With O(protocol_mappers_exclusive=true) (the default) this is the complete list;
        mappers of the client that are not listed are removed.
      - Config keys not named in an item are left as Keycloak has them.
    type: list
    elements: dict
    suboptions:
      name:
        description: Mapper name, unique within the client.
        type: str
        required: true
      protocol_mapper:
        description: Mapper type, for example C(oidc-group-membership-mapper). Must be known to the server.
        type: str
        required: true
      protocol:
        description: Protocol of the mapper.
        type: str
        default: openid-connect
      config:
        description: Mapper configuration; values are stored as strings.
        type: dict
  protocol_mappers_exclusive:
    description:
      - Remove mappers that are not in O(protocol_mappers).
      - Set to V(false) to manage only the listed mappers and leave others alone.
      - Has no effect when O(protocol_mappers) is not set.
    type: bool
    default: true
  secret:
    description:
      - Set the client secret to this value (confidential clients only; refused for a public client).
      - Not set means Keycloak generates one at creation and keeps it.
    type: str
  regenerate_secret:
    description:
      - Generate a new secret on every run where this is V(true) (always reports a change).
      - Confidential clients only; refused for a public client.
    type: bool
    default: false
  authentication_flow_binding_overrides:
    description:
      - Authentication flows this client uses instead of the realm's, by flow alias (for example
        a flow with a second factor for an admin console). The module looks the aliases up and
        stores Keycloak's flow ids; results and diffs show aliases.
      - Only the bindings named here are managed. An empty string removes that override (the
        realm's flow applies again).
      - Every alias must name a top-level flow of the realm; an unknown one fails the task before
        anything is written.
    type: dict
    suboptions:
      browser:
        description: Flow for the browser login (authorization code and implicit flows).
        type: str
      direct_grant:
        description: Flow for the resource owner password grant (O(direct_access_grants)).
        type: str
  return_secret:
    description:
      - Return the current secret in RV(client_secret).
      - The task must set C(no_log) to V(true), otherwise the module fails without touching
        anything, so the secret never reaches logs or C(-vvv) output.
    type: bool
    default: false
notes:
  - Keycloak ignores client scopes and protocol mappers in a client update; this module
    writes them through their own endpoints, so reruns converge.
"""

EXAMPLES = r"""
- name: OIDC client for Harbor with a groups claim (group names without a leading /)
  berth.platform.keycloak_client:
    realm: platform
    client_id: harbor
    name: Harbor
    confidential: true
    standard_flow: true
    direct_access_grants: false
    redirect_uris:
      - https://harbor.example.com/c/oidc/callback
    web_origins:
      - https://harbor.example.com
    root_url: https://harbor.example.com
    protocol_mappers:
      - name: groups
        protocol_mapper: oidc-group-membership-mapper
        config:
          claim.name: groups
          full.path: false
          id.token.claim: true
          access.token.claim: true
          userinfo.token.claim: true

- name: Read the Harbor client's secret for Harbor's OIDC settings
  berth.platform.keycloak_client:
    realm: platform
    client_id: harbor
    return_secret: true
  no_log: true
  register: harbor_client

- name: Admin console client that logs in through the realm's "browser-otp" flow
  berth.platform.keycloak_client:
    realm: platform
    client_id: admin-portal
    redirect_uris: [https://admin.example.com/*]
    authentication_flow_binding_overrides:
      browser: browser-otp
      direct_grant: ""          # no override: the realm's direct grant flow

- name: A public single-page app (secret and service accounts would be refused)
  berth.platform.keycloak_client:
    realm: platform
    client_id: dashboard
    confidential: false
    redirect_uris: [https://dashboard.example.com/*]
    web_origins: [+]

- name: Rotate the secret
  berth.platform.keycloak_client:
    realm: platform
    client_id: harbor
    regenerate_secret: true

- name: Remove a client
  berth.platform.keycloak_client:
    realm: platform
    client_id: old-app
    state: absent
"""

RETURN = r"""
action:
  description: What was done, one of C(create), C(update), C(delete), C(none).
  returned: always
  type: str
  sample: update
client:
  description:
    - The client after the run, in the module's option names, plus C(id) (Keycloak's internal id).
    - C(secret) shows as C(<redacted>). In check mode or after a delete, the managed options.
  returned: always
  type: dict
  sample:
    client_id: harbor
    id: 0f4c1c8a-7d3e-4b77-9f0e-1b2c3d4e5f60
    confidential: true
    redirect_uris: [https://harbor.example.com/c/oidc/callback]
    protocol_mappers:
      - name: groups
        protocol: openid-connect
        protocol_mapper: oidc-group-membership-mapper
        config: {claim.name: groups, full.path: "false"}
    authentication_flow_binding_overrides: {browser: browser-otp, direct_grant: ""}
    secret: <redacted>
client_secret:
  description:
    - The client secret. Sensitive, only with O(return_secret=true) on a C(no_log) task.
    - Empty for public clients and in check mode before the client exists.
  returned: when O(return_secret=true)
  type: str
"""

from ansible.module_utils.basic import missing_required_lib

from ansible_collections.berth.platform.plugins.module_utils.keycloak.client import (
    HAS_KEYCLOAK, KEYCLOAK_IMPORT_ERROR, KeycloakClient,
)
from ansible_collections.berth.platform.plugins.module_utils.keycloak.clients import (
    REGENERATE, ClientAdapter,
)
from ansible_collections.berth.platform.plugins.module_utils.keycloak.normalize import (
    mapper_from_input, string_map,
)
from ansible_collections.berth.platform.plugins.module_utils.module import BerthModule

MAPPER_SPEC = dict(
    name=dict(type="str", required=True),
    protocol_mapper=dict(type="str", required=True),
    protocol=dict(type="str", default="openid-connect"),
    config=dict(type="dict"),
)

ARGUMENT_SPEC = dict(
    realm=dict(type="str", default="master"),
    client_id=dict(type="str", required=True),
    state=dict(type="str", choices=["present", "absent"], default="present"),
    name=dict(type="str"),
    description=dict(type="str"),
    enabled=dict(type="bool"),
    confidential=dict(type="bool"),
    standard_flow=dict(type="bool"),
    direct_access_grants=dict(type="bool"),
    service_accounts=dict(type="bool"),
    redirect_uris=dict(type="list", elements="str"),
    web_origins=dict(type="list", elements="str"),
    root_url=dict(type="str"),
    base_url=dict(type="str"),
    default_client_scopes=dict(type="list", elements="str"),
    optional_client_scopes=dict(type="list", elements="str"),
    attributes=dict(type="dict"),
    protocol_mappers=dict(type="list", elements="dict", options=MAPPER_SPEC),
    protocol_mappers_exclusive=dict(type="bool", default=True),
    secret=dict(type="str", no_log=True),
    regenerate_secret=dict(type="bool", default=False),
    return_secret=dict(type="bool", default=False),
    authentication_flow_binding_overrides=dict(type="dict", options=dict(
        browser=dict(type="str"), direct_grant=dict(type="str"))),
)

PLAIN = ("client_id", "name", "description", "enabled", "confidential", "standard_flow",
         "direct_access_grants", "service_accounts", "redirect_uris", "web_origins", "root_url",
         "base_url", "default_client_scopes", "optional_client_scopes")


def desired_client(params):
    desired = dict((key, params[key]) for key in PLAIN)
    desired["attributes"] = string_map(params["attributes"])
    mappers = params["protocol_mappers"]
    desired["protocol_mappers"] = None if mappers is None else sorted(
        (mapper_from_input(m) for m in mappers), key=lambda m: m["name"])
    desired["secret"] = REGENERATE if params["regenerate_secret"] else params["secret"]
    overrides = params["authentication_flow_binding_overrides"]
    desired["authentication_flow_binding_overrides"] = None if overrides is None else dict(
        (k, v) for k, v in overrides.items() if v is not None)
    return desired


def main():
    module = BerthModule(argument_spec=ARGUMENT_SPEC, service="keycloak", supports_check_mode=True,
                         mutually_exclusive=[("secret", "regenerate_secret")])
    if not HAS_KEYCLOAK:
        module.fail_json(msg=missing_required_lib("python-keycloak"), exception=KEYCLOAK_IMPORT_ERROR)
    params = module.params
    if params["return_secret"] and not module.no_log:
        module.fail_json(msg="return_secret: true needs no_log: true on the task, "
                             "so the secret cannot reach logs or -vvv output")
    adapter = ClientAdapter(KeycloakClient.from_params(params),
                            mappers_exclusive=params["protocol_mappers_exclusive"])

    def secret(outcome):
        return dict(client_secret=(outcome.resource or {}).get("secret") or "")

    module.ensure(adapter, desired_client(params), state=params["state"], result_key="client",
                  extra=secret if params["return_secret"] else None)


if __name__ == "__main__":
    main()
