"""Exports (streamed CSV / XLSX) and scheduled reports; the export permission throughout."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from .. import services
from ..exports import FORMATS, build_dataset, csv_stream, xlsx_file
from ..exports.pgcsv import CopyCsv
from ..filters import DashboardFilter
from ..forms import ExportForm, ReportScheduleForm
from ..models import ReportRun
from ..permissions import can_export, report_schedules_visible_to


def _require_export(user):
    if not can_export(user):
        raise PermissionDenied("Exports are for managers and admins (export permission).")


@login_required
def exports_view(request):
    _require_export(request.user)
    filters = DashboardFilter(request.GET, request=request)
    filters.is_valid()
    return render(request, "metrics/exports.html", {"form": ExportForm(), "filters": filters})


@login_required
def export_download_view(request):
    _require_export(request.user)
    form, filters = ExportForm(request.GET), DashboardFilter(request.GET, request=request)
    if not (form.is_valid() and filters.is_valid()):
        errors = {**form.errors, **filters.form.errors}
        text = "; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items())
        return HttpResponse(f"Cannot export: {text}", status=400, content_type="text/plain")
    name, fmt = form.cleaned_data["dataset"], form.cleaned_data["format"]
    dataset = build_dataset(
        name,
        user=request.user,
        filters=filters,
        tz=timezone.get_current_timezone(),
        utc_iso=form.cleaned_data["times"] == "utc",
    )
    filename = f"{name}-{filters.start_day}-{filters.end_day}.{fmt}"
    detail = {
        "dataset": name,
        "format": fmt,
        "filters": {
            k: v for k, v in request.GET.items() if k not in ("dataset", "format", "times")
        },
    }
    if fmt == "xlsx":
        try:
            handle, count = xlsx_file(
                dataset.header, dataset.rows, title=dataset.title, definitions=dataset.definitions
            )
        except ValidationError as exc:
            text = " ".join(exc.messages)
            return HttpResponse(f"Cannot export: {text}", status=400, content_type="text/plain")
        services.export_audit(by=request.user, detail=detail, rows=count, request=request)
        return FileResponse(
            handle, as_attachment=True, filename=filename, content_type=FORMATS["xlsx"]
        )
    if dataset.copy is not None:  # PostgreSQL writes the CSV (exports.pgcsv)
        stream = CopyCsv(dataset.header, dataset.copy)
        content, sent = iter(stream), lambda: stream.rows
    else:
        content, sent = csv_stream(dataset.header, dataset.rows), None
    audited = services.export_audited_stream(
        content, by=request.user, detail=detail, request=request, rows=sent
    )
    response = StreamingHttpResponse(audited, content_type=FORMATS["csv"])
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
def reports_view(request):
    _require_export(request.user)
    form = ReportScheduleForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        schedule = form.save(commit=False)
        schedule.owner = request.user
        schedule.filters = form.filter_values()
        try:
            services.report_schedule_save(schedule=schedule, by=request.user)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"Scheduled “{schedule.name}”.")
            return redirect("metrics:reports")
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "schedules": report_schedules_visible_to(request.user)}
    return render(request, "metrics/reports.html", context, status=status)


@require_POST
@login_required
def report_action_view(request, pk: int, action: str):
    _require_export(request.user)
    if action not in ("run", "delete", "resend"):
        raise Http404("Unknown action.")
    schedule = get_object_or_404(report_schedules_visible_to(request.user), pk=pk)
    if action == "run":
        run = services.report_run(schedule=schedule, force=True)
        messages.info(request, f"Run {run.get_status_display().lower()}: {run.row_count} rows.")
    elif action == "delete":
        services.report_schedule_delete(schedule=schedule, by=request.user)
        messages.info(request, "Schedule deleted.")
    else:
        run = get_object_or_404(ReportRun, pk=request.POST.get("run"), schedule=schedule)
        try:
            services.report_run_resend(run=run, by=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("metrics:reports")
        messages.info(request, f"Sent again to {run.sent_to}.")
    return redirect("metrics:reports")
