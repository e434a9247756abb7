import pytest

from ansible_collections.berth.platform.plugins.module_utils import errors


@pytest.mark.parametrize("status,cls", [
    (400, errors.BadRequest), (401, errors.Unauthorized), (403, errors.Forbidden),
    (404, errors.NotFound), (409, errors.Conflict), (412, errors.Conflict),
    (429, errors.TooManyRequests), (500, errors.ServerError), (503, errors.ServerError),
    (418, errors.ApiError),
])
def test_error_for_status(status, cls):
    assert errors.error_for_status(status, "x").__class__ is cls  # exact class, not a parent


def test_message_shape():
    err = errors.error_for_status(409, "project team-a already exists", service="harbor",
                                  method="POST", path="/projects", hint="pick another name")
    assert str(err) == "harbor POST /projects: 409 project team-a already exists - pick another name"
    assert err.details() == {"service": "harbor", "method": "POST", "path": "/projects",
                             "status": 409, "server_message": "project team-a already exists",
                             "hint": "pick another name"}


def test_retryable_flags():
    assert errors.error_for_status(503, "x").retryable
    assert not errors.error_for_status(500, "x").retryable
    assert errors.error_for_status(429, "x").retryable
    assert errors.TransportError("x").retryable
    assert not errors.TLSError("x").retryable
