"""Error pages: a clear message and the status code, never a traceback.

Views raise NotFound, Invalid or NotAllowed with a sentence meant for the
person; any other exception's text stays private (it may name internals).
With htmx the answer is a one-line fragment the page shows where the person is.
"""

import sys

from django.core.exceptions import BadRequest, PermissionDenied
from django.http import Http404, HttpResponseServerError
from django.shortcuts import render
from django.template import loader
from django.utils.translation import gettext as _

from console.lib import outage


class NotFound(Http404):
    """A 404 whose message is written for the person."""


class Invalid(BadRequest):
    """A 400 whose message is written for the person."""


class NotAllowed(PermissionDenied):
    """A 403 whose message is written for the person."""


def _message(exception, default: str) -> str:
    if isinstance(exception, (NotFound, Invalid, NotAllowed)) and exception.args:
        return str(exception.args[0])
    return default


def _page(request, status: int, heading: str, explanation: str):
    context = {"status": status, "heading": heading, "explanation": explanation, "bare": True}
    template = "_error_fragment.html" if getattr(request, "htmx", False) else "error.html"
    return render(request, template, context, status=status)


def bad_request(request, exception=None):
    return _page(request, 400, _("Bad request"),
                 _message(exception, _("The request could not be understood.")))


def permission_denied(request, exception=None):
    return _page(
        request, 403, _("Not allowed"),
        _message(exception, _("Your role in this project does not allow that. "
                              "Ask a project admin for a higher role.")),
    )


def page_not_found(request, exception=None):
    return _page(
        request, 404, _("Not found"),
        _message(exception, _("There is nothing here, or it belongs to a project you have no role in.")),
    )


def csrf_failure(request, reason=""):
    return _page(request, 403, _("Not allowed"),
                 _("Your session expired or the form was stale. Reload the page and try again."))


def server_error(request):
    # A database outage outside a view (a middleware's query, say) is a 503 all the same.
    error = sys.exc_info()[1]
    if outage.is_outage(error):
        return outage.answered(request, error, outage.unavailable_page(request))
    # No request context: whatever failed (the database, say) must not fail this page too.
    body = loader.get_template("error.html").render(
        {
            "status": 500,
            "heading": _("Something went wrong"),
            "explanation": _("The error has been logged. Please try again in a moment."),
            "bare": True,
        }
    )
    return HttpResponseServerError(body)
