# -*- coding: utf-8 -*-
# Copyright: berth.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Typed errors raised by every berth.platform API client.

They carry where the failure happened (service, method, path, status) and the
server's own message, and render as one line:
``harbor POST /projects: 409 project team-a already exists - <hint>``.
Nothing here ever holds a request body, header or credential.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class BerthError(Exception):
    """Base of all typed errors. ``retryable`` tells the retry policy it may try again."""

    retryable = False

    def __init__(self, message, service=None, method=None, path=None, status=None, hint=None):
        super(BerthError, self).__init__(message)
        self.message = message
        self.service = service
        self.method = method
        self.path = path
        self.status = status
        self.hint = hint

    def __str__(self):
        where = " ".join(p for p in (self.service, self.method, self.path) if p)
        text = self.message if self.status is None else "%s %s" % (self.status, self.message)
        line = "%s: %s" % (where, text) if where else text
        return "%s - %s" % (line, self.hint) if self.hint else line

    def details(self):
        """Structured fields for module results (all safe to show)."""
        return dict(
            (k, v) for k, v in (
                ("service", self.service), ("method", self.method), ("path", self.path),
                ("status", self.status), ("server_message", self.message), ("hint", self.hint),
            ) if v is not None
        )


class ValidationError(BerthError):
    """Input rejected before anything was sent to a server."""


class TransportError(BerthError):
    """No usable HTTP answer: DNS, refused or reset connection, timeout, TLS failure.

    ``ambiguous`` is true when the request may have reached the server (the
    connection broke after sending), so a non-idempotent call must be re-read
    before it is repeated.
    """

    retryable = True

    def __init__(self, message, ambiguous=False, **kwargs):
        super(TransportError, self).__init__(message, **kwargs)
        self.ambiguous = ambiguous


class TLSError(TransportError):
    """Certificate verification or handshake failed; retrying does not help."""

    retryable = False


class ApiError(BerthError):
    """The server answered with an error status not covered by a subclass."""


class BadRequest(ApiError):
    """400: the server rejected the request's content."""


class Unauthorized(ApiError):
    """401: missing or wrong credentials."""


class Forbidden(ApiError):
    """403: authenticated, but not allowed."""


class NotFound(ApiError):
    """404."""


class Conflict(ApiError):
    """409 (or 412): the object exists already or changed under us."""


class TooManyRequests(ApiError):
    """429: the server asks us to slow down."""

    retryable = True


class ServerError(ApiError):
    """5xx. 502/503/504 are retryable; 500 usually is not transient."""

    def __init__(self, message, **kwargs):
        super(ServerError, self).__init__(message, **kwargs)
        self.retryable = self.status in (502, 503, 504)


_BY_STATUS = {400: BadRequest, 401: Unauthorized, 403: Forbidden, 404: NotFound,
              409: Conflict, 412: Conflict, 422: BadRequest, 429: TooManyRequests}


def error_for_status(status, message, **kwargs):
    """The typed error for an HTTP status (>= 400)."""
    if status >= 500:
        cls = ServerError
    else:
        cls = _BY_STATUS.get(status, ApiError)
    return cls(message, status=status, **kwargs)
