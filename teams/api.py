"""REST API for people: who I am, my presence, teams in scope with members and coverage."""

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from . import selectors, services
from .models import Agent, Presence, Team
from .permissions import agent_of, scope_for


class MeSerializer(serializers.Serializer):
    username = serializers.CharField()
    name = serializers.CharField()
    role = serializers.CharField(allow_null=True)
    team = serializers.CharField(allow_null=True)
    clearance = serializers.CharField()
    time_zone = serializers.CharField()


class MeView(APIView):
    """Who the caller is: role, team, clearance and time zone."""

    @extend_schema(responses=MeSerializer)
    def get(self, request):
        user = request.user
        scope = scope_for(user)
        agent = getattr(user, "agent", None)
        data = {
            "username": user.username,
            "name": user.get_full_name() or user.username,
            "role": scope.role,
            "team": agent.team.name if agent and agent.team else None,
            "clearance": scope.clearance,
            "time_zone": agent.time_zone if agent else "UTC",
        }
        return Response(MeSerializer(data).data)


class PresenceSerializer(serializers.Serializer):
    presence = serializers.ChoiceField(choices=Presence.choices)
    since = serializers.DateTimeField(read_only=True, allow_null=True)
    can_take_work = serializers.BooleanField(read_only=True)


class PresenceView(APIView):
    """The caller's presence; POST {"presence": "available"} to change it."""

    def _agent(self, request) -> Agent:
        agent = agent_of(request.user)
        if agent is None:
            raise NotFound("You have no agent profile.")
        return agent

    def _data(self, agent):
        return {
            "presence": agent.presence,
            "since": agent.presence_since,
            "can_take_work": selectors.agent_can_take_work(agent),
        }

    @extend_schema(responses=PresenceSerializer)
    def get(self, request):
        return Response(PresenceSerializer(self._data(self._agent(request))).data)

    @extend_schema(request=PresenceSerializer, responses=PresenceSerializer)
    def post(self, request):
        agent = self._agent(request)
        incoming = PresenceSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        try:
            agent = services.presence_set(agent=agent, status=incoming.validated_data["presence"])
        except ValidationError as exc:
            return Response({"detail": exc.messages}, status=status.HTTP_400_BAD_REQUEST)
        return Response(PresenceSerializer(self._data(agent)).data)


class MemberSerializer(serializers.ModelSerializer):
    username = serializers.CharField(source="user.username")
    name = serializers.CharField(source="display_name")
    employment_status = serializers.ChoiceField(source="status", choices=Agent.Status.choices)

    class Meta:
        model = Agent
        fields = [
            "id", "username", "name", "role", "skills", "languages", "capacity", "clearance",
            "time_zone", "employment_status", "presence", "presence_since",
        ]  # fmt: skip


class TeamSerializer(serializers.ModelSerializer):
    vendor = serializers.CharField(source="vendor.name")

    class Meta:
        model = Team
        fields = ["slug", "name", "vendor", "time_zone", "categories", "languages", "work_mode"]


class CoverageSerializer(serializers.Serializer):
    start = serializers.DateTimeField()
    agents = serializers.IntegerField()
    staffed_hours = serializers.FloatField()


class TeamViewSet(viewsets.ReadOnlyModelViewSet):
    """Teams in the caller's scope (a BPO partner's staff see only their vendor's)."""

    serializer_class = TeamSerializer
    lookup_field = "slug"
    pagination_class = None

    def get_queryset(self):
        return selectors.team_list_for_user(user=self.request.user)

    @extend_schema(responses=MemberSerializer(many=True))
    @action(detail=True)
    def members(self, request, slug=None, **kwargs):
        team = get_object_or_404(self.get_queryset(), slug=slug)
        members = selectors.team_members(user=request.user, team=team)
        return Response(MemberSerializer(members, many=True).data)

    @extend_schema(responses=CoverageSerializer(many=True))
    @action(detail=True)
    def coverage(self, request, slug=None, **kwargs):
        """Agents on shift per hour for the next 7 days (UTC hour starts)."""
        team = get_object_or_404(self.get_queryset(), slug=slug)
        rows = selectors.team_on_shift_per_hour(team=team)
        return Response(CoverageSerializer(rows, many=True).data)
