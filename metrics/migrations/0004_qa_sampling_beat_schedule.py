"""Schedule the weekly QA sample (Mondays 02:00 UTC, 5 tickets per associate; the size is the
entry's kwargs, editable in the admin)."""

import json

from django.db import migrations

TASK_NAME = "metrics: weekly QA sample"


def create(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    monday, _ = CrontabSchedule.objects.get_or_create(
        minute="0", hour="2", day_of_week="1", day_of_month="*", month_of_year="*", timezone="UTC"
    )
    PeriodicTask.objects.get_or_create(
        name=TASK_NAME,
        defaults={
            "task": "metrics.tasks.qa_sample_last_week",
            "crontab": monday,
            "kwargs": json.dumps({"size": 5}),
            "enabled": True,
        },
    )


def remove(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=TASK_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("metrics", "0003_qa"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create, remove)]
