from typing import Any

from django.http import HttpRequest

from agencies.navigation import nav_items


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None:
        return {}
    current = request.resolver_match.url_name if request.resolver_match else ""
    unread = 0
    otp_eligible = False
    if user.is_authenticated:
        from agencies.otp import may_enrol
        from core.selectors import feed_unread_count

        unread = feed_unread_count(user=user)
        otp_eligible = may_enrol(user)
    return {"nav_items": nav_items(user), "nav_current": current, "feed_unread": unread, "otp_eligible": otp_eligible}
