"""Settings → Macros: the shared and personal macros the viewer may change (with the
stale-policy flag linking to the edit), the editor (actions chosen by label) and its live
preview against a chosen ticket (htmx; placeholders filled by macro_render)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from ...macro_forms import MacroForm
from ...models import Macro
from ...permissions import (
    SETTINGS_MACROS,
    macro_teams_for,
    macros_editable_by,
    may_share_with_all_teams,
)
from ...selectors import ticket_by_reference
from ...services import macro_render
from ...services.settings import macro_settings_save
from .landing import section_required

TEMPLATE = "tickets/settings/macro_form.html"


def _macros(user):
    return (
        macros_editable_by(user)
        .with_policy_review()
        .select_related("team", "owner", "policy_article")
        .order_by("title", "pk")
    )


def _form(request, macro: Macro | None, data=None) -> MacroForm:
    return MacroForm(
        data,
        teams=macro_teams_for(request.user).order_by("name"),
        share_with_all=may_share_with_all_teams(request.user),
        initial=MacroForm.initial_for(macro) if macro else {"shared_with": "personal"},
    )


@section_required(SETTINGS_MACROS)
def macros_list_view(request):
    return render(request, "tickets/settings/macros_list.html", {"macros": _macros(request.user)})


@section_required(SETTINGS_MACROS)
@require_http_methods(["GET", "POST"])
def macro_edit_view(request, pk: int | None = None):
    macro = get_object_or_404(_macros(request.user), pk=pk) if pk else None
    form = _form(request, macro, request.POST if request.method == "POST" else None)
    if request.method == "POST" and "_preview" in request.POST:
        return render(request, TEMPLATE, _preview_context(request, form, macro))
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                saved = macro_settings_save(
                    macro=macro, values=form.values(request.user, macro), by=request.user
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, f"Saved macro “{saved.title}”.")
                return redirect("settings:macros")
    context = {**_preview_context(request, form, macro, check=False), "form": form}
    return render(request, TEMPLATE, context, status=status)


@section_required(SETTINGS_MACROS)
@require_POST
def macro_preview_view(request, pk: int | None = None):
    """The reply as the chosen ticket's requester would read it and the actions by label,
    nothing saved (htmx fragment)."""
    macro = get_object_or_404(_macros(request.user), pk=pk) if pk else None
    form = _form(request, macro, request.POST)
    return render(request, f"{TEMPLATE}#preview", _preview_context(request, form, macro))


def _preview_context(request, form: MacroForm, macro: Macro | None, check: bool = True) -> dict:
    context: dict = {"form": form, "macro": macro, "rendered": None, "problems": []}
    reference = (form.data.get("preview_ticket") or "").strip()
    context["preview_ticket"] = reference
    if not check:
        return context
    if not form.is_valid():
        context["problems"] = [str(e) for errors in form.errors.values() for e in errors]
        return context
    context["actions"] = form.action_labels()
    if not reference:
        return context
    ticket = ticket_by_reference(user=request.user, text=reference)
    if ticket is None:
        context["problems"] = [f"No ticket “{reference}” in your queues (type e.g. FL-123)."]
        return context
    draft = Macro(body=form.cleaned_data["body"])
    context["ticket"] = ticket
    context["rendered"] = macro_render(macro=draft, ticket=ticket, agent=request.user)
    return context
