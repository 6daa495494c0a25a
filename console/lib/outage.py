"""While the database cannot be reached: a short 503 with Retry-After, and one log line.

Pages get a "temporarily unavailable" page, htmx requests the error fragment, and each
API face its own error body (console.lib.api_faces). Nothing here touches the database:
the page is rendered without the request's context, whose header and user need it.

An outage is an OperationalError or InterfaceError: the server refused or dropped the
connection, a connect, statement or lock timeout fired (console.database_timeouts),
or SQLite's file is locked or cannot be opened. Integrity and programming errors are
not outages and keep their usual path. Once the database answers again the next
request reconnects by itself (Django's health checks drop a broken connection).
"""

import logging

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template import loader
from django.utils.translation import get_language
from django.utils.translation import gettext as _

# Long enough not to hammer a recovering database, short enough that a client
# retrying by the header finds the console back soon after the database is.
RETRY_AFTER_SECONDS = 5

# For API callers, whose error bodies are not translated.
API_MESSAGE = "The service is temporarily unavailable: its database cannot be reached. Retry later."

logger = logging.getLogger("console.lib.outage")


def is_outage(error: BaseException | None) -> bool:
    return isinstance(error, (OperationalError, InterfaceError))


def _first_line(error: BaseException) -> str:
    lines = str(error).strip().splitlines()
    return f"{type(error).__name__}: {lines[0].strip() if lines else ''}"


def answered(request, error: BaseException, response, level: int = logging.ERROR):
    """Send `response` for an outage: Retry-After, and one log line in place of the
    traceback (the mark tells Django's request logger it was logged already)."""
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    logger.log(level, "Database unavailable: %s %s answered %s (%s)",
               request.method, request.path, response.status_code, _first_line(error))
    response._has_been_logged = True  # read by django.utils.log.log_response
    return response


def unavailable_page(request) -> HttpResponse:
    """The 503 page, or its htmx fragment, rendered without touching the database."""
    context = {
        "status": 503,
        "heading": _("Temporarily unavailable"),
        "explanation": _("The console cannot reach its database right now. "
                         "Please try again in a moment."),
        "bare": True,
        "LANGUAGE_CODE": get_language(),
    }
    template = "_error_fragment.html" if getattr(request, "htmx", False) else "error.html"
    return HttpResponse(loader.render_to_string(template, context), status=503)


class FirstLineOnly(logging.Filter):
    """Keep a log record to its first line: the connection pool says why it could not
    connect (every attempt, while the database is down) in one line, not with libpq's
    hints and no traceback."""

    def filter(self, record):
        message = record.getMessage()
        if "\n" in message or record.exc_info:
            record.msg, record.args = message.strip().splitlines()[0], None
            record.exc_info = record.exc_text = None
        return True


class DatabaseOutageMiddleware:
    """Turn an outage raised by a view (or its template) into the 503 page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not is_outage(exception):
            return None
        return answered(request, exception, unavailable_page(request))
