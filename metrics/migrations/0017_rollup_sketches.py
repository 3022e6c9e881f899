"""Percentile sketches in the rollups: the fixed 2^(1/8) histograms (±4.4 %) give way to
DDSketch-style sketches within 1 % (metrics.sketch). The histograms cannot be converted to
the finer buckets, so they are dropped and a backfill of every ticket's rollups is scheduled,
as migration 0015 does: the 5-minute rollup task rebuilds a week of history per run (or
`manage.py rollup_backfill` at once). Meanwhile the dashboards read exact percentiles from
the tickets' metrics on small ranges, and show no percentile where a sketch is still empty."""

from datetime import UTC, datetime

from django.db import migrations, models

BACKFILL = "backfill"  # metrics.models.RollupWatermark.BACKFILL
MODELS = ("dailyrollup", "dailyagentrollup", "dailyteamrollup", "weeklyagentrollup", "weeklyteamrollup")


def schedule_backfill(apps, schema_editor):
    if not apps.get_model("metrics", "TicketMetric").objects.exists():
        return  # nothing was rolled up yet: the first refresh reads every ticket
    Ticket = apps.get_model("tickets", "Ticket")
    first = Ticket.objects.order_by("created_at").values_list("created_at", flat=True).first()
    if first is None:
        return
    start = datetime.combine(first.astimezone(UTC).date(), datetime.min.time(), tzinfo=UTC)
    apps.get_model("metrics", "RollupWatermark").objects.update_or_create(
        name=BACKFILL, defaults={"value": start}
    )


def _fields(model):
    return [
        migrations.RemoveField(model_name=model, name="frt_hist"),
        migrations.RemoveField(model_name=model, name="resolution_hist"),
        migrations.AddField(
            model_name=model, name="frt_sketch", field=models.JSONField(blank=True, default=list)
        ),
        migrations.AddField(
            model_name=model,
            name="resolution_sketch",
            field=models.JSONField(blank=True, default=list),
        ),
    ]


class Migration(migrations.Migration):
    dependencies = [("metrics", "0016_weekly_rollups")]

    operations = [
        *[op for model in MODELS for op in _fields(model)],
        migrations.RunPython(schedule_backfill, migrations.RunPython.noop),
    ]
