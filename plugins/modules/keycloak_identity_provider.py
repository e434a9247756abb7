#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: berth.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: keycloak_identity_provider
short_description: Manage an external OpenID Connect identity provider of a Keycloak realm, with its mappers
version_added: 0.2.0
description:
  - Creates, updates or removes an OIDC identity provider (a corporate IdP users sign in with),
    found by its O(alias), and its mappers (for example a claim that puts users in a group).
  - Endpoints come from O(discovery_url) or from the explicit options; explicit options win.
  - Only the options you set are managed; an option left out is neither compared nor changed.
  - Mappers are compared by name, with their config in the string form Keycloak stores, so a rerun
    reports no change. They are exclusive by default (O(mappers_exclusive)).
  - Options that could not take effect together are refused before anything is read or written
    (O(pkce_method) without O(pkce=true), O(client_secret) with O(client_auth_method=private_key_jwt),
    O(update_client_secret=always) without O(client_secret)), rather than stored and silently unused.
  - The client secret is write-only. Keycloak never returns it (it answers C(**********)), so it
    cannot be compared; O(update_client_secret) decides when it is written. It never appears in
    results, diffs or C(-vvv) output (it shows as C(<redacted>)).
author:
  - berth.platform maintainers (@berth)
extends_documentation_fragment:
  - berth.platform.keycloak
attributes:
  check_mode:
    support: full
    description: Reports what would change without writing to Keycloak (the discovery document is read).
  diff_mode:
    support: full
    description: Shows the managed options before and after; the client secret shows as C(<redacted>).
options:
  realm:
    description: Realm that holds the identity provider.
    type: str
    default: master
  alias:
    description: Alias of the identity provider; part of its redirect URI
      (C(<keycloak>/realms/<realm>/broker/<alias>/endpoint)).
    type: str
    required: true
  state:
    description: Whether the identity provider should exist. Removing it removes its mappers.
    type: str
    choices: [present, absent]
    default: present
  provider_id:
    description:
      - Provider type. V(oidc) for any OpenID Connect provider, V(keycloak-oidc) for another Keycloak.
      - Not set means V(oidc) when the provider is created, and whatever it is otherwise.
      - Cannot be changed on an existing identity provider (the module fails and changes nothing).
    type: str
    choices: [oidc, keycloak-oidc]
  display_name:
    description: Name on the login button.
    type: str
  enabled:
    description: Whether the identity provider can be used.
    type: bool
  trust_email:
    description: Trust email addresses from the provider as verified.
    type: bool
  hide_on_login:
    description: Hide the provider's button on the login page (it can still be used with C(kc_idp_hint)).
    type: bool
  discovery_url:
    description:
      - URL of the provider's OpenID configuration (C(.../.well-known/openid-configuration)).
      - Read by the module, with O(validate_certs) and O(ca_path), on every run; endpoints not set
        explicitly are taken from it (C(authorization_endpoint), C(token_endpoint), C(jwks_uri),
        C(issuer), C(userinfo_endpoint), C(end_session_endpoint)).
    type: str
  authorization_url:
    description: Authorization endpoint. Needed to create the provider (or O(discovery_url)).
    type: str
  token_url:
    description: Token endpoint. Needed to create the provider (or O(discovery_url)).
    type: str
  jwks_url:
    description: JWKS endpoint for signature validation (sets C(useJwksUrl)).
    type: str
  issuer:
    description: Expected C(iss) of the provider's tokens.
    type: str
  userinfo_url:
    description: Userinfo endpoint.
    type: str
  logout_url:
    description: End session endpoint.
    type: str
  client_id:
    description: Client id registered at the provider. Needed to create the provider.
    type: str
  client_secret:
    description:
      - Client secret registered at the provider. Written when the provider is created, and on
        later runs as O(update_client_secret) says.
      - Refused with O(client_auth_method=private_key_jwt), where Keycloak never uses it.
    type: str
  update_client_secret:
    description:
      - V(on_create) - write O(client_secret) only when the provider is created (or has no secret);
        reruns report no change. Rotate by running once with V(always).
      - V(always) - write O(client_secret) on every run; the run always reports a change, because
        Keycloak's masked answer cannot be compared. Refused without O(client_secret).
    type: str
    choices: [always, on_create]
    default: on_create
  client_auth_method:
    description: How Keycloak authenticates at the provider's token endpoint.
    type: str
    choices: [client_secret_post, client_secret_basic, client_secret_jwt, private_key_jwt]
  sync_mode:
    description: When user data from the provider is copied - V(IMPORT) (first login), V(FORCE)
      (every login) or V(LEGACY).
    type: str
    choices: [IMPORT, FORCE, LEGACY]
  default_scopes:
    description: Scopes requested from the provider, space separated (for example C(openid profile email)).
    type: str
  validate_signature:
    description: Validate the signature of the provider's tokens.
    type: bool
  pkce:
    description:
      - Use PKCE in the authorization code flow. With V(true) the method of O(pkce_method) is sent
        too (Keycloak 26 refuses PKCE without a method).
    type: bool
  pkce_method:
    description:
      - PKCE code challenge method, sent as C(pkceMethod) when O(pkce=true).
      - Not set means V(S256) when O(pkce=true). Without O(pkce=true) the method cannot take effect,
        so setting it is refused.
    type: str
    choices: [S256, plain]
  config:
    description:
      - Further provider config keys (for example C(acceptsPromptNoneForwardFromClient), C(uiLocales)),
        stored as strings. Keys not named here are left alone.
      - Keys that have an option of their own (C(clientSecret), C(tokenUrl), C(hideOnLoginPage), ...)
        are refused. Values of keys whose name contains C(secret) or C(password) are masked in the
        output, like O(client_secret).
    type: dict
  mappers:
    description:
      - Mappers of the identity provider, identified by O(mappers[].name).
      - With O(mappers_exclusive=true) (the default) this is the complete list; mappers that are not
        listed are removed. Config keys not named in an item are left as Keycloak has them.
    type: list
    elements: dict
    suboptions:
      name:
        description: Mapper name, unique within the identity provider.
        type: str
        required: true
      mapper:
        description:
          - Mapper type, for example C(oidc-advanced-group-idp-mapper) (claims to a group),
            C(oidc-hardcoded-group-idp-mapper), C(oidc-role-idp-mapper) (claim to a role),
            C(oidc-user-attribute-idp-mapper). Must be known to the server.
        type: str
        required: true
      sync_mode:
        description: When the mapper applies - V(INHERIT) (the provider's O(sync_mode)), V(IMPORT),
          V(FORCE) or V(LEGACY).
        type: str
        choices: [INHERIT, IMPORT, FORCE, LEGACY]
        default: INHERIT
      config:
        description:
          - Mapper configuration; values are stored as strings, lists and dicts as JSON (the
            C(claims) of an advanced mapper).
        type: dict
  mappers_exclusive:
    description:
      - Remove mappers that are not in O(mappers). Set to V(false) to manage only the listed ones.
      - Has no effect when O(mappers) is not set.
    type: bool
    default: true
"""

EXAMPLES = r"""
- name: Corporate IdP from its discovery document, members of its "platform-team" claim go to /team-demo
  berth.platform.keycloak_identity_provider:
    realm: platform
    alias: corp
    display_name: Corporate login
    discovery_url: https://login.example.com/.well-known/openid-configuration
    client_id: keycloak-platform
    client_secret: "{{ vault_corp_idp_secret }}"
    client_auth_method: client_secret_post
    sync_mode: FORCE
    default_scopes: openid profile email
    pkce: true                  # with pkce_method S256 unless told otherwise
    mappers:
      - name: team-demo
        mapper: oidc-advanced-group-idp-mapper
        config:
          claims: [{key: groups, value: platform-team}]
          group: /team-demo
      - name: admins
        mapper: oidc-role-idp-mapper
        config: {claim: roles, claim.value: platform-admin, role: admin}

- name: Explicit endpoints, rotate the client secret now
  berth.platform.keycloak_identity_provider:
    realm: platform
    alias: corp
    authorization_url: https://login.example.com/oauth2/authorize
    token_url: https://login.example.com/oauth2/token
    jwks_url: https://login.example.com/oauth2/keys
    issuer: https://login.example.com
    client_id: keycloak-platform
    client_secret: "{{ vault_corp_idp_new_secret }}"
    update_client_secret: always

- name: Remove an identity provider
  berth.platform.keycloak_identity_provider:
    realm: platform
    alias: old-idp
    state: absent
"""

RETURN = r"""
action:
  description: What was done, one of C(create), C(update), C(delete), C(none).
  returned: always
  type: str
  sample: update
identity_provider:
  description:
    - The identity provider after the run in the module's option names, plus C(internal_id).
      C(client_secret) shows as C(<redacted>). In check mode or after a delete, the managed options.
  returned: always
  type: dict
  sample:
    alias: corp
    provider_id: oidc
    enabled: true
    display_name: Corporate login
    authorization_url: https://login.example.com/oauth2/authorize
    token_url: https://login.example.com/oauth2/token
    client_id: keycloak-platform
    client_secret: <redacted>
    sync_mode: FORCE
    pkce: true
    pkce_method: S256
    mappers:
      - name: team-demo
        mapper: oidc-advanced-group-idp-mapper
        config: {claims: '[{"key":"groups","value":"platform-team"}]', group: /team-demo, syncMode: INHERIT}
"""

from ansible.module_utils.basic import missing_required_lib

from ansible_collections.berth.platform.plugins.module_utils.errors import ValidationError
from ansible_collections.berth.platform.plugins.module_utils.keycloak.client import (
    HAS_KEYCLOAK, KEYCLOAK_IMPORT_ERROR, KeycloakClient,
)
from ansible_collections.berth.platform.plugins.module_utils.keycloak.identity_providers import (
    BOOL_CONFIG_FIELDS, CONFIG_FIELDS, TOP_FIELDS, IdentityProviderAdapter, config_map,
    discovery_reader, mapper_from_input, option_problems, pkce_method_for,
)
from ansible_collections.berth.platform.plugins.module_utils.module import BerthModule

MAPPER_SPEC = dict(
    name=dict(type="str", required=True),
    mapper=dict(type="str", required=True),
    sync_mode=dict(type="str", choices=["INHERIT", "IMPORT", "FORCE", "LEGACY"], default="INHERIT"),
    config=dict(type="dict"),
)

ARGUMENT_SPEC = dict(
    realm=dict(type="str", default="master"),
    alias=dict(type="str", required=True),
    state=dict(type="str", choices=["present", "absent"], default="present"),
    provider_id=dict(type="str", choices=["oidc", "keycloak-oidc"]),
    display_name=dict(type="str"),
    enabled=dict(type="bool"),
    trust_email=dict(type="bool"),
    hide_on_login=dict(type="bool"),
    discovery_url=dict(type="str"),
    authorization_url=dict(type="str"),
    token_url=dict(type="str", no_log=False),
    jwks_url=dict(type="str"),
    issuer=dict(type="str"),
    userinfo_url=dict(type="str"),
    logout_url=dict(type="str"),
    client_id=dict(type="str"),
    client_secret=dict(type="str", no_log=True),
    update_client_secret=dict(type="str", choices=["always", "on_create"], default="on_create",
                              no_log=False),
    client_auth_method=dict(type="str", choices=["client_secret_post", "client_secret_basic",
                                                 "client_secret_jwt", "private_key_jwt"]),
    sync_mode=dict(type="str", choices=["IMPORT", "FORCE", "LEGACY"]),
    default_scopes=dict(type="str"),
    validate_signature=dict(type="bool"),
    pkce=dict(type="bool"),
    pkce_method=dict(type="str", choices=["S256", "plain"]),
    config=dict(type="dict"),
    mappers=dict(type="list", elements="dict", options=MAPPER_SPEC),
    mappers_exclusive=dict(type="bool", default=True),
)


def desired_identity_provider(params):
    if params["state"] == "absent":
        return dict(alias=params["alias"])
    desired = dict(alias=params["alias"], provider_id=params["provider_id"],
                   discovery_url=params["discovery_url"], client_secret=params["client_secret"],
                   config=config_map(params["config"]))
    for key, _rep in TOP_FIELDS + CONFIG_FIELDS + BOOL_CONFIG_FIELDS:
        desired[key] = params[key]
    desired["pkce_method"] = pkce_method_for(params["pkce"], params["pkce_method"])
    mappers = params["mappers"]
    desired["mappers"] = None if mappers is None else sorted(
        (mapper_from_input(m) for m in mappers), key=lambda m: m["name"])
    return desired


def main():
    module = BerthModule(argument_spec=ARGUMENT_SPEC, service="keycloak", supports_check_mode=True)
    if not HAS_KEYCLOAK:
        module.fail_json(msg=missing_required_lib("python-keycloak"), exception=KEYCLOAK_IMPORT_ERROR)
    params = module.params
    problems = option_problems(params) if params["state"] == "present" else []
    if problems:  # before anything is read or written
        module.fail_error(ValidationError("; ".join(problems), service="keycloak"))
    # A secret put in config by mistake is refused, and never echoed back either.
    for key, value in (params["config"] or {}).items():
        if value is not None and any(word in key.lower() for word in ("secret", "password")):
            module.no_log_values.add(str(value))
    adapter = IdentityProviderAdapter(
        KeycloakClient.from_params(params), update_client_secret=params["update_client_secret"],
        mappers_exclusive=params["mappers_exclusive"],
        discover=discovery_reader(params["validate_certs"], params["ca_path"],
                                  params["connection_timeout"]))
    module.ensure(adapter, desired_identity_provider(params), state=params["state"],
                  result_key="identity_provider")


if __name__ == "__main__":
    main()
