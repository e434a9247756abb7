"""The AWX credential types stay in step with the modules' connection options: every environment
fallback of a service is injected, nothing else is, and every secret input is marked secret.
(tests/integration/test_awx_credential_types.py renders them as AWX does and runs real modules.)"""

import os

import pytest
import yaml

from ansible_collections.berth.platform.plugins.module_utils import connection

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TYPES = os.path.join(ROOT, "extensions", "awx", "credential_types")


def load(service):
    with open(os.path.join(TYPES, service + ".yml")) as handle:
        return yaml.safe_load(handle)


def env_fallbacks(spec):
    return set(name for option in spec.values() if "fallback" in option for name in option["fallback"][1])


@pytest.mark.parametrize("service", ["harbor", "keycloak"])
def test_injectors_set_exactly_the_connection_environment(service):
    injected = set(load(service)["injectors"]["env"])
    assert injected == env_fallbacks(connection.SPECS[service])


@pytest.mark.parametrize("service", ["harbor", "keycloak"])
def test_secrets_are_secret_and_required_inputs_exist(service):
    credential = load(service)
    fields = dict((f["id"], f) for f in credential["inputs"]["fields"])
    secret_options = [name for name, option in connection.SPECS[service].items() if option.get("no_log")]
    assert secret_options
    for field_id, field in fields.items():
        is_secret = field_id in ("password", "token", "client_secret")
        assert bool(field.get("secret")) == is_secret, field_id
    assert set(credential["inputs"]["required"]) <= set(fields)
    assert credential["kind"] == "cloud" and credential["name"].endswith("(berth.platform)")
    assert credential["injectors"]["env"][service.upper() + "_CA_PATH"].startswith("{{ tower.filename.ca_file")
