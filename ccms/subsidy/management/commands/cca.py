"""`ccms cca`: Child Care Assistance from the command line.

ccms cca feed --provider KEY --period YYYY-MM-DD [--format json|csv] [--output FILE]
ccms cca periods --provider KEY [--json]
ccms cca submit --provider KEY --period YYYY-MM-DD [--user EMAIL] [--json]
ccms cca recall --provider KEY --period YYYY-MM-DD --reason TEXT [--user EMAIL]
ccms cca payments --provider KEY --period YYYY-MM-DD --file CSV --paid-on YYYY-MM-DD
ccms cca queue --alliance SLUG [--json]
ccms cca rates [--on YYYY-MM-DD]
"""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.http import Http404

from ccms.core.access import access_provider
from ccms.core.dates import provider_today
from ccms.subsidy import feed as feeds
from ccms.subsidy import overview, queries, services
from ccms.subsidy.models import PaymentSource
from ccms.subsidy.periods import parse_period
from ccms.subsidy.reconcile import reconcile
from ccms.tenancy.models import Alliance, Provider, User


class Command(BaseCommand):
    help = "Child Care Assistance: the KinderTrack feed, submissions, payments, the work queue."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)

        def provider_period(p, *, period=True):
            p.add_argument("--provider", required=True, help="The provider's key (its slug).")
            if period:
                p.add_argument(
                    "--period", required=True, help="The period's first day, YYYY-MM-DD."
                )

        feed = sub.add_parser("feed", help="Write a period's CCA attendance feed.")
        provider_period(feed)
        feed.add_argument("--format", choices=feeds.FORMATS, default="json")
        feed.add_argument("--output", help="A file to write; standard output without it.")

        periods = sub.add_parser("periods", help="Where the provider's recent periods stand.")
        provider_period(periods, period=False)
        periods.add_argument("--json", action="store_true", dest="as_json")

        submit = sub.add_parser("submit", help="Submit a period and send it to KinderTrack.")
        provider_period(submit)
        submit.add_argument("--user", help="Who submits (e-mail); recorded in the audit trail.")
        submit.add_argument("--json", action="store_true", dest="as_json")

        recall = sub.add_parser("recall", help="Recall a submitted period to correct it.")
        provider_period(recall)
        recall.add_argument("--reason", required=True, help="Why; kept with the submission.")
        recall.add_argument("--user", help="Who recalls (e-mail).")

        payments = sub.add_parser("payments", help="Record what the state paid, from a CSV.")
        provider_period(payments)
        payments.add_argument(
            "--file", required=True, help="kindertrack_child_id (or child_key) and amount."
        )
        payments.add_argument("--paid-on", required=True, help="YYYY-MM-DD")
        payments.add_argument("--reference", default="", help="The state's payment number.")
        payments.add_argument("--user", help="Who records it (e-mail).")
        payments.add_argument("--json", action="store_true", dest="as_json")

        queue = sub.add_parser("queue", help="The hub's subsidy work queue for an alliance.")
        queue.add_argument("--alliance", required=True, help="The alliance's slug.")
        queue.add_argument("--json", action="store_true", dest="as_json")

        rates = sub.add_parser("rates", help="The CCA rate table and fee chart on a day.")
        rates.add_argument("--on", help="YYYY-MM-DD (default: today)")
        rates.add_argument(
            "--csv",
            action="store_true",
            dest="as_csv",
            help="Print the rate table as CSV, the form add-rates reads.",
        )

        for name, what, columns in (
            ("add-rates", "rate table", RATE_COLUMNS),
            ("add-fee-chart", "family fee chart", FEE_COLUMNS),
        ):
            adder = sub.add_parser(
                name, help=f"Add a new {what} from a date (tables are never edited)."
            )
            adder.add_argument("file", help=f"CSV with the columns {', '.join(columns)}.")
            adder.add_argument("--effective-from", required=True, help="YYYY-MM-DD")
            adder.add_argument("--source", required=True, help="Where it comes from.")

    def handle(self, *args, action: str, **options):
        try:
            getattr(self, f"do_{action.replace('-', '_')}")(**options)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None

    # helpers

    def _provider(self, key: str) -> Provider:
        provider = Provider.objects.select_related("alliance").filter(slug=key).first()
        if provider is None:
            raise CommandError(
                f"No provider with the key “{key}”. The key is the provider's short name in its "
                "web address, /p/KEY/."
            )
        return provider

    def _user(self, email: str | None, provider: Provider, permission: str):
        """The person the audit trail names; they must hold the role the page would ask."""
        if not email:
            return None
        user = User.objects.filter(email__iexact=email).first()
        if user is None:
            raise CommandError(f"No user with the e-mail {email}.")
        try:
            access_provider(user, provider.slug, permission)
        except (Http404, PermissionDenied):
            raise CommandError(f"{email} may not do this at {provider.name}.") from None
        return user

    def _out(self, data) -> None:
        self.stdout.write(json.dumps(data, indent=2, ensure_ascii=False, default=str))

    # actions

    def do_feed(self, *, provider, period, format, output, **_):  # noqa: A002
        found = self._provider(provider)
        chosen = parse_period(found, period)
        live = queries.live_submission(found, chosen)
        data = live.feed if live else feeds.feed_json(queries.period_result(found, chosen))
        text = feeds.render(data, format)
        if output:
            try:
                Path(output).write_text(text, encoding="utf-8")
            except OSError as error:
                raise CommandError(f"Cannot write {output}: {error.strerror or error}.") from None
            errors = len(data["errors"])
            self.stderr.write(
                f"Wrote the {format.upper()} feed of {found.name}, {chosen.label}, to {output}"
                + (f" ({errors} error{'s' if errors != 1 else ''} listed)." if errors else ".")
            )
        else:
            self.stdout.write(text, ending="")

    def do_periods(self, *, provider, as_json, **_):
        found = self._provider(provider)
        statuses = overview.period_statuses(found, today=provider_today(found))
        rows = [
            {
                "period": s.period.slug,
                "label": s.period.label,
                "status": s.state,
                "submission": s.submission.number if s.submission else None,
                "blocking_errors": len(s.blocking),
            }
            for s in statuses
        ]
        if as_json:
            return self._out(rows)
        for row in rows:
            number = f" (submission {row['submission']})" if row["submission"] else ""
            count = row["blocking_errors"]
            errors = f", {count} error{'s' if count != 1 else ''}" if count else ""
            line = f"{row['period']}  {row['label']:<28} {row['status']}"
            self.stdout.write(f"{line}{number}{errors}")

    def do_submit(self, *, provider, period, user, as_json, **_):
        found = self._provider(provider)
        chosen = parse_period(found, period)
        actor = self._user(user, found, "subsidy.submit")
        submission = services.submit_and_transmit(provider=found, period=chosen, actor=actor)
        summary = {
            "provider": found.slug,
            "period": chosen.slug,
            "submission": submission.number,
            "units_billable": submission.units_billable,
            "state_amount": f"{submission.state_amount:.2f}",
            "family_fee": f"{submission.family_fee:.2f}",
            "transmission": submission.transmission_status,
            "error": submission.last_error,
        }
        if as_json:
            return self._out(summary)
        self.stdout.write(
            self.style.SUCCESS(
                f"Submitted {chosen.label} of {found.name} as submission {submission.number}: "
                f"{submission.units_billable} units, ${submission.state_amount:,.2f} from the "
                f"state. {submission.get_transmission_status_display()}."
            )
        )
        if submission.last_error:
            self.stderr.write(submission.last_error)

    def do_recall(self, *, provider, period, reason, user, **_):
        found = self._provider(provider)
        chosen = parse_period(found, period)
        actor = self._user(user, found, "subsidy.submit")
        live = queries.live_submission(found, chosen)
        if live is None:
            raise CommandError(f"The period {chosen.label} of {found.name} is not submitted.")
        services.recall_submission(submission=live, actor=actor, reason=reason)
        self.stdout.write(
            self.style.SUCCESS(
                f"Recalled submission {live.number} of {chosen.label}. Correct the attendance, "
                f"then submit again (submission {live.number + 1})."
            )
        )

    def do_payments(self, *, provider, period, file, paid_on, reference, user, as_json, **_):
        found = self._provider(provider)
        chosen = parse_period(found, period)
        actor = self._user(user, found, "subsidy.edit")
        try:
            day = date.fromisoformat(paid_on)
        except ValueError:
            raise CommandError(f"“{paid_on}” is not a date; write YYYY-MM-DD.") from None
        try:
            data = Path(file).read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror or error}.") from None
        try:
            lines = services.parse_state_payments(provider=found, data=data)
        except ValidationError as error:
            for message in error.messages:
                self.stderr.write(message)
            raise CommandError("Nothing was recorded: fix the file and run again.") from None
        services.record_state_payments(
            provider=found,
            period=chosen,
            lines=lines,
            paid_on=day,
            reference=reference,
            actor=actor,
            source=PaymentSource.IMPORT,
        )
        rec = reconcile(found, chosen, today=provider_today(found))
        summary = {
            "status": rec.status,
            "billed": f"{rec.billed:.2f}",
            "paid": f"{rec.paid:.2f}",
            "differences": [
                {"child_key": r.child.key, "difference": f"{r.difference:.2f}", "cause": r.cause}
                for r in rec.flagged
            ],
        }
        if as_json:
            return self._out(summary)
        self.stdout.write(
            f"Recorded {len(lines)} payments. Billed ${rec.billed:,.2f}, paid ${rec.paid:,.2f}: "
            f"{rec.status.replace('_', ' ')}."
        )
        for row in rec.flagged:
            self.stdout.write(f"  {row.child}: {row.difference:+.2f} ({row.cause_label})")

    def do_queue(self, *, alliance, as_json, **_):
        found = Alliance.objects.filter(slug=alliance).first()
        if found is None:
            raise CommandError(f"No alliance with the slug “{alliance}”.")
        items = overview.work_queue(list(Provider.objects.filter(alliance=found)))
        rows = [
            {
                "severity": i.severity,
                "kind": i.kind,
                "provider": i.provider.slug,
                "title": i.title,
                "detail": i.detail,
                "fixes": [{"text": t, "url": u} for t, u, _ in i.children],
            }
            for i in items
        ]
        if as_json:
            return self._out(rows)
        if not rows:
            self.stdout.write("Nothing to do.")
        for row in rows:
            self.stdout.write(f"[{row['severity']}] {row['provider']}: {row['title']}")
            for fix in row["fixes"]:
                self.stdout.write(f"    - {fix['text']}")

    def do_rates(self, *, on, as_csv, **_):
        day = _date(on, "--on") if on else date.today()  # noqa: DTZ011
        table, chart = queries.rate_table_on(day), queries.fee_chart_on(day)
        if table is None:
            raise CommandError(f"No CCA rate table is in force on {day}.")
        if as_csv:
            self.stdout.write(",".join(RATE_COLUMNS))
            for rate in table.rates.all():
                self.stdout.write(
                    f"{rate.provider_type},{rate.age_group},"
                    f"{'true' if rate.special_needs else 'false'},{rate.quality_band},{rate.amount}"
                )
            return
        self.stdout.write(f"Rates from {table.effective_from} ({table.source}):")
        for rate in table.rates.all():
            special = " special needs" if rate.special_needs else ""
            self.stdout.write(
                f"  {rate.provider_type:<16} {rate.age_group:<15}{special:<14} "
                f"IQ4K {rate.quality_band:<5} {rate.amount:>7}"
            )
        if chart is not None:
            self.stdout.write(f"Family fee chart from {chart.effective_from} ({chart.source}).")

    def do_add_rates(self, *, file, effective_from, source, **_):
        rows = _read_table(file, RATE_COLUMNS)
        problems, rates = [], []
        for line, row in rows:
            special = row["special_needs"].lower()
            if special not in ("true", "false"):
                problems.append(f"{file}:{line}: special_needs: write true or false.")
            amount = _amount(row["amount"], file, line, problems)
            rates.append({**row, "special_needs": special == "true", "amount": amount})
        if problems:
            self._refuse(problems)
        table = services.add_rate_table(
            effective_from=_date(effective_from, "--effective-from"), source=source, rates=rates
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"Added the rate table from {table.effective_from}: {len(rates)} rates."
            )
        )

    def do_add_fee_chart(self, *, file, effective_from, source, **_):
        problems, fees = [], {}
        for line, row in _read_table(file, FEE_COLUMNS):
            fees[row["level"]] = tuple(
                _amount(row[column], file, line, problems) for column in FEE_COLUMNS[1:]
            )
        if problems:
            self._refuse(problems)
        chart = services.add_fee_chart(
            effective_from=_date(effective_from, "--effective-from"), source=source, fees=fees
        )
        self.stdout.write(
            self.style.SUCCESS(f"Added the family fee chart from {chart.effective_from}.")
        )

    def _refuse(self, problems: list[str]):
        for problem in problems:
            self.stderr.write(problem)
        raise CommandError("Nothing was added: fix the file and run again.")


RATE_COLUMNS = ("provider_type", "age_group", "special_needs", "quality_band", "amount")
FEE_COLUMNS = ("level", "one_child", "two_children", "three_or_more")


def _date(text: str, option: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"{option}: “{text}” is not a date; write YYYY-MM-DD.") from None


def _read_table(path: str, columns: tuple[str, ...]) -> list[tuple[int, dict]]:
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise CommandError(f"Cannot read {path}: {error}.") from None
    reader = csv.DictReader(io.StringIO(text))
    if tuple(reader.fieldnames or ()) != columns:
        raise CommandError(f"{path}:1: the header must be {','.join(columns)}.")
    return [(number, row) for number, row in enumerate(reader, start=2)]


def _amount(text: str, file: str, line: int, problems: list[str]) -> Decimal:
    try:
        value = Decimal(text)
    except (InvalidOperation, TypeError):
        problems.append(f"{file}:{line}: amount: “{text}” is not an amount like 19.50.")
        return Decimal(0)
    if value < 0 or value != value.quantize(Decimal("0.01")):
        problems.append(f"{file}:{line}: amount: {text} must be 0 or more, in cents.")
    return value
