"""`ccms metrics`: the Iron Triangle figures of a provider or of an alliance for a month, and
`ccms metrics snapshot` to freeze a closed month (run it after each month end).

    ccms metrics --provider KEY --month YYYY-MM [--as-of YYYY-MM-DD] [--json]
    ccms metrics --alliance [SLUG] --month YYYY-MM [--as-of YYYY-MM-DD] [--json]
    ccms metrics snapshot --month YYYY-MM [--provider KEY | --alliance SLUG]
"""

import json

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from ccms.core.dates import provider_today
from ccms.insights import metrics, snapshots
from ccms.insights.display import percent
from ccms.tenancy.models import Alliance, Provider


class Command(BaseCommand):
    help = "Iron Triangle metrics of a provider or an alliance for a month (spec version 1)."

    def add_arguments(self, parser):
        parser.add_argument(
            "action", nargs="?", choices=["snapshot"], help="freeze the month's figures"
        )
        parser.add_argument("--provider", help="provider key")
        parser.add_argument(
            "--alliance",
            nargs="?",
            const="",
            help="alliance slug (may be left out when there is one alliance)",
        )
        parser.add_argument("--month", required=True, help="YYYY-MM")
        parser.add_argument("--as-of", dest="as_of", help="YYYY-MM-DD; default today")
        parser.add_argument("--json", action="store_true", help="print the spec's JSON")

    def handle(self, *args, action, provider, alliance, month, as_of, json: bool, **options):
        try:
            year, number = metrics.parse_month(month)
            day = metrics.parse_day(as_of) if as_of else None
        except metrics.MonthError as error:
            raise CommandError(str(error)) from error
        if action == "snapshot":
            return self.snapshot(provider, alliance, year, number)
        if bool(provider) == (alliance is not None):
            raise CommandError("Give either --provider KEY or --alliance [SLUG].")
        if provider:
            found = _provider(provider)
            data = metrics.provider_metrics(found, year, number, day or provider_today(found))
            self.stdout.write(_dumps(data) if json else _table([data]))
            return
        found_alliance = _alliance(alliance)
        data = metrics.alliance_metrics(found_alliance, year, number, day or timezone.localdate())
        if json:
            self.stdout.write(_dumps(data))
        else:
            self.stdout.write(_table([*data["providers"], data["total"]]))

    def snapshot(self, provider, alliance, year, number):
        if provider:
            providers = [_provider(provider)]
        elif alliance is not None:
            providers = list(Provider.objects.filter(alliance=_alliance(alliance)))
        else:
            providers = list(Provider.objects.all())
        first, _ = metrics.month_bounds(year, number)
        taken = snapshots.take_snapshots(providers, first)
        self.stdout.write(
            f"{first:%Y-%m}: {taken.created} snapshot(s) taken, {taken.restated} restated, "
            f"{taken.unchanged} unchanged, {taken.alerts} alert(s)."
        )


def _provider(key: str) -> Provider:
    found = Provider.objects.select_related("alliance").filter(slug=key).first()
    if found is None:
        raise CommandError(f"No provider with key “{key}”.")
    return found


def _alliance(slug: str) -> Alliance:
    if slug:
        found = Alliance.objects.filter(slug=slug).first()
        if found is None:
            raise CommandError(f"No alliance “{slug}”.")
        return found
    alliances = list(Alliance.objects.order_by("slug")[:2])
    if len(alliances) != 1:
        names = ", ".join(Alliance.objects.order_by("slug").values_list("slug", flat=True))
        raise CommandError(f"Name the alliance: --alliance SLUG (one of: {names or 'none'}).")
    return alliances[0]


def _dumps(data) -> str:
    return json.dumps(data, indent=2)


COLUMNS = [
    ("FTE", lambda d: d["fte_enrolled"]),
    ("eff. staffed", lambda d: _pct(d["enrollment_efficiency_staffed"])),
    ("billed", lambda d: d["billed"]["total"]),
    ("collected", lambda d: _pct(d["fee_collection_rate"]["total"])),
    ("bad debt", lambda d: _pct(d["bad_debt_rate"])),
    ("cost/child", lambda d: d["cost_per_child"] or "—"),
    ("revenue/child", lambda d: d["revenue_per_child"] or "—"),
    ("net income", lambda d: d["net_income"]),
    ("status E/C/R", lambda d: "/".join((s or "-")[0].upper() for s in d["status"].values())),
]


def _pct(value) -> str:
    return "—" if value is None else percent(value)


def _table(rows: list[dict]) -> str:
    names = [r.get("provider") or f"{r['alliance']} (total)" for r in rows]
    width = max(len(n) for n in [*names, "provider"]) + 2
    head = "provider".ljust(width) + "".join(f"{title:>14}" for title, _ in COLUMNS)
    lines = [f"Month {rows[0]['month']}, collections as of {rows[0]['as_of']}", head]
    for name, row in zip(names, rows, strict=True):
        lines.append(name.ljust(width) + "".join(f"{get(row):>14}" for _, get in COLUMNS))
    return "\n".join(lines)
