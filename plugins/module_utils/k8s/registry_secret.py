# -*- coding: utf-8 -*-
# Copyright: berth.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Registry credentials as Kubernetes Secrets, and their place on ServiceAccounts.

Two shapes: ``kubernetes.io/dockerconfigjson`` (kubelet pulls, imagePullSecrets)
and ``Opaque`` with a ``config.json`` key (mounted by CI builders such as
Kaniko or buildah for pushes). The credential is compared in memory with what
the cluster holds and never leaves this module except to the API server.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import hashlib
import json

from ansible_collections.berth.platform.plugins.module_utils.errors import (
    BadRequest, Conflict, ValidationError,
)
from ansible_collections.berth.platform.plugins.module_utils.k8s.adapters import ManifestAdapter
from ansible_collections.berth.platform.plugins.module_utils.k8s.client import strip_server_fields

DATA_KEYS = {"dockerconfigjson": ("kubernetes.io/dockerconfigjson", ".dockerconfigjson"),
             "config_json": ("Opaque", "config.json")}


def service_accounts_for(secret_type, service_accounts, present=True):
    """The ServiceAccounts to link (or unlink), or a ValidationError for a link that would do nothing.

    Not given means ``[default]`` for a ``dockerconfigjson`` Secret and none for ``config_json``.
    The kubelet only uses ``kubernetes.io/dockerconfigjson`` (and legacy ``dockercfg``) Secrets
    named in ``imagePullSecrets``; an ``Opaque`` config.json Secret there is skipped without a
    word, so linking one is refused rather than done. Unlinking (state absent) is always allowed:
    it only cleans up.
    """
    if service_accounts is None:
        return ["default"] if secret_type == "dockerconfigjson" else []
    if present and secret_type != "dockerconfigjson" and service_accounts:
        raise ValidationError(
            "service_accounts %s: a secret_type=%s Secret (Opaque, config.json key) cannot be an "
            "image pull secret - Kubernetes only uses kubernetes.io/dockerconfigjson Secrets from "
            "imagePullSecrets. Use secret_type: dockerconfigjson for pulls, or leave "
            "service_accounts out (or []) for a Secret that CI jobs mount"
            % (", ".join(service_accounts), secret_type), service="k8s")
    return list(service_accounts)


def docker_config(registry, username, password, email=None):
    """The canonical docker config.json text for one registry."""
    if not registry or "/" in registry.split("://", 1)[-1]:
        raise ValidationError("registry must be a host[:port] such as harbor.example.com, got %r" % registry)
    if not username or not password:
        raise ValidationError("username and password are required with state=present")
    entry = {"username": username, "password": password,
             "auth": base64.b64encode(("%s:%s" % (username, password)).encode()).decode()}
    if email:
        entry["email"] = email
    return _canonical({"auths": {registry.split("://", 1)[-1]: entry}})


def _canonical(config):
    return json.dumps(config, sort_keys=True, separators=(",", ":"))


def config_hash(config_text):
    """A stable fingerprint of the credential, safe to show (sha256 of the config)."""
    return hashlib.sha256(config_text.encode()).hexdigest()


def manifest(name, namespace, secret_type, config_text=None, labels=None):
    kube_type, key = DATA_KEYS[secret_type]
    meta = {"name": name, "namespace": namespace}
    if labels:
        meta["labels"] = labels
    body = {"apiVersion": "v1", "kind": "Secret", "metadata": meta, "type": kube_type}
    if config_text is not None:
        body["data"] = {key: base64.b64encode(config_text.encode()).decode()}
    return body


class RegistrySecretAdapter(ManifestAdapter):
    """A Secret whose ``data`` is compared decoded and canonical, and never shown."""

    secret_fields = ("data",)

    def normalize(self, current):
        obj = strip_server_fields(current)
        data = obj.get("data") or {}
        for key in (".dockerconfigjson", "config.json"):
            if key in data:
                try:
                    text = base64.b64decode(data[key]).decode()
                    data[key] = base64.b64encode(_canonical(json.loads(text)).encode()).decode()
                except ValueError:
                    pass  # not JSON: compared as stored, so it gets replaced
        return obj


def link_service_account(client, namespace, sa_name, secret_name, present, dry_run=False,
                         attempts=5):
    """Add (or remove) ``secret_name`` in a ServiceAccount's imagePullSecrets.

    Returns (before, after) lists of names; other entries are never dropped.
    ``imagePullSecrets`` is an atomic list (a merge patch or apply would replace
    it whole), so this reads, edits and writes back with a JSON patch that first
    tests the resourceVersion; a concurrent writer makes it re-read and retry.
    A missing ServiceAccount is created when linking (the controller manager
    would create ``default``; other names are the caller's intent).
    """
    for _attempt in range(attempts):
        sa = client.get("v1", "ServiceAccount", sa_name, namespace)
        before = [s.get("name") for s in (sa or {}).get("imagePullSecrets") or []]
        if present == (secret_name in before) or (sa is None and not present):
            return before, before
        after = before + [secret_name] if present else [n for n in before if n != secret_name]
        if sa is None:
            client.apply({"apiVersion": "v1", "kind": "ServiceAccount",
                          "metadata": {"name": sa_name, "namespace": namespace},
                          "imagePullSecrets": [{"name": secret_name}]}, dry_run=dry_run)
            return before, after
        operations = [
            {"op": "test", "path": "/metadata/resourceVersion", "value": sa["metadata"]["resourceVersion"]},
            {"op": "add", "path": "/imagePullSecrets", "value": [{"name": n} for n in after]},
        ]
        try:
            client.json_patch("v1", "ServiceAccount", sa_name, namespace, operations, dry_run=dry_run)
        except (Conflict, BadRequest) as exc:
            if exc.status not in (409, 422) and "test" not in str(exc):
                raise
            continue  # changed under us: read again
        return before, after
    raise Conflict("ServiceAccount %s/%s kept changing; gave up after %d tries" % (namespace, sa_name, attempts),
                   service="k8s", method="PATCH", path="serviceaccounts/" + sa_name)
