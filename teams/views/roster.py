"""Roster import page: dry run with per-row errors, then an all-or-nothing import."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.forms import ValidationError
from django.shortcuts import render

from .. import services
from ..forms import RosterImportForm
from ..permissions import can_import_roster
from ..roster_csv import COLUMNS


@login_required
def roster_import_view(request):
    """GET: the upload form. POST: check (dry run) or import; errors list line numbers."""
    if not can_import_roster(request.user):
        raise PermissionDenied
    form = RosterImportForm(request.POST or None, request.FILES or None)
    context, status = {"form": form, "columns": COLUMNS}, 200
    if request.method == "POST" and form.is_valid():
        try:
            text = form.text()
            result = services.roster_import(
                by=request.user, text=text, dry_run=form.cleaned_data["dry_run"]
            )
        except ValidationError as exc:
            form.add_error("file", exc)
            status = 400
        except services.RosterInvalid as exc:
            context["result"], status = exc.result, 400
        else:
            context["result"] = result
            if not result.dry_run:
                messages.success(
                    request, f"Imported: {result.created} created, {result.updated} updated."
                )
    elif request.method == "POST":
        status = 400
    return render(request, "teams/roster_import.html", context, status=status)
