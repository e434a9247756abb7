"""A real brokered login through an identity provider configured by keycloak_identity_provider.

Browser steps are plain HTTP (requests with cookies, Keycloak's login form), against
the lab's Keycloak: platform realm -> kc_idp_hint=corp -> corp's login form ->
back through the platform broker (which calls corp's token endpoint with the
secret the module wrote) -> authorization code -> tokens. The ID token's groups
claim proves the IdP mapper, the group claim mapper and the client secret all work.
"""

import base64
import html
import json
import re
import secrets
import uuid
from urllib.parse import parse_qs, urljoin, urlparse

import pytest
import requests

REDIRECT_URI = "http://127.0.0.1:9/callback"  # never contacted: the code is read from the Location


@pytest.fixture
def realms(kc_admin):
    suffix = uuid.uuid4().hex[:8]
    platform, corp = "it-brk-" + suffix, "it-brk-corp-" + suffix
    for realm in (platform, corp):
        kc_admin.create_realm({"realm": realm, "enabled": True})
    kc_admin.change_current_realm(corp)
    password = secrets.token_urlsafe(16)
    kc_admin.create_user({"username": "alice", "enabled": True, "email": "alice@corp.example",
                          "emailVerified": True, "firstName": "Alice", "lastName": "Corp",
                          "credentials": [{"type": "password", "value": password, "temporary": False}]})
    kc_admin.change_current_realm("master")
    yield dict(platform=platform, corp=corp, alice_password=password)
    kc_admin.change_current_realm("master")
    for realm in (platform, corp):
        kc_admin.delete_realm(realm)


def follow(session, url, stop_at, **kwargs):
    """Follow redirects by hand until a page answers, or the Location starts with ``stop_at``."""
    response = session.get(url, allow_redirects=False, **kwargs)
    for _hop in range(15):
        location = response.headers.get("Location")
        if response.status_code not in (301, 302, 303) or not location:
            return response, None
        location = urljoin(response.url, location)
        if location.startswith(stop_at):
            return response, location
        response = session.get(location, allow_redirects=False, **kwargs)
    raise AssertionError("too many redirects")


def login_form(page):
    match = re.search(r'<form[^>]*id="kc-form-login"[^>]*action="([^"]+)"', page)
    assert match, "no Keycloak login form in:\n" + page[:2000]
    return html.unescape(match.group(1))


def claims(jwt):
    payload = jwt.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def test_brokered_login_maps_corp_group_to_team_demo(lab, realms, run_playbook):
    kc, ca = lab["KEYCLOAK_URL"], lab["KEYCLOAK_CA_PATH"]
    corp_secret, app_secret = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
    proc = run_playbook("keycloak_brokered_login", verbosity=3, extra_vars=dict(
        platform=realms["platform"], corp=realms["corp"], corp_secret=corp_secret,
        app_secret=app_secret, redirect_uri=REDIRECT_URI))
    assert corp_secret not in proc.stdout + proc.stderr and app_secret not in proc.stdout + proc.stderr

    browser = requests.Session()
    browser.verify = ca
    browser.trust_env = False  # else REQUESTS_CA_BUNDLE would replace the lab CA
    auth = "%s/realms/%s/protocol/openid-connect/auth?%s" % (kc, realms["platform"], "&".join([
        "client_id=app", "response_type=code", "scope=openid", "kc_idp_hint=corp",
        "redirect_uri=" + requests.utils.quote(REDIRECT_URI, safe="")]))
    page, dummy = follow(browser, auth, REDIRECT_URI)
    assert "/realms/%s/" % realms["corp"] in page.url  # the hint sent us to corp's login

    response = browser.post(login_form(page.text), allow_redirects=False,
                            data={"username": "alice", "password": realms["alice_password"]})
    final, location = follow(browser, urljoin(response.url, response.headers["Location"]), REDIRECT_URI)
    assert location, "no redirect back to the client; last page:\n" + final.text[:2000]
    code = parse_qs(urlparse(location).query)["code"][0]

    tokens = requests.post("%s/realms/%s/protocol/openid-connect/token" % (kc, realms["platform"]),
                           verify=ca, timeout=30, data={
                               "grant_type": "authorization_code", "code": code, "client_id": "app",
                               "client_secret": app_secret, "redirect_uri": REDIRECT_URI}).json()
    id_token = claims(tokens["id_token"])
    assert id_token["groups"] == ["team-demo"]
    assert id_token["email"] == "alice@corp.example"
