"""Safety workflows: imminent-risk phrases and flags (with the protocol's steps), and reports
of child sexual abuse material to the authority that receives them."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from .core import Ticket
from .privacy import LegalHold


class RiskPhraseSet(models.Model):
    """The phrases of one language that flag a new ticket as possible imminent risk, and the
    phrases that never do (ordinary uses such as a film title). One phrase a line; matched
    on whole words, ignoring case and accents (tickets.services.risk). Admins edit them in the
    app (/tickets/safety/phrases/); defaults come with a data migration."""

    language = models.CharField(max_length=8, unique=True, help_text="ISO 639-1 code, e.g. es")
    name = models.CharField(max_length=60, help_text="The language's name, for the settings page")
    phrases = models.TextField(blank=True, help_text="One phrase a line; a word may end in *")
    exceptions = models.TextField(blank=True, help_text="One phrase a line that never flags")
    active = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["language"]

    def __str__(self) -> str:
        return f"Imminent-risk phrases ({self.language})"

    @staticmethod
    def lines(text: str) -> list[str]:
        return [line.strip() for line in text.splitlines() if line.strip()]


class ImminentRisk(models.Model):
    """A ticket flagged at intake as possible imminent risk to someone's life: by the reporter
    on the help form or by a phrase. It went urgent to the on-call cleared team, whose lead
    was told; the workspace shows the protocol with the resources of `country`."""

    class Source(models.TextChoices):
        REPORTER = "reporter", "The reporter said someone is in immediate danger"
        PHRASE = "phrase", "A phrase in the message"
        BOTH = "both", "The reporter and a phrase"

    ticket = models.OneToOneField(Ticket, on_delete=models.CASCADE, related_name="imminent_risk")
    flagged_at = models.DateTimeField()
    source = models.CharField(max_length=16, choices=Source.choices)
    matched = models.JSONField(
        default=list, blank=True, help_text='[{"language": "es", "phrase": "quiero morir"}]'
    )
    country = models.CharField(max_length=2, blank=True, help_text="Whose resources it shows")
    country_source = models.CharField(max_length=16, blank=True)
    lead = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    routing_note = models.CharField(max_length=300, blank=True, help_text="How on-call was found")

    def __str__(self) -> str:
        return f"Imminent risk on FL-{self.ticket_id}"


class ImminentRiskStep(models.Model):
    """One protocol step done on a flagged ticket: who, when, and what they noted."""

    risk = models.ForeignKey(ImminentRisk, on_delete=models.CASCADE, related_name="steps")
    step = models.CharField(max_length=32)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    done_at = models.DateTimeField()
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["done_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["risk", "step"], name="imminentriskstep_once"),
        ]

    def __str__(self) -> str:
        return f"{self.step} on FL-{self.risk.ticket_id}"


class AuthorityReport(models.Model):
    """A report of child sexual abuse material to the receiving authority (CyberTipline-like
    fields), assembled by a cleared lead from a child-safety ticket. Creating one places the
    ticket under legal hold; `submission_reference` is what the authority answered on filing."""

    ticket = models.OneToOneField(Ticket, on_delete=models.PROTECT, related_name="authority_report")
    incident_at = models.DateTimeField(null=True, blank=True)
    account_username = models.CharField(max_length=200, blank=True)
    account_id = models.CharField(max_length=200, blank=True)
    account_email = models.CharField(max_length=254, blank=True)
    account_profile_url = models.URLField(max_length=1000, blank=True)
    urls = models.JSONField(default=list, blank=True, help_text="Where the content was seen")
    uploader_ip = models.GenericIPAddressField(null=True, blank=True)
    uploader_details = models.TextField(blank=True, help_text="Device, upload time, other ids")
    reporter_notes = models.TextField(blank=True)
    content = models.JSONField(
        default=list, blank=True, help_text="Per attachment: name, type, size, sha256, dhash"
    )
    legal_hold = models.ForeignKey(
        LegalHold, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    submission_reference = models.CharField(max_length=100, blank=True)
    filed_at = models.DateTimeField(null=True, blank=True)
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    def __str__(self) -> str:
        return f"Authority report on FL-{self.ticket_id}"

    @property
    def is_filed(self) -> bool:
        return bool(self.submission_reference)
