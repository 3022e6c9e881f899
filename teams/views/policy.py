"""Policy library pages: list, article (with completion for leads), publish, acknowledge."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from .. import permissions, selectors, services
from ..forms import PolicyVersionForm
from ..models import PolicyVersion


@login_required
def policy_list_view(request):
    context = {
        "articles": selectors.policy_articles_for(user=request.user),
        "can_author": permissions.can_author_policies(request.user),
    }
    return render(request, "teams/policy_list.html", context)


@login_required
def policy_detail_view(request, slug: str):
    """The current version, history, the acknowledge button and (leads) who is missing."""
    article = get_object_or_404(selectors.policy_articles_for(user=request.user), slug=slug)
    versions = list(selectors.policy_versions_for(user=request.user, article=article))
    current = versions[0] if versions else None
    pending = {a.version_id for a in selectors.pending_acknowledgements(user=request.user)}
    completion = None
    if current and permissions.can_see_policy_completion(request.user):
        completion = selectors.policy_completion(user=request.user, version=current)
    context = {
        "article": article,
        "current": current,
        "versions": versions,
        "pending_ids": pending,
        "completion": completion,
        "can_author": permissions.can_author_policies(request.user),
    }
    return render(request, "teams/policy_detail.html", context)


def _publish_form(request, article):
    return PolicyVersionForm(
        request.POST or None,
        teams=permissions.teams_for(request.user).order_by("name"),
        new_article=article is None,
    )


def _publish(request, article, form):
    data = form.cleaned_data
    if article is None:
        article = services.policy_article_create(by=request.user, title=data["title"])
    return services.policy_publish(
        by=request.user,
        article=article,
        body=data["body"],
        effective_date=data["effective_date"],
        teams=data["teams"],
        summary=data["summary"],
    )


@login_required
def policy_publish_view(request, slug: str | None = None):
    """New article (no slug) or a new version of one; all in one transaction."""
    if not permissions.can_author_policies(request.user):
        raise PermissionDenied
    article = None
    if slug is not None:
        article = get_object_or_404(selectors.policy_articles_for(user=request.user), slug=slug)
    form = _publish_form(request, article)
    if request.method == "POST" and form.is_valid():
        try:
            version = _publish(request, article, form)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"Published {version}.")
            return redirect("teams:policy_detail", slug=version.article.slug)
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "article": article}
    return render(request, "teams/policy_publish.html", context, status=status)


@require_POST
@login_required
def policy_acknowledge_view(request, pk: int):
    version = get_object_or_404(PolicyVersion.objects.select_related("article"), pk=pk)
    services.policy_acknowledge(user=request.user, version=version)
    messages.success(request, f"Thanks — you acknowledged {version}.")
    if request.POST.get("next") == "mine":
        return redirect("teams:my_acknowledgements")
    return redirect("teams:policy_detail", slug=version.article.slug)


@login_required
def my_acknowledgements_view(request):
    acks = selectors.my_acknowledgements(user=request.user)
    return render(request, "teams/my_acknowledgements.html", {"acks": acks})
