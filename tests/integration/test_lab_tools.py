"""Helm (built from its Go module) renders the real Harbor chart; skopeo is the real tool."""

import json
import subprocess

import yaml

from conftest import require
from oci_layout import write_oci_layout


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
