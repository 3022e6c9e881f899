"""Work: requesters, tickets, their messages and attachments, tags, links, events."""

from django.conf import settings
from django.db import models
from django.db.models.functions import Coalesce

from teams.models import ExposureKind, Sensitivity, Team

from ..pagination import NO_DUE
from ..querysets import TicketQuerySet


class Category(models.Model):
    """A node of the managed taxonomy; its sensitivity decides who may see its tickets."""

    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=120)
    sensitivity = models.CharField(
        max_length=16, choices=Sensitivity.choices, default=Sensitivity.NONE
    )
    exposure_kind = models.CharField(
        max_length=32,
        choices=ExposureKind.choices,
        blank=True,
        help_text="The kind of sensitive work (associates consent per kind); a sensitive or"
        " restricted category without one counts as other distressing content",
    )
    description = models.TextField(blank=True)
    active = models.BooleanField(default=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "name"]
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return self.name

    @property
    def safe_view(self) -> bool:
        """Its tickets' files are served as the blurred derivative (images) or not at all
        until the viewer reveals each original: sensitive and restricted categories."""
        return self.sensitivity != Sensitivity.NONE


class Requester(models.Model):
    """An end user of the consumer app who writes to support; has no login."""

    email = models.EmailField(unique=True)
    name = models.CharField(max_length=200, blank=True)
    handle = models.CharField(max_length=100, blank=True)
    external_id = models.CharField(max_length=100, blank=True, db_index=True)
    phone = models.CharField(max_length=40, blank=True)
    locale = models.CharField(max_length=16, default="en")
    country = models.CharField(max_length=2, blank=True)
    time_zone = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Set by a hard bounce (5.x.x) about mail we sent them: e-mail to them is held, not sent.
    email_bounced_at = models.DateTimeField(null=True, blank=True)
    email_bounce_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["email"]

    def __str__(self) -> str:
        return self.name or self.email


class Tag(models.Model):
    """A free label on tickets (slug form); macros and agents add and remove them."""

    name = models.SlugField(max_length=64, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Ticket(models.Model):
    """One conversation with a requester, moving through the lifecycle in tickets.lifecycle."""

    class Status(models.TextChoices):
        NEW = "new", "New"
        OPEN = "open", "Open"
        PENDING = "pending", "Pending"
        ON_HOLD = "on_hold", "On hold"
        SOLVED = "solved", "Solved"
        CLOSED = "closed", "Closed"

    # States in which the ticket still needs work from us or the requester.
    UNSOLVED = (Status.NEW, Status.OPEN, Status.PENDING, Status.ON_HOLD)
    DONE = (Status.SOLVED, Status.CLOSED)

    class Priority(models.IntegerChoices):
        LOW = 1, "Low"
        NORMAL = 2, "Normal"
        HIGH = 3, "High"
        URGENT = 4, "Urgent"

    class Channel(models.TextChoices):
        WEB = "web", "Web form"
        EMAIL = "email", "Email"
        API = "api", "API"
        AGENT = "agent", "Agent"

    subject = models.CharField(max_length=250)
    requester = models.ForeignKey(Requester, on_delete=models.PROTECT, related_name="tickets")
    channel = models.CharField(max_length=8, choices=Channel.choices, default=Channel.WEB)
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="tickets")
    priority = models.PositiveSmallIntegerField(choices=Priority.choices, default=Priority.NORMAL)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.NEW)
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="tickets"
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_tickets",
    )
    tags = models.ManyToManyField(Tag, blank=True, related_name="tickets")
    language = models.CharField(max_length=8, default="en")
    custom_fields = models.JSONField(default=dict, blank=True)

    created_at = models.DateTimeField(db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    first_reply_at = models.DateTimeField(null=True, blank=True)
    last_public_reply_at = models.DateTimeField(null=True, blank=True)
    last_requester_reply_at = models.DateTimeField(null=True, blank=True)
    solved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    reopen_count = models.PositiveIntegerField(default=0)
    # Earliest SLA due time among the running targets; the queue orders by it.
    due_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(
        default=1, help_text="Optimistic lock; bumped on each write"
    )

    objects = TicketQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["team", "status", "due_at"], name="ticket_team_status_due"),
            models.Index(fields=["assignee", "status"], name="ticket_assignee_status"),
            models.Index(fields=["requester", "created_at"], name="ticket_requester_created"),
            models.Index(fields=["status", "solved_at"], name="ticket_status_solved"),
            # The lead's live backlog (metrics.selectors.dashboards.live.live_queue) counts unsolved
            # tickets by status, age, due time and assignee from this index alone.
            models.Index(
                fields=[
                    "team",
                    "status",
                    "created_at",
                    "due_at",
                    "assignee",
                    "category",
                    "channel",
                ],
                condition=models.Q(status__in=["new", "open", "pending", "on_hold"]),
                name="ticket_backlog",
            ),
            # A team's unsolved tickets in the queue's "most urgent" order (tickets.pagination):
            # the first page is the head of this index, not a sort of the whole backlog.
            models.Index(
                models.F("team"),
                Coalesce("due_at", models.Value(NO_DUE)),
                models.F("priority").desc(),
                models.F("created_at"),
                models.F("id"),
                condition=models.Q(status__in=["new", "open", "pending", "on_hold"]),
                name="ticket_team_urgent",
            ),
            # The unsolved tickets assigned to someone outside the teams of their scope (the
            # queue's last part, TicketQuerySet.visible_parts), and how many they have within
            # their clearance ("Mine"): both from index entries.
            models.Index(
                fields=["assignee", "team", "category"],
                condition=models.Q(status__in=["new", "open", "pending", "on_hold"]),
                name="ticket_assignee_team",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.subject}"

    @property
    def reference(self) -> str:
        return f"FL-{self.pk}"

    @property
    def audit_label(self) -> str:
        """How the audit trail names the ticket: its reference, never its (personal) subject."""
        return self.reference

    @property
    def is_done(self) -> bool:
        return self.status in self.DONE


class Message(models.Model):
    """A public reply or an internal note on a ticket, by an agent or the requester."""

    class Kind(models.TextChoices):
        PUBLIC = "public", "Public reply"
        INTERNAL = "internal", "Internal note"

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="messages")
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.PUBLIC)
    author_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    author_requester = models.ForeignKey(
        Requester, null=True, blank=True, on_delete=models.SET_NULL, related_name="messages"
    )
    body_html = models.TextField(help_text="Sanitized HTML")
    body_text = models.TextField(blank=True, help_text="Plain text, for search and email")
    channel = models.CharField(
        max_length=8, choices=Ticket.Channel.choices, default=Ticket.Channel.WEB
    )
    created_at = models.DateTimeField(db_index=True)
    email_message_id = models.CharField(max_length=255, blank=True, db_index=True)
    email_in_reply_to = models.CharField(max_length=255, blank=True)
    email_references = models.TextField(blank=True)
    is_automated = models.BooleanField(default=False)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["ticket", "created_at"], name="message_ticket_created")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.ticket_id}"

    @property
    def is_public(self) -> bool:
        return self.kind == self.Kind.PUBLIC

    @property
    def by_agent(self) -> bool:
        return self.author_user_id is not None


class Attachment(models.Model):
    """A file on a message, stored outside the web root and served by an access-checked view."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="attachments")
    message = models.ForeignKey(
        Message, null=True, blank=True, on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(upload_to="attachments/%Y/%m/")
    preview = models.FileField(
        upload_to="attachments/previews/%Y/%m/",
        blank=True,
        help_text="Images only: the pixels re-encoded by Pillow, the one form shown inline",
    )
    safe_preview = models.FileField(
        upload_to="attachments/safe/%Y/%m/",
        blank=True,
        help_text="Images of sensitive and restricted tickets: the blurred greyscale derivative, "
        "the only form served before the viewer reveals the original",
    )
    name = models.CharField(max_length=255)
    content_id = models.CharField(
        max_length=255, blank=True, help_text="MIME Content-ID of an inline image (cid: links)"
    )
    inline = models.BooleanField(default=False)
    content_type = models.CharField(max_length=100, help_text="Sniffed from the bytes, not trusted")
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name


class TicketLink(models.Model):
    """A relation between two tickets: merged into, follow-up of, related to."""

    class Kind(models.TextChoices):
        MERGE = "merge", "Merged into"
        FOLLOW_UP = "follow_up", "Follow-up of"
        RELATED = "related", "Related to"

    source = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="links_out")
    target = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="links_in")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "target", "kind"], name="ticketlink_unique"),
            models.CheckConstraint(
                condition=~models.Q(source=models.F("target")), name="ticketlink_not_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source_id} {self.kind} {self.target_id}"


class TicketEvent(models.Model):
    """Append-only history: who changed what on a ticket, and when."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(db_index=True)
    kind = models.CharField(max_length=32)
    field = models.CharField(max_length=64, blank=True)
    old = models.TextField(blank=True)
    new = models.TextField(blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [
            models.Index(fields=["ticket", "created_at"], name="event_ticket_created"),
            # Get-next reads the agent's last claim on every claim (interleaving after a
            # sensitive ticket): the head of this index, however long their history.
            models.Index(
                fields=["actor", "-created_at", "-id"],
                condition=models.Q(kind="claim"),
                name="event_actor_last_claim",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.field} {self.old!r}→{self.new!r}"
