"""Schedule the trend-alert emails every 15 minutes in django-celery-beat (the task itself
does nothing unless FRONTLINE["TREND_ALERT_EMAILS"] is on)."""

from django.db import migrations

TASK_NAME = "metrics: email volume spikes"


def create(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every, _ = IntervalSchedule.objects.get_or_create(every=15, period="minutes")
    PeriodicTask.objects.get_or_create(
        name=TASK_NAME,
        defaults={"task": "metrics.tasks.trend_alerts_notify", "interval": every, "enabled": True},
    )


def remove(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=TASK_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("metrics", "0012_sla_handle_time_alerts"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create, remove)]
