"""REST API for attachments: download a file of a ticket in the caller's scope; on a
sensitive or restricted ticket, its blurred derivative, and the original only after the
caller revealed it (the same gate as the pages: tickets.permissions.may_fetch_original)."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from .. import selectors, services
from ..models import Attachment
from ..permissions import can_reveal, may_fetch_original
from ..views._render import attachment_file_response, attachment_safe_response
from .errors import service_errors
from .serializers import AttachmentSerializer

REVEAL_FIRST = (
    "This file is on a sensitive ticket: POST to its reveal_url first (the reveal is "
    "recorded and counts toward your exposure)."
)


class AttachmentViewSet(viewsets.GenericViewSet):
    """Download a file of a ticket you can see (404 otherwise; 403 on a sensitive ticket
    until you revealed it)."""

    queryset = Attachment.objects.none()
    serializer_class = AttachmentSerializer

    def _attachment(self, pk) -> Attachment:
        try:
            return selectors.attachment_get_visible(user=self.request.user, pk=pk)
        except (Attachment.DoesNotExist, ValueError) as exc:
            raise Http404("No such attachment.") from exc

    @extend_schema(
        summary="Download an attachment (on a sensitive ticket: after a reveal)",
        responses={(200, "*/*"): OpenApiTypes.BINARY, 403: None, 404: None},
    )
    def retrieve(self, request, pk=None, format=None):
        attachment = self._attachment(pk)
        if not may_fetch_original(request.user, attachment):
            raise exceptions.PermissionDenied(REVEAL_FIRST)
        return attachment_file_response(attachment)

    @extend_schema(
        summary="An image's blurred greyscale derivative (the safe view)",
        responses={(200, "image/png"): OpenApiTypes.BINARY, 404: None},
    )
    @action(detail=True, methods=["get"], url_path="safe-preview")
    def safe_preview(self, request, pk=None, format=None):
        return attachment_safe_response(self._attachment(pk))

    @extend_schema(
        summary="Reveal the original of a file on a sensitive ticket (recorded, audited)",
        request=None,
        responses={200: AttachmentSerializer, 400: None, 403: None, 404: None},
    )
    @action(detail=True, methods=["post"])
    def reveal(self, request, pk=None, format=None):
        attachment = self._attachment(pk)
        if not can_reveal(request.user, attachment.ticket):
            raise exceptions.PermissionDenied("Your role may not reveal sensitive files.")
        with service_errors():
            services.attachment_reveal(attachment=attachment, by=request.user)
        return Response(
            AttachmentSerializer(attachment, context={"request": request}).data,
            status=status.HTTP_200_OK,
        )
