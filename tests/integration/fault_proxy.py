"""A TLS reverse proxy on loopback that injects failures in front of a real lab server.

Used by reliability tests: it forwards to the real upstream and, by rule, answers a
status instead (503, 429 with Retry-After), or forwards the request and then drops
the connection without an answer (the ambiguous failure: the server acted, the
client cannot know). ``Chaos`` adds faults at a rate on every request. Counts what
reached the upstream, by method and path, and what was injected, by kind.
"""

import collections
import random
import re
import socket
import ssl
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import requests

HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-encoding", "content-length",
              "proxy-authenticate", "proxy-authorization", "te", "trailers", "upgrade"}


class Rule:
    """``times`` requests matching method and path regex get ``action``: an int status, or 'reset'."""

    def __init__(self, method, path, action, times=1, retry_after=None):
        self.method, self.path, self.action = method, re.compile(path), action
        self.times, self.retry_after = times, retry_after

    def take(self, method, path):
        if self.times > 0 and method == self.method and self.path.search(path):
            self.times -= 1
            return True
        return False


WRITES = ("POST", "PUT", "PATCH", "DELETE")


class Chaos:
    """Faults on a share (``rate``) of all requests, drawn from ``kinds`` with a fixed seed:
    502/503/504; 429 with Retry-After; ``refuse`` (the connection closes before the server sees
    the request); ``slow`` (``latency`` seconds, then the real answer); ``lose`` (a write is
    applied by the server, then the connection drops - the ambiguous case; reads get 503)."""

    KINDS = (502, 503, 504, 429, "refuse", "slow", "lose")

    def __init__(self, rate, seed=0, kinds=KINDS, latency=0.5, retry_after=1):
        self.rate, self.kinds, self.latency, self.retry_after = rate, kinds, latency, retry_after
        self.random = random.Random(seed)

    def pick(self, method):
        if self.random.random() >= self.rate:
            return None
        kind = self.random.choice(self.kinds)
        return 503 if kind == "lose" and method not in WRITES else kind


class FaultProxy:
    def __init__(self, upstream, cert, key, ca, client_cert=None):
        """``cert``/``key`` serve TLS to clients; ``client_cert`` (crt, key) authenticates upstream."""
        self.upstream, self.ca, self.client_cert = upstream.rstrip("/"), ca, client_cert
        self.rules, self.seen, self.lock = [], [], threading.Lock()
        self.chaos, self.injected = None, collections.Counter()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def hang_up(self):
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)

            def answer_status(self, status, retry_after=None):
                self.send_response(status)
                if retry_after is not None:
                    self.send_header("Retry-After", str(retry_after))
                self.send_header("Content-Length", "0")
                self.end_headers()

            def handle_any(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with proxy.lock:
                    rule = next((r for r in proxy.rules if r.take(self.command, self.path.split("?")[0])), None)
                    fault = proxy.chaos.pick(self.command) if rule is None and proxy.chaos else None
                    if fault is not None:
                        proxy.injected[fault] += 1
                if rule is not None and rule.action != "reset":
                    return self.answer_status(rule.action, rule.retry_after)
                if isinstance(fault, int):
                    return self.answer_status(fault, proxy.chaos.retry_after if fault == 429 else None)
                if fault == "refuse":
                    return self.hang_up()
                if fault == "slow":
                    time.sleep(proxy.chaos.latency)
                upstream = proxy.forward(self.command, self.path, self.headers, body)
                if rule is not None or fault == "lose":  # the server acted; the client gets no answer
                    return self.hang_up()
                self.send_response(upstream.status_code)
                for name, value in upstream.headers.items():
                    if name.lower() not in HOP_BY_HOP:
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(upstream.content)))
                self.end_headers()
                self.wfile.write(upstream.content)

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = handle_any

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        # The handshake happens in the connection's own thread, on its first read: done in
        # accept(), it would serialise every new client connection behind the one before.
        self.server.socket = context.wrap_socket(self.server.socket, server_side=True,
                                                 do_handshake_on_connect=False)
        # One upstream session per handler thread: a requests.Session shared by the threads of
        # concurrent clients mixed up their requests (Harbor answered 401 to valid credentials).
        self.sessions = threading.local()
        self.url = "https://127.0.0.1:%d" % self.server.server_port

    def forward(self, method, path, headers, body):
        with self.lock:
            self.seen.append((method, path.split("?")[0]))
        sent = dict((k, v) for k, v in headers.items() if k.lower() not in HOP_BY_HOP | {"host"})
        session = getattr(self.sessions, "session", None)
        if session is None:
            session = self.sessions.session = requests.Session()
            session.trust_env = False
            # A proxy passes cookies through, never adds its own (Harbor turns on CSRF checks
            # for requests that carry its session cookie).
            from http.cookiejar import DefaultCookiePolicy
            session.cookies.set_policy(DefaultCookiePolicy(allowed_domains=[]))
        return session.request(method, self.upstream + path, headers=sent, data=body,
                               verify=self.ca, cert=self.client_cert, allow_redirects=False,
                               timeout=60)

    def count(self, method, path_regex):
        pattern = re.compile(path_regex)
        with self.lock:
            return sum(1 for m, p in self.seen if m == method and pattern.search(p))

    def __enter__(self):
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
