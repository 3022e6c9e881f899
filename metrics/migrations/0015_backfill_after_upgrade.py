"""Schedule a backfill of every ticket's metrics and rollups on installations that rolled up
tickets before the per-kind SLA, handle-time and CSAT figures and the SLA-by-policy tables
existed (those start empty or at zero). The 5-minute rollup task then rebuilds a week of
history per run, oldest first (metrics.services.rollups.rollup_backfill_step); README says
how to do it at once with `manage.py rollup_backfill`."""

from datetime import UTC, datetime

from django.db import migrations

BACKFILL = "backfill"  # metrics.models.RollupWatermark.BACKFILL


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


def unschedule(apps, schema_editor):
    apps.get_model("metrics", "RollupWatermark").objects.filter(name=BACKFILL).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("metrics", "0014_team_sla_rollups"),
        ("tickets", "0017_backlog_index"),
    ]

    operations = [migrations.RunPython(schedule_backfill, unschedule)]
