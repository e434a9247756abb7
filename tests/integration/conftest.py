"""Integration tests run against the real servers of tests/lab/up.

The lab's endpoints come from tests/lab/.state/lab.env. Without it the tests
are skipped when run by hand, and fail under CI (CI=true), where a missing lab
is a broken build, never a pass.
"""

import os

import pytest

from endpoints import LAB_ENV, read_lab_env


@pytest.fixture(scope="session")
def lab():
    if not os.path.exists(LAB_ENV):
        message = "lab is not up: run `make lab-up` (tests/lab/up)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return read_lab_env()


def without_env(lab, *prefixes):
    """``run_playbook`` env_overrides that remove every variable starting with one of ``prefixes``,
    from the lab and from this process's environment, so a play gets its connection elsewhere."""
    return dict((key, None) for key in list(lab) + list(os.environ) if key.startswith(prefixes))


def require(lab, *keys):
    """The lab values for ``keys``; fails (CI) or skips when a component is not up."""
    missing = [k for k in keys if not lab.get(k)]
    if missing:
        message = "lab component not up (missing %s)" % ", ".join(missing)
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return [lab[k] for k in keys]


PLAYBOOKS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "playbooks")


def playbook_invocation(lab, name, extra_vars=None, verbosity=0, extra_args=(), env_overrides=None):
    """(command, environment) that run tests/integration/playbooks/NAME.yml against the lab: the
    lab's variables (lab.env) in the environment, ``env_overrides`` applied (None removes one)."""
    import sys

    env = dict(os.environ)
    env.update(lab)
    for key, value in (env_overrides or {}).items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    env.setdefault("ANSIBLE_COLLECTIONS_PATH", os.environ.get("ANSIBLE_COLLECTIONS_PATH", ""))
    env.update(ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0", ANSIBLE_RETRY_FILES_ENABLED="0",
               ANSIBLE_PYTHON_INTERPRETER=sys.executable, ANSIBLE_LOCALHOST_WARNING="0",
               ANSIBLE_INVENTORY_UNPARSED_WARNING="0")
    playbook_bin = os.path.join(os.path.dirname(sys.executable), "ansible-playbook")
    cmd = [playbook_bin if os.path.exists(playbook_bin) else "ansible-playbook",
           "-i", "localhost,", "-c", "local", os.path.join(PLAYBOOKS, name + ".yml")]
    if verbosity:
        cmd.append("-" + "v" * verbosity)
    for key, value in (extra_vars or {}).items():
        cmd += ["-e", "%s=%s" % (key, value)]
    return cmd + list(extra_args), env


@pytest.fixture(scope="session")
def run_playbook(lab):
    """Run tests/integration/playbooks/NAME.yml against the lab; return the completed process.

    The lab's variables (lab.env) are in the environment, so modules pick up
    their connection options from HARBOR_*/KEYCLOAK_*/K8S_AUTH_* fallbacks or
    from ``lookup('env', ...)``; ``env_overrides`` changes them (None removes one).
    ``verbosity=3`` gives the -vvv output that the
    secret-leak checks scan. A failed play fails the test with its output.
    """
    import subprocess

    def run(name, extra_vars=None, verbosity=0, check=True, extra_args=(), env_overrides=None):
        cmd, env = playbook_invocation(lab, name, extra_vars, verbosity, extra_args, env_overrides)
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
        if check and proc.returncode != 0:
            # The failing task first: -vvv output is long and the tail may not reach it.
            failed = [proc.stdout[max(0, i - 1500):i + 3000]
                      for i in (proc.stdout.find("fatal:"), proc.stdout.find("FAILED!")) if i >= 0][:1]
            pytest.fail("%s failed (rc=%d):\n%s\n...\n%s\n%s"
                        % (name, proc.returncode, "".join(failed), proc.stdout[-4000:], proc.stderr[-4000:]))
        return proc

    return run


@pytest.fixture(scope="module")
def kc_admin(lab):
    """python-keycloak admin session on the lab's master realm, for setting up and reading back.

    Module scope: tests switch its current realm, so no test module sees another's choice.
    """
    from keycloak import KeycloakAdmin

    url, user, password, ca = require(lab, "KEYCLOAK_URL", "KEYCLOAK_USERNAME", "KEYCLOAK_PASSWORD",
                                      "KEYCLOAK_CA_PATH")
    return KeycloakAdmin(server_url=url + "/", username=user, password=password, realm_name="master",
                         user_realm_name="master", verify=ca)
