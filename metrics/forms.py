"""Forms for QA pages: validation and shape only (saving is in metrics.services)."""

from django import forms

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
