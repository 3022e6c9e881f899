"""Load the default imminent-risk phrases (tickets/risk_phrases.py); a language already
present is left as it is. Admins edit them at /tickets/safety/phrases/."""

from django.db import migrations

from tickets.risk_phrases import DEFAULTS


def add_defaults(apps, schema_editor):
    RiskPhraseSet = apps.get_model("tickets", "RiskPhraseSet")
    for language, (name, phrases, exceptions) in DEFAULTS.items():
        RiskPhraseSet.objects.get_or_create(
            language=language,
            defaults={"name": name, "phrases": phrases, "exceptions": exceptions},
        )


class Migration(migrations.Migration):
    dependencies = [("tickets", "0023_safety_risk_and_authority_report")]

    operations = [migrations.RunPython(add_defaults, migrations.RunPython.noop)]
