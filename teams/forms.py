"""Forms for people pages: validation and shape only."""

from django import forms

from .models import (
    Agent,
    ApiToken,
    AuditEntry,
    ExposureKind,
    FeedbackNote,
    Presence,
    ShiftException,
    Team,
    TimeOff,
    Weekday,
)
from .roster_csv import COLUMNS


class PresenceForm(forms.Form):
    status = forms.ChoiceField(label="Presence", choices=Presence.choices)
    next = forms.CharField(required=False, widget=forms.HiddenInput)


class AgentEditForm(forms.ModelForm):
    """What a lead edits on a member; admins also role and team (see services.agent_update)."""

    skills = forms.CharField(
        required=False, help_text="Category slugs, separated by commas", label="Skills"
    )
    languages = forms.CharField(required=False, help_text="Language codes, separated by commas")

    class Meta:
        model = Agent
        fields = [
            "role",
            "team",
            "skills",
            "languages",
            "capacity",
            "clearance",
            "status",
            "time_zone",
        ]

    def __init__(self, *args, can_change_role: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("skills", "languages"):
            self.initial[name] = ", ".join(getattr(self.instance, name) or [])
        if not can_change_role:
            del self.fields["role"]
            del self.fields["team"]

    def clean_skills(self):
        return [s.strip() for s in self.cleaned_data["skills"].split(",") if s.strip()]

    def clean_languages(self):
        return [s.strip() for s in self.cleaned_data["languages"].split(",") if s.strip()]

    def changes(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.fields}


class ShiftTemplateForm(forms.Form):
    agent = forms.IntegerField(widget=forms.HiddenInput)
    template = forms.IntegerField(required=False, widget=forms.HiddenInput)
    weekday = forms.TypedChoiceField(label="Day", choices=Weekday.choices, coerce=int)
    start = forms.TimeField(label="Start", widget=forms.TimeInput(attrs={"type": "time"}))
    end = forms.TimeField(
        label="End",
        widget=forms.TimeInput(attrs={"type": "time"}),
        help_text="Before the start: next day",
    )


class TimeOffForm(forms.Form):
    agent = forms.IntegerField(label="Agent", widget=forms.Select)
    start_date = forms.DateField(label="First day", widget=forms.DateInput(attrs={"type": "date"}))
    end_date = forms.DateField(label="Last day", widget=forms.DateInput(attrs={"type": "date"}))
    kind = forms.ChoiceField(label="Kind", choices=TimeOff.Kind.choices)
    note = forms.CharField(label="Note", required=False, max_length=200)


class ShiftExceptionForm(forms.Form):
    agent = forms.IntegerField(label="Agent", widget=forms.Select)
    day = forms.DateField(label="Date", widget=forms.DateInput(attrs={"type": "date"}))
    kind = forms.ChoiceField(label="Kind", choices=ShiftException.Kind.choices)
    start = forms.TimeField(label="Start", widget=forms.TimeInput(attrs={"type": "time"}))
    end = forms.TimeField(label="End", widget=forms.TimeInput(attrs={"type": "time"}))
    note = forms.CharField(label="Note", required=False, max_length=200)


class RosterImportForm(forms.Form):
    file = forms.FileField(label="Roster CSV", help_text="Columns: " + ", ".join(COLUMNS))
    dry_run = forms.BooleanField(
        label="Dry run (check only, import nothing)", required=False, initial=True
    )

    def text(self) -> str:
        raw = self.cleaned_data["file"].read()
        try:
            return raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise forms.ValidationError("The file is not UTF-8 text.") from exc


class TicketIdsField(forms.CharField):
    """Comma-separated ticket ids → list of ints."""

    def clean(self, value):
        value = super().clean(value)
        try:
            return [int(x) for x in value.replace(" ", "").split(",") if x]
        except ValueError as exc:
            raise forms.ValidationError("Ticket ids are numbers separated by commas.") from exc


class CoachingSessionForm(forms.Form):
    ITEM_ROWS = 3

    associate = forms.ModelChoiceField(label="Associate", queryset=Agent.objects.none())
    date = forms.DateField(label="Date", widget=forms.DateInput(attrs={"type": "date"}))
    agenda = forms.CharField(
        label="Agenda", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    notes = forms.CharField(label="Notes", required=False, widget=forms.Textarea(attrs={"rows": 5}))
    ticket_ids = TicketIdsField(label="Linked tickets (ids, comma-separated)", required=False)

    def __init__(self, *args, associates=None, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["associate"]
            del self.fields["date"]
        elif associates is not None:
            self.fields["associate"].queryset = associates
        for i in range(self.ITEM_ROWS):
            self.fields[f"item_{i}"] = forms.CharField(
                label=f"Action item {i + 1}", required=False, max_length=300
            )
            self.fields[f"due_{i}"] = forms.DateField(
                label=f"Due date {i + 1}",
                required=False,
                widget=forms.DateInput(attrs={"type": "date"}),
            )

    def items(self) -> list:
        return [
            (self.cleaned_data[f"item_{i}"], self.cleaned_data[f"due_{i}"])
            for i in range(self.ITEM_ROWS)
            if self.cleaned_data.get(f"item_{i}")
        ]


class FeedbackForm(forms.Form):
    associate = forms.ModelChoiceField(label="Associate", queryset=Agent.objects.none())
    kind = forms.ChoiceField(label="Kind", choices=FeedbackNote.Kind.choices)
    text = forms.CharField(label="Feedback", widget=forms.Textarea(attrs={"rows": 3}))
    ticket_id = forms.IntegerField(label="Ticket id (optional)", required=False, min_value=1)

    def __init__(self, *args, associates=None, **kwargs):
        super().__init__(*args, **kwargs)
        if associates is not None:
            self.fields["associate"].queryset = associates


class PolicyVersionForm(forms.Form):
    title = forms.CharField(label="Title", max_length=200)
    summary = forms.CharField(label="What changed", max_length=300, required=False)
    body = forms.CharField(
        label="Policy text (Markdown)", widget=forms.Textarea(attrs={"rows": 14})
    )
    effective_date = forms.DateField(
        label="Effective from", widget=forms.DateInput(attrs={"type": "date"})
    )
    teams = forms.ModelMultipleChoiceField(
        label="Teams who must acknowledge",
        queryset=Team.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, teams=None, new_article: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if teams is not None:
            self.fields["teams"].queryset = teams
        if not new_article:
            del self.fields["title"]


class ApiTokenForm(forms.Form):
    """A new personal API token: what it is for, what it may do, when it stops working."""

    EXPIRY_CHOICES = [(7, "7 days"), (30, "30 days"), (90, "90 days"), (365, "1 year")]

    name = forms.CharField(
        max_length=100, help_text="What uses it, e.g. “Reporting script”", label="Name"
    )
    scope = forms.ChoiceField(choices=ApiToken.Scope.choices, initial=ApiToken.Scope.READ)
    days = forms.TypedChoiceField(
        label="Expires after", choices=EXPIRY_CHOICES, coerce=int, initial=30
    )


class AuditFilterForm(forms.Form):
    """Filters of the audit page (GET); all optional."""

    actor = forms.CharField(required=False, max_length=150, label="Actor (username)")
    action = forms.ChoiceField(
        required=False, choices=[("", "Any action"), *AuditEntry.Action.choices]
    )
    start = forms.DateField(
        required=False, label="From", widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        required=False, label="To", widget=forms.DateInput(attrs={"type": "date"})
    )
    target_type = forms.CharField(
        required=False, max_length=64, label="Target type", help_text="e.g. tickets.ticket"
    )
    target_id = forms.CharField(required=False, max_length=64, label="Target id")
    before = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            raise forms.ValidationError("“From” must be on or before “To”.")
        return data


class TwoFactorCodeForm(forms.Form):
    """A code from the authenticator app (or, where allowed, a recovery code)."""

    code = forms.CharField(
        label="Authentication code",
        max_length=32,
        strip=True,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autocapitalize": "off", "spellcheck": "false"}
        ),
    )


class ExposureConsentForm(forms.Form):
    """The kinds of sensitive work an associate opts in to (unticked: opted out)."""

    kinds = forms.MultipleChoiceField(
        choices=ExposureKind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Kinds of sensitive work I take on",
    )


class TeamExposureSettingsForm(forms.ModelForm):
    """A lead's caps, cool-down and check-in threshold for their team (empty cap: none)."""

    class Meta:
        model = Team
        fields = [
            "exposure_cap_per_shift",
            "exposure_cap_per_week",
            "exposure_cool_down_minutes",
            "exposure_check_in_minutes",
        ]
        labels = {
            "exposure_cap_per_shift": "Cap per shift",
            "exposure_cap_per_week": "Cap per 7 days",
            "exposure_cool_down_minutes": "Cool-down (minutes)",
            "exposure_check_in_minutes": "Check-in prompt after (exposure minutes in 7 days)",
        }

    def clean(self):
        data = super().clean()
        shift, week = data.get("exposure_cap_per_shift"), data.get("exposure_cap_per_week")
        if shift is not None and week is not None and week < shift:
            raise forms.ValidationError(
                "The cap per 7 days cannot be lower than the cap per shift."
            )
        return data
