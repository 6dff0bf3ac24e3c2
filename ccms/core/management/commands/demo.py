from django.core.management import call_command
from django.core.management.base import BaseCommand

from ccms.core.demo import DEMO_PASSWORD, DEMO_TOTP_CODE, demo_logins, load_demo


class Command(BaseCommand):
    help = "Migrate the database, load the demo alliance, print the logins and serve the app."

    def add_arguments(self, parser):
        parser.add_argument("--no-serve", action="store_true", help="Load the demo and stop.")
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")

    def handle(self, *args, no_serve, addrport, **options):
        call_command("migrate", interactive=False, verbosity=0)
        created = load_demo()
        self.stdout.write("Demo alliance " + ("loaded." if created else "already present."))
        self.stdout.write(f"\nDemo logins (password for all: {DEMO_PASSWORD})")
        for email, label, mfa in demo_logins():
            suffix = f"  second factor: code {DEMO_TOTP_CODE}" if mfa else ""
            self.stdout.write(f"  {email:<34} {label}{suffix}")
        if not no_serve:
            self.stdout.write(f"\nServing on http://{addrport}/  (Ctrl+C stops)\n")
            call_command("runserver", addrport, use_reloader=False)
