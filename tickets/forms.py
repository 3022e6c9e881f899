"""Validation and shape of the ticket pages' forms (saving is the services' job)."""

from __future__ import annotations

import re
import secrets

from django import forms
from django.core import signing

from .emergency import all_countries
from .models import Category, RiskPhraseSet, Ticket, WebhookDelivery, WebhookEvent
from .validators import validate_webhook_url


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field; each is checked by the services (size, sniffed type)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(d, initial) for d in data]
        return [super().clean(data, initial)] if data else []


class VersionedForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class ReplyForm(VersionedForm):
    body = forms.CharField(label="Reply", widget=forms.Textarea(attrs={"rows": 7}), strip=False)
    status = forms.ChoiceField(
        label="Then set status",
        required=False,
        choices=[("", "Keep status")]
        + [(s.value, s.label) for s in Ticket.Status if s != Ticket.Status.NEW],
    )
    macro = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def clean_body(self):
        body = self.cleaned_data["body"]
        if not body.strip():
            raise forms.ValidationError("Write a reply first.")
        return body


class NoteForm(VersionedForm):
    body = forms.CharField(
        label="Internal note", widget=forms.Textarea(attrs={"rows": 4}), strip=False
    )


class StatusForm(VersionedForm):
    status = forms.ChoiceField(choices=Ticket.Status.choices)


class FieldsForm(VersionedForm):
    priority = forms.TypedChoiceField(choices=Ticket.Priority.choices, coerce=int, required=False)
    category = forms.ModelChoiceField(
        queryset=Category.objects.filter(active=True), to_field_name="slug", required=False
    )
    subject = forms.CharField(max_length=250, required=False)


class AssignForm(VersionedForm):
    assignee = forms.IntegerField(required=False, help_text="Empty: unassign")
    # A lead's reason to hand sensitive work past the assignee's step-out or exposure cap.
    override_reason = forms.CharField(required=False, max_length=500)


class TagsForm(VersionedForm):
    add = forms.CharField(label="Add tags", required=False, max_length=500)
    remove = forms.CharField(required=False, max_length=64)

    def names(self, field: str) -> list[str]:
        return [n for n in re.split(r"[\s,]+", self.cleaned_data.get(field) or "") if n]


class MergeForm(VersionedForm):
    target = forms.CharField(label="Merge into ticket", max_length=20)
    override_reason = forms.CharField(required=False, max_length=500)

    def clean_target(self):
        match = re.fullmatch(r"\s*(?:FL-)?(\d+)\s*", self.cleaned_data["target"], re.IGNORECASE)
        if not match:
            raise forms.ValidationError("Give a ticket reference like FL-123.")
        return int(match.group(1))


class LegalHoldForm(forms.Form):
    """Place a legal hold (on the ticket or on its requester, with a reason) or release one."""

    action = forms.ChoiceField(choices=[("place", "Place"), ("release", "Release")])
    on = forms.ChoiceField(
        choices=[("ticket", "This ticket"), ("requester", "Every ticket of this requester")],
        required=False,
    )
    reason = forms.CharField(label="Reason", max_length=2000, required=False)
    hold = forms.IntegerField(required=False)


class EscalateForm(forms.Form):
    """Manual escalation: why, to which level (and team), and the hand-off brief."""

    reason = forms.CharField(label="Why escalate", max_length=2000)
    level = forms.TypedChoiceField(
        label="Level",
        coerce=int,
        choices=[(1, "1 · Team lead"), (2, "2 · Specialist team"), (3, "3 · Manager")],
    )
    team = forms.IntegerField(label="Receiving team", required=False)
    tried = forms.CharField(
        label="What was tried", max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    risk = forms.CharField(
        label="Risk", max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    needed = forms.CharField(
        label="What is needed", max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class ResolveEscalationForm(forms.Form):
    note = forms.CharField(label="Resolution note", max_length=2000, required=False)


class HelpForm(forms.Form):
    """The public help form: no account. `website` is a honeypot that people never see."""

    email = forms.EmailField(label="Your email address")
    name = forms.CharField(label="Your name", max_length=200, required=False)
    category = forms.ModelChoiceField(
        label="What is it about?",
        queryset=Category.objects.filter(active=True, sensitivity="none"),
        to_field_name="slug",
        empty_label="Choose a topic",
    )
    subject = forms.CharField(label="Subject", max_length=250)
    description = forms.CharField(
        label="Describe the problem", widget=forms.Textarea(attrs={"rows": 8}), max_length=20_000
    )
    files = MultipleFileField(label="Screenshots or files (optional)", required=False)
    in_danger = forms.BooleanField(
        label="Someone is in immediate danger",
        required=False,
        help_text="Tick this if someone's life may be at risk right now: we treat it as urgent. "
        "Please also call your local emergency number.",
    )
    country = forms.ChoiceField(
        label="Your country (optional: we use it to give you the right emergency numbers)",
        required=False,
        choices=lambda: [("", "—"), *all_countries()],
    )
    website = forms.CharField(
        label="Leave this field empty", required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )  # fmt: skip
    # One per rendering of the form (signed, dated): a submission replayed or double-clicked
    # files one ticket (tickets/views/public.py).
    nonce = forms.CharField(
        widget=forms.HiddenInput,
        error_messages={"required": "This form is incomplete; reload the page and send again."},
    )

    NONCE_SALT = "tickets.help.nonce"
    NONCE_MAX_AGE = 6 * 3600

    @classmethod
    def new_nonce(cls) -> str:
        return signing.dumps(secrets.token_urlsafe(16), salt=cls.NONCE_SALT)

    def clean_nonce(self):
        value = self.cleaned_data["nonce"]
        try:
            signing.loads(value, salt=self.NONCE_SALT, max_age=self.NONCE_MAX_AGE)
        except signing.SignatureExpired as exc:
            raise forms.ValidationError(
                "This form was open for more than 6 hours; please send it again."
            ) from exc
        except signing.BadSignature as exc:
            raise forms.ValidationError("This form is not valid; reload the page.") from exc
        return value

    def __init__(self, *args, public_categories=None, **kwargs):
        super().__init__(*args, **kwargs)
        if public_categories is not None:
            self.fields["category"].queryset = public_categories


class WebhookEndpointForm(forms.Form):
    """An endpoint's URL, name, events and active flag (the secret is generated, never typed)."""

    name = forms.CharField(max_length=100, required=False)
    url = forms.URLField(
        label="URL", max_length=500, assume_scheme="https", validators=[validate_webhook_url]
    )
    events = forms.MultipleChoiceField(
        choices=WebhookEvent.choices, widget=forms.CheckboxSelectMultiple
    )
    active = forms.BooleanField(required=False, initial=True)


class WebhookDeliveryFilterForm(forms.Form):
    endpoint = forms.ChoiceField(required=False)
    event = forms.ChoiceField(required=False, choices=[("", "Any event"), *WebhookEvent.choices])
    status = forms.ChoiceField(
        required=False, choices=[("", "Any status"), *WebhookDelivery.Status.choices]
    )

    def __init__(self, *args, endpoints=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["endpoint"].choices = [("", "Any endpoint")] + [
            (str(e.pk), str(e)) for e in endpoints
        ]


class RequesterEraseForm(forms.Form):
    """The confirmation step of an erasure: the reason, and the address typed again."""

    reason = forms.CharField(
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="The request's reference and channel, e.g. “GDPR request #4411 by e-mail”.",
    )
    confirm_email = forms.CharField(
        max_length=254, label="Type the requester's e-mail address to confirm"
    )

    def __init__(self, *args, requester, **kwargs):
        super().__init__(*args, **kwargs)
        self.requester = requester

    def clean_confirm_email(self):
        value = self.cleaned_data["confirm_email"].strip()
        if value.lower() != self.requester.email.lower():
            raise forms.ValidationError("That is not this requester's address.")
        return value


class RiskStepForm(forms.Form):
    """One step of the imminent-risk protocol done, with an optional note."""

    step = forms.CharField(max_length=32)
    note = forms.CharField(label="Note", max_length=2000, required=False)


class RiskPhraseSetForm(forms.ModelForm):
    """One language's imminent-risk phrases (the service checks each line)."""

    class Meta:
        model = RiskPhraseSet
        fields = ["language", "name", "phrases", "exceptions", "active"]
        widgets = {
            "phrases": forms.Textarea(attrs={"rows": 8}),
            "exceptions": forms.Textarea(attrs={"rows": 3}),
        }

    def validate_unique(self):
        """An existing language is updated (the service's update_or_create), not refused."""


class AuthorityReportForm(forms.Form):
    """The fields of a report to the authority a lead fills in (hashes are computed)."""

    incident_at = forms.DateTimeField(label="Incident time (your time zone)", required=False)
    account_username = forms.CharField(
        label="Reported account: username", max_length=200, required=False
    )
    account_id = forms.CharField(label="Reported account: id", max_length=200, required=False)
    account_email = forms.EmailField(label="Reported account: e-mail", required=False)
    account_profile_url = forms.URLField(
        label="Reported account: profile URL",
        max_length=1000,
        required=False,
        assume_scheme="https",
    )
    urls = forms.CharField(
        label="URLs where the content was seen (one a line)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    uploader_ip = forms.GenericIPAddressField(label="Uploader IP address", required=False)
    uploader_details = forms.CharField(
        label="Uploader details",
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    reporter_notes = forms.CharField(
        label="Reporter notes", max_length=8000, required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
    )  # fmt: skip

    def clean_urls(self):
        urls = [line.strip() for line in self.cleaned_data["urls"].splitlines() if line.strip()]
        check = forms.URLField(assume_scheme="https")
        for url in urls:
            try:
                check.clean(url)
            except forms.ValidationError as exc:
                raise forms.ValidationError(f"Not a URL: {url[:100]}") from exc
        if len(urls) > 50:
            raise forms.ValidationError("At most 50 URLs.")
        return urls

    def clean_uploader_ip(self):
        return self.cleaned_data["uploader_ip"] or None


class AuthorityFileForm(forms.Form):
    reference = forms.CharField(label="Submission reference", max_length=100)
