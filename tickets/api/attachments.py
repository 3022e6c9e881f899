"""REST API for attachments: download a file of a ticket in the caller's scope."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import viewsets

from .. import selectors
from ..models import Attachment
from ..views._render import attachment_file_response
from .serializers import AttachmentSerializer


class AttachmentViewSet(viewsets.GenericViewSet):
    """Download a file of a ticket you can see (404 otherwise)."""

    queryset = Attachment.objects.none()
    serializer_class = AttachmentSerializer

    @extend_schema(
        summary="Download an attachment", responses={(200, "*/*"): OpenApiTypes.BINARY, 404: None}
    )
    def retrieve(self, request, pk=None, format=None):
        try:
            attachment = selectors.attachment_get_visible(user=request.user, pk=pk)
        except (Attachment.DoesNotExist, ValueError) as exc:
            raise Http404("No such attachment.") from exc
        return attachment_file_response(attachment)
