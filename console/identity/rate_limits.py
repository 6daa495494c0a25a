"""Request rate limits for the API, keyed on the client address as the audit and
the sign-in throttle derive it (console.identity.client_address).

DRF's own throttles key on X-Forwarded-For as the client sent it unless told how
many proxies to trust, so a made-up header would start a fresh count.
"""

from rest_framework.settings import api_settings
from rest_framework.throttling import ScopedRateThrottle

from console.identity.client_address import client_address


class ClientAddressRateThrottle(ScopedRateThrottle):
    @property
    def THROTTLE_RATES(self):
        # DRF binds the rates when the class is defined; reading them here lets
        # an override of REST_FRAMEWORK apply.
        return api_settings.DEFAULT_THROTTLE_RATES

    def get_ident(self, request):
        # No address (an unparsable peer): one shared count rather than none.
        return client_address(request) or "unknown"
