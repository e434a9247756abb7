#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: berth.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: keycloak_client_info
short_description: Report the OpenID Connect clients of a Keycloak realm
version_added: 0.2.0
description:
  - Lists the clients of a realm, or one client by its C(clientId), in the shape of
    M(berth.platform.keycloak_client)'s RV(berth.platform.keycloak_client#module:client) result.
  - Read-only; never reports a change.
  - Secrets are never returned - a client's C(secret), and any attribute whose name contains
    C(secret), are left out. Use M(berth.platform.keycloak_client) with O(berth.platform.keycloak_client#module:return_secret)
    to read a client secret.
author:
  - berth.platform maintainers (@berth)
extends_documentation_fragment:
  - berth.platform.keycloak
  - berth.platform.attributes.read_only
options:
  realm:
    description: Realm to report on.
    type: str
    default: master
  client_id:
    description: Report only the client with this C(clientId). Not set means every client of the realm.
    type: str
"""

EXAMPLES = r"""
- name: Is the Harbor client there, and with which redirect URIs?
  berth.platform.keycloak_client_info:
    realm: platform
    client_id: harbor
  register: harbor_client

- name: Show them
  ansible.builtin.debug:
    msg: "{{ harbor_client.clients[0].redirect_uris if harbor_client.clients else 'no harbor client' }}"

- name: Every client of the realm
  berth.platform.keycloak_client_info:
    realm: platform
  register: all_clients
"""

RETURN = r"""
clients:
  description:
    - The clients, sorted by C(client_id), in the option names of M(berth.platform.keycloak_client)
      plus C(id). Empty when O(client_id) names no client.
    - Protocol mappers with their full config. No secrets.
  returned: always
  type: list
  elements: dict
  sample:
    - client_id: harbor
      id: 0f4c1c8a-7d3e-4b77-9f0e-1b2c3d4e5f60
      name: Harbor
      enabled: true
      confidential: true
      standard_flow: true
      redirect_uris: [https://harbor.example.com/c/oidc/callback]
      web_origins: [https://harbor.example.com]
      default_client_scopes: [acr, basic, email, profile, roles, web-origins]
      attributes: {post.logout.redirect.uris: +}
      protocol_mappers:
        - name: groups
          protocol: openid-connect
          protocol_mapper: oidc-group-membership-mapper
          config: {claim.name: groups, full.path: "false", id.token.claim: "true"}
      authentication_flow_binding_overrides: {browser: "", direct_grant: ""}
"""

from ansible.module_utils.basic import missing_required_lib

from ansible_collections.berth.platform.plugins.module_utils.keycloak import info
from ansible_collections.berth.platform.plugins.module_utils.keycloak.client import (
    HAS_KEYCLOAK, KEYCLOAK_IMPORT_ERROR, KeycloakClient,
)
from ansible_collections.berth.platform.plugins.module_utils.module import BerthModule

ARGUMENT_SPEC = dict(
    realm=dict(type="str", default="master"),
    client_id=dict(type="str"),
)


def main():
    module = BerthModule(argument_spec=ARGUMENT_SPEC, service="keycloak", supports_check_mode=True)
    if not HAS_KEYCLOAK:
        module.fail_json(msg=missing_required_lib("python-keycloak"), exception=KEYCLOAK_IMPORT_ERROR)
    kc = KeycloakClient.from_params(module.params)
    module.run(lambda: dict(changed=False, clients=info.clients(kc, module.params["client_id"])))


if __name__ == "__main__":
    main()
