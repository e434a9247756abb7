# -*- coding: utf-8 -*-
# Copyright: berth.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    # Twin of module_utils/connection.py K8S; names and variables match kubernetes.core.
    DOCUMENTATION = r"""
options:
  kubeconfig:
    description:
      - Path to a kubeconfig file. Defaults to C(~/.kube/config) or the in-cluster service account.
      - If not set, the environment variable E(K8S_AUTH_KUBECONFIG) is used.
    type: path
  context:
    description:
      - Name of the kubeconfig context to use.
      - If not set, the environment variable E(K8S_AUTH_CONTEXT) is used.
    type: str
  host:
    description:
      - URL of the API server, overriding the kubeconfig.
      - If not set, the environment variable E(K8S_AUTH_HOST) is used.
    type: str
  api_key:
    description:
      - Bearer token for the API server.
      - If not set, the environment variable E(K8S_AUTH_API_KEY) is used.
    type: str
  ca_cert:
    description:
      - PEM file with the CA that signed the API server's certificate.
      - If not set, the environment variable E(K8S_AUTH_SSL_CA_CERT) is used.
    type: path
    aliases: [ssl_ca_cert]
  validate_certs:
    description:
      - Verify the API server's certificate. Defaults to the kubeconfig's setting (true).
      - If not set, the environment variable E(K8S_AUTH_VERIFY_SSL) is used.
    type: bool
    aliases: [verify_ssl]
notes:
  - All options of this group can be set once per play with
    C(module_defaults) and C(group/berth.platform.k8s).
requirements:
  - kubernetes
"""

    # Twin of connection.K8S_BESIDE_HARBOR, for a module that also talks to Harbor (validate_certs
    # is Harbor's there). ansible-test reads fragments as literal strings, hence the repetition.
    BESIDE_HARBOR = r"""
options:
  kubeconfig:
    description:
      - Path to a kubeconfig file. Defaults to C(~/.kube/config) or the in-cluster service account.
      - If not set, the environment variable E(K8S_AUTH_KUBECONFIG) is used.
    type: path
  context:
    description:
      - Name of the kubeconfig context to use.
      - If not set, the environment variable E(K8S_AUTH_CONTEXT) is used.
    type: str
  host:
    description:
      - URL of the API server, overriding the kubeconfig.
      - If not set, the environment variable E(K8S_AUTH_HOST) is used.
    type: str
  api_key:
    description:
      - Bearer token for the API server.
      - If not set, the environment variable E(K8S_AUTH_API_KEY) is used.
    type: str
  ca_cert:
    description:
      - PEM file with the CA that signed the API server's certificate.
      - If not set, the environment variable E(K8S_AUTH_SSL_CA_CERT) is used.
    type: path
    aliases: [ssl_ca_cert]
  k8s_validate_certs:
    description:
      - Verify the API server's certificate (O(validate_certs) is Harbor's). Defaults to the
        kubeconfig's setting (true).
      - If not set, the environment variable E(K8S_AUTH_VERIFY_SSL) is used.
    type: bool
    aliases: [verify_ssl]
requirements:
  - kubernetes
"""
