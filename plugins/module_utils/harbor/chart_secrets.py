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

The chart's internal PostgreSQL has no ``existingSecret``: its password is the
value ``database.internal.password`` (public default ``changeit``) unless that is
empty, when the chart reads ``POSTGRES_PASSWORD`` back from the release's own
``<fullname>-database`` Secret (``lookup``). So the password is made once here
(``DATABASE_PASSWORD``) and written into that Secret before Helm runs, with
Helm's ownership metadata so the release adopts it; the value never passes
through Helm values. A release that already has one keeps its password (the
database was initialised with it).
No Ansible imports.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import datetime
import hashlib
import hmac
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
# The internal PostgreSQL's superuser password, and its key in the release's <fullname>-database Secret.
DATABASE_KEY = "DATABASE_PASSWORD"
CHART_DATABASE_KEY = "POSTGRES_PASSWORD"
DATABASE_PASSWORD_LENGTH = 32
# The chart's public default for it (database.internal.password): a release still using it is reported.
PUBLIC_DATABASE_PASSWORD = "changeit"


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


def wanted_keys(admin_password, internal_database=False):
    keys = sorted(list(RANDOM_KEYS) + list(DERIVED_KEYS))
    if admin_password is not None:
        keys.append(ADMIN_KEY)
    if internal_database:
        keys.append(DATABASE_KEY)
    return sorted(keys)


ADMIN_FINGERPRINT_KEY = "HARBOR_ADMIN_PASSWORD_HMAC"


def fingerprint(data, value):
    """An HMAC-SHA256 of ``value`` keyed with the Secret's own random ``secret``: enough to tell
    later that a password changed, useless to anyone who reads only the fingerprint."""
    return hmac.new(data["secret"].encode(), value.encode(), hashlib.sha256).hexdigest()


def complete(data, admin_password=None, database_password=False, admin_secret_password=None):
    """``data`` (plain text values) with every missing key generated; existing ones untouched.
    ``database_password``: the internal database's password, when it is managed - the value a
    release already uses (adopted), or None to generate one."""
    data = dict(data)
    for key, length in RANDOM_KEYS.items():
        data.setdefault(key, random_text(length))
    if database_password is not False:
        data.setdefault(DATABASE_KEY, database_password or random_text(DATABASE_PASSWORD_LENGTH))
    if "REGISTRY_HTPASSWD" not in data:
        data["REGISTRY_HTPASSWD"] = htpasswd_line(REGISTRY_USER, data["REGISTRY_PASSWD"])
    if "tls.key" not in data or "tls.crt" not in data:
        data["tls.key"], data["tls.crt"] = token_key_pair()
    if admin_password is not None:
        data.setdefault(ADMIN_KEY, admin_password)
    if admin_secret_password is not None:
        data.setdefault(ADMIN_FINGERPRINT_KEY, fingerprint(data, admin_secret_password))
    return data


def drift(data, admin_password=None, admin_secret_password=None):
    """Inputs that differ from what the Secret kept at install (initial-only values Harbor
    will not pick up again): a list of sentences, never a value."""
    found = []
    if admin_password is not None and data.get(ADMIN_KEY) not in (None, admin_password):
        found.append("admin_password differs from the initial admin password kept in the Secret (key %s)"
                     % ADMIN_KEY)
    if (admin_secret_password is not None and data.get(ADMIN_FINGERPRINT_KEY)
            and data.get("secret") and fingerprint(data, admin_secret_password) != data[ADMIN_FINGERPRINT_KEY]):
        found.append("the admin password Secret changed since Harbor was installed")
    return found


def chart_values(secret_name, admin_password_managed, internal_database=False):
    """Chart values that point the chart at the Secret (names only, never a value). With the
    internal database the password value is emptied: the chart then reads it from the release's
    <fullname>-database Secret (written by DatabaseSecretAdapter), never from values."""
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
    if internal_database:
        values["database"] = {"internal": {"password": ""}}
    return values


def decode(secret):
    return dict((k, base64.b64decode(v).decode()) for k, v in ((secret or {}).get("data") or {}).items())


def manifest(name, namespace, data, labels=None, annotations=None, managed_by="berth.platform"):
    meta = {"name": name, "namespace": namespace,
            "labels": dict({"app.kubernetes.io/managed-by": managed_by}, **(labels or {}))}
    if annotations:
        meta["annotations"] = dict(annotations)
    return {"apiVersion": "v1", "kind": "Secret", "metadata": meta, "type": "Opaque",
            "data": dict((k, base64.b64encode(v.encode()).decode()) for k, v in sorted(data.items()))}


def helm_owned(release, namespace):
    """The metadata with which Helm (3.2+) adopts an existing object into ``release``."""
    return {"meta.helm.sh/release-name": release, "meta.helm.sh/release-namespace": namespace}


class KeyedSecretAdapter(Adapter):
    """A Secret compared by the keys it holds (values are never shown or compared); subclasses
    write it (``_write``), keeping every value that is already there."""

    unordered = ("keys",)

    def find(self, desired):
        return self.k8s.get("v1", "Secret", desired["name"], self.namespace)

    def normalize(self, current):
        return {"name": current["metadata"]["name"], "namespace": current["metadata"]["namespace"],
                "keys": sorted((current.get("data") or {}).keys())}

    def _write(self, name, existing, dry_run=False):
        raise NotImplementedError

    def preview(self, desired):
        if namespace_missing(self.k8s, self.namespace):
            return  # nothing to dry-run against: the role creates the namespace first
        self._write(desired["name"], self.find(desired), dry_run=True)

    def create(self, desired):
        return self._write(desired["name"], None)

    def update(self, current, desired, changes):
        return self._write(desired["name"], current)


class ChartSecretAdapter(KeyedSecretAdapter):
    """The chart's generated secrets in one Secret."""

    kind = "secret"

    def __init__(self, k8s, namespace, admin_password=None, labels=None, database_password=False,
                 admin_secret_password=None):
        self.k8s = k8s
        self.namespace = namespace
        self.admin_password = admin_password
        self.labels = labels
        # False: the internal database is not managed; None: generate; a value: the release's own.
        self.database_password = database_password
        self.admin_secret_password = admin_secret_password

    def _write(self, name, existing, dry_run=False):
        data = complete(decode(existing), self.admin_password, self.database_password, self.admin_secret_password)
        return self.k8s.apply(manifest(name, self.namespace, data, self.labels), dry_run=dry_run)

    def delete(self, current):
        self.k8s.delete("v1", "Secret", current["metadata"]["name"], self.namespace)


def namespace_missing(k8s, namespace):
    """True when ``namespace`` does not exist (yet): a server-side dry run there answers 404,
    and check mode on a fresh cluster must preview, not fail."""
    return k8s.get("v1", "Namespace", namespace) is None


class DatabaseSecretAdapter(KeyedSecretAdapter):
    """The release's ``<fullname>-database`` Secret with the internal PostgreSQL's password, made
    before Helm runs and owned by the release (Helm adopts it). A Secret that exists keeps its
    value (the database was initialised with it)."""

    kind = "database_secret"

    def __init__(self, k8s, namespace, release, password):
        self.k8s = k8s
        self.namespace = namespace
        self.release = release
        self.password = password

    def _write(self, name, existing, dry_run=False):
        data = decode(existing)
        data.setdefault(CHART_DATABASE_KEY, self.password)
        body = manifest(name, self.namespace, data, managed_by="Helm",
                        annotations=helm_owned(self.release, self.namespace))
        return self.k8s.apply(body, dry_run=dry_run)

    def delete(self, current):
        # The release owns it (helm uninstall removes it); the module never deletes it.
        return None
