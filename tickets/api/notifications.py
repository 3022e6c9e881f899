"""REST API for the caller's own in-app notifications: list (unread first or filtered),
the unread count, mark one or all read. Nobody reads another person's notices."""

from __future__ import annotations

from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import exceptions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response

from .. import selectors, services
from ..permissions import notifications_visible_to
from .serializers import NotificationSerializer


class NotificationCursorPagination(CursorPagination):
    ordering = ("-created_at", "-id")


UnreadCount = inline_serializer(
    "UnreadNotifications", {"unread": serializers.IntegerField(help_text="Counted up to 100")}
)
Marked = inline_serializer("NotificationsMarked", {"marked": serializers.IntegerField()})


@extend_schema_view(
    list=extend_schema(
        summary="Your notifications, newest first",
        parameters=[
            OpenApiParameter("unread", bool, description="true: only unread; false: only read"),
        ],
    ),
    retrieve=extend_schema(
        summary="One of your notifications", responses={200: NotificationSerializer, 404: None}
    ),
)
class NotificationViewSet(viewsets.ReadOnlyModelViewSet):
    """The caller's own in-app notices (assignments, SLA warnings and breaches,
    escalations, low CSAT); the same ones the Notifications page shows."""

    serializer_class = NotificationSerializer
    pagination_class = NotificationCursorPagination

    def get_queryset(self):
        qs = notifications_visible_to(self.request.user)
        unread = self.request.query_params.get("unread", "")
        if unread not in ("", "true", "false"):
            raise exceptions.ValidationError({"unread": ["Use true or false."]})
        if unread:
            qs = qs.filter(read_at__isnull=unread == "true")
        return qs

    @extend_schema(summary="How many of your notifications are unread", responses=UnreadCount)
    @action(detail=False, methods=["get"], url_path="unread-count")
    def unread_count(self, request, format=None):
        return Response({"unread": selectors.notifications_unread_count(user=request.user)})

    @extend_schema(
        summary="Mark one notification read",
        request=None,
        responses={200: NotificationSerializer, 404: None},
    )
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None, format=None):
        notice = self.get_object()
        services.notifications_mark_read(user=request.user, ids=[notice.pk])
        notice.refresh_from_db(fields=["read_at"])
        return Response(NotificationSerializer(notice).data)

    @extend_schema(summary="Mark all your notifications read", request=None, responses=Marked)
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request, format=None):
        return Response({"marked": services.notifications_mark_read(user=request.user)})
