import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("tickets", "0028_notification_emailed_at"),
    ]

    operations = [
        migrations.AddField(
            model_name="macro",
            name="owner",
            field=models.ForeignKey(
                blank=True,
                help_text="Set: a personal macro, offered only to this person (never with a team)",
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="personal_macros",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddConstraint(
            model_name="macro",
            constraint=models.CheckConstraint(
                condition=models.Q(("owner__isnull", True), ("team__isnull", True), _connector="OR"),
                name="macro_personal_or_team",
                violation_error_message="A personal macro belongs to no team.",
            ),
        ),
    ]
