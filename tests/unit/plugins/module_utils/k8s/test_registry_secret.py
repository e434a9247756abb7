import base64
import json

import pytest

from ansible_collections.berth.platform.plugins.module_utils.errors import ValidationError
from ansible_collections.berth.platform.plugins.module_utils.k8s import registry_secret as rs


def test_docker_config_is_canonical_and_complete():
    text = rs.docker_config("harbor.example.com", "robot$a+pull", "s3cret", "a@example.com")
    assert text == json.dumps(json.loads(text), sort_keys=True, separators=(",", ":"))
    entry = json.loads(text)["auths"]["harbor.example.com"]
    assert base64.b64decode(entry["auth"]).decode() == "robot$a+pull:s3cret"
    assert entry["email"] == "a@example.com"


@pytest.mark.parametrize("registry", ["harbor.example.com/team", "", None])
def test_registry_must_be_a_host(registry):
    with pytest.raises(ValidationError):
        rs.docker_config(registry, "u", "p")


def test_scheme_is_dropped():
    assert "harbor.example.com" in json.loads(rs.docker_config("https://harbor.example.com", "u", "p"))["auths"]


def test_normalize_makes_differently_formatted_json_equal():
    text = rs.docker_config("r", "u", "p")
    pretty = json.dumps(json.loads(text), indent=4)
    stored = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s", "resourceVersion": "9"},
              "data": {".dockerconfigjson": base64.b64encode(pretty.encode()).decode()}}
    desired = rs.manifest("s", "ns", "dockerconfigjson", text)
    normalized = rs.RegistrySecretAdapter(client=None).normalize(stored)
    assert normalized["data"] == desired["data"]
    assert "resourceVersion" not in normalized["metadata"]


def test_hash_changes_with_the_credential_only():
    assert rs.config_hash(rs.docker_config("r", "u", "p")) == rs.config_hash(rs.docker_config("r", "u", "p"))
    assert rs.config_hash(rs.docker_config("r", "u", "p")) != rs.config_hash(rs.docker_config("r", "u", "q"))


def test_service_accounts_default_per_secret_type():
    assert rs.service_accounts_for("dockerconfigjson", None) == ["default"]
    assert rs.service_accounts_for("config_json", None) == []
    assert rs.service_accounts_for("config_json", []) == []
    assert rs.service_accounts_for("dockerconfigjson", ["a", "b"]) == ["a", "b"]


def test_config_json_secret_linked_to_service_accounts_is_refused():
    with pytest.raises(ValidationError) as info:
        rs.service_accounts_for("config_json", ["builder"])
    message = str(info.value)
    assert "service_accounts builder" in message and "kubernetes.io/dockerconfigjson" in message


def test_unlinking_a_config_json_secret_is_allowed():
    assert rs.service_accounts_for("config_json", ["builder"], present=False) == ["builder"]
