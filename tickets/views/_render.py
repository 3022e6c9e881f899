"""One place that answers htmx with a fragment and everything else with the whole page."""

from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import render
from django.utils.http import content_disposition_header

from teams.services.audit import client_ip as audit_client_ip

from ..mail.attachments import IMAGE_TYPES, preview_type, reencode_image


def render_page_or_partial(request, template: str, partial: str, context: dict, status=200):
    name = f"{template}#{partial}" if request.htmx else template
    return render(request, name, context, status=status)


def client_ip(request) -> str:
    """The caller's address for per-address limits on the public doors: the one the audit
    trail and login lockouts use (NUM_PROXIES decides; X-Forwarded-For alone cannot)."""
    return audit_client_ip(request) or ""


def uploaded_files(request, field: str = "files") -> list[tuple[str, bytes]]:
    """(name, bytes) pairs of the uploaded files; sizes are checked by the services."""
    return [(f.name, f.read()) for f in request.FILES.getlist(field)]


def _harden(response):
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response


def attachment_file_response(attachment) -> FileResponse:
    """Stream a stored attachment as a download (Content-Disposition: attachment), never
    sniffed or run by the browser. Images are shown inline only as their re-encoded preview."""
    response = FileResponse(
        attachment.file.open("rb"),
        content_type=attachment.content_type,
        as_attachment=True,
        filename=attachment.name,
    )
    return _harden(response)


def attachment_preview_response(attachment) -> HttpResponse:
    """An image's re-encoded copy, inline (Pillow output only: no metadata, nothing
    appended). Older attachments without a stored preview are re-encoded on the fly."""
    if attachment.content_type not in IMAGE_TYPES:
        raise Http404("This attachment has no preview.")
    ctype = preview_type(attachment.content_type)
    if attachment.preview:
        with attachment.preview.open("rb") as f:
            data = f.read()
    else:
        with attachment.file.open("rb") as f:
            try:
                data = reencode_image(f.read(), attachment.content_type, name=attachment.name)
            except ValidationError as exc:
                raise Http404("This image cannot be previewed.") from exc
    response = HttpResponse(data, content_type=ctype)
    stem = attachment.name.rsplit(".", 1)[0] or "image"
    extension = "jpg" if ctype == "image/jpeg" else "png"
    response["Content-Disposition"] = content_disposition_header(False, f"{stem}.{extension}")
    return _harden(response)
