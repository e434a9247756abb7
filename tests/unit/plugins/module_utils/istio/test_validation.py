"""istiod's own checks, made before anything is sent (istio.validation)."""

import pytest

from ansible_collections.berth.platform.plugins.module_utils.errors import ValidationError
from ansible_collections.berth.platform.plugins.module_utils.istio.validation import require_routes

ROUTE = [{"route": [{"destination": {"host": "a"}}]}]


@pytest.mark.parametrize("spec", [
    {"hosts": ["a"]}, {"hosts": ["a"], "http": []}, {"hosts": ["a"], "http": [], "tcp": [], "tls": []},
    {}, None,
])
def test_a_virtual_service_without_routes_is_refused_as_istiod_does(spec):
    with pytest.raises(ValidationError) as info:
        require_routes(spec)
    assert "http, tcp or tls must be provided in virtual service" in str(info.value)


@pytest.mark.parametrize("kind", ["http", "tcp", "tls"])
def test_any_one_kind_of_route_is_enough(kind):
    require_routes({"hosts": ["a"], kind: ROUTE})
