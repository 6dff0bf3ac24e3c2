"""`ccms comms <subcommand>`: release due messages (for cron, every minute) and look after the
e-mail outbox.

    ccms comms release [--at 2026-12-01T09:00-06:00] [--json]
    ccms comms outbox [--status failed] [--retry] [--send] [--json]
"""

import json
from datetime import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from ccms.communications import services
from ccms.communications.models import EmailStatus, OutboundEmail


def parse_at(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as error:
        raise CommandError(
            f"{text!r} is not a time: write 2026-12-01T09:00 or with -06:00."
        ) from error
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def add_release(parser):
    parser.add_argument("--at", help="release as of this time (default: now), ISO 8601")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")


def release(command, options):
    released = services.release_due(parse_at(options["at"]))
    sent = services.send_due_emails(parse_at(options["at"]))
    rows = [
        {
            "id": m.pk,
            "subject": m.subject,
            "released_at": m.released_at.isoformat(),
            "deliveries": m.deliveries.count(),
        }
        for m in released
    ]
    if options["json"]:
        command.stdout.write(json.dumps({"released": rows, "emails_sent": len(sent)}, indent=2))
        return
    for row in rows:
        command.stdout.write(f"Released #{row['id']} “{row['subject']}” to {row['deliveries']}.")
    command.stdout.write(f"{len(rows)} message(s) released; {len(sent)} e-mail attempt(s) made.")


def add_outbox(parser):
    parser.add_argument(
        "--status",
        choices=EmailStatus.values,
        action="append",
        help="list e-mails of this status (repeatable; default: queued and failed)",
    )
    parser.add_argument("--retry", action="store_true", help="queue failed e-mails again and send")
    parser.add_argument("--send", action="store_true", help="send the queued e-mails that are due")
    parser.add_argument("--json", action="store_true", help="print the list as JSON")


def outbox(command, options):
    if options["retry"]:
        queued = services.retry_emails()
        command.stderr.write(f"{queued} failed e-mail(s) queued again.")
    if options["retry"] or options["send"]:
        attempts = services.send_due_emails()
        sent = sum(1 for e in attempts if e.status == EmailStatus.SENT)
        command.stderr.write(f"{len(attempts)} e-mail(s) tried, {sent} sent.")
    statuses = options["status"] or [EmailStatus.QUEUED, EmailStatus.FAILED]
    emails = OutboundEmail.objects.filter(status__in=statuses).order_by("created_at", "pk")
    rows = [
        {
            "id": e.pk,
            "to": e.to,
            "subject": e.subject,
            "status": e.status,
            "attempts": e.attempts,
            "next_attempt_at": e.next_attempt_at.isoformat(),
            "last_error": e.last_error,
        }
        for e in emails[:1000]
    ]
    if options["json"]:
        command.stdout.write(json.dumps(rows, indent=2))
        return
    if not rows:
        command.stdout.write(f"No e-mails {' or '.join(statuses)}.")
    for row in rows:
        error = f" — {row['last_error']}" if row["last_error"] else ""
        command.stdout.write(
            f"#{row['id']} {row['status']} ({row['attempts']} attempt(s)) to {row['to']}: "
            f"{row['subject']}{error}"
        )


SUBCOMMANDS = {
    "release": (add_release, release, "release every approved message that is due, send e-mails"),
    "outbox": (add_outbox, outbox, "list queued and failed e-mails; --retry sends them again"),
}


class Command(BaseCommand):
    help = "Communications: release due messages (cron, every minute) and the e-mail outbox."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True)
        for name, (add, _, text) in SUBCOMMANDS.items():
            add(sub.add_parser(name, help=text))

    def handle(self, *args, subcommand, **options):
        SUBCOMMANDS[subcommand][1](self, options)
