"""Doors for people without an account: the help form, and the mail relay's webhook."""

from __future__ import annotations

import hmac

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.core.exceptions import RequestDataTooBig, ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from core.cache import CacheUnavailable, rate_count

from .. import services
from ..emergency import resources_for
from ..forms import HelpForm
from ..mail.inbound import UnreadableEmail
from ..models import Category, ImminentRisk, Ticket
from ._render import client_ip, uploaded_files

RATE_WINDOW = 3600
LIMITS_DOWN_RETRY = 60  # seconds a caller is asked to wait while the rate limits are down
THANKS_SALT = "tickets.help.thanks"


def public_categories():
    """Categories a requester may pick: active and not sensitive or restricted."""
    return Category.objects.filter(active=True, sensitivity="none")


def _over_limit(kind: str, key: str, limit: int) -> bool:
    """Count one submission for `key`; True when it is over `limit` per hour. Raises
    CacheUnavailable when the counter's cache (Redis) is down: the door then answers 503."""
    return rate_count(f"help:rate:{kind}:{key.lower()}", RATE_WINDOW) > limit


def _limits_down(request, form=None):
    """The rate limits cannot count (Redis down): refuse, clearly, rather than let floods in."""
    message = (
        "We cannot accept requests here for a few minutes (a service we rely on is down). "
        "Please try again shortly."
    )
    if form is None:
        response = JsonResponse({"detail": message}, status=503)
    else:
        form.add_error(None, message)
        response = render(request, "tickets/help.html", {"form": form}, status=503)
    response["Retry-After"] = str(LIMITS_DOWN_RETRY)
    return response


def _too_many(request, form):
    form.add_error(None, "Too many requests from you in the last hour. Please try later.")
    response = render(request, "tickets/help.html", {"form": form}, status=429)
    response["Retry-After"] = str(RATE_WINDOW)
    return response


def _thanks(pk: int):
    return redirect("help:thanks", token=signing.dumps(pk, salt=THANKS_SALT))


def help_form_view(request):
    """GET: the form. POST: honeypot, rate limits, replay guard, then the ticket and a
    confirmation. The same submission sent twice (double click, back-and-resend, a replayed
    request) files one ticket and shows its confirmation again."""
    form = HelpForm(
        request.POST or None,
        request.FILES or None,
        public_categories=public_categories(),
        initial={"nonce": HelpForm.new_nonce()},
    )
    if request.method != "POST":
        return render(request, "tickets/help.html", {"form": form})
    if not form.is_valid():
        if "nonce" in form.errors:  # expired or forged: offer a fresh one with the answers
            form.data = form.data.copy()
            form.data["nonce"] = HelpForm.new_nonce()
        return render(request, "tickets/help.html", {"form": form}, status=400)
    data = form.cleaned_data
    if data["website"]:  # a bot filled the honeypot: look successful, do nothing
        return _thanks(0)
    limits = settings.FRONTLINE
    ip = client_ip(request)
    try:
        if _over_limit("ip", ip, limits["HELP_FORM_RATE_PER_IP"]) or _over_limit(
            "email", data["email"], limits["HELP_FORM_RATE_PER_EMAIL"]
        ):
            return _too_many(request, form)
    except CacheUnavailable:
        return _limits_down(request, form)
    files = uploaded_files(request)
    if len(files) > limits["ATTACHMENT_MAX_COUNT"]:
        form.add_error("files", f"At most {limits['ATTACHMENT_MAX_COUNT']} files.")
        return render(request, "tickets/help.html", {"form": form}, status=400)
    claim = f"help:nonce:{data['nonce']}"
    if not cache.add(claim, 0, HelpForm.NONCE_MAX_AGE):
        earlier = cache.get(claim)
        if earlier:
            return _thanks(earlier)
        form.add_error(None, "This request is already being sent; wait a moment.")
        return render(request, "tickets/help.html", {"form": form}, status=409)
    try:
        ticket = services.ticket_submit_web(
            subject=data["subject"], description=data["description"], email=data["email"],
            name=data["name"], category=data["category"], files=files,
            in_danger=data["in_danger"], country=data["country"],
        )  # fmt: skip
    except ValidationError as exc:
        cache.delete(claim)  # nothing was filed: the corrected form may use it
        form.add_error("files", exc)
        return render(request, "tickets/help.html", {"form": form}, status=400)
    except BaseException:
        cache.delete(claim)
        raise
    cache.set(claim, ticket.pk, HelpForm.NONCE_MAX_AGE)
    return _thanks(ticket.pk)


def help_thanks_view(request, token: str):
    try:
        pk = signing.loads(token, salt=THANKS_SALT, max_age=24 * 3600)
    except signing.BadSignature as exc:
        raise Http404("This confirmation link is not valid.") from exc
    ticket = Ticket.objects.filter(pk=pk).only("pk", "subject").first() if pk else None
    # Flagged as possible imminent risk: the emergency resources of their country, at once.
    risk = ImminentRisk.objects.filter(ticket_id=pk).only("country").first() if pk else None
    resources = resources_for(risk.country) if risk is not None else None
    return render(request, "tickets/help_thanks.html", {"ticket": ticket, "resources": resources})


@csrf_exempt
@require_POST
def inbound_email_view(request):
    """A mail relay posts one raw RFC 822 message (Content-Type: message/rfc822) with the
    shared secret in X-Frontline-Secret. 202 filed, skipped or duplicate (a replay files
    nothing), 4xx with the reason; calls per client address are limited (429)."""
    try:
        over = _over_limit(
            "inbound", client_ip(request), settings.FRONTLINE["INBOUND_EMAIL_RATE_PER_IP"]
        )
    except CacheUnavailable:
        return _limits_down(request)
    if over:
        response = JsonResponse({"detail": "Too many requests; retry later."}, status=429)
        response["Retry-After"] = str(RATE_WINDOW)
        return response
    secret = settings.FRONTLINE.get("INBOUND_EMAIL_SECRET", "")
    if not secret:
        return JsonResponse({"detail": "The inbound email webhook is not configured."}, status=403)
    given = request.headers.get("X-Frontline-Secret", "")
    if not hmac.compare_digest(given.encode(), secret.encode()):
        return JsonResponse({"detail": "Wrong or missing X-Frontline-Secret."}, status=403)
    if request.content_type != "message/rfc822":
        return JsonResponse({"detail": "Send the raw message as message/rfc822."}, status=415)
    try:
        raw = request.body
    except RequestDataTooBig:
        return JsonResponse({"detail": "The message is too large."}, status=413)
    try:
        result = services.email_ingest(raw=raw)
    except UnreadableEmail as exc:
        return JsonResponse({"detail": str(exc)}, status=400)
    body = {"outcome": result.outcome, "reason": result.reason}
    if result.ticket is not None:
        body["ticket"] = result.ticket.reference
    return JsonResponse(body, status=202)
