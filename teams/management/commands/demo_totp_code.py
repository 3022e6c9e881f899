"""`python manage.py demo_totp_code LOGIN`: the current two-factor code of a demo login, for
trying the demo without a phone. Refuses with DEBUG off, as seed_demo does."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice


class Command(BaseCommand):
    help = "Print the current 6-digit code of a login's authenticator (only with DEBUG on)."

    def add_arguments(self, parser):
        parser.add_argument("login", help="username, e.g. lead")

    def handle(self, *args, login, **options):
        if not settings.DEBUG:
            raise CommandError("demo_totp_code is for the demo and runs only with DEBUG=1.")
        # The newest device: the one being set up on the enrolment page, else the confirmed one.
        device = TOTPDevice.objects.filter(user__username=login).order_by("-pk").first()
        if device is None:
            raise CommandError(
                f"{login} has no authenticator yet: open /account/two-factor/ as {login} first."
            )
        totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
        self.stdout.write(f"{totp.token():0{device.digits}d}")
