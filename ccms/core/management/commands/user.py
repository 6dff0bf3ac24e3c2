from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from ccms.tenancy.models import Alliance, Provider, Role
from ccms.tenancy.services import add_user


class Command(BaseCommand):
    help = "Manage users. `ccms user add --email E --role ROLE [--provider KEY] [--password P]`"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        add = sub.add_parser("add", help="Create a user holding one role.")
        add.add_argument("--email", required=True)
        add.add_argument("--role", required=True, help=f"One of: {', '.join(Role.values)}")
        add.add_argument("--provider", help="Provider key (slug) for provider roles.")
        add.add_argument("--alliance", help="Alliance slug for alliance roles.")
        add.add_argument("--password", help="Without it the user sets one by password reset.")
        add.add_argument("--first-name", default="")
        add.add_argument("--last-name", default="")

    def handle(self, *args, action, **options):
        provider = alliance = None
        if options["provider"]:
            provider = Provider.objects.filter(slug=options["provider"]).first()
            if provider is None:
                raise CommandError(
                    f"No provider with the key “{options['provider']}”. "
                    "List them in the alliance page or with `ccms export`."
                )
        if options["alliance"]:
            alliance = Alliance.objects.filter(slug=options["alliance"]).first()
            if alliance is None:
                raise CommandError(f"No alliance with the slug “{options['alliance']}”.")
        elif provider is None and Alliance.objects.count() == 1:
            alliance = Alliance.objects.get()
        try:
            user = add_user(
                email=options["email"],
                role=options["role"],
                provider=provider,
                alliance=alliance,
                password=options["password"],
                first_name=options["first_name"],
                last_name=options["last_name"],
            )
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        where = provider or alliance
        self.stdout.write(f"Created {user.email} as {Role(options['role']).label} of {where}.")
