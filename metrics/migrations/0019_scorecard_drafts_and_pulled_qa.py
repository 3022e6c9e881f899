import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def publish_existing_versions(apps, schema_editor):
    """Every version made before drafts existed was published when it was created."""
    version = apps.get_model("metrics", "ScorecardVersion")
    version.objects.filter(published_at__isnull=True).update(published_at=models.F("created_at"))


class Migration(migrations.Migration):
    dependencies = [
        ("metrics", "0018_rollup_check_beat_schedule"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="scorecardversion",
            name="published_at",
            field=models.DateTimeField(
                blank=True, help_text="Empty: a draft, not offered to reviewers yet", null=True
            ),
        ),
        migrations.RunPython(publish_existing_versions, migrations.RunPython.noop),
        migrations.AddField(
            model_name="qaqueueitem",
            name="pulled_by",
            field=models.ForeignKey(
                blank=True,
                help_text="The reviewer who pulled the ticket into the queue (reason: pulled)",
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AlterField(
            model_name="qaqueueitem",
            name="reason",
            field=models.CharField(
                choices=[
                    ("sample", "Weekly random sample"),
                    ("escalated", "Escalated"),
                    ("low_csat", "Low CSAT"),
                    ("pulled", "Pulled in by a reviewer"),
                ],
                max_length=16,
            ),
        ),
    ]
