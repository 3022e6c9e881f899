"""How the ticket API answers a service's refusal or invalid input: 400 invalid input or
illegal transition, 403 role may not change tickets, 409 stale version (with the current
ticket, in the OpenAPI schema as CONFLICT)."""

from __future__ import annotations

from contextlib import contextmanager

from django.core.exceptions import PermissionDenied, ValidationError
from drf_spectacular.utils import OpenApiResponse
from rest_framework import exceptions, status
from rest_framework.response import Response

from .. import services
from .serializers import ConflictSerializer, TicketSerializer

CONFLICT = OpenApiResponse(
    ConflictSerializer,
    description="The ticket changed since `version`; nothing was saved. `current` is its state.",
)


@contextmanager
def service_errors():
    """Turn service exceptions into API errors (409 carries the current ticket)."""
    try:
        yield
    except services.StaleVersionError as exc:
        raise Conflict(exc) from exc
    except (ValidationError, services.TransitionError) as exc:
        raise exceptions.ValidationError({"detail": getattr(exc, "messages", [str(exc)])}) from exc
    except PermissionDenied as exc:
        raise exceptions.PermissionDenied(str(exc)) from exc


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT

    def __init__(self, exc: services.StaleVersionError):
        super().__init__(str(exc))
        self.current = exc.ticket


def with_conflict(view_func):
    def wrapped(self, request, *args, **kwargs):
        try:
            return view_func(self, request, *args, **kwargs)
        except Conflict as exc:
            data = {
                "detail": str(exc.detail),
                "current": TicketSerializer(exc.current, context={"request": request}).data,
            }
            return Response(data, status=status.HTTP_409_CONFLICT)

    wrapped.__name__ = view_func.__name__
    wrapped.__doc__ = view_func.__doc__
    return wrapped


def validated(serializer_class, data) -> dict:
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data
