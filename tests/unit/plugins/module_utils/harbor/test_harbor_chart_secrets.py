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


def test_the_internal_database_password_is_made_once_or_adopted():
    made = cs.complete({}, database_password=None)
    assert len(made[cs.DATABASE_KEY]) == cs.DATABASE_PASSWORD_LENGTH
    assert made[cs.DATABASE_KEY] != cs.PUBLIC_DATABASE_PASSWORD
    assert cs.complete(dict(made), database_password=None)[cs.DATABASE_KEY] == made[cs.DATABASE_KEY]
    # A release that already runs keeps the password its database was initialised with.
    assert cs.complete({}, database_password="release-own")[cs.DATABASE_KEY] == "release-own"
    # Not managed: no key.
    assert cs.DATABASE_KEY not in cs.complete({})
    assert cs.wanted_keys(None, internal_database=True) == sorted(cs.wanted_keys(None) + [cs.DATABASE_KEY])


def test_chart_values_for_the_internal_database_empty_the_password_value():
    values = cs.chart_values("s", admin_password_managed=False, internal_database=True)
    assert values["database"] == {"internal": {"password": ""}}
    assert "database" not in cs.chart_values("s", admin_password_managed=False)


def test_drift_of_initial_only_values_names_no_value():
    kept = cs.complete({}, admin_password="first-Adm1n", admin_secret_password="from-secret-1")
    assert cs.drift(kept, "first-Adm1n", "from-secret-1") == []
    found = cs.drift(kept, "second-Adm1n", "from-secret-2")
    assert len(found) == 2
    assert not any("Adm1n" in line or "from-secret" in line for line in found)
    assert kept[cs.ADMIN_FINGERPRINT_KEY] != "from-secret-1" and len(kept[cs.ADMIN_FINGERPRINT_KEY]) == 64


def test_the_database_secret_is_owned_by_the_release():
    body = cs.manifest("hub-harbor-database", "harbor", {"POSTGRES_PASSWORD": "x"}, managed_by="Helm",
                       annotations=cs.helm_owned("hub", "harbor"))
    assert body["metadata"]["labels"]["app.kubernetes.io/managed-by"] == "Helm"
    assert body["metadata"]["annotations"] == {"meta.helm.sh/release-name": "hub",
                                               "meta.helm.sh/release-namespace": "harbor"}
