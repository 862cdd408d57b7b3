from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from core.audit import reset_actor, set_actor


class AuditActorMiddleware:
    """Makes the request's user the actor of audit rows written while it is handled."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = set_actor(getattr(request, "user", None))
        try:
            return self.get_response(request)
        finally:
            reset_actor(token)
