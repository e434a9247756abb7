"""Apply a multi-document CRD file to one or more clusters and wait until every CRD is Established.

Usage: apply_crds.py CRDS.yaml KUBECONFIG...
Uses the kubernetes Python client (server-side apply), so the lab needs no kubectl.
"""

import sys
import time

import yaml
from kubernetes import config
from kubernetes.dynamic import DynamicClient

FIELD_MANAGER = "berth-lab"


def apply(kubeconfig, docs):
    api = DynamicClient(config.new_client_from_config(config_file=kubeconfig))
    crds = api.resources.get(api_version="apiextensions.k8s.io/v1", kind="CustomResourceDefinition")
    for doc in docs:
        crds.server_side_apply(body=doc, name=doc["metadata"]["name"],
                               field_manager=FIELD_MANAGER, force_conflicts=True)
    deadline = time.time() + 120
    pending = {d["metadata"]["name"] for d in docs}
    while pending and time.time() < deadline:
        for name in sorted(pending):
            conditions = (crds.get(name=name).to_dict().get("status") or {}).get("conditions") or []
            if any(c["type"] == "Established" and c["status"] == "True" for c in conditions):
                pending.discard(name)
        if pending:
            time.sleep(1)
    if pending:
        sys.exit("CRDs not established in %s: %s" % (kubeconfig, ", ".join(sorted(pending))))
    print("%s: %d CRDs established" % (kubeconfig, len(docs)))


def main():
    with open(sys.argv[1]) as f:
        docs = [d for d in yaml.safe_load_all(f) if d and d.get("kind") == "CustomResourceDefinition"]
    for kubeconfig in sys.argv[2:]:
        apply(kubeconfig, docs)


if __name__ == "__main__":
    main()
