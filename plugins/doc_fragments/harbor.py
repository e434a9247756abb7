# -*- coding: utf-8 -*-
# Copyright: berth.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    # Twin of module_utils/connection.py HARBOR; a unit test keeps them equal.
    DOCUMENTATION = r"""
options:
  harbor_url:
    description:
      - Base URL of Harbor, for example C(https://harbor.example.com). The API path C(/api/v2.0) is added.
      - If not set, the environment variable E(HARBOR_URL) is used.
    type: str
    required: true
  harbor_username:
    description:
      - User name for HTTP basic authentication, an admin or a system robot account (C(robot$name)).
      - If not set, the environment variable E(HARBOR_USERNAME) is used.
    type: str
  harbor_password:
    description:
      - Password or robot secret for O(harbor_username).
      - If not set, the environment variable E(HARBOR_PASSWORD) is used.
    type: str
  validate_certs:
    description:
      - Verify the server's TLS certificate. Turn off only for throwaway labs; prefer O(ca_path).
      - If not set, the environment variable E(HARBOR_VALIDATE_CERTS) is used.
    type: bool
    default: true
  ca_path:
    description:
      - PEM file with the CA certificate(s) that signed Harbor's certificate.
      - If not set, the environment variable E(HARBOR_CA_PATH) is used.
    type: path
  timeout:
    description:
      - Seconds to wait for each HTTP response.
      - If not set, the environment variable E(HARBOR_TIMEOUT) is used.
    type: int
    default: 30
notes:
  - All options of this group can be set once per play with
    C(module_defaults) and C(group/berth.platform.harbor).
requirements:
  - requests
"""
