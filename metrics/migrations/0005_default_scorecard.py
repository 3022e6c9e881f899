"""A starting scorecard, so QA works out of the box; admins publish new versions from here."""

from django.db import migrations

NAME = "Support quality"
SECTIONS = [
    ("Accuracy", [
        ("Identified the requester's actual problem", "yes_no", 3, False),
        ("Gave a correct, complete answer", "one_to_five", 4, False),
    ]),
    ("Communication", [
        ("Tone was warm and respectful", "one_to_five", 2, False),
        ("Set clear expectations for next steps", "yes_no_na", 1, False),
    ]),
    ("Policy", [
        ("Verified identity before account changes", "yes_no_na", 2, True),
        ("Handled sensitive content within safety policy", "yes_no_na", 2, True),
    ]),
]  # fmt: skip


def create(apps, schema_editor):
    Scorecard = apps.get_model("metrics", "Scorecard")
    Version = apps.get_model("metrics", "ScorecardVersion")
    Section = apps.get_model("metrics", "ScorecardSection")
    Criterion = apps.get_model("metrics", "Criterion")
    card, created = Scorecard.objects.get_or_create(name=NAME)
    if not created:
        return
    version = Version.objects.create(scorecard=card, number=1)
    for i, (title, criteria) in enumerate(SECTIONS):
        section = Section.objects.create(version=version, title=title, position=i)
        for j, (text, scale, weight, auto_fail) in enumerate(criteria):
            Criterion.objects.create(
                section=section, text=text, scale=scale, weight=weight, auto_fail=auto_fail, position=j
            )


def remove(apps, schema_editor):
    apps.get_model("metrics", "Scorecard").objects.filter(name=NAME, versions__reviews=None).delete()


class Migration(migrations.Migration):
    dependencies = [("metrics", "0004_qa_sampling_beat_schedule")]

    operations = [migrations.RunPython(create, remove)]
