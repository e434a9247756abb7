"""Every module's own options stay clear of its service's connection options.

BerthModule merges the two specs; a module option with a connection option's
name (``host`` for a Harbor host in a Kubernetes module, say) would silently
replace the connection option.
"""

import glob
import importlib
import os
import re

import pytest

from ansible_collections.berth.platform.plugins.module_utils import connection

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MODULES = sorted(glob.glob(os.path.join(ROOT, "plugins", "modules", "*.py")))
# Modules that talk to no server: no connection options to shadow.
LOCAL = {"policy_check"}


@pytest.mark.parametrize("path", MODULES, ids=os.path.basename)
def test_module_options_do_not_shadow_connection_options(path):
    with open(path) as f:
        source = f.read()
    service = re.search(r'BerthModule\([^)]*service="(\w+)"', source)
    name = os.path.splitext(os.path.basename(path))[0]
    if name in LOCAL:
        assert service is None
        return
    assert service, "module does not name its service"
    module = importlib.import_module("ansible_collections.berth.platform.plugins.modules." + name)
    clash = set(module.ARGUMENT_SPEC) & set(connection.SPECS[service.group(1)])
    assert not clash


@pytest.mark.parametrize("path", MODULES, ids=os.path.basename)
def test_module_declares_check_mode_support(path):
    with open(path) as f:
        assert "supports_check_mode=True" in f.read()
