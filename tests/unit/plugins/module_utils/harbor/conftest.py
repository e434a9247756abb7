"""Every request a Harbor unit test sends through the in-memory Harbors is judged by
Harbor's Swagger after the test, so each adapter test is a contract test too."""

import pytest

import harbor_fake
import scripted_harbor
from swagger_contract import SwaggerContract

CONTRACT = SwaggerContract()


def api_path(sent):
    """(method, path, query, body) from a fake's record: FakeHarbor keeps (method, path, query,
    body) without the API base, ScriptedHarbor (method, path, body)."""
    if len(sent) == 3:
        method, path, body = sent
        query = None
        if "?" in path:
            from urllib.parse import parse_qs
            path, raw = path.split("?", 1)
            query = dict((k, v[0]) for k, v in parse_qs(raw).items())
    else:
        method, path, query, body = sent[:4]
    if not path.startswith((CONTRACT.base + "/", "/service/", "/c/")):
        path = CONTRACT.base + path
    return method, path, query, body


@pytest.fixture(autouse=True)
def requests_follow_harbors_swagger(monkeypatch):
    fakes = []
    for cls in (harbor_fake.FakeHarbor, scripted_harbor.ScriptedHarbor):
        original = cls.__init__

        def init(self, *args, _original=original, **kwargs):
            _original(self, *args, **kwargs)
            fakes.append(self)
        monkeypatch.setattr(cls, "__init__", init)
    yield
    problems = [p for fake in fakes for sent in fake.sent for p in CONTRACT.problems(*api_path(sent))]
    assert not problems, "requests outside Harbor's API contract:\n" + "\n".join(problems)
