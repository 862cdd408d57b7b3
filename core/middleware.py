import contextvars
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from core.audit import reset_actor, set_actor

_request: contextvars.ContextVar[HttpRequest | None] = contextvars.ContextVar("current_request", default=None)


def current_request() -> HttpRequest | None:
    """The request being handled in this thread, for a notice to its user (never for access checks)."""
    return _request.get()


class AuditActorMiddleware:
    """Makes the request's user the actor of audit rows written while it is handled."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = set_actor(getattr(request, "user", None))
        request_token = _request.set(request)
        try:
            return self.get_response(request)
        finally:
            _request.reset(request_token)
            reset_actor(token)
