"""Forms for QA pages: validation and shape only (saving is in metrics.services)."""

from types import SimpleNamespace

from django import forms

from tickets.models import Ticket

from .exports import DATASETS
from .filters import _categories, _teams, _vendors
from .models import ScorecardVersion


class ReviewForm(forms.Form):
    """One radio group per criterion of a scorecard version, plus a comment."""

    comment = forms.CharField(required=False, widget=forms.Textarea({"rows": 4}), label="Comment")

    def __init__(self, *args, version: ScorecardVersion, **kwargs):
        super().__init__(*args, **kwargs)
        self.criteria = []
        fields = {}
        for section in version.sections.all():
            for c in section.criteria.all():
                name = f"c{c.pk}"
                label = c.text + (" (auto-fail)" if c.auto_fail else "") + f" · weight {c.weight}"
                fields[name] = forms.ChoiceField(
                    label=label,
                    choices=c.choices(),
                    widget=forms.RadioSelect,
                    help_text=c.help_text,
                )
                self.criteria.append((section, c, name))
        comment = self.fields.pop("comment")
        self.fields.update(fields)
        self.fields["comment"] = comment

    def sections(self):
        """[(section, [bound fields])] for the template."""
        out: dict = {}
        for section, _c, name in self.criteria:
            out.setdefault(section, []).append(self[name])
        return list(out.items())

    def answers(self) -> dict[int, int | None]:
        return {
            c.pk: None if self.cleaned_data[name] == "na" else int(self.cleaned_data[name])
            for _s, c, name in self.criteria
        }


class ResponseForm(forms.Form):
    """The associate's acknowledgement or dispute, or the lead's resolution."""

    action = forms.ChoiceField(
        choices=[
            ("acknowledge", "Acknowledge"),
            ("dispute", "Dispute"),
            ("uphold", "Uphold dispute"),
            ("reject", "Reject dispute"),
        ]
    )
    comment = forms.CharField(required=False, widget=forms.Textarea({"rows": 3}), label="Comment")


class ExportForm(forms.Form):
    """Which dataset and format to download (the filters come from DashboardFilter)."""

    dataset = forms.ChoiceField(label="Report", choices=[])
    format = forms.ChoiceField(label="Format", choices=[("csv", "CSV"), ("xlsx", "Excel (XLSX)")])
    times = forms.ChoiceField(
        label="Times",
        required=False,
        choices=[("local", "In my time zone"), ("utc", "UTC (ISO 8601)")],
    )

    def __init__(self, *args, **kwargs):

        super().__init__(*args, **kwargs)
        self.fields["dataset"].choices = [(k, v[0]) for k, v in DATASETS.items()]


class ReportScheduleForm(forms.ModelForm):
    """A scheduled report; the filter choices are limited to what the owner may see."""

    team = forms.ModelChoiceField(queryset=None, required=False, label="Team")
    vendor = forms.ModelChoiceField(queryset=None, required=False, label="Vendor")
    category = forms.ModelChoiceField(
        queryset=None, required=False, label="Category", to_field_name="slug"
    )
    channel = forms.ChoiceField(required=False, label="Channel")

    class Meta:
        from .models import ReportSchedule

        model = ReportSchedule
        fields = ["name", "dataset", "format", "frequency", "hour_utc", "recipients", "enabled"]
        widgets = {"recipients": forms.Textarea({"rows": 3}), "dataset": forms.Select}

    def __init__(self, *args, user, **kwargs):

        super().__init__(*args, **kwargs)
        request = SimpleNamespace(user=user)
        self.fields["dataset"].widget.choices = [(k, v[0]) for k, v in DATASETS.items()]
        self.fields["team"].queryset = _teams(request)
        self.fields["vendor"].queryset = _vendors(request)
        self.fields["category"].queryset = _categories(request)
        self.fields["channel"].choices = [("", "All channels"), *Ticket.Channel.choices]

    def filter_values(self) -> dict:
        c = self.cleaned_data
        return {
            "team": c["team"].pk if c.get("team") else None,
            "vendor": c["vendor"].pk if c.get("vendor") else None,
            "category": c["category"].slug if c.get("category") else None,
            "channel": c.get("channel") or None,
        }
