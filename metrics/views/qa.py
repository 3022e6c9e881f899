"""QA pages: queue, review beside the thread, review detail with responses, calibration."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from tickets.models import Ticket
from tickets.selectors import ticket_by_reference

from .. import selectors, services
from ..forms import ResponseForm, ReviewForm
from ..models import QAReview
from ..permissions import can_review, can_use_qa


def _ticket(request, pk):
    try:
        return selectors.ticket_with_thread(user=request.user, pk=pk)
    except Ticket.DoesNotExist as exc:
        raise Http404("No such ticket in your scope.") from exc


def _version(request):
    versions = selectors.current_versions()
    chosen = request.GET.get("scorecard") or request.POST.get("version")
    ids = {str(v.pk): v for v in versions}
    if chosen and chosen not in ids:
        raise Http404("No such scorecard version.")
    if not versions:
        return versions, None
    return versions, selectors.version_with_criteria(pk=(ids[chosen] if chosen else versions[0]).pk)


@login_required
def qa_queue_view(request):
    if not can_use_qa(request.user):
        raise PermissionDenied("The QA queue is for leads, QA analysts and managers.")
    return render(request, "metrics/qa_queue.html", _queue_context(request))


def _queue_context(request, **extra) -> dict:
    return {
        "last_sampled": selectors.last_sampled_week(user=request.user),
        "items": selectors.qa_queue(user=request.user),
        "disputes": selectors.open_disputes(user=request.user)[:100],
        "recent": selectors.reviews_visible(user=request.user)[:50],
        **extra,
    }


@login_required
@require_POST
def qa_pull_view(request):
    """Pull a ticket the reviewer can see ("FL-123" or its number) into the QA queue."""
    if not can_use_qa(request.user):
        raise PermissionDenied("The QA queue is for leads, QA analysts and managers.")
    text = request.POST.get("ticket", "").strip()
    ticket = ticket_by_reference(user=request.user, text=text)
    try:
        if ticket is None:
            raise ValidationError(f"No ticket “{text}” in your scope: type e.g. FL-123.")
        services.qa_queue_pull(ticket=ticket, by=request.user)
    except (ValidationError, PermissionDenied) as exc:
        error = " ".join(getattr(exc, "messages", None) or [str(exc)])
        context = _queue_context(request, pull_text=text, pull_error=error)
        return render(request, "metrics/qa_queue.html", context, status=400)
    messages.success(request, f"{ticket.reference} is in the QA queue.")
    return redirect("metrics:qa_queue")


@login_required
def qa_review_view(request, ticket_pk: int):
    ticket = _ticket(request, ticket_pk)
    if not can_review(request.user, ticket):
        raise PermissionDenied("You may not review this ticket.")
    versions, version = _version(request)
    form = ReviewForm(request.POST or None, version=version) if version else None
    status = 200
    if request.method == "POST" and form is not None:
        if form.is_valid():
            try:
                review = services.qa_review_submit(
                    ticket=ticket,
                    version=version,
                    reviewer=request.user,
                    answers=form.answers(),
                    comment=form.cleaned_data["comment"],
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, f"Review saved: {review.score:.0f}.")
                return redirect("metrics:qa_review_detail", pk=review.pk)
        status = 400
    context = {"ticket": ticket, "versions": versions, "version": version, "form": form}
    return render(request, "metrics/qa_review.html", context, status=status)


@login_required
def qa_review_detail_view(request, pk: int):
    try:
        review = selectors.review_detail(user=request.user, pk=pk)
    except QAReview.DoesNotExist as exc:
        raise Http404("No such review in your scope.") from exc
    form = ResponseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        action, comment = form.cleaned_data["action"], form.cleaned_data["comment"]
        try:
            if action in ("acknowledge", "dispute"):
                services.qa_review_respond(
                    review=review,
                    by=request.user,
                    acknowledge=action == "acknowledge",
                    comment=comment,
                )
            else:
                services.qa_dispute_resolve(
                    review=review, by=request.user, uphold=action == "uphold", comment=comment
                )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return render(
                request,
                "metrics/qa_review_detail.html",
                {"review": review, "form": form},
                status=400,
            )
        return redirect("metrics:qa_review_detail", pk=review.pk)
    return render(request, "metrics/qa_review_detail.html", {"review": review, "form": form})


@login_required
def qa_my_reviews_view(request):
    reviews = selectors.reviews_visible(user=request.user).filter(agent=request.user)
    return render(request, "metrics/qa_mine.html", {"reviews": reviews[:200]})


@login_required
def qa_calibration_view(request, ticket_pk: int):
    if not can_use_qa(request.user):
        raise PermissionDenied("Calibration is for leads, QA analysts and managers.")
    ticket = _ticket(request, ticket_pk)
    data = selectors.calibration(user=request.user, ticket=ticket)
    return render(request, "metrics/qa_calibration.html", {"ticket": ticket, **data})
