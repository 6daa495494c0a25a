"""The console's URLs plus a bare view, the yardstick pages are measured against."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.urls import include, path


def bare(request):
    return HttpResponse("ok")


@login_required
def bare_signed_in(request):
    # The same middleware, session and user look-up every console page pays.
    return HttpResponse(request.user.get_username())


urlpatterns = [
    path("bench/bare/", bare),
    path("bench/bare-signed-in/", bare_signed_in),
    path("", include("console.urls")),
]
