"""REST API for tickets: a thin viewset over the same scope (visible_to), FilterSet and
services as the pages. Errors: 400 invalid input or illegal transition, 403 role may not
change tickets, 404 out of scope, 409 stale version (with the current ticket)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import prefetch_related_objects
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import exceptions, status, viewsets
from rest_framework.decorators import action
from rest_framework.pagination import CursorPagination
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from teams.models import Agent, Team
from teams.permissions import teams_for

from .. import selectors, services
from ..filters import TicketFilter
from ..models import Message, Ticket
from ..permissions import can_add_note, can_work
from .errors import CONFLICT, service_errors, validated, with_conflict
from .serializers import (
    AttachmentSerializer,
    EscalateSerializer,
    EscalationSerializer,
    MacroApplySerializer,
    MergeSerializer,
    MessageCreateSerializer,
    MessageSerializer,
    TicketCreateSerializer,
    TicketPatchSerializer,
    TicketSerializer,
)


class TicketCursorPagination(CursorPagination):
    """Keyset pagination: constant cost per page however deep the list goes."""

    ordering = ("-created_at", "-id")


TICKET_EXAMPLE = OpenApiExample(
    "A new ticket",
    value={
        "subject": "Can't log in",
        "body": "The code never arrives.",
        "requester_email": "maya@example.org",
        "requester_name": "Maya Chen",
        "category": "account-access",
        "priority": "high",
    },
    request_only=True,
)


@extend_schema_view(
    list=extend_schema(summary="Tickets visible to you (filters, search with q=)"),
    retrieve=extend_schema(summary="One ticket", responses={200: TicketSerializer, 404: None}),
)
class TicketViewSet(viewsets.ReadOnlyModelViewSet):
    """Tickets visible to the caller (same scope as the queue), newest first."""

    serializer_class = TicketSerializer
    filterset_class = TicketFilter
    pagination_class = TicketCursorPagination
    # Bodies are JSON (nullable and nested fields have no form encoding); file uploads use
    # their own multipart action.
    parser_classes = [JSONParser]

    def get_queryset(self):
        return (
            Ticket.objects.visible_to(self.request.user)
            .select_related("category", "requester")
            .prefetch_related("tags")
        )

    def _require(self, allowed: bool):
        if not allowed:
            raise exceptions.PermissionDenied("Your role may read tickets but not change them.")

    @extend_schema(
        summary="Open a ticket for a requester",
        request=TicketCreateSerializer,
        responses={201: TicketSerializer, 400: None, 403: None},
        examples=[TICKET_EXAMPLE],
    )
    def create(self, request):
        self._require(can_work(request.user))
        data = validated(TicketCreateSerializer, request.data)
        team = None
        if data["team"] is not None:
            team = teams_for(request.user).filter(pk=data["team"]).first()
            if team is None:
                raise exceptions.ValidationError({"team": ["Not a team you work for."]})
        elif (agent := Agent.objects.filter(user=request.user).first()) is not None:
            team = agent.team
        requester = services.requester_get_or_create(
            email=data["requester_email"], name=data["requester_name"]
        )
        with service_errors():
            services.ensure_cleared(request.user, data["category"])
            ticket = services.ticket_create(
                subject=data["subject"], body=data["body"], requester=requester,
                category=data["category"], priority=data["priority"], team=team,
                language=data["language"], channel=Ticket.Channel.API,
                by=request.user if data["on_behalf"] else None,
                in_danger=data["in_danger"], country=data["country"],
            )  # fmt: skip
        return Response(self._out(ticket), status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Change fields, status, assignee or tags (optimistic locking)",
        request=TicketPatchSerializer,
        responses={200: TicketSerializer, 400: None, 403: None, 404: None, 409: CONFLICT},
        examples=[
            OpenApiExample(
                "Solve and tag",
                value={"version": 3, "status": "solved", "add_tags": ["refund"]},
                request_only=True,
            )
        ],
    )
    @with_conflict
    def partial_update(self, request, pk=None):
        ticket = self.get_object()
        self._require(can_work(request.user))
        data = validated(TicketPatchSerializer, request.data)
        changes = {k: data[k] for k in ("subject", "priority", "category", "language",
                                        "custom_fields", "status") if k in data}  # fmt: skip
        if "assignee" in data:
            changes["assignee"] = (
                get_user_model().objects.filter(pk=data["assignee"]).first()
                if data["assignee"]
                else None
            )
            if data["assignee"] and changes["assignee"] is None:
                raise exceptions.ValidationError({"assignee": ["No such user."]})
            changes["override_reason"] = data.get("override_reason", "")
        with service_errors():
            ticket = services.ticket_patch(
                ticket=ticket, by=request.user, version=data["version"],
                add_tags=data.get("add_tags", ()), remove_tags=data.get("remove_tags", ()),
                **changes,
            )  # fmt: skip
        return Response(self._out(ticket))

    @extend_schema(
        summary="Get the next ticket: claim the most urgent one you may take",
        request=None,
        responses={
            200: TicketSerializer,
            204: OpenApiResponse(description="Nothing waiting"),
            409: OpenApiResponse(description="Not available, or at the sensitive-work cap"),
        },
    )
    @action(detail=False, methods=["post"], url_path="next")
    def claim_next(self, request, format=None):
        self._require(can_work(request.user))
        agent = getattr(request.user, "agent", None)  # loaded by the time-zone middleware
        try:
            ticket = services.ticket_claim_next(agent=agent) if agent else None
        except services.ClaimRefused as refused:
            return Response({"detail": str(refused)}, status=status.HTTP_409_CONFLICT)
        if ticket is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        # The claim returns the ticket as written, with its category and requester: only the
        # tags are left to read (what _out would fetch again with two queries).
        prefetch_related_objects([ticket], "tags")
        return Response(TicketSerializer(ticket, context={"request": request}).data)

    @extend_schema(
        methods=["get"], summary="The thread (public replies and internal notes)",
        responses={200: MessageSerializer(many=True), 404: None},
    )  # fmt: skip
    @extend_schema(
        methods=["post"],
        summary="Reply publicly (emailed to the requester) or add an internal note",
        request=MessageCreateSerializer,
        responses={201: MessageSerializer, 400: None, 403: None, 404: None, 409: CONFLICT},
        examples=[
            OpenApiExample(
                "Reply and solve",
                value={"kind": "public", "body": "Fixed!", "version": 2, "status": "solved"},
                request_only=True,
            )
        ],
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None, filter_backends=[])
    @with_conflict
    def messages(self, request, pk=None, format=None):
        ticket = self.get_object()
        if request.method == "GET":
            qs = ticket.messages.select_related("author_user", "author_requester").prefetch_related(
                "attachments"
            )
            context = {"request": request, "safe_view": ticket.category.safe_view}
            return Response(MessageSerializer(qs, many=True, context=context).data)
        data = validated(MessageCreateSerializer, request.data)
        with service_errors():
            if data["kind"] == Message.Kind.INTERNAL:
                self._require(can_add_note(request.user))
                message = services.ticket_add_note(
                    ticket=ticket, by=request.user, body=data["body"], version=data["version"]
                )
            else:
                self._require(can_work(request.user))
                message = services.ticket_reply(
                    ticket=ticket, by=request.user, body=data["body"], version=data["version"],
                    status=data.get("status"),
                )  # fmt: skip
        return Response(
            MessageSerializer(
                message, context={"request": request, "safe_view": ticket.category.safe_view}
            ).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(
        summary="Upload a file to the ticket (type sniffed from the bytes, size-limited)",
        request={
            "multipart/form-data": {
                "type": "object",
                "properties": {"file": {"type": "string", "format": "binary"}},
            }
        },
        responses={201: AttachmentSerializer, 400: None, 403: None, 404: None},
    )
    @action(
        detail=True,
        methods=["post"],
        parser_classes=[MultiPartParser, FormParser],
        filter_backends=[],
    )
    def attachments(self, request, pk=None, format=None):
        ticket = self.get_object()
        self._require(can_work(request.user))
        upload = request.FILES.get("file")
        if upload is None:
            raise exceptions.ValidationError({"file": ["Send the file as multipart field 'file'."]})
        with service_errors():
            attachment = services.attachment_add(
                ticket=ticket, message=None, name=upload.name, data=upload.read(), by=request.user
            )
        return Response(
            AttachmentSerializer(
                attachment, context={"request": request, "safe_view": ticket.category.safe_view}
            ).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(
        summary="Apply a macro: its reply and its field actions, in one step",
        request=MacroApplySerializer,
        responses={200: TicketSerializer, 400: None, 403: None, 404: None, 409: CONFLICT},
    )
    @action(
        detail=True,
        methods=["post"],
        url_path="apply-macro",
        filter_backends=[],
    )
    @with_conflict
    def apply_macro(self, request, pk=None, format=None):
        ticket = self.get_object()
        self._require(can_work(request.user))
        data = validated(MacroApplySerializer, request.data)
        macro = (
            selectors.macros_for(user=request.user, ticket=ticket).filter(pk=data["macro"]).first()
        )
        if macro is None:
            raise exceptions.ValidationError({"macro": ["No such macro for this ticket."]})
        with service_errors():
            ticket = services.ticket_apply_macro(
                ticket=ticket, by=request.user, macro=macro, version=data["version"],
                body=data.get("body"),
            )  # fmt: skip
        return Response(self._out(ticket))

    @extend_schema(
        summary="Merge this ticket into another (messages and tags move; this one closes)",
        request=MergeSerializer,
        responses={200: TicketSerializer, 400: None, 403: None, 404: None, 409: CONFLICT},
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    @with_conflict
    def merge(self, request, pk=None, format=None):
        source = self.get_object()
        self._require(can_work(request.user))
        data = validated(MergeSerializer, request.data)
        target = self.get_queryset().filter(pk=data["target"]).first()
        if target is None:
            raise exceptions.ValidationError({"target": ["Not a ticket you can see."]})
        with service_errors():
            target = services.ticket_merge(
                source=source,
                target=target,
                by=request.user,
                version=data["version"],
                override_reason=data.get("override_reason", ""),
            )
        return Response(self._out(target))

    @extend_schema(
        summary="Escalate: a reason, a level and the hand-off brief (tried, risk, needed)",
        request=EscalateSerializer,
        responses={201: EscalationSerializer, 400: None, 403: None, 404: None},
        examples=[
            OpenApiExample(
                "Threat to a user",
                value={
                    "reason": "Requester reports a credible threat",
                    "level": 2,
                    "brief": {
                        "tried": "Locked the account, asked for screenshots",
                        "risk": "Physical harm",
                        "needed": "Trust & Safety review today",
                    },
                },
                request_only=True,
            )
        ],
    )
    @action(detail=True, methods=["post"])
    def escalate(self, request, pk=None, format=None):
        ticket = self.get_object()
        self._require(can_work(request.user))
        data = validated(EscalateSerializer, request.data)
        team = None
        if data["team"] is not None:
            team = Team.objects.filter(pk=data["team"]).first()
            if team is None:
                raise exceptions.ValidationError({"team": ["No such team."]})
        with service_errors():
            escalation = services.ticket_escalate(
                ticket=ticket, by=request.user, reason=data["reason"], level=int(data["level"]),
                brief=data["brief"], team=team,
            )  # fmt: skip
        return Response(EscalationSerializer(escalation).data, status=status.HTTP_201_CREATED)

    def _out(self, ticket) -> dict:
        fresh = self.get_queryset().filter(pk=ticket.pk).first() or ticket
        return TicketSerializer(fresh, context={"request": self.request}).data
