"""Facts that must agree across files: version, connection specs and their doc fragments."""

import os

import yaml

from ansible_collections.berth.platform.plugins.doc_fragments import harbor, k8s, keycloak
from ansible_collections.berth.platform.plugins.module_utils import connection
from ansible_collections.berth.platform.plugins.module_utils.version import COLLECTION_VERSION

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_user_agent_version_matches_galaxy():
    with open(os.path.join(ROOT, "galaxy.yml")) as f:
        assert yaml.safe_load(f)["version"] == COLLECTION_VERSION


def test_doc_fragments_match_connection_specs():
    for fragment, spec, text in ((harbor, connection.HARBOR, "DOCUMENTATION"),
                                 (keycloak, connection.KEYCLOAK, "DOCUMENTATION"),
                                 (k8s, connection.K8S, "DOCUMENTATION"),
                                 (k8s, connection.K8S_BESIDE_HARBOR, "BESIDE_HARBOR")):
        options = yaml.safe_load(getattr(fragment.ModuleDocFragment, text))["options"]
        assert sorted(options) == sorted(spec), (fragment.__name__, text)
        for name, doc in options.items():
            arg = spec[name]
            assert doc["type"] == arg["type"], name
            assert doc.get("default") == arg.get("default"), name
            assert doc.get("required", False) == arg.get("required", False), name
            assert sorted(doc.get("aliases", [])) == sorted(arg.get("aliases", [])), name
            for env in arg["fallback"][1]:
                assert "E(%s)" % env in " ".join(doc["description"]), (name, env)
