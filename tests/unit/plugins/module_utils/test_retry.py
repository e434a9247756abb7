import pytest

from ansible_collections.berth.platform.plugins.module_utils.retry import (
    RetryPolicy, parse_retry_after,
)


def policy(**kwargs):
    sleeps = []
    kwargs.setdefault("rand", lambda: 1.0)
    return RetryPolicy(sleep=sleeps.append, **kwargs), sleeps


@pytest.mark.parametrize("status", [429, 502, 503, 504])
def test_retries_transient_statuses_for_idempotent_methods(status):
    p, dummy = policy()
    for method in ("GET", "PUT", "DELETE", "HEAD"):
        assert p.should_retry(method, 0, status=status)


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 500, 501])
def test_does_not_retry_other_statuses(status):
    p, dummy = policy()
    assert not p.should_retry("GET", 0, status=status)


def test_post_is_never_retried():
    p, dummy = policy()
    assert not p.should_retry("POST", 0, status=503)
    assert not p.should_retry("POST", 0, transport_error=True)
    assert not p.should_retry("PATCH", 0, status=429)


def test_attempts_bound_retries():
    p, dummy = policy(attempts=3)
    assert p.should_retry("GET", 0, status=503)
    assert p.should_retry("GET", 1, status=503)
    assert not p.should_retry("GET", 2, status=503)


def test_backoff_is_exponential_capped_and_jittered():
    p, dummy = policy(base=0.5, cap=4.0)
    assert [p.delay(i) for i in range(5)] == [0.5, 1.0, 2.0, 4.0, 4.0]
    half, dummy = policy(base=0.5, cap=4.0, rand=lambda: 0.5)
    assert half.delay(2) == 1.0


def test_retry_after_wins_and_is_capped():
    p, sleeps = policy(max_retry_after=10)
    p.wait(0, retry_after=3)
    p.wait(0, retry_after=3600)
    assert sleeps == [3, 10]


def test_parse_retry_after():
    assert parse_retry_after("7") == 7.0
    assert parse_retry_after(None) is None
    assert parse_retry_after("soon") is None
    # An HTTP date 30 s after "now".
    assert parse_retry_after("Thu, 01 Jan 1970 00:00:30 GMT", now=0) == 30.0


def test_attempts_must_be_positive():
    with pytest.raises(ValueError):
        RetryPolicy(attempts=0)
