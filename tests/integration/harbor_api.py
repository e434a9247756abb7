"""Raw Harbor API and skopeo helpers for tests: set up state and read the server back.

Deliberately not the collection's client, so a test does not grade the client
with itself.
"""

import base64
import json
import subprocess
import uuid

import requests

from conftest import require
from oci_layout import write_oci_layout


class HarborApi:
    def __init__(self, lab, username=None, password=None):
        url, user, pw, ca = require(lab, "HARBOR_URL", "HARBOR_USERNAME", "HARBOR_PASSWORD",
                                    "HARBOR_CA_PATH")
        self.url = url
        self.ca = ca
        self.auth = (username or user, password or pw)

    def call(self, method, path, expect=(200, 201), **kwargs):
        kwargs.setdefault("headers", {})
        resp = requests.request(method, self.url + "/api/v2.0" + path, auth=self.auth, verify=self.ca,
                                timeout=30, **kwargs)
        if expect and resp.status_code not in ((expect,) if isinstance(expect, int) else expect):
            raise AssertionError("%s %s: %s %s" % (method, path, resp.status_code, resp.text[:300]))
        return resp

    def get(self, path, **params):
        resp = self.call("GET", path, params=params, expect=(200, 404))
        return None if resp.status_code == 404 else resp.json()

    def project(self, name):
        return self.get("/projects/" + name) if name else None

    def create_project(self, name=None, **metadata):
        name = name or "it-" + uuid.uuid4().hex[:8]
        self.call("POST", "/projects", json={"project_name": name, "metadata": metadata})
        return name

    def delete_project(self, name, purge=True):
        if purge:
            for repo in self.get("/projects/%s/repositories" % name, page_size=100) or []:
                short = repo["name"].split("/", 1)[1]
                self.call("DELETE", "/projects/%s/repositories/%s" % (name, short.replace("/", "%252F")),
                          expect=(200, 404))
        self.call("DELETE", "/projects/" + name, expect=(200, 404))

    def token_subject(self, username, password):
        """Whom Harbor's token service authenticates with these credentials: the ``sub`` claim of
        the token of a scope-less ``GET /service/token?service=harbor-registry`` (what
        ``docker login`` asks), or None when Harbor refuses them (401).

        Only the scope-less request proves anything: with a ``scope`` Harbor answers 200 to any
        credentials, with an anonymous token (no subject) - see ``scoped_token``."""
        resp = requests.get(self.url + "/service/token", params={"service": "harbor-registry"},
                            auth=(username, password), verify=self.ca, timeout=30)
        if resp.status_code == 401:
            return None
        if resp.status_code != 200:
            raise AssertionError("GET /service/token: %s %s" % (resp.status_code, resp.text[:300]))
        return jwt_claims(resp.json()["token"]).get("sub")

    def scoped_token(self, username, password, scope):
        """(status, claims) of ``GET /service/token?service=harbor-registry&scope=SCOPE`` - what a
        registry client asks before a pull. Not a credential check (see ``token_subject``)."""
        resp = requests.get(self.url + "/service/token", params={"service": "harbor-registry", "scope": scope},
                            auth=(username, password), verify=self.ca, timeout=30)
        return resp.status_code, jwt_claims(resp.json()["token"]) if resp.status_code == 200 else None

    def robots(self, q):
        return self.get("/robots", q=q, page_size=100) or []


def jwt_claims(token):
    """The payload of a JWT, decoded without verifying its signature (base64url, no padding)."""
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def skopeo(lab, *args):
    return subprocess.run([lab["SKOPEO"]] + list(args), capture_output=True, text=True, check=False)


def creds(username, password):
    return "%s:%s" % (username, password)


def push(lab, tmp_path, image, username, password):
    """skopeo copy of a one-layer OCI image to ``<harbor>/<image>``: (process, manifest digest)."""
    src = tmp_path / ("src-" + uuid.uuid4().hex[:6])
    write_oci_layout(src)
    proc = skopeo(lab, "copy", "--dest-creds", creds(username, password),
                  "--dest-cert-dir", lab["HARBOR_CERT_DIR"], "oci:%s:v1" % src,
                  "docker://%s/%s" % (lab["HARBOR_HOST"], image))
    return proc, oci_digest(src)


def pull(lab, tmp_path, image, username, password):
    dst = tmp_path / ("pulled-" + uuid.uuid4().hex[:6])
    proc = skopeo(lab, "copy", "--src-creds", creds(username, password),
                  "--src-cert-dir", lab["HARBOR_CERT_DIR"],
                  "docker://%s/%s" % (lab["HARBOR_HOST"], image), "oci:%s:v1" % dst)
    return proc, oci_digest(dst) if proc.returncode == 0 else None


def oci_digest(path):
    return json.loads((path / "index.json").read_text())["manifests"][0]["digest"]
