"""REST API for people."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from .permissions import scope_for


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
