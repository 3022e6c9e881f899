"""One place that answers htmx with a fragment and everything else with the whole page."""

from django.http import FileResponse
from django.shortcuts import render

from ..attachments import IMAGE_TYPES


def render_page_or_partial(request, template: str, partial: str, context: dict, status=200):
    name = f"{template}#{partial}" if request.htmx else template
    return render(request, name, context, status=status)


def uploaded_files(request, field: str = "files") -> list[tuple[str, bytes]]:
    """(name, bytes) pairs of the uploaded files; sizes are checked by the services."""
    return [(f.name, f.read()) for f in request.FILES.getlist(field)]


def attachment_file_response(attachment) -> FileResponse:
    """Stream a stored attachment: images inline, anything else as a download, never sniffed
    or run by the browser."""
    response = FileResponse(
        attachment.file.open("rb"),
        content_type=attachment.content_type,
        as_attachment=attachment.content_type not in IMAGE_TYPES,
        filename=attachment.name,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
