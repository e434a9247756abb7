# -*- coding: utf-8 -*-
# Copyright: berth.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one retry policy of the collection: capped exponential backoff with full jitter.

Retried: 429, 502, 503, 504 and broken connections, for idempotent methods
(GET, HEAD, PUT, DELETE, OPTIONS) only. POST is never repeated here: a POST
that may have been applied is reported as ambiguous and the caller re-reads
the server before deciding (see ``ensure.create_once``).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import random
import time

IDEMPOTENT_METHODS = frozenset(("GET", "HEAD", "PUT", "DELETE", "OPTIONS"))
RETRY_STATUSES = frozenset((429, 502, 503, 504))


class RetryPolicy:
    """When to try again and how long to wait.

    ``attempts`` counts all tries (1 = no retry). Delay before retry n (0-based)
    is uniform in [0, min(cap, base * 2**n)], or the server's ``Retry-After``
    when it gives one (never more than ``max_retry_after``).
    """

    def __init__(self, attempts=5, base=0.5, cap=8.0, max_retry_after=60.0,
                 sleep=time.sleep, rand=random.random):
        if attempts < 1:
            raise ValueError("attempts must be >= 1")
        self.attempts = attempts
        self.base = base
        self.cap = cap
        self.max_retry_after = max_retry_after
        self.sleep = sleep
        self.rand = rand

    def delay(self, retry_index, retry_after=None):
        """Seconds to wait before retry number ``retry_index`` (0-based)."""
        if retry_after is not None:
            return min(max(retry_after, 0.0), self.max_retry_after)
        return self.rand() * min(self.cap, self.base * (2 ** retry_index))

    def should_retry(self, method, retry_index, status=None, transport_error=False):
        """True when another try is allowed for this failure."""
        if retry_index + 1 >= self.attempts:
            return False
        if method.upper() not in IDEMPOTENT_METHODS:
            return False
        return transport_error or status in RETRY_STATUSES

    def wait(self, retry_index, retry_after=None):
        self.sleep(self.delay(retry_index, retry_after))


def parse_retry_after(value, now=None):
    """Seconds from a ``Retry-After`` header (delta-seconds or HTTP date); None if absent or bad."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        from email.utils import parsedate_to_datetime
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    now = time.time() if now is None else now
    return max(0.0, when.timestamp() - now)
