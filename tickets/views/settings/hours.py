"""Settings → Business hours: the calendars the viewer may change, the editor (weekly grid,
zone, holidays, teams) and its preview of the next 14 days before saving (htmx)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from ...models import BusinessHours
from ...permissions import (
    SETTINGS_BUSINESS_HOURS,
    business_hours_editable_by,
    business_hours_require_team,
    business_hours_teams_for,
)
from ...services.settings import business_hours_preview, business_hours_save
from ...services.settings.hours import preview_now_date
from ...settings_forms import BusinessHoursForm
from .landing import section_required

TEMPLATE = "tickets/settings/hours_form.html"


def _form(request, hours: BusinessHours | None, data=None) -> BusinessHoursForm:
    initial = BusinessHoursForm.initial_for(hours) if hours else {"time_zone": "UTC"}
    return BusinessHoursForm(
        data,
        hours=hours,
        teams=business_hours_teams_for(request.user).order_by("name"),
        require_team=business_hours_require_team(request.user),
        initial=initial,
    )


@section_required(SETTINGS_BUSINESS_HOURS)
def hours_list_view(request):
    calendars = business_hours_editable_by(request.user).prefetch_related("teams__team")
    return render(request, "tickets/settings/hours_list.html", {"calendars": calendars})


@section_required(SETTINGS_BUSINESS_HOURS)
@require_http_methods(["GET", "POST"])
def hours_edit_view(request, pk: int | None = None):
    hours = get_object_or_404(business_hours_editable_by(request.user), pk=pk) if pk else None
    form = _form(request, hours, request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST" and "_preview" in request.POST:
        return render(request, TEMPLATE, _preview_context(form, hours))
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                saved = business_hours_save(
                    hours=hours,
                    values=form.values,
                    teams=list(form.cleaned_data["teams"]),
                    editable_teams=business_hours_teams_for(request.user),
                    by=request.user,
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(
                    request,
                    f"Saved “{saved.name}”. Open tickets of its teams get their due times "
                    "recomputed; none is escalated because of this change.",
                )
                return redirect("settings:hours")
    context = {"form": form, "hours": hours, "preview": None}
    return render(request, TEMPLATE, context, status=status)


@section_required(SETTINGS_BUSINESS_HOURS)
@require_POST
def hours_preview_view(request, pk: int | None = None):
    """The next 14 days' open hours of the calendar as typed, nothing saved (htmx fragment;
    with it, the region list of the chosen country, swapped out of band)."""
    hours = get_object_or_404(business_hours_editable_by(request.user), pk=pk) if pk else None
    form = _form(request, hours, request.POST)
    context = _preview_context(form, hours)
    # The region list follows the chosen country: swapped out of band when the country moved.
    context["region_moved"] = request.POST.get("region_of") != request.POST.get("holiday_country")
    return render(request, f"{TEMPLATE}#preview", context)


def _preview_context(form: BusinessHoursForm, hours: BusinessHours | None) -> dict:
    """The form checked and, where its zone and holidays can be read, the next 14 days."""
    preview = None
    form.is_valid()
    values = getattr(form, "values", None)
    problems = [str(e) for errors in form.errors.values() for e in errors if e]
    if values and not {"time_zone", "holiday_country", "custom_holidays"} & set(form.errors):
        draft = BusinessHours(**values)
        try:
            preview = business_hours_preview(
                hours=draft, today=preview_now_date(timezone.now(), draft)
            )
        except ValueError as exc:
            problems.append(str(exc))
    return {"form": form, "hours": hours, "preview": preview, "problems": problems}
