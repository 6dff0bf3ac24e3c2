"""`ccms billing <subcommand>`: the billing jobs from the command line.

Each subcommand is a function below registered in SUBCOMMANDS with its own arguments."""

import json
import sys
from datetime import date

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from ccms.tenancy.models import Provider


def provider_by_key(key: str) -> Provider:
    provider = Provider.objects.filter(slug=key).first()
    if provider is None:
        raise CommandError(f"No provider with key {key!r}. `ccms export` lists keys.")
    return provider


def parse_day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as error:
        raise CommandError(f"{text!r} is not a date: write YYYY-MM-DD.") from error


def add_run(parser):
    parser.add_argument("--provider", required=True, help="provider key")
    parser.add_argument("--period", required=True, help="first day of the period, YYYY-MM-DD")
    parser.add_argument("--frequency", choices=["weekly", "monthly"], help="default: provider's")
    parser.add_argument("--preview", action="store_true", help="show the charges, post nothing")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")


def run(command, options):
    from tqdm import tqdm

    from ccms.billing import runs

    provider = provider_by_key(options["provider"])
    period = parse_day(options["period"])
    try:
        billing_run, plan = runs.prepare_run(provider, period, None, options["frequency"])
    except ValidationError as error:
        raise CommandError(" ".join(error.messages)) from error
    result = {
        "provider": provider.slug,
        "period": {"start": str(plan.period_start), "end": str(plan.period_end)},
        "frequency": plan.frequency,
        "lines": len(plan.lines),
        "new_lines": len(plan.new_lines),
        "new_total": str(plan.new_total),
        "unpriced_enrollments": len(plan.unpriced),
    }
    if not options["preview"]:
        bar = tqdm(total=len(plan.new_lines), unit="charge", file=sys.stderr, disable=None)

        def progress(done, total):
            bar.update(done - bar.n)

        billing_run = runs.post_run(billing_run.pk, progress=progress)
        bar.close()
        result.update(posted=billing_run.lines_posted, posted_total=str(billing_run.amount_posted))
    if options["json"]:
        command.stdout.write(json.dumps(result, indent=2) + "\n")
        return
    command.stdout.write(
        f"{provider.name}: {plan.frequency} period {plan.period_start} to {plan.period_end}: "
        f"{result['new_lines']} new charge(s) totalling {result['new_total']}"
        + ("" if options["preview"] else f"; posted {result['posted']} in all for this run.")
    )
    if plan.unpriced:
        command.stdout.write(
            f"{len(plan.unpriced)} enrollment(s) have no price: set a tuition amount or a plan."
        )


def add_daily(parser):
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--provider", help="provider key")
    which.add_argument("--all", action="store_true", help="every provider")
    parser.add_argument("--date", help="the day to run for, YYYY-MM-DD (default: today)")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")


def daily(command, options):
    """Late payment fees, then reminders, for one provider or all of them."""
    from ccms.billing import collections

    if options["all"]:
        providers = list(Provider.objects.order_by("slug"))
    else:
        providers = [provider_by_key(options["provider"])]
    day = parse_day(options["date"]) if options["date"] else None
    results = [collections.daily(provider, day) for provider in providers]
    if options["json"]:
        command.stdout.write(json.dumps([r.as_json() for r in results], indent=2))
        return
    for result in results:
        command.stdout.write(f"{result.provider.name}, {result.today}: {result.summary()}")


def add_autopay(parser):
    parser.add_argument("--provider", required=True, help="provider key")
    parser.add_argument("--date", help="balances owed on this day, YYYY-MM-DD (default: today)")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")


def autopay(command, options):
    from ccms.billing import autopay as autopay_
    from ccms.core.dates import provider_today

    provider = provider_by_key(options["provider"])
    day = parse_day(options["date"]) if options["date"] else provider_today(provider)
    try:
        result = autopay_.run_autopay(provider, day, None)
    except ValidationError as error:
        raise CommandError(" ".join(error.messages)) from error
    figures = result.as_dict()
    if options["json"]:
        command.stdout.write(json.dumps({"provider": provider.slug, **figures}, indent=2))
        return
    lines = [f"{provider.name}, autopay for {day}:"]
    if result.batch:
        lines.append(
            f"  ACH file {result.batch.file_id_modifier} effective {result.batch.effective_date}: "
            f"{result.ach_count} debit(s), {result.ach_total}; download it from the Autopay & "
            "ACH page and upload it to the bank."
        )
    else:
        lines.append("  no bank debits due")
    lines.append(
        f"  cards: {figures['card_paid']} paid ({figures['card_paid_total']}), "
        f"{figures['card_declined']} declined"
    )
    command.stdout.write("\n".join(lines))


SUBCOMMANDS = {
    "run": (add_run, run, "post (or --preview) a billing period's charges"),
    "daily": (add_daily, daily, "charge late payment fees and e-mail reminders"),
    "autopay": (add_autopay, autopay, "take autopay balances: an ACH file and card charges"),
}


class Command(BaseCommand):
    help = "Billing jobs: run a billing period, and more (see the subcommands)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True)
        for name, (add, _, text) in SUBCOMMANDS.items():
            add(sub.add_parser(name, help=text))

    def handle(self, *args, subcommand, **options):
        SUBCOMMANDS[subcommand][1](self, options)
