"""Where one module run spends its time: `python phases.py FQCN ARGS_JSON` prints JSON.

Runs the module's main() once in this fresh process, as AnsiballZ would, and
splits the wall time into the import of the module file (with its libraries),
loading CA certificates into TLS contexts, TLS handshakes, waiting for HTTP
answers, and the rest (argument parsing, python-keycloak/urllib plumbing,
comparisons, JSON). Handshakes and CA loads are counted at ssl.SSLContext, answers
at http.client: both requests/urllib3 (python-keycloak) and ansible's open_url
(community.general) go through them.
"""

import contextlib
import http.client
import importlib
import io
import json
import ssl
import sys
import time


def main():
    fqcn, args = sys.argv[1], json.loads(sys.argv[2])
    namespace, collection, module = fqcn.split(".")
    stats = dict(ca_loads=0, ca_s=0.0, handshakes=0, handshake_s=0.0, requests=0, wait_s=0.0)

    def timed(owner, attr, count, seconds):
        original = getattr(owner, attr)

        def wrapper(*a, **kw):
            start = time.perf_counter()
            try:
                return original(*a, **kw)
            finally:
                stats[count] += 1
                stats[seconds] += time.perf_counter() - start
        setattr(owner, attr, wrapper)

    timed(ssl.SSLContext, "load_verify_locations", "ca_loads", "ca_s")
    timed(ssl.SSLContext, "load_default_certs", "ca_loads", "ca_s")
    timed(ssl.SSLContext, "wrap_socket", "handshakes", "handshake_s")
    timed(http.client.HTTPConnection, "getresponse", "requests", "wait_s")

    start = time.perf_counter()
    from ansible.module_utils import basic
    basic_s = time.perf_counter() - start
    start = time.perf_counter()
    mod = importlib.import_module("ansible_collections.%s.%s.plugins.modules.%s" % (namespace, collection, module))
    import_s = time.perf_counter() - start

    basic._ANSIBLE_ARGS = json.dumps(dict(ANSIBLE_MODULE_ARGS=args)).encode()
    basic._ANSIBLE_PROFILE = "legacy"  # what the controller sends to modules (ansible-core 2.19)
    out = io.StringIO()
    start = time.perf_counter()
    with contextlib.redirect_stdout(out):
        try:
            mod.main()
        except SystemExit:
            pass
    run_s = time.perf_counter() - start
    result = json.loads(out.getvalue() or "{}")
    print(json.dumps(dict(
        module=fqcn, changed=result.get("changed"), failed=bool(result.get("failed")),
        msg=result.get("msg") if result.get("failed") else None,
        basic_s=basic_s, import_s=import_s,
        run_s=run_s, other_s=run_s - stats["ca_s"] - stats["handshake_s"] - stats["wait_s"], **stats)))


if __name__ == "__main__":
    main()
