"""REST API for escalations: the records (who, when, why, level, team, acknowledged,
resolved) of tickets in the caller's scope; the receiving lead acknowledges and resolves."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import exceptions, viewsets
from rest_framework.decorators import action
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response

from .. import selectors, services
from .errors import service_errors, validated
from .serializers import EscalationResolveSerializer, EscalationSerializer


class EscalationCursorPagination(CursorPagination):
    ordering = ("-created_at", "-id")


@extend_schema_view(
    list=extend_schema(
        summary="Escalations of tickets visible to you, newest first",
        parameters=[
            OpenApiParameter("state", str, enum=["open", "resolved"], description="default: all"),
            OpenApiParameter("ticket", int, description="Only this ticket's escalations"),
        ],
    ),
    retrieve=extend_schema(
        summary="One escalation", responses={200: EscalationSerializer, 404: None}
    ),
)
class EscalationViewSet(viewsets.ReadOnlyModelViewSet):
    """Escalation records (same ticket scope as the pages): who, when, why, level, team,
    acknowledged, resolved. The receiving lead acknowledges and resolves them here."""

    serializer_class = EscalationSerializer
    pagination_class = EscalationCursorPagination

    def get_queryset(self):
        qs = selectors.escalations_visible_to(self.request.user).select_related("ticket")
        params = self.request.query_params
        state = params.get("state", "")
        if state not in ("", "open", "resolved"):
            raise exceptions.ValidationError({"state": ["Use open or resolved."]})
        if state:
            qs = qs.filter(resolved_at__isnull=state == "open")
        if ticket := params.get("ticket", ""):
            if not ticket.isdigit():
                raise exceptions.ValidationError({"ticket": ["A ticket id (a number)."]})
            qs = qs.filter(ticket_id=int(ticket))
        return qs

    @extend_schema(
        summary="Acknowledge: the receiving lead takes the escalation on",
        request=None,
        responses={200: EscalationSerializer, 403: None, 404: None},
    )
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, pk=None, format=None):
        with service_errors():
            escalation = services.escalation_acknowledge(
                escalation=self.get_object(), by=request.user
            )
        return Response(EscalationSerializer(escalation).data)

    @extend_schema(
        summary="Resolve (de-escalate), with an optional note",
        request=EscalationResolveSerializer,
        responses={200: EscalationSerializer, 400: None, 403: None, 404: None},
    )
    @action(detail=True, methods=["post"])
    def resolve(self, request, pk=None, format=None):
        escalation = self.get_object()
        data = validated(EscalationResolveSerializer, request.data)
        with service_errors():
            escalation = services.escalation_resolve(
                escalation=escalation, by=request.user, note=data["note"]
            )
        return Response(EscalationSerializer(escalation).data)
