"""Forms for people pages: validation and shape only."""

from django import forms

from .models import Presence


class PresenceForm(forms.Form):
    status = forms.ChoiceField(label="Presence", choices=Presence.choices)
    next = forms.CharField(required=False, widget=forms.HiddenInput)
