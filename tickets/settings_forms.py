"""Forms of the Settings area: each field chosen from a list by its label (never a typed code),
times in 24-hour form, and every value checked again by the model's clean() before saving."""

from __future__ import annotations

from functools import lru_cache

import holidays as holidays_pkg
from django import forms
from django.core.exceptions import ValidationError
from holidays import registry

from teams.models import Team

from .business_time import WEEKDAY_NAMES, minutes_label, parse_weekly, zone_names
from .models import BusinessHours, Category, SLAPolicy, Ticket
from .models.sla import PAUSABLE_STATUSES, default_pause_statuses
from .validators import holiday_regions

SLOTS = 3  # intervals offered per weekday


@lru_cache(maxsize=1)
def country_choices() -> list[tuple[str, str]]:
    """Countries the holiday calendar covers, by name (the package's registry)."""
    covered = holiday_regions()
    named = [
        (codes[1], f"{key.replace('_', ' ').title()} ({codes[1]})")
        for key, codes in registry.COUNTRIES.items()
        if len(codes) > 1 and codes[1] in covered
    ]
    return sorted(named, key=lambda c: c[1])


@lru_cache(maxsize=64)
def subdivision_choices(country: str) -> list[tuple[str, str]]:
    """The country's regions by name where the package names them, else by code."""
    codes = holiday_regions().get(country, ())
    names: dict[str, str] = {}
    if codes:
        aliases = getattr(
            holidays_pkg.country_holidays(country, years=[]), "subdivisions_aliases", {}
        )
        for name, code in aliases.items():
            names.setdefault(code, name)
    return [("", "Whole country")] + [(c, f"{names[c]} ({c})" if c in names else c) for c in codes]


class ClockField(forms.CharField):
    """A time of day typed in 24-hour form (HH:MM, 00:00 to 24:00), as minutes after midnight."""

    widget = forms.TextInput(
        attrs={"inputmode": "numeric", "placeholder": "HH:MM", "size": 5, "maxlength": 5,
               "pattern": "[0-2]?[0-9]:[0-5][0-9]", "autocomplete": "off"}
    )  # fmt: skip

    def to_python(self, value) -> int | None:  # type: ignore[override]
        value = (value or "").strip()
        if not value:
            return None
        hours, _, minutes = value.partition(":")
        if not (hours.isdigit() and minutes.isdigit() and len(minutes) == 2):
            raise ValidationError(f"“{value}” is not a time written HH:MM (24-hour).")
        total = int(hours) * 60 + int(minutes)
        if int(minutes) > 59 or total > 1440:
            raise ValidationError(f"“{value}” is not a time between 00:00 and 24:00.")
        return total


def _most_intervals_a_day(hours: BusinessHours | None) -> int:
    try:
        weekly = parse_weekly(hours.weekly) if hours else ()
    except ValueError:
        return 0
    return max((sum(1 for d, _s, _e in weekly if d == day) for day in range(7)), default=0)


class BusinessHoursForm(forms.Form):
    """A calendar: name, zone, weekly grid (up to SLOTS intervals a day), holidays, teams."""

    name = forms.CharField(max_length=120)
    time_zone = forms.ChoiceField(label="Time zone")
    always_open = forms.BooleanField(
        required=False, label="Open 24/7 (no business hours: SLA clocks count calendar time)"
    )
    holiday_country = forms.ChoiceField(label="Public holidays of", required=False)
    holiday_subdivision = forms.ChoiceField(label="Region", required=False)
    custom_holidays = forms.CharField(
        label="Other closed days",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="One date a line, written YYYY-MM-DD (e.g. 2026-12-24).",
    )
    teams = forms.ModelMultipleChoiceField(
        queryset=Team.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Teams whose SLA clocks follow this calendar.",
    )

    def __init__(self, *args, hours: BusinessHours | None, teams, require_team: bool, **kwargs):
        self.hours = hours
        self.require_team = require_team
        super().__init__(*args, **kwargs)
        self.fields["time_zone"].choices = [(z, z) for z in zone_names()]
        self.fields["holiday_country"].choices = [("", "No public holidays"), *country_choices()]
        country = self.data.get("holiday_country") if self.is_bound else None
        if country is None:
            country = self.initial.get("holiday_country", "")
        self.fields["holiday_subdivision"].choices = subdivision_choices(country or "")
        self.fields["teams"].queryset = teams
        self.slots = max(SLOTS, _most_intervals_a_day(hours))
        for day in range(7):
            for slot in range(self.slots):
                for edge in ("open", "close"):
                    self.fields[f"d{day}_{slot}_{edge}"] = ClockField(
                        required=False, label=f"{WEEKDAY_NAMES[day]} {edge}s ({slot + 1})"
                    )

    def slot_numbers(self) -> list[int]:
        return list(range(1, self.slots + 1))

    def grid(self):
        """(weekday name, [(open field, close field), ...]) for the template."""
        return [
            (
                WEEKDAY_NAMES[day],
                [(self[f"d{day}_{s}_open"], self[f"d{day}_{s}_close"]) for s in range(self.slots)],
            )
            for day in range(7)
        ]

    @staticmethod
    def initial_for(hours: BusinessHours) -> dict:
        initial = {
            "name": hours.name,
            "time_zone": hours.time_zone,
            "always_open": hours.always_open,
            "holiday_country": hours.holiday_country,
            "holiday_subdivision": hours.holiday_subdivision,
            "teams": list(hours.teams.values_list("team_id", flat=True)),
        }
        if isinstance(hours.custom_holidays, list):
            initial["custom_holidays"] = "\n".join(str(d) for d in hours.custom_holidays)
        try:
            weekly = parse_weekly(hours.weekly)
        except ValueError:
            return initial  # an invalid stored value: start from an empty grid
        slots: dict[int, int] = {}
        for day, start, end in weekly:
            slot = slots.get(day, 0)
            slots[day] = slot + 1
            initial[f"d{day}_{slot}_open"] = minutes_label(start)
            initial[f"d{day}_{slot}_close"] = minutes_label(end)
        return initial

    def _weekly(self) -> list[list[int]]:
        weekly = []
        for day in range(7):
            for slot in range(self.slots):
                start = self.cleaned_data.get(f"d{day}_{slot}_open")
                end = self.cleaned_data.get(f"d{day}_{slot}_close")
                if start is None and end is None:
                    continue
                if start is None or end is None:
                    self.add_error(
                        f"d{day}_{slot}_open",
                        f"{WEEKDAY_NAMES[day]}: give both the opening and the closing time.",
                    )
                    continue
                weekly.append([day, start, end or 1440])  # closing 00:00 is midnight
        return weekly

    def clean(self):
        data = super().clean()
        weekly = self._weekly()
        lines = (data.get("custom_holidays") or "").replace(",", "\n").split()
        values = {
            "name": (data.get("name") or "").strip(),
            "time_zone": data.get("time_zone") or "",
            "weekly": weekly,
            "holiday_country": data.get("holiday_country") or "",
            "holiday_subdivision": data.get("holiday_subdivision") or "",
            "custom_holidays": lines,
            "always_open": bool(data.get("always_open")),
        }
        probe = BusinessHours(pk=getattr(self.hours, "pk", None), **values)
        probe._state.adding = self.hours is None  # the name may stay its own
        try:
            probe.full_clean()
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                target = field if field in self.fields else None
                for message in messages:
                    self.add_error(target, message)
        if self.require_team and not data.get("teams"):
            self.add_error("teams", "Choose at least one of your teams.")
        self.values = values
        return data


class SLAPolicyForm(forms.Form):
    """A policy: conditions chosen by label, targets in minutes or hours, how time counts,
    which statuses pause, and how to apply the change to open tickets."""

    UNITS = [("minutes", "minutes"), ("hours", "hours")]
    TARGETS = (
        ("first_reply", "First reply"),
        ("next_reply", "Next reply"),
        ("resolution", "Resolution"),
    )

    name = forms.CharField(max_length=120)
    position = forms.IntegerField(
        min_value=0,
        max_value=32767,
        initial=0,
        help_text="Lower comes first; the first match wins.",
    )
    active = forms.BooleanField(required=False, initial=True)
    priorities = forms.TypedMultipleChoiceField(
        choices=Ticket.Priority.choices,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="None ticked: any priority.",
    )
    categories = forms.ModelMultipleChoiceField(
        queryset=Category.objects.filter(active=True).order_by("position", "name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="None ticked: any category.",
    )
    channels = forms.MultipleChoiceField(
        choices=Ticket.Channel.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="None ticked: any channel.",
    )
    teams = forms.ModelMultipleChoiceField(
        queryset=Team.objects.order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="None ticked: any team.",
    )
    business_time = forms.TypedChoiceField(
        label="Count time in",
        choices=[
            ("1", "Business hours of the ticket's team"),
            ("0", "Calendar time (24/7)"),
        ],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
        initial="1",
    )
    pause_statuses = forms.MultipleChoiceField(
        label="The resolution clock pauses while",
        choices=[(s.value, s.label) for s in PAUSABLE_STATUSES],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        initial=default_pause_statuses,
    )
    at_risk_percent = forms.IntegerField(
        label="At risk at (% of the target)", min_value=1, max_value=100, initial=75
    )
    apply = forms.ChoiceField(
        label="Apply to",
        choices=[
            ("new", "New tickets only — open tickets keep their targets"),
            ("recompute", "Also recompute open tickets now, without escalating them"),
        ],
        widget=forms.RadioSelect,
        initial="new",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for key, label in self.TARGETS:
            self.fields[f"{key}_amount"] = forms.IntegerField(
                label=f"{label} target", min_value=1, max_value=525600, required=False
            )
            self.fields[f"{key}_unit"] = forms.ChoiceField(
                label=f"{label} unit", choices=self.UNITS, initial="hours", required=False
            )

    def target_rows(self):
        return [(label, self[f"{k}_amount"], self[f"{k}_unit"]) for k, label in self.TARGETS]

    @classmethod
    def initial_for(cls, policy: SLAPolicy) -> dict:
        initial = {
            "name": policy.name,
            "position": policy.position,
            "active": policy.active,
            "priorities": [p for p in policy.priorities if p in Ticket.Priority.values]
            if isinstance(policy.priorities, list)
            else [],
            "categories": list(policy.categories.all()),
            "channels": policy.channels if isinstance(policy.channels, list) else [],
            "teams": list(policy.teams.all()),
            "business_time": "1" if policy.business_time else "0",
            "pause_statuses": policy.pause_statuses,
            "at_risk_percent": round((policy.at_risk_share or 0.75) * 100),
        }
        for key, _label in cls.TARGETS:
            minutes = getattr(policy, f"{key}_minutes")
            if minutes and minutes % 60 == 0:
                initial[f"{key}_amount"], initial[f"{key}_unit"] = minutes // 60, "hours"
            else:
                initial[f"{key}_amount"], initial[f"{key}_unit"] = minutes, "minutes"
        return initial

    def clean(self):
        data = super().clean()
        values = {
            "name": (data.get("name") or "").strip(),
            "position": data.get("position") or 0,
            "active": bool(data.get("active")),
            "priorities": sorted(data.get("priorities") or []),
            "channels": sorted(data.get("channels") or []),
            "requester_tiers": [],
            "pause_statuses": list(data.get("pause_statuses") or []),
            "business_time": bool(data.get("business_time")),
            "at_risk_share": (data.get("at_risk_percent") or 75) / 100,
        }
        for key, _label in self.TARGETS:
            amount = data.get(f"{key}_amount")
            factor = 60 if data.get(f"{key}_unit") == "hours" else 1
            values[f"{key}_minutes"] = amount * factor if amount else None
        if not any(values[f"{k}_minutes"] for k, _ in self.TARGETS):
            self.add_error("first_reply_amount", "Set at least one target.")
        errors = {}
        try:
            SLAPolicy(**values).full_clean()
        except ValidationError as exc:
            errors = exc.message_dict
        for field, messages in errors.items():
            for message in messages:
                self.add_error(field if field in self.fields else None, message)
        self.values = values
        return data
