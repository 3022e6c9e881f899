"""Serializers of the tickets API: validation and shape only."""

from __future__ import annotations

from rest_framework import serializers

from teams.permissions import scope_for

from ..mail.attachments import IMAGE_TYPES
from ..mail.sanitize import has_nul
from ..models import Attachment, Category, Escalation, Message, Notification, Ticket

PRIORITY_NAMES = {p.label.lower(): p.value for p in Ticket.Priority}


class PriorityField(serializers.ChoiceField):
    """Priorities by name in the API: low, normal, high, urgent."""

    def __init__(self, **kwargs):
        super().__init__(choices=list(PRIORITY_NAMES), **kwargs)

    def to_representation(self, value):
        return Ticket.Priority(value).label.lower()

    def to_internal_value(self, data):
        return PRIORITY_NAMES[super().to_internal_value(data)]

    def get_default(self):
        # DRF hands a default over without to_internal_value: map the name here too.
        value = super().get_default()
        return PRIORITY_NAMES.get(value, value)


class AttachmentSerializer(serializers.ModelSerializer):
    """A file. On a sensitive or restricted ticket (`safe_view`), `url` (the original)
    answers 403 until the caller POSTs to `reveal_url`; `safe_preview_url` is an image's
    blurred greyscale derivative. The views pass the ticket's `safe_view` in the context."""

    url = serializers.SerializerMethodField()
    safe_view = serializers.SerializerMethodField()
    safe_preview_url = serializers.SerializerMethodField()
    reveal_url = serializers.SerializerMethodField()

    class Meta:
        model = Attachment
        fields = [
            "id", "name", "content_type", "size", "sha256", "inline", "url", "safe_view",
            "safe_preview_url", "reveal_url",
        ]  # fmt: skip
        read_only_fields = fields

    def _absolute(self, path: str) -> str:
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path

    def get_url(self, obj) -> str:
        return self._absolute(f"/api/v1/attachments/{obj.pk}/")

    def get_safe_view(self, obj) -> bool:
        if "safe_view" in self.context:
            return bool(self.context["safe_view"])
        return obj.ticket.category.safe_view

    def get_safe_preview_url(self, obj) -> str | None:
        if not self.get_safe_view(obj) or obj.content_type not in IMAGE_TYPES:
            return None
        return self._absolute(f"/api/v1/attachments/{obj.pk}/safe-preview/")

    def get_reveal_url(self, obj) -> str | None:
        if not self.get_safe_view(obj):
            return None
        return self._absolute(f"/api/v1/attachments/{obj.pk}/reveal/")


class RequesterSerializer(serializers.Serializer):
    """The requester; the email address only for callers allowed to see PII (else null)."""

    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)
    email = serializers.SerializerMethodField()

    def get_email(self, obj) -> str | None:

        request = self.context.get("request")
        return obj.email if request and scope_for(request.user).can_view_pii else None


class TicketSerializer(serializers.ModelSerializer):
    reference = serializers.CharField(read_only=True)
    priority = PriorityField(read_only=True)
    category = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    requester = RequesterSerializer(read_only=True)
    tags = serializers.SlugRelatedField(slug_field="name", many=True, read_only=True)

    class Meta:
        model = Ticket
        fields = [
            "id", "reference", "subject", "status", "priority", "category", "channel", "team",
            "assignee", "requester", "tags", "language", "custom_fields", "created_at",
            "updated_at", "first_reply_at", "solved_at", "closed_at", "reopen_count", "due_at",
            "version",
        ]  # fmt: skip
        read_only_fields = fields


class TicketCreateSerializer(serializers.Serializer):
    subject = serializers.CharField(max_length=250)
    body = serializers.CharField(help_text="Markdown")
    requester_email = serializers.EmailField()
    requester_name = serializers.CharField(max_length=200, required=False, default="")
    category = serializers.SlugRelatedField(
        slug_field="slug", queryset=Category.objects.filter(active=True)
    )
    priority = PriorityField(required=False, default="normal")
    team = serializers.IntegerField(required=False, allow_null=True, default=None)
    language = serializers.CharField(max_length=8, required=False, default="en")
    on_behalf = serializers.BooleanField(
        default=True, help_text="True: the first message is by the caller for the requester"
    )
    in_danger = serializers.BooleanField(
        default=False,
        help_text="The reporter says someone is in immediate danger: the ticket is flagged as "
        "imminent risk (as it is when the text holds an imminent-risk phrase)",
    )
    country = serializers.RegexField(
        r"^[A-Za-z]{2}$", required=False, default="",
        help_text="The requester's country (ISO 3166-1 alpha-2), for the emergency resources",
    )  # fmt: skip


class TicketPatchSerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=1)
    subject = serializers.CharField(max_length=250, required=False)
    status = serializers.ChoiceField(choices=Ticket.Status.choices, required=False)
    priority = PriorityField(required=False)
    category = serializers.SlugRelatedField(
        slug_field="slug", queryset=Category.objects.filter(active=True), required=False
    )
    language = serializers.CharField(max_length=8, required=False)
    custom_fields = serializers.JSONField(required=False)
    assignee = serializers.IntegerField(required=False, allow_null=True)
    # A lead's reason to assign sensitive work past the assignee's step-out or exposure cap.
    override_reason = serializers.CharField(max_length=500, required=False, allow_blank=True)
    add_tags = serializers.ListField(child=serializers.CharField(max_length=64), required=False)
    remove_tags = serializers.ListField(child=serializers.CharField(max_length=64), required=False)

    def validate_custom_fields(self, value):
        if has_nul(value):
            raise serializers.ValidationError("Null characters are not allowed.")
        return value


class MessageSerializer(serializers.ModelSerializer):
    author = serializers.SerializerMethodField()
    author_type = serializers.SerializerMethodField()
    attachments = AttachmentSerializer(many=True, read_only=True)

    class Meta:
        model = Message
        fields = [
            "id", "kind", "author", "author_type", "channel", "body_html", "body_text",
            "created_at", "attachments",
        ]  # fmt: skip
        read_only_fields = fields

    def get_author(self, obj) -> str:
        if obj.author_user:
            return obj.author_user.get_full_name() or obj.author_user.username
        return obj.author_requester.name if obj.author_requester else ""

    def get_author_type(self, obj) -> str:
        return "agent" if obj.author_user_id else "requester"


class MessageCreateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Message.Kind.choices, default=Message.Kind.PUBLIC)
    body = serializers.CharField(help_text="Markdown")
    version = serializers.IntegerField(min_value=1)
    status = serializers.ChoiceField(
        choices=Ticket.Status.choices, required=False, help_text="Public replies only"
    )


class MacroApplySerializer(serializers.Serializer):
    macro = serializers.IntegerField()
    version = serializers.IntegerField(min_value=1)
    body = serializers.CharField(required=False, help_text="The edited reply; default: rendered")


class MergeSerializer(serializers.Serializer):
    target = serializers.IntegerField(help_text="Id of the ticket to merge this one into")
    override_reason = serializers.CharField(
        max_length=500,
        required=False,
        allow_blank=True,
        help_text="A lead's reason to merge past the exposure rule of the target's assignee",
    )
    version = serializers.IntegerField(min_value=1)


class ConflictSerializer(serializers.Serializer):
    detail = serializers.CharField()
    current = TicketSerializer()


class BriefSerializer(serializers.Serializer):
    tried = serializers.CharField(max_length=2000, help_text="What was tried")
    risk = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    needed = serializers.CharField(max_length=2000, help_text="What is needed")


class EscalateSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)
    level = serializers.ChoiceField(
        choices=[(1, "Team lead"), (2, "Specialist team"), (3, "Manager")], default=1
    )
    team = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        help_text="Receiving team; default: the ticket's. Otherwise a specialist team that "
        "serves the ticket's category or the team's onward escalation team (400 for others)",
    )
    brief = BriefSerializer()


class EscalationResolveSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class EscalationSerializer(serializers.ModelSerializer):
    """One escalation: who raised it, when, why, level, receiving team, acknowledgement and
    resolution."""

    ticket_reference = serializers.CharField(source="ticket.reference", read_only=True)
    brief = serializers.JSONField(read_only=True)

    class Meta:
        model = Escalation
        fields = [
            "id", "ticket", "ticket_reference", "source", "level", "team", "reason", "brief",
            "raised_by", "created_at", "ack_due_at", "acknowledged_at", "acknowledged_by",
            "ack_missed_at", "parent", "resolved_at", "resolved_by", "resolution_note",
        ]  # fmt: skip
        read_only_fields = fields


class NotificationSerializer(serializers.ModelSerializer):
    """One notice: what it is about (kind, text, the ticket), when, and whether it was read."""

    ticket_reference = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = ["id", "kind", "text", "ticket", "ticket_reference", "created_at", "read_at"]
        read_only_fields = fields

    def get_ticket_reference(self, notice) -> str | None:
        return f"FL-{notice.ticket_id}" if notice.ticket_id else None
