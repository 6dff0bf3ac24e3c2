"""`ccms alliance`: the shared services alliance from the command line.

ccms alliance members [--alliance SLUG]
ccms alliance allocate --month YYYY-MM [--alliance SLUG] [--preview]
ccms alliance recovery [--alliance SLUG] [--months N]
"""

from datetime import date

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from ccms.alliance import allocation, reports
from ccms.alliance.members import current_members
from ccms.billing import ledger
from ccms.insights import metrics
from ccms.insights.management.commands.metrics import _alliance


class Command(BaseCommand):
    help = "Members, the monthly allocation of the hub's costs, and hub cost recovery."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["members", "allocate", "recovery"])
        parser.add_argument("--alliance", default="", help="alliance slug (if more than one)")
        parser.add_argument("--month", help="YYYY-MM (allocate)")
        parser.add_argument("--preview", action="store_true", help="show, post nothing")
        parser.add_argument("--months", type=int, default=6, help="months back (recovery)")

    def handle(self, *args, action, alliance, month, preview, months, **options):
        found = _alliance(alliance)
        getattr(self, action)(found, month=month, preview=preview, months=months)

    def members(self, alliance, **_):
        today = timezone.localdate()
        rows = current_members(alliance, today).prefetch_related("uses__service")
        balances = ledger.balances([m.account for m in rows if m.account_id])
        self.stdout.write(f"{'member':36} {'since':10} {'signed':6} {'owes':>10}  services")
        for m in rows:
            uses = ", ".join(u.service.name for u in m.uses.all() if u.in_use_on(today))
            owes = balances.get(m.account_id, 0)
            signed = "yes" if m.is_signed else "NO"
            self.stdout.write(
                f"{m.provider.name[:36]:36} {m.joined_on:%Y-%m-%d} {signed:6} {owes:>10}  {uses}"
            )

    def allocate(self, alliance, *, month, preview, **_):
        if not month:
            raise CommandError("Name the month: --month YYYY-MM.")
        try:
            year, number = metrics.parse_month(month)
        except metrics.MonthError as error:
            raise CommandError(str(error)) from error
        first = date(year, number, 1)
        try:
            if preview:
                planned = allocation.plan(alliance, first)
                for m in planned.members:
                    self.stdout.write(f"{m.provider.name[:40]:40} {planned.member_total(m.pk):>10}")
                self.stdout.write(
                    f"{'pooled cost less grants':40} {planned.allocated:>10} (nothing posted)"
                )
                return
            run, created = allocation.run(alliance, first, actor=None)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        if created:
            self.stdout.write(
                f"{first:%B %Y}: cost {run.pooled_cost} less grants {run.grants} = "
                f"{run.allocated} posted to members' accounts."
            )
        else:
            self.stdout.write(f"{first:%B %Y} was already allocated; nothing new was posted.")

    def recovery(self, alliance, *, months, **_):
        rows = reports.recovery(alliance, reports.months_back(timezone.localdate(), months))
        self.stdout.write(f"{'month':8} {'cost':>10} {'grants':>10} {'fees':>10} {'recovered':>9}")
        for r in rows:
            rate = f"{r.recovery_rate:.1%}" if r.recovery_rate is not None else "—"
            fees = r.allocated if r.allocated_on else "—"
            self.stdout.write(
                f"{r.month:%Y-%m}  {r.cost:>10} {r.grants:>10} {fees!s:>10} {rate:>9}"
            )
