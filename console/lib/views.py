"""View building blocks every app's pages share."""

from django.http import HttpResponseNotAllowed


def confirm_then_act(confirm, act):
    """One URL, two steps, as Django admin deletes: GET confirms, POST acts."""

    def view(request, *args, **kwargs):
        if request.method == "POST":
            return act(request, *args, **kwargs)
        if request.method in ("GET", "HEAD"):
            return confirm(request, *args, **kwargs)
        return HttpResponseNotAllowed(["GET", "POST"])

    return view
