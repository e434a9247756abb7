"""The Harbor chart's secrets: generated once, existing values never touched, formats Harbor reads."""

import bcrypt

from ansible_collections.berth.platform.plugins.module_utils.harbor import chart_secrets as cs


def test_complete_generates_every_key_in_harbors_formats():
    data = cs.complete({}, admin_password="Adm1nPassword")
    assert sorted(data) == cs.wanted_keys("Adm1nPassword")
    assert len(data["secretKey"]) == 16 and data["secretKey"].isalnum()
    assert len(data["CSRF_KEY"]) == 32
    user, hashed = data["REGISTRY_HTPASSWD"].split(":", 1)
    assert user == cs.REGISTRY_USER
    assert bcrypt.checkpw(data["REGISTRY_PASSWD"].encode(), hashed.encode())
    assert data["tls.key"].startswith("-----BEGIN RSA PRIVATE KEY-----")  # PKCS#1 for libtrust
    assert data["tls.crt"].startswith("-----BEGIN CERTIFICATE-----")


def test_existing_values_are_never_regenerated():
    first = cs.complete({})
    again = cs.complete(dict(first))
    assert again == first
    partial = dict(first)
    del partial["JOBSERVICE_SECRET"]
    refilled = cs.complete(partial)
    assert refilled["secretKey"] == first["secretKey"] and refilled["tls.key"] == first["tls.key"]
    assert refilled["JOBSERVICE_SECRET"] != first["JOBSERVICE_SECRET"]


def test_chart_values_name_the_secret_and_hold_no_value():
    values = cs.chart_values("harbor-berth-secrets", admin_password_managed=True)
    flat = repr(values)
    assert "harbor-berth-secrets" in flat and values["existingSecretAdminPasswordKey"] == cs.ADMIN_KEY
    assert values["core"]["secretName"] == "harbor-berth-secrets"
    assert "existingSecretAdminPassword" not in cs.chart_values("s", admin_password_managed=False)
