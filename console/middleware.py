import zoneinfo
from urllib.parse import unquote

from django.conf import settings
from django.utils import timezone

TIMEZONE_COOKIE = "tz"


class UserTimezoneMiddleware:
    """Show times in the browser's time zone, which console.js stores in a cookie.

    Without the cookie (no JavaScript yet) times show in the server's zone, labelled.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        name = unquote(request.COOKIES.get(TIMEZONE_COOKIE, ""))
        try:
            zone = zoneinfo.ZoneInfo(name) if 0 < len(name) <= 64 else None
        except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
            zone = None
        if zone is not None:
            timezone.activate(zone)
        else:
            timezone.deactivate()
        return self.get_response(request)


class ContentSecurityPolicyMiddleware:
    """A strict Content-Security-Policy on every response: scripts and styles only
    from this origin, nothing inline, no framing. Pages carry no inline <script> or
    style="", so nothing of ours needs an exception."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.policy = settings.CONTENT_SECURITY_POLICY

    def __call__(self, request):
        response = self.get_response(request)
        if self.policy and "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = self.policy
        return response
