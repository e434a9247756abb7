"""Helm (built from its Go module) renders the real Harbor chart; skopeo is the real tool."""

import json
import os
import subprocess

import yaml

from conftest import require


def test_helm_template_renders_the_harbor_chart(lab):
    helm, chart = require(lab, "HELM", "HARBOR_CHART")
    version = subprocess.run([helm, "version", "--short"], check=True, capture_output=True, text=True)
    assert version.stdout.startswith(lab["HELM_VERSION"])
    out = subprocess.run(
        [helm, "template", "harbor", chart, "--namespace", "harbor",
         "--set", "expose.type=clusterIP", "--set", "expose.tls.enabled=false",
         "--set", "internalTLS.enabled=false", "--set", "externalURL=https://harbor.example.com"],
        check=True, capture_output=True, text=True).stdout
    docs = [d for d in yaml.safe_load_all(out) if d]
    kinds = {(d["kind"], d["metadata"]["name"]) for d in docs}
    assert ("Deployment", "harbor-core") in kinds and ("Service", "harbor-registry") in kinds
    core_cm = next(d for d in docs if d["kind"] == "ConfigMap" and d["metadata"]["name"] == "harbor-core")
    assert core_cm["data"]["EXT_ENDPOINT"] == "https://harbor.example.com"


def test_skopeo_copies_an_oci_layout(lab, tmp_path):
    (skopeo,) = require(lab, "SKOPEO")
    src = tmp_path / "src"
    write_oci_layout(src)
    dst = tmp_path / "dst"
    subprocess.run([skopeo, "copy", "oci:%s:v1" % src, "oci:%s:v1" % dst], check=True,
                   capture_output=True)
    inspect = json.loads(subprocess.run([skopeo, "inspect", "oci:%s:v1" % dst], check=True,
                                        capture_output=True, text=True).stdout)
    assert inspect["Architecture"] == "amd64" and len(inspect["Layers"]) == 1


def write_oci_layout(path):
    """A one-layer OCI image written by hand (what the registry tests push)."""
    import gzip
    import hashlib
    import io
    import tarfile

    blobs = path / "blobs" / "sha256"
    os.makedirs(blobs)

    def blob(data):
        digest = hashlib.sha256(data).hexdigest()
        (blobs / digest).write_bytes(data)
        return {"digest": "sha256:" + digest, "size": len(data)}

    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w") as tar:
        info = tarfile.TarInfo("hello.txt")
        content = b"berth lab\n"
        info.size = len(content)
        tar.addfile(info, io.BytesIO(content))
    layer_tar = raw.getvalue()
    layer = blob(gzip.compress(layer_tar, mtime=0))
    config = blob(json.dumps({
        "architecture": "amd64", "os": "linux",
        "rootfs": {"type": "layers", "diff_ids": ["sha256:" + hashlib.sha256(layer_tar).hexdigest()]},
    }).encode())
    manifest = blob(json.dumps({
        "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": dict(config, mediaType="application/vnd.oci.image.config.v1+json"),
        "layers": [dict(layer, mediaType="application/vnd.oci.image.layer.v1.tar+gzip")],
    }).encode())
    (path / "oci-layout").write_text('{"imageLayoutVersion": "1.0.0"}')
    (path / "index.json").write_text(json.dumps({"schemaVersion": 2, "manifests": [dict(
        manifest, mediaType="application/vnd.oci.image.manifest.v1+json",
        annotations={"org.opencontainers.image.ref.name": "v1"})]}))
