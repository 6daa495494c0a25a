"""Error pages: a clear message and the status code, never a traceback."""

from django.shortcuts import render
from django.template import loader
from django.http import HttpResponseServerError
from django.utils.translation import gettext as _


def _page(request, status: int, heading: str, explanation: str):
    context = {"status": status, "heading": heading, "explanation": explanation, "bare": True}
    return render(request, "error.html", context, status=status)


def bad_request(request, exception=None):
    return _page(request, 400, _("Bad request"), _("The request could not be understood."))


def permission_denied(request, exception=None):
    return _page(
        request, 403, _("Not allowed"),
        _("Your role in this project does not allow that. Ask a project admin for a higher role."),
    )


def page_not_found(request, exception=None):
    return _page(
        request, 404, _("Not found"),
        _("There is nothing here, or it belongs to a project you have no role in."),
    )


def server_error(request):
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
