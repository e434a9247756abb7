"""HttpClient with a scripted transport (unit level: requests never leaves the process)."""

import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
import requests
from requests.adapters import BaseAdapter

from ansible_collections.berth.platform.plugins.module_utils import errors
from ansible_collections.berth.platform.plugins.module_utils.http_client import HttpClient
from ansible_collections.berth.platform.plugins.module_utils.retry import RetryPolicy
from ansible_collections.berth.platform.plugins.module_utils.version import USER_AGENT


class Scripted(BaseAdapter):
    """Answers each request with the next scripted item (a status int, a tuple, or an exception)."""

    def __init__(self, script):
        super().__init__()
        self.script = list(script)
        self.sent = []

    def send(self, request, **kwargs):
        self.sent.append(request)
        item = self.script.pop(0)
        if isinstance(item, Exception):
            raise item
        status, body, headers = item if isinstance(item, tuple) else (item, b"", {})
        resp = requests.Response()
        resp.status_code = status
        resp._content = body if isinstance(body, bytes) else body.encode()
        resp.headers.update(headers)
        resp.request = request
        resp.url = request.url
        return resp

    def close(self):
        pass


def client(script, **kwargs):
    transport = Scripted(script)
    session = requests.Session()
    session.mount("https://", transport)
    sleeps = []
    c = HttpClient("https://svc.test/api", retry=RetryPolicy(sleep=sleeps.append, rand=lambda: 0),
                   session=session, **kwargs)
    c.service = "svc"
    return c, transport, sleeps


def test_retries_get_on_503_then_succeeds_and_honours_retry_after():
    c, t, sleeps = client([(503, "", {"Retry-After": "2"}), (200, '{"ok": true}', {})])
    assert c.get_json("/x") == {"ok": True}
    assert len(t.sent) == 2 and sleeps == [2.0]


def test_connection_reset_on_get_is_retried():
    c, t, dummy = client([requests.exceptions.ConnectionError("reset"), (200, "{}", {})])
    assert c.get_json("/x") == {}
    assert len(t.sent) == 2


def test_post_is_sent_once_and_reported_ambiguous():
    c, t, dummy = client([requests.exceptions.ConnectionError("reset")])
    with pytest.raises(errors.TransportError) as info:
        c.send_json("POST", "/things", {"name": "a"})
    assert info.value.ambiguous and len(t.sent) == 1


def test_post_503_is_not_repeated():
    c, t, dummy = client([(503, "", {})])
    with pytest.raises(errors.ServerError):
        c.send_json("POST", "/things", {"password": "hunter2"})
    assert len(t.sent) == 1


def test_error_carries_server_message_and_never_the_body():
    c, dummy, dummy2 = client([(409, '{"errorMessage": "exists"}', {})])
    with pytest.raises(errors.Conflict) as info:
        c.send_json("PUT", "/things/a", {"password": "hunter2"})
    assert str(info.value) == "svc PUT /things/a: 409 exists"
    assert "hunter2" not in repr(info.value.details())


def test_tls_failure_names_the_options():
    c, dummy, dummy2 = client([requests.exceptions.SSLError("CERTIFICATE_VERIFY_FAILED")])
    with pytest.raises(errors.TLSError) as info:
        c.get_json("/x")
    assert "ca_path" in str(info.value) and "validate_certs" in str(info.value)


def test_no_cookies_are_kept_and_user_agent_is_sent():
    # A real socket: cookie extraction happens on urllib3's raw response.
    seen = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            seen.append(dict(self.headers))
            self.send_response(200)
            self.send_header("Set-Cookie", "sid=abc; Path=/")
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        c = HttpClient("http://127.0.0.1:%d" % server.server_port)
        c.get_json("/a")
        c.get_json("/b")
    finally:
        server.shutdown()
    assert "Cookie" not in seen[1] and len(c.session.cookies) == 0
    assert seen[0]["User-Agent"] == USER_AGENT


def test_verify_setting():
    assert client([], validate_certs=True)[0].session.verify is True
    assert client([], ca_path="/ca.pem")[0].session.verify == "/ca.pem"
    assert client([], validate_certs=False, ca_path="/ca.pem")[0].session.verify is False
