"""The console's URLs plus the yardsticks the benchmark divides by.

These views exist only under the benchmark's settings (bench.settings); the
product's URLconf never routes to them.
"""

import json

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, JsonResponse
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from console.identity.credentials import active_token

# The product's own error pages, which Django looks up on the root URLconf.
from console.urls import handler400, handler403, handler404, handler500  # noqa: F401


@require_GET
def bare(request):
    return HttpResponse("ok")


@require_GET
@login_required
def bare_signed_in(request):
    # The same middleware, session and user look-up every console page pays.
    return HttpResponse(request.user.get_username())


@csrf_exempt  # token-authenticated, like the API it stands beside
@require_POST
def bare_post(request):
    """What every API POST pays before doing anything: the token check and the JSON body."""
    if active_token(request.headers.get("X-Auth-Token", "")) is None:
        return JsonResponse({"error": "unauthenticated"}, status=401)
    try:
        body = json.loads(request.body)
    except ValueError:
        return JsonResponse({"error": "invalid"}, status=400)
    return JsonResponse(body, status=201)


urlpatterns = [
    path("bench/bare/", bare),
    path("bench/bare-signed-in/", bare_signed_in),
    path("bench/bare-post/", bare_post),
    path("", include("console.urls")),
]
