# -*- coding: utf-8 -*-
# Copyright: berth.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Harbor chart's generated secrets, made once and kept in one Kubernetes Secret.

The official chart (1.19) makes up several values on every render - ``core.secret``,
``core.xsrfKey``, the jobservice and registry secrets (``randAlphaNum``), the
token-signing CA (``genCA``) and the registry's htpasswd - and keeps the random
ones only through ``lookup``, which ``helm template`` and dry runs never do. Each
new value rolls Deployments, and a changed ``secretKey`` makes every stored OIDC
client secret and CLI secret unreadable (goharbor/harbor-helm #325, #1633).

Here they are generated once into one Secret and never regenerated (a key that
is missing is added; an existing one is never touched), and ``chart_values``
points every ``existingSecret``/``secretName`` value of the chart at it, so the
rendered chart holds no secret and is byte-identical from run to run.
No Ansible imports.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import datetime
import random
import string

from ansible_collections.berth.platform.plugins.module_utils.ensure import Adapter
from ansible_collections.berth.platform.plugins.module_utils.errors import ValidationError

try:
    import bcrypt
    HAS_BCRYPT = True
except ImportError:  # pragma: no cover - the crypt fallback below
    HAS_BCRYPT = False

_ALNUM = string.ascii_letters + string.digits
REGISTRY_USER = "harbor_registry_user"
# key -> length of a random alphanumeric value (secretKey: exactly 16 bytes, no newline).
RANDOM_KEYS = {"secretKey": 16, "secret": 16, "CSRF_KEY": 32, "JOBSERVICE_SECRET": 16,
               "REGISTRY_HTTP_SECRET": 16, "REGISTRY_PASSWD": 24}
DERIVED_KEYS = ("REGISTRY_HTPASSWD", "tls.key", "tls.crt")
ADMIN_KEY = "HARBOR_ADMIN_PASSWORD"


def random_text(length):
    rng = random.SystemRandom()
    return "".join(rng.choice(_ALNUM) for dummy in range(length))


def htpasswd_line(user, password):
    """``user:<bcrypt hash>`` - the only hash the registry's htpasswd accepts."""
    if HAS_BCRYPT:
        hashed = bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds=10)).decode()
    else:
        import crypt  # pylint: disable=deprecated-module
        hashed = crypt.crypt(password, crypt.mksalt(crypt.METHOD_BLOWFISH))
        if not hashed or not hashed.startswith("$2"):
            raise ValidationError("no bcrypt available to hash the registry password: install the "
                                  "bcrypt Python library on the controller")
    return "%s:%s" % (user, hashed)


def token_key_pair(common_name="harbor-token-ca", days=3650):
    """A PKCS#1 RSA key (the only form Harbor's libtrust reads) and a self-signed certificate."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=4096)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=days))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    pem_key = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                                serialization.NoEncryption()).decode()
    return pem_key, cert.public_bytes(serialization.Encoding.PEM).decode()


def wanted_keys(admin_password):
    keys = sorted(list(RANDOM_KEYS) + list(DERIVED_KEYS))
    if admin_password is not None:
        keys.append(ADMIN_KEY)
    return sorted(keys)


def complete(data, admin_password=None):
    """``data`` (plain text values) with every missing key generated; existing ones untouched."""
    data = dict(data)
    for key, length in RANDOM_KEYS.items():
        data.setdefault(key, random_text(length))
    if "REGISTRY_HTPASSWD" not in data:
        data["REGISTRY_HTPASSWD"] = htpasswd_line(REGISTRY_USER, data["REGISTRY_PASSWD"])
    if "tls.key" not in data or "tls.crt" not in data:
        data["tls.key"], data["tls.crt"] = token_key_pair()
    if admin_password is not None:
        data.setdefault(ADMIN_KEY, admin_password)
    return data


def chart_values(secret_name, admin_password_managed):
    """Chart values that point the chart at the Secret (names only, never a value)."""
    values = {
        "existingSecretSecretKey": secret_name,
        "core": {"existingSecret": secret_name, "existingXsrfSecret": secret_name,
                 "existingXsrfSecretKey": "CSRF_KEY", "secretName": secret_name},
        "jobservice": {"existingSecret": secret_name, "existingSecretKey": "JOBSERVICE_SECRET"},
        "registry": {"existingSecret": secret_name, "existingSecretKey": "REGISTRY_HTTP_SECRET",
                     "credentials": {"username": REGISTRY_USER, "existingSecret": secret_name}},
    }
    if admin_password_managed:
        values["existingSecretAdminPassword"] = secret_name
        values["existingSecretAdminPasswordKey"] = ADMIN_KEY
    return values


def decode(secret):
    return dict((k, base64.b64decode(v).decode()) for k, v in ((secret or {}).get("data") or {}).items())


def manifest(name, namespace, data, labels=None):
    meta = {"name": name, "namespace": namespace,
            "labels": dict({"app.kubernetes.io/managed-by": "berth.platform"}, **(labels or {}))}
    return {"apiVersion": "v1", "kind": "Secret", "metadata": meta, "type": "Opaque",
            "data": dict((k, base64.b64encode(v.encode()).decode()) for k, v in sorted(data.items()))}


class ChartSecretAdapter(Adapter):
    """The Secret, compared by the keys it holds (values are never shown or compared)."""

    kind = "secret"
    unordered = ("keys",)

    def __init__(self, k8s, namespace, admin_password=None, labels=None):
        self.k8s = k8s
        self.namespace = namespace
        self.admin_password = admin_password
        self.labels = labels

    def find(self, desired):
        return self.k8s.get("v1", "Secret", desired["name"], self.namespace)

    def normalize(self, current):
        return {"name": current["metadata"]["name"], "namespace": current["metadata"]["namespace"],
                "keys": sorted((current.get("data") or {}).keys())}

    def _write(self, name, existing, dry_run=False):
        data = complete(decode(existing), self.admin_password)
        return self.k8s.apply(manifest(name, self.namespace, data, self.labels), dry_run=dry_run)

    def preview(self, desired):
        self._write(desired["name"], self.find(desired), dry_run=True)

    def create(self, desired):
        return self._write(desired["name"], None)

    def update(self, current, desired, changes):
        return self._write(desired["name"], current)

    def delete(self, current):
        self.k8s.delete("v1", "Secret", current["metadata"]["name"], self.namespace)
