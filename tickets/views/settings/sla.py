"""Settings → SLA policies: the ordered list, the editor (conditions by label, targets in
minutes or hours, business or calendar time, pausing statuses) and the preview of its effect
on open tickets before saving, with the choice of how to apply it."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from ...models import SLAPolicy
from ...permissions import SETTINGS_SLA_POLICIES
from ...services.settings import APPLY_NEW, sla_policy_preview, sla_policy_save
from ...settings_forms import SLAPolicyForm
from .landing import section_required

TEMPLATE = "tickets/settings/sla_form.html"


def _policies():
    return SLAPolicy.objects.prefetch_related("categories", "teams").order_by("position", "pk")


@section_required(SETTINGS_SLA_POLICIES)
def sla_list_view(request):
    return render(request, "tickets/settings/sla_list.html", {"policies": _policies()})


def _form(policy: SLAPolicy | None, data=None) -> SLAPolicyForm:
    initial = SLAPolicyForm.initial_for(policy) if policy else {}
    return SLAPolicyForm(data, initial=initial)


@section_required(SETTINGS_SLA_POLICIES)
@require_http_methods(["GET", "POST"])
def sla_edit_view(request, pk: int | None = None):
    policy = get_object_or_404(_policies(), pk=pk) if pk else None
    form = _form(policy, request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST" and "_preview" in request.POST:
        return render(request, TEMPLATE, _preview_context(form, policy))
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                saved = sla_policy_save(
                    policy=policy,
                    values=form.values,
                    categories=data["categories"],
                    teams=data["teams"],
                    apply=data["apply"],
                    by=request.user,
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                if data["apply"] == APPLY_NEW:
                    text = "It applies to tickets created from now on; open tickets keep theirs."
                else:
                    text = (
                        "Open tickets are being recomputed; those it makes past due are "
                        "recorded as missed without escalations, webhooks or notifications."
                    )
                messages.success(request, f"Saved “{saved.name}”. {text}")
                return redirect("settings:sla")
    return render(request, TEMPLATE, {"form": form, "policy": policy}, status=status)


@section_required(SETTINGS_SLA_POLICIES)
@require_POST
def sla_preview_view(request, pk: int | None = None):
    """What the policy as typed would do to the open tickets now (htmx fragment)."""
    policy = get_object_or_404(_policies(), pk=pk) if pk else None
    form = _form(policy, request.POST)
    return render(request, f"{TEMPLATE}#preview", _preview_context(form, policy))


def _preview_context(form: SLAPolicyForm, policy: SLAPolicy | None) -> dict:
    preview = None
    if form.is_valid():
        values = {k: v for k, v in form.values.items() if k != "requester_tiers"}
        draft = SLAPolicy(pk=getattr(policy, "pk", None), **values)
        if policy is not None:
            draft.requester_tiers = policy.requester_tiers
        preview = sla_policy_preview(
            draft=draft,
            category_ids={c.pk for c in form.cleaned_data["categories"]},
            team_ids={t.pk for t in form.cleaned_data["teams"]},
        )
    return {"form": form, "policy": policy, "preview": preview, "apply": form.data.get("apply")}
