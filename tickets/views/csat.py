"""Public CSAT pages (no login): a one-click rating link and the comment page."""

from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from ..models import CSATResponse
from ..services.csat import (
    RATE_WINDOW,
    SurveyError,
    csat_comment,
    csat_rate,
    csat_token,
    read_token,
)
from ._render import client_ip


def _ip(request) -> str:
    return client_ip(request)


def _error(request, exc: SurveyError):
    response = render(
        request, "tickets/csat_error.html", {"message": exc.message}, status=exc.status
    )
    if exc.status == 429:
        response["Retry-After"] = str(RATE_WINDOW)
    return response


def csat_rate_view(request, token: str):
    """A rating link from the survey email: record it, then show the comment page."""
    try:
        response = csat_rate(token=token, ip=_ip(request))
    except SurveyError as exc:
        return _error(request, exc)
    page = csat_token(ticket_id=response.ticket_id)
    return redirect(reverse("help:csat_comment", args=[page]) + "?rated=1")


@require_http_methods(["GET", "POST"])
def csat_comment_view(request, token: str):
    """GET: the current rating and a comment box. POST: save comment and rating."""
    try:
        ticket_id, _ = read_token(token)
    except SurveyError as exc:
        return _error(request, exc)
    response = CSATResponse.objects.select_related("ticket").filter(ticket_id=ticket_id).first()
    if response is None:
        return _error(request, SurveyError("There is no survey for this ticket.", 404))
    saved = False
    if request.method == "POST":
        raw = request.POST.get("rating", "")
        if raw and not raw.isdigit():
            return _error(request, SurveyError("A rating is a whole number from 1 to 5."))
        try:
            response = csat_comment(token=token, ip=_ip(request), comment=request.POST.get("comment", ""), rating=int(raw) if raw else None)  # fmt: skip
        except SurveyError as exc:
            return _error(request, exc)
        saved = True
    context = {"response": response, "ticket": response.ticket, "saved": saved}
    return render(request, "tickets/csat.html", {**context, "rated": "rated" in request.GET})
