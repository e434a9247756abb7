# -*- coding: utf-8 -*-
# Copyright: berth.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Connection options of each service, declared once.

Each spec here has a twin doc fragment in ``plugins/doc_fragments/`` (same
option names, defaults and environment variables); a unit test keeps them equal.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.module_utils.basic import env_fallback


def _env(*names):
    return (env_fallback, list(names))


HARBOR = dict(
    harbor_url=dict(type="str", required=True, fallback=_env("HARBOR_URL")),
    harbor_username=dict(type="str", fallback=_env("HARBOR_USERNAME")),
    harbor_password=dict(type="str", no_log=True, fallback=_env("HARBOR_PASSWORD")),
    validate_certs=dict(type="bool", default=True, fallback=_env("HARBOR_VALIDATE_CERTS")),
    ca_path=dict(type="path", fallback=_env("HARBOR_CA_PATH")),
    timeout=dict(type="int", default=30, fallback=_env("HARBOR_TIMEOUT")),
)

KEYCLOAK = dict(
    auth_keycloak_url=dict(type="str", required=True, aliases=["url"], no_log=False, fallback=_env("KEYCLOAK_URL")),
    auth_realm=dict(type="str", default="master", fallback=_env("KEYCLOAK_REALM")),
    auth_client_id=dict(type="str", default="admin-cli", fallback=_env("KEYCLOAK_CLIENT_ID")),
    auth_client_secret=dict(type="str", no_log=True, fallback=_env("KEYCLOAK_CLIENT_SECRET")),
    auth_username=dict(type="str", aliases=["username"], fallback=_env("KEYCLOAK_USERNAME")),
    auth_password=dict(type="str", no_log=True, aliases=["password"], fallback=_env("KEYCLOAK_PASSWORD")),
    token=dict(type="str", no_log=True, fallback=_env("KEYCLOAK_TOKEN")),
    validate_certs=dict(type="bool", default=True, fallback=_env("KEYCLOAK_VALIDATE_CERTS")),
    ca_path=dict(type="path", fallback=_env("KEYCLOAK_CA_PATH")),
    connection_timeout=dict(type="int", default=30, fallback=_env("KEYCLOAK_TIMEOUT")),
)

# Names and environment variables match kubernetes.core's, so one set of
# module_defaults or K8S_AUTH_* variables serves both collections.
K8S = dict(
    kubeconfig=dict(type="path", fallback=_env("K8S_AUTH_KUBECONFIG")),
    context=dict(type="str", fallback=_env("K8S_AUTH_CONTEXT")),
    host=dict(type="str", fallback=_env("K8S_AUTH_HOST")),
    api_key=dict(type="str", no_log=True, fallback=_env("K8S_AUTH_API_KEY")),
    validate_certs=dict(type="bool", aliases=["verify_ssl"], fallback=_env("K8S_AUTH_VERIFY_SSL")),
    ca_cert=dict(type="path", aliases=["ssl_ca_cert"], fallback=_env("K8S_AUTH_SSL_CA_CERT")),
)

# For a module that talks to Harbor too (berth.platform.tenants): validate_certs is Harbor's there.
K8S_BESIDE_HARBOR = dict((name, option) for name, option in K8S.items() if name != "validate_certs")
K8S_BESIDE_HARBOR["k8s_validate_certs"] = K8S["validate_certs"]

SPECS = {"harbor": HARBOR, "keycloak": KEYCLOAK, "k8s": K8S}
