"""The scorecard editor's forms: the scorecard's name, and one row per criterion (its
section by title, text, scale, weight, auto-fail); rows left empty are ignored."""

from __future__ import annotations

from django import forms

from .models import Criterion, Scorecard

EXTRA_ROWS = 3  # empty rows offered below the criteria, for new ones


class ScorecardForm(forms.Form):
    name = forms.CharField(max_length=120)
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))


class CriterionRowForm(forms.Form):
    section = forms.CharField(max_length=120, required=False, label="Section")
    text = forms.CharField(max_length=250, required=False, label="Criterion")
    scale = forms.ChoiceField(choices=Criterion.Scale.choices, initial=Criterion.Scale.YES_NO)
    weight = forms.IntegerField(min_value=1, max_value=100, initial=1)
    auto_fail = forms.BooleanField(required=False, label="Auto-fail")

    def clean(self):
        data = super().clean()
        if data.get("text", "").strip() and not data.get("section", "").strip():
            self.add_error("section", "Name the section this criterion belongs to.")
        if data.get("section", "").strip() and not data.get("text", "").strip():
            self.add_error("text", "Write the criterion, or clear the section to drop the row.")
        return data


class BaseCriterionRows(forms.BaseFormSet):
    def sections(self) -> list[dict]:
        """The rows grouped into sections, in the order their titles first appear."""
        grouped: dict[str, list[dict]] = {}
        for row in self.forms:
            data = row.cleaned_data
            text = (data.get("text") or "").strip()
            if not text:
                continue
            grouped.setdefault(data["section"].strip(), []).append(
                {
                    "text": text,
                    "scale": data["scale"],
                    "weight": data["weight"],
                    "auto_fail": data["auto_fail"],
                }
            )
        return [{"title": title, "criteria": rows} for title, rows in grouped.items()]

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        if not self.sections():
            raise forms.ValidationError("A scorecard needs at least one criterion.")


CriterionRows = forms.formset_factory(
    CriterionRowForm, formset=BaseCriterionRows, extra=EXTRA_ROWS, max_num=200
)


def rows_initial(sections: list[dict]) -> list[dict]:
    return [{"section": s["title"], **c} for s in sections for c in s["criteria"]]


def scorecard_initial(scorecard: Scorecard | None) -> dict:
    if scorecard is None:
        return {}
    return {"name": scorecard.name, "description": scorecard.description}
