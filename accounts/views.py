"""The organization's API keys page: create (the secret is shown once) and revoke."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from adminsite.fields import takes
from adminsite.htmx import login_required_htmx, wants_partial
from audit.recording import Channel
from groups import access
from groups.queries import organizations_of

from . import queries
from .api_keys import api_key_create, api_key_revoke, token_for
from .forms import ApiKeyForm

User = get_user_model()


@login_required_htmx
@require_http_methods(["GET", "POST"])
@takes(ApiKeyForm)
def api_keys(request, org_slug):
    """Administrators see and manage every key of the organization; others their own."""
    organization = access.organization_for_user(request, org_slug)
    can_manage = access.can(request, "change", organization)
    users = queries.key_holders(organization, request.user, every=can_manage)
    form = ApiKeyForm(
        request.POST if request.method == "POST" else None,
        users=users,
        initial={"user": request.user.public_id},
    )
    new_token = None
    if request.method == "POST" and form.is_valid():
        try:
            key, secret = api_key_create(
                organization=organization,
                name=form.cleaned_data["name"],
                user=form.cleaned_data["user"],
                channel=Channel.UI,
                actor=request.user,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            new_token = {"key": key, "secret": secret, "token": token_for(key, secret)}
            messages.success(request, f"Created the API key {key.name}. Copy it now.")
            form = ApiKeyForm(users=users, initial={"user": request.user.public_id})
    context = {
        "organization": organization,
        "organizations": organizations_of(request.user),
        "nav": "api_keys",
        "keys": queries.api_keys_of(organization, request.user, every=can_manage),
        "form": form,
        "new_token": new_token,
        "can_manage": can_manage,
    }
    return render(request, "accounts/api_keys.html", context)


@login_required_htmx
@require_POST
@takes()
def api_key_revoke_view(request, org_slug, key_id):
    organization = access.organization_for_user(request, org_slug)
    key = access.api_key_for_user(request, organization, key_id)
    api_key_revoke(key=key, channel=Channel.UI, actor=request.user)
    messages.success(request, f"Revoked the API key {key.name}: it no longer works.")
    url = reverse("accounts:api_keys", args=[organization.slug])
    return HttpResponseClientRedirect(url) if wants_partial(request) else redirect(url)
