"""REST API for tickets: thin viewsets over the same scope and services as the pages."""

import django_filters
from rest_framework import serializers, viewsets
from rest_framework.pagination import CursorPagination

from .models import Ticket


class TicketSerializer(serializers.ModelSerializer):
    reference = serializers.CharField(read_only=True)
    priority = serializers.ChoiceField(
        choices=[(p.label.lower(), p.label) for p in Ticket.Priority]
    )
    category = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    requester_name = serializers.CharField(source="requester.name", read_only=True)

    class Meta:
        model = Ticket
        fields = [
            "id",
            "reference",
            "subject",
            "status",
            "priority",
            "category",
            "channel",
            "team",
            "assignee",
            "requester_name",
            "language",
            "created_at",
            "updated_at",
            "due_at",
            "version",
        ]
        read_only_fields = fields

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["priority"] = Ticket.Priority(instance.priority).label.lower()
        return data


class TicketFilter(django_filters.FilterSet):
    category = django_filters.CharFilter(field_name="category__slug")

    class Meta:
        model = Ticket
        fields = ["status", "priority", "team", "assignee", "channel", "category"]


class TicketCursorPagination(CursorPagination):
    """Keyset pagination: constant cost per page however deep the list goes."""

    ordering = ("-created_at", "-id")


class TicketViewSet(viewsets.ReadOnlyModelViewSet):
    """Tickets visible to the caller, newest first."""

    serializer_class = TicketSerializer
    filterset_class = TicketFilter
    pagination_class = TicketCursorPagination

    def get_queryset(self):
        return Ticket.objects.visible_to(self.request.user).select_related("category", "requester")
