# -*- coding: utf-8 -*-
# Copyright: berth.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    # Twin of module_utils/connection.py KEYCLOAK; a unit test keeps them equal.
    DOCUMENTATION = r"""
options:
  auth_keycloak_url:
    description:
      - Base URL of Keycloak, for example C(https://sso.example.com) (no C(/auth) suffix on Keycloak 17 and later).
      - If not set, the environment variable E(KEYCLOAK_URL) is used.
    type: str
    required: true
    aliases: [url]
  auth_realm:
    description:
      - Realm to authenticate against (not necessarily the realm being managed).
      - If not set, the environment variable E(KEYCLOAK_REALM) is used.
    type: str
    default: master
  auth_client_id:
    description:
      - OpenID Connect client used to obtain the admin token.
      - If not set, the environment variable E(KEYCLOAK_CLIENT_ID) is used.
    type: str
    default: admin-cli
  auth_client_secret:
    description:
      - Secret of O(auth_client_id) for the client-credentials grant (a service account); no user needed then.
      - If not set, the environment variable E(KEYCLOAK_CLIENT_SECRET) is used.
    type: str
  auth_username:
    description:
      - Admin user name for the password grant.
      - If not set, the environment variable E(KEYCLOAK_USERNAME) is used.
    type: str
    aliases: [username]
  auth_password:
    description:
      - Password of O(auth_username).
      - If not set, the environment variable E(KEYCLOAK_PASSWORD) is used.
    type: str
    aliases: [password]
  token:
    description:
      - A ready access token; used instead of a grant when given.
      - If not set, the environment variable E(KEYCLOAK_TOKEN) is used.
    type: str
  validate_certs:
    description:
      - Verify Keycloak's TLS certificate. Prefer O(ca_path) over turning this off.
      - If not set, the environment variable E(KEYCLOAK_VALIDATE_CERTS) is used.
    type: bool
    default: true
  ca_path:
    description:
      - PEM file with the CA certificate(s) that signed Keycloak's certificate.
      - If not set, the environment variable E(KEYCLOAK_CA_PATH) is used.
    type: path
  connection_timeout:
    description:
      - Seconds to wait for each HTTP response.
      - If not set, the environment variable E(KEYCLOAK_TIMEOUT) is used.
    type: int
    default: 30
notes:
  - All options of this group can be set once per play with
    C(module_defaults) and C(group/berth.platform.keycloak).
requirements:
  - requests
"""
