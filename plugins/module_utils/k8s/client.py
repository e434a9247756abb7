# -*- coding: utf-8 -*-
# Copyright: berth.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Kubernetes access through the kubernetes Python client. No Ansible imports.

Writes are server-side apply with the field manager ``berth.platform``; check
mode is the same apply with ``dryRun=All`` so the API server (CRD schemas,
admission) still judges the object. Failures become the typed errors of
``errors`` with service ``k8s``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import re
import ssl
import traceback

try:
    from kubernetes import client as k8s_client, config as k8s_config
    from kubernetes.client.rest import ApiException
    from kubernetes.dynamic import DynamicClient
    from kubernetes.dynamic.exceptions import ResourceNotFoundError
    from urllib3.exceptions import HTTPError, SSLError
    HAS_KUBERNETES = True
    KUBERNETES_IMPORT_ERROR = None
except ImportError:  # pragma: no cover - reported by the module base
    HAS_KUBERNETES = False
    KUBERNETES_IMPORT_ERROR = traceback.format_exc()

from ansible_collections.berth.platform.plugins.module_utils.errors import (
    ApiError, NotFound, TLSError, TransportError, error_for_status,
)
from ansible_collections.berth.platform.plugins.module_utils.retry import RetryPolicy

FIELD_MANAGER = "berth.platform"
# The connection options as kubernetes.core names them. A module that names one differently passes
# its names (option_names) so that hints name what the user can set; the tenants module talks to
# Harbor too and calls Kubernetes' validate_certs k8s_validate_certs (connection.K8S_BESIDE_HARBOR).
OPTION_NAMES = {"validate_certs": "validate_certs", "ca_cert": "ca_cert"}
BESIDE_HARBOR_OPTION_NAMES = {"validate_certs": "k8s_validate_certs"}


def option_names(names=None):
    """OPTION_NAMES with the caller's names for some of them."""
    out = dict(OPTION_NAMES)
    out.update(names or {})
    return out


def tls_hint(names=None):
    names = option_names(names)
    return ("set %s to the CA that signed the API server's certificate (or fix the kubeconfig's "
            "certificate-authority), or %s: false for a throwaway lab" % (names["ca_cert"], names["validate_certs"]))


K8S_TLS_HINT = tls_hint()
UNREACHABLE_HINT = ("check host, or the server address in the kubeconfig (kubeconfig, context), and that "
                    "the API server runs and this machine reaches it")
UNAUTHORIZED_HINT = ("the API server rejected the credentials: check api_key, or the kubeconfig's "
                     "user (token, client certificate) for the context in use")
FORBIDDEN_HINT = "authenticated, but RBAC does not allow this: check the Roles bound to the user"
NAMESPACE_MISSING = re.compile(r'namespaces? "([^"]+)" not found')
NAMESPACE_MISSING_HINT = ("create namespace %s first (for example with berth.platform.tenants, "
                          "kubernetes.core.k8s or kubectl create namespace), or check the namespace option")
# Fields the server owns; never compared, never shown in a diff.
SERVER_METADATA = ("resourceVersion", "uid", "generation", "creationTimestamp", "managedFields",
                   "selfLink", "deletionTimestamp", "deletionGracePeriodSeconds")


def api_client(kubeconfig=None, context=None, host=None, api_key=None, validate_certs=None,
               ca_cert=None, option_names=None):
    """A kubernetes ApiClient from kubernetes.core-style options (kubeconfig, then overrides).

    ``option_names`` maps kubernetes.core's option names to the caller's where they differ (see
    BESIDE_HARBOR_OPTION_NAMES); a K8sClient made from this ApiClient names those in its hints."""
    configuration = k8s_client.Configuration()
    try:
        if kubeconfig or context or not host:
            k8s_config.load_kube_config(config_file=kubeconfig, context=context,
                                        client_configuration=configuration)
    except Exception as exc:  # the loader raises ConfigException, IOError, TypeError...
        if not host:
            raise TransportError("cannot load kubeconfig: %s" % exc, service="k8s",
                                 hint="set kubeconfig/context, or host and api_key")
    if host:
        configuration.host = host
    if api_key:
        configuration.api_key = {"authorization": "Bearer " + api_key}
    if validate_certs is not None:
        configuration.verify_ssl = validate_certs
    if ca_cert:
        configuration.ssl_ca_cert = ca_cert
    api = k8s_client.ApiClient(configuration)
    api.berth_option_names = dict(option_names or {})
    return api


def strip_server_fields(obj):
    """A copy of an object without status and server-managed metadata."""
    obj = json.loads(json.dumps(obj))
    obj.pop("status", None)
    meta = obj.get("metadata") or {}
    for key in SERVER_METADATA:
        meta.pop(key, None)
    annotations = meta.get("annotations") or {}
    annotations.pop("kubectl.kubernetes.io/last-applied-configuration", None)
    if not annotations:
        meta.pop("annotations", None)
    return obj


class K8sClient:
    """Get / apply / delete any object kind, typed errors out."""

    service = "k8s"

    def __init__(self, api, retry=None, option_names=None):
        self.api = api
        self.retry = retry or RetryPolicy()
        self._dynamic = None
        self.requests_sent = 0  # requests to the API server (discovery, mostly cached, not counted)
        # The caller's option names, for hints; else those api_client was given.
        self.option_names = option_names if option_names is not None else getattr(api, "berth_option_names", None)

    @property
    def dynamic(self):
        if self._dynamic is None:
            self._dynamic = self._call("GET", "/apis", lambda: DynamicClient(self.api), counted=False)
        return self._dynamic

    def resource(self, api_version, kind):
        # Discovery may be cached on disk: the first request can happen here, so it
        # goes through _call like every other one (TLS and 401 answers typed).
        dynamic = self.dynamic
        try:
            return self._call("GET", "/apis/" + api_version, lambda: dynamic.resources.get(
                api_version=api_version, kind=kind), counted=False)
        except ResourceNotFoundError:
            raise NotFound("%s %s is not served by this cluster" % (api_version, kind),
                           service=self.service, method="GET", path="/apis/" + api_version,
                           hint="install the CRDs first")

    def served(self, api_version, kind):
        """True when the cluster serves api_version/kind."""
        try:
            self.resource(api_version, kind)
            return True
        except NotFound:
            return False

    def preferred_version(self, group, kind, versions=("v1", "v1beta1")):
        """The first of ``versions`` the cluster serves for group/kind (Istio: v1, else v1beta1)."""
        for version in versions:
            if self.served("%s/%s" % (group, version), kind):
                return version
        raise NotFound("%s %s is not served in any of %s" % (group, kind, ", ".join(versions)),
                       service=self.service, method="GET", path="/apis/" + group,
                       hint="install the CRDs first")

    def get(self, api_version, kind, name, namespace=None):
        res = self.resource(api_version, kind)
        path = res.path(name=name, namespace=namespace)
        try:
            return self._call("GET", path, lambda: res.get(name=name, namespace=namespace).to_dict())
        except NotFound:
            return None

    def apply(self, body, dry_run=False):
        """Server-side apply ``body``; returns the object as the server stored (or would store) it."""
        res = self.resource(body["apiVersion"], body["kind"])
        meta = body["metadata"]
        path = res.path(name=meta["name"], namespace=meta.get("namespace"))
        kwargs = dict(field_manager=FIELD_MANAGER, force_conflicts=True)
        if dry_run:
            kwargs["dry_run"] = "All"
        return self._call("PATCH", path, lambda: res.server_side_apply(
            body=body, name=meta["name"], namespace=meta.get("namespace"), **kwargs).to_dict())

    def json_patch(self, api_version, kind, name, namespace, operations, dry_run=False):
        """RFC 6902 JSON patch; with a ``test`` operation it is an optimistic-concurrency write."""
        res = self.resource(api_version, kind)
        path = res.path(name=name, namespace=namespace)
        kwargs = dict(field_manager=FIELD_MANAGER, content_type="application/json-patch+json")
        if dry_run:
            kwargs["dry_run"] = "All"
        return self._call("PATCH", path, lambda: res.patch(
            body=operations, name=name, namespace=namespace, **kwargs).to_dict())

    def delete(self, api_version, kind, name, namespace=None):
        res = self.resource(api_version, kind)
        path = res.path(name=name, namespace=namespace)
        try:
            self._call("DELETE", path, lambda: res.delete(name=name, namespace=namespace))
        except NotFound:
            pass

    def list(self, api_version, kind, namespace=None, label_selector=None):
        res = self.resource(api_version, kind)
        path = res.path(namespace=namespace)
        result = self._call("GET", path, lambda: res.get(namespace=namespace,
                                                         label_selector=label_selector).to_dict())
        return result.get("items") or []

    def _call(self, method, path, func, counted=True):
        # Every call here is idempotent (GET, DELETE, server-side apply), so the
        # shared policy may repeat it; PATCH is mapped to PUT for that reason.
        policy_method = "PUT" if method == "PATCH" else method
        retry_index = 0
        while True:
            self.requests_sent += counted
            try:
                return self._call_once(method, path, func)
            except (TransportError, ApiError) as exc:
                if isinstance(exc, TLSError) or not self.retry.should_retry(
                        policy_method, retry_index, status=exc.status,
                        transport_error=isinstance(exc, TransportError)):
                    raise
                self.retry.wait(retry_index)
                retry_index += 1

    def _call_once(self, method, path, func):
        try:
            return func()
        except ApiException as exc:
            status, message = exc.status or 500, _api_message(exc)
            raise error_for_status(status, message, service=self.service, method=method,
                                   path=path, hint=status_hint(status, message))
        except (HTTPError, OSError) as exc:
            # urllib3 wraps a certificate failure in MaxRetryError: look through it.
            tls = tls_failure(exc)
            if tls is not None:
                raise TLSError("TLS verification failed (%s)" % _tls_reason(tls),
                               service=self.service, method=method, path=path,
                               hint=tls_hint(self.option_names))
            raise TransportError("cannot reach the API server (%s)" % exc, service=self.service,
                                 method=method, path=path, ambiguous=method != "GET",
                                 hint=UNREACHABLE_HINT)


def status_hint(status, message):
    """What to check for an error answer: credentials on 401, RBAC on an RBAC 403, the namespace
    on a 404 for a missing namespace."""
    if status == 401:
        return UNAUTHORIZED_HINT
    if status == 403 and " cannot " in (message or ""):  # not e.g. "namespace is being terminated"
        return FORBIDDEN_HINT
    missing = NAMESPACE_MISSING.search(message or "") if status == 404 else None
    if missing:
        return NAMESPACE_MISSING_HINT % missing.group(1)
    return None


def tls_failure(exc):
    """The TLS error behind ``exc`` (itself, a MaxRetryError's reason, a cause), or None."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, (SSLError, ssl.SSLError)):
            return exc
        reason = getattr(exc, "reason", None)
        exc = reason if isinstance(reason, BaseException) else (exc.__cause__ or exc.__context__)
    return None


def _tls_reason(exc):
    text = str(exc)
    verify = re.search(r"certificate verify failed[^(')\]]*", text)
    if verify:
        return verify.group(0).strip()
    return text.strip(" ()'\"")[:240]


def _api_message(exc):
    try:
        body = json.loads(exc.body)
        return body.get("message") or exc.reason
    except (TypeError, ValueError):
        return exc.reason or "error"
