"""Where a request came from, for the audit and the sign-in throttle.

Behind N trusted proxies (TRUSTED_PROXY_COUNT), the client is the address the
outermost of them saw: the Nth entry from the right of X-Forwarded-For. Entries
further left are whatever the client claimed, so they are never trusted.
"""

import ipaddress

from django.conf import settings


def client_address(request) -> str | None:
    if request is None:
        return None
    address = request.META.get("REMOTE_ADDR")
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [part for part in forwarded if part]
        if len(forwarded) >= proxies:
            address = forwarded[-proxies]
    try:
        return str(ipaddress.ip_address(address)) if address else None
    except ValueError:
        return None  # not an address: record nothing rather than something false
