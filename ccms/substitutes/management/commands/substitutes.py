"""`ccms substitutes`: the substitute pool from the command line.

ccms substitutes list-open [--alliance SLUG] [--json]
ccms substitutes expiring [--alliance SLUG] [--days 30] [--json]
"""

import json
from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from ccms.substitutes import queries
from ccms.substitutes.models import Credential
from ccms.tenancy.models import Alliance


class Command(BaseCommand):
    help = "The substitute pool: open cover requests, credentials about to expire."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        listing = actions.add_parser("list-open", help="open cover requests, soonest first")
        expiring = actions.add_parser("expiring", help="credentials expired or expiring soon")
        expiring.add_argument("--days", type=int, default=30, help="look ahead (default 30)")
        for sub in (listing, expiring):
            sub.add_argument("--alliance", default="", help="alliance slug (when several)")
            sub.add_argument("--json", action="store_true", help="print JSON")

    def handle(self, *args, action, alliance, json: bool, **options):
        found = _alliance(alliance)
        rows = self.list_open(found) if action == "list-open" else self.expiring(found, options)
        if json:
            self.stdout.write(_dumps(rows))
        elif not rows:
            self.stdout.write("Nothing to show.")
        else:
            for row in rows:
                self.stdout.write("  ".join(str(v) for v in row.values()))

    def list_open(self, alliance) -> list[dict]:
        return [
            {
                "id": r.pk,
                "date": r.date.isoformat(),
                "from": r.start.strftime("%H:%M"),
                "to": r.end.strftime("%H:%M"),
                "provider": r.provider.slug,
                "classroom": r.classroom.name,
                "qualified": len(queries.qualified_substitutes(r)),
            }
            for r in queries.upcoming_open(alliance)
        ]

    def expiring(self, alliance, options) -> list[dict]:
        today = timezone.localdate()
        rows = (
            Credential.objects.filter(
                alliance=alliance,
                substitute__is_active=True,
                expires_on__lte=today + timedelta(days=options["days"]),
            )
            .select_related("substitute")
            .order_by("expires_on", "substitute__name")
        )
        return [
            {
                "expires_on": c.expires_on.isoformat(),
                "substitute": c.substitute.name,
                "credential": c.short_label,
                "state": "expired" if c.expires_on < today else "expiring",
            }
            for c in rows
        ]


def _alliance(slug: str) -> Alliance:
    if slug:
        found = Alliance.objects.filter(slug=slug).first()
        if found is None:
            raise CommandError(f"No alliance “{slug}”.")
        return found
    alliances = list(Alliance.objects.order_by("slug")[:2])
    if len(alliances) != 1:
        raise CommandError("Name the alliance: --alliance SLUG.")
    return alliances[0]


def _dumps(rows) -> str:
    return json.dumps(rows, indent=2)
