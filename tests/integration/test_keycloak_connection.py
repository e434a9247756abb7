"""Keycloak connection failures through the modules, against the lab's real Keycloak."""

import secrets

from conftest import require


def test_tls_wrong_password_and_unknown_realm_fail_clearly(lab, run_playbook):
    require(lab, "KEYCLOAK_URL", "KEYCLOAK_PASSWORD", "KEYCLOAK_CA_PATH")
    wrong = "wrong-" + secrets.token_urlsafe(12)
    proc = run_playbook("keycloak_connection_errors", extra_vars={"wrong_password": wrong}, verbosity=3)
    assert "failed=0" in proc.stdout
    output = proc.stdout + proc.stderr
    assert wrong not in output and lab["KEYCLOAK_PASSWORD"] not in output
