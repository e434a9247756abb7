"""Harbor connection errors against the lab's real harbor-core: TLS without the CA, a wrong
password, an unreachable URL - one clear message each, no credential shown, nothing written."""

import socket
import uuid

from harbor_api import HarborApi


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def test_connection_errors_are_clear_and_write_nothing(lab, run_playbook):
    project = "it-conn-" + uuid.uuid4().hex[:8]
    wrong = "Wr0ng-" + uuid.uuid4().hex
    proc = run_playbook("harbor_connection_errors", verbosity=3, extra_vars={
        "project": project, "wrong_password": wrong, "dead_url": "https://127.0.0.1:%d" % free_port()})
    assert wrong not in proc.stdout + proc.stderr
    assert lab["HARBOR_PASSWORD"] not in proc.stdout + proc.stderr
    assert HarborApi(lab).project(project) is None
