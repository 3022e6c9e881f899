"""Forms for people pages: validation and shape only."""

from django import forms

from .models import Agent, Presence, ShiftException, TimeOff, Weekday
from .roster import COLUMNS


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
