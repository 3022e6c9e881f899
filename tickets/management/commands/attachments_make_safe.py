"""`python manage.py attachments_make_safe`: blurred derivatives for images already stored on
sensitive and restricted tickets (new files and recategorised tickets get theirs at once)."""

from django.core.management.base import BaseCommand

from tickets.services import attachments_make_safe_all


class Command(BaseCommand):
    help = (
        "Make the blurred greyscale derivative of every image on a sensitive or restricted "
        "ticket that has none yet. Safe to run again."
    )

    def handle(self, *args, **options):
        made, failed = attachments_make_safe_all()
        self.stdout.write(f"{made} derivatives made.")
        if failed:
            self.stdout.write(
                f"{failed} images could not be read; they stay hidden until revealed."
            )
