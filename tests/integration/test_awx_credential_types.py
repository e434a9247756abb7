"""The AWX credential types (extensions/awx/credential_types) rendered the way AWX renders
injectors - Jinja in a sandbox over the credential's inputs, file templates written to temporary
files whose names ``tower.filename.<name>`` gives - and real modules run against the lab with only
that environment: no HARBOR_* or KEYCLOAK_* variable from the lab, no connection option in the tasks.
A wrong variable name, a wrong CA file or a bad boolean makes the play fail."""

import os

import yaml
from jinja2 import StrictUndefined
from jinja2.sandbox import ImmutableSandboxedEnvironment

from conftest import require, without_env
from harbor_api import HarborApi

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TYPES = os.path.join(ROOT, "extensions", "awx", "credential_types")


def inject(service, inputs, tmp_path):
    """{env var: value} as AWX would inject them for a credential with these inputs."""
    with open(os.path.join(TYPES, service + ".yml")) as handle:
        injectors = yaml.safe_load(handle)["injectors"]
    jinja = ImmutableSandboxedEnvironment(undefined=StrictUndefined)
    filenames = {}
    for key, template in injectors.get("file", {}).items():
        path = tmp_path / ("%s-%s" % (service, key.split(".", 1)[1]))
        path.write_text(jinja.from_string(template).render(**inputs))
        filenames[key.split(".", 1)[1]] = str(path)
    context = dict(inputs, tower={"filename": filenames})
    return dict((name, jinja.from_string(template).render(**context))
                for name, template in injectors["env"].items())


def test_injected_environment_alone_drives_the_modules(lab, run_playbook, tmp_path):
    require(lab, "HARBOR_URL", "HARBOR_USERNAME", "HARBOR_PASSWORD", "KEYCLOAK_URL", "KEYCLOAK_USERNAME",
            "KEYCLOAK_PASSWORD", "LAB_CA")
    with open(lab["LAB_CA"]) as handle:
        ca = handle.read()
    env = without_env(lab, "HARBOR_", "KEYCLOAK_")
    env.update(inject("harbor", dict(url=lab["HARBOR_URL"], username=lab["HARBOR_USERNAME"],
                                     password=lab["HARBOR_PASSWORD"], validate_certs=True, ca_data=ca,
                                     timeout="30"), tmp_path))
    env.update(inject("keycloak", dict(url=lab["KEYCLOAK_URL"], auth_realm="master", client_id="admin-cli",
                                       username=lab["KEYCLOAK_USERNAME"], password=lab["KEYCLOAK_PASSWORD"],
                                       validate_certs=True, ca_data=ca), tmp_path))
    assert env["HARBOR_CA_PATH"] and open(env["HARBOR_CA_PATH"]).read() == ca
    api = HarborApi(lab)
    project = api.create_project()
    try:
        run_playbook("awx_credentials", extra_vars={"project": project}, env_overrides=env)
        # Without the CA the same credential fails on TLS: the CA really came from the injected file.
        env.update(inject("harbor", dict(url=lab["HARBOR_URL"], username=lab["HARBOR_USERNAME"],
                                         password=lab["HARBOR_PASSWORD"], validate_certs=True), tmp_path))
        assert env["HARBOR_CA_PATH"] == ""
        refused = run_playbook("awx_credentials", check=False, extra_vars={"project": project}, env_overrides=env)
        assert refused.returncode != 0 and "certificate verify failed" in refused.stdout, refused.stdout[-2000:]
    finally:
        api.delete_project(project)
