# -*- coding: utf-8 -*-
# Copyright: berth.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The module base: a module is an argument spec plus one call.

``BerthModule`` merges the service's connection options (with their
environment fallbacks) into the module's own spec, turns every typed error into
one ``fail_json`` message, and turns an ``ensure`` outcome into the result
(``changed``, ``diff`` when asked, the resource with secrets redacted).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.berth.platform.plugins.module_utils import connection
from ansible_collections.berth.platform.plugins.module_utils.ensure import ensure
from ansible_collections.berth.platform.plugins.module_utils.errors import BerthError
from ansible_collections.berth.platform.plugins.module_utils.http_client import (
    HAS_REQUESTS, REQUESTS_IMPORT_ERROR,
)


def _k8s():
    """The Kubernetes client module, imported only by modules that talk to Kubernetes
    (importing the kubernetes library costs about 0.2 s per task)."""
    from ansible_collections.berth.platform.plugins.module_utils.k8s import client
    return client


class BerthModule(AnsibleModule):
    """AnsibleModule with a service's connection options and the collection's error format."""

    def __init__(self, argument_spec=None, service=None, **kwargs):
        # Modules pass supports_check_mode=True themselves: readers see it where they look.
        spec = dict(connection.SPECS[service]) if service else {}
        spec.update(argument_spec or {})
        super(BerthModule, self).__init__(argument_spec=spec, **kwargs)
        if service in ("harbor", "keycloak") and not HAS_REQUESTS:
            self.fail_json(msg=missing_required_lib("requests"), exception=REQUESTS_IMPORT_ERROR)
        if service == "k8s" and not _k8s().HAS_KUBERNETES:
            self.fail_json(msg=missing_required_lib("kubernetes"), exception=_k8s().KUBERNETES_IMPORT_ERROR)

    def k8s_client(self):
        """A K8sClient from the kubernetes.core-style connection options."""
        p = self.params
        k8s = _k8s()
        try:
            api = k8s.api_client(kubeconfig=p["kubeconfig"], context=p["context"], host=p["host"],
                                 api_key=p["api_key"], validate_certs=p["validate_certs"],
                                 ca_cert=p["ca_cert"])
        except BerthError as exc:
            self.fail_error(exc)
        return k8s.K8sClient(api)

    def fail_error(self, error, **result):
        """One message shape for every typed error; ``error`` holds its safe details."""
        self.fail_json(msg=str(error), error=error.details(), **result)

    def run(self, action):
        """Call ``action()`` (which returns the result dict) and exit with it."""
        try:
            result = action()
        except BerthError as exc:
            self.fail_error(exc)
        self.exit_json(**result)

    def ensure(self, adapter, desired, state="present", result_key=None, extra=None):
        """Run the ensure engine for one resource and exit with its result."""
        def action():
            outcome = ensure(adapter, desired, state=state, check_mode=self.check_mode)
            result = dict(changed=outcome.changed, action=outcome.action)
            if self._diff:
                result["diff"] = outcome.diff()
            key = result_key or adapter.kind
            result[key] = outcome.shown(adapter)
            if extra:
                result.update(extra(outcome))
            return result
        self.run(action)
