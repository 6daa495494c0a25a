"""The request type of views that read htmx's headers."""

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails


class HtmxHttpRequest(HttpRequest):
    """An HttpRequest as django-htmx's middleware leaves it: with `request.htmx`."""

    htmx: HtmxDetails
