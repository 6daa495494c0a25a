"""My Credentials: the signed-in user's own access keys and API tokens.

Everything here belongs to the user alone: another user's key or token id is
a 404, never a 403. The logic lives in console.identity.credentials; these views look
up, call it and render.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from console.identity.credentials import (
    MAX_ACCESS_KEYS,
    TooManyAccessKeys,
    access_key_of,
    access_keys_of,
    active_tokens_of,
    create_access_key,
    delete_access_key,
    revoke_user_token,
)
from console.identity.models import AccessKey
from console.tenancy.views import last_project

PAGE_TEMPLATE = "identity/credentials.html"
TOKENS_SHOWN = 100  # scripts may log in often; the newest are the ones to revoke


class AccessKeyForm(forms.Form):
    description = forms.CharField(
        label=gettext_lazy("Description (optional)"), required=False,
        max_length=AccessKey._meta.get_field("description").max_length,
    )


def _page(request, form=None, new_key=None, new_secret=None, status=200):
    access_keys = list(access_keys_of(request.user))
    tokens = list(active_tokens_of(request.user)[: TOKENS_SHOWN + 1])
    return render(request, PAGE_TEMPLATE, {
        "project": last_project(request),  # the header and Service List keep it
        "access_keys": access_keys,
        "max_access_keys": MAX_ACCESS_KEYS,
        "at_key_limit": len(access_keys) >= MAX_ACCESS_KEYS,
        "tokens": tokens[:TOKENS_SHOWN],
        "more_tokens": len(tokens) > TOKENS_SHOWN,
        "form": form or AccessKeyForm(),
        "new_key": new_key,
        "new_secret": new_secret,
        # This page also answers the create POST, whose URL a GET cannot load:
        # switching language comes back to the page itself.
        "language_next": reverse("credentials"),
    }, status=status)


@require_GET
@login_required
def credentials(request):
    return _page(request)


@require_POST
@login_required
def create_key(request):
    """Create an access key and show its secret in this response, and never again.

    Post/redirect/get would have to keep the secret somewhere until the GET;
    instead the page renders here, marked no-store so no cache or back button
    keeps a copy.
    """
    form = AccessKeyForm(request.POST)
    if not form.is_valid():
        return _page(request, form=form, status=400)
    try:
        key, secret = create_access_key(request.user, form.cleaned_data["description"])
    except TooManyAccessKeys:
        form.add_error(None, _(
            "You already have %(count)d access keys, the most allowed. "
            "Delete one you no longer use to create another."
        ) % {"count": MAX_ACCESS_KEYS})
        return _page(request, form=form, status=400)
    response = _page(request, new_key=key, new_secret=secret)
    add_never_cache_headers(response)
    return response


@require_GET
@login_required
def confirm_delete_key(request, key_id: int):
    return render(request, "identity/confirm_delete_key.html", {
        "project": last_project(request), "key": access_key_of(request.user, key_id),
    })


@require_POST
@login_required
def delete_key(request, key_id: int):
    key = delete_access_key(request.user, key_id)
    messages.success(request, _(
        "Deleted the access key %(access_key)s. Requests signed with it are refused from now on."
    ) % {"access_key": key.access_key})
    return redirect("credentials")


@require_POST
@login_required
def revoke_token(request, token_id: int):
    token = revoke_user_token(request.user, token_id)
    messages.success(request, _("Revoked the API token for project %(project)s.") % {
        "project": token.project.name,
    })
    return redirect("credentials")
