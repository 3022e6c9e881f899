"""One place that answers htmx with a fragment and everything else with the whole page."""

from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import render
from django.utils.http import content_disposition_header

from teams.services.audit import client_ip as audit_client_ip

from ..mail.attachments import IMAGE_TYPES, preview_type, reencode_image, safe_preview_image


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


def _derived_image(attachment, stored, make) -> bytes:
    """The bytes of a stored derived image (`stored`, a file field), else `make` applied to
    the original's bytes now; 404 when Pillow cannot read the original."""
    if stored:
        with stored.open("rb") as f:
            return f.read()
    with attachment.file.open("rb") as f:
        try:
            return make(f.read())
        except ValidationError as exc:
            raise Http404("This image cannot be previewed.") from exc


def attachment_preview_response(attachment) -> HttpResponse:
    """An image's re-encoded copy, inline (Pillow output only: no metadata, nothing
    appended). Older attachments without a stored preview are re-encoded on the fly."""
    if attachment.content_type not in IMAGE_TYPES:
        raise Http404("This attachment has no preview.")
    ctype = preview_type(attachment.content_type)
    data = _derived_image(
        attachment,
        attachment.preview,
        lambda raw: reencode_image(raw, attachment.content_type, name=attachment.name),
    )
    response = HttpResponse(data, content_type=ctype)
    stem = attachment.name.rsplit(".", 1)[0] or "image"
    extension = "jpg" if ctype == "image/jpeg" else "png"
    response["Content-Disposition"] = content_disposition_header(False, f"{stem}.{extension}")
    return _harden(response)


def attachment_safe_response(attachment) -> HttpResponse:
    """An image's blurred greyscale derivative, inline (PNG). One not stored yet (a file from
    before its ticket became sensitive, until `manage.py attachments_make_safe` ran) is made
    on the fly from the original, which itself never leaves the server."""
    if attachment.content_type not in IMAGE_TYPES:
        raise Http404("This attachment has no preview.")
    data = _derived_image(
        attachment,
        attachment.safe_preview,
        lambda raw: safe_preview_image(raw, name=attachment.name),
    )
    response = HttpResponse(data, content_type="image/png")
    response["Content-Disposition"] = content_disposition_header(False, "hidden-image.png")
    return _harden(response)
