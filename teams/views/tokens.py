"""/account/tokens/: a person's own API tokens — list, create (secret shown once), revoke."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from .. import selectors, services
from ..forms import ApiTokenForm


@never_cache
@login_required
def api_tokens_view(request):
    """GET: the list and the form. POST: create a token and show its secret this once."""
    form = ApiTokenForm(request.POST or None)
    created = secret = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            created, secret = services.api_token_create(user=request.user, **form.cleaned_data)
            form = ApiTokenForm()
        else:
            status = 400
    context = {
        "tokens": selectors.api_tokens_of(user=request.user),
        "form": form,
        "created": created,
        "secret": secret,
        "now": timezone.now(),
    }
    return render(request, "teams/api_tokens.html", context, status=status)


@require_POST
@login_required
def api_token_revoke_view(request, pk: int):
    token = get_object_or_404(selectors.api_tokens_of(user=request.user), pk=pk)
    services.api_token_revoke(token=token, by=request.user)
    messages.success(request, f"Token “{token.name}” revoked; it no longer works.")
    return redirect("api_tokens:list")
