"""`ccms import PATH`: import a data bundle, all or nothing."""

import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ccms.core.bundle.base import ImportScope
from ccms.core.bundle.progress import TerminalProgress
from ccms.core.bundle.services import BundleReadError, import_bundle, read_bundle


class Command(BaseCommand):
    help = (
        "Import a data bundle (a folder or a .zip archive). Every row of every file is checked "
        "first; if anything is wrong, every error is listed and nothing is imported."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="The bundle: a folder or a .zip archive.")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Check the bundle and count what would change, without writing anything.",
        )
        parser.add_argument(
            "--json", action="store_true", dest="as_json", help="Print the summary as JSON."
        )

    def handle(self, *args, path: str, dry_run: bool, as_json: bool, **options):
        source = Path(path)
        try:
            files = read_bundle(source)
        except BundleReadError as error:
            raise CommandError(str(error)) from None
        progress = TerminalProgress(sys.stderr)
        report = import_bundle(
            files=files,
            scope=ImportScope(),
            reason=f"Imported from the data bundle {source.name}",
            dry_run=dry_run,
            progress=progress,
        )
        progress.finish()
        if as_json:
            self.stdout.write(json.dumps(report.as_json(), indent=2, ensure_ascii=False))
        else:
            self._print_summary(report, dry_run=dry_run)
        if not report.ok:
            count = len(report.issues)
            raise CommandError(
                f"Nothing was imported: the bundle has {count} error{'s' if count != 1 else ''}. "
                "Fix them and run the import again."
            )

    def _print_summary(self, report, *, dry_run: bool) -> None:
        width = max((len(f.name) for f in report.files), default=10)
        for f in report.files:
            self.stdout.write(
                f"{f.name:<{width}}  {f.created:>6} created  {f.updated:>6} updated  "
                f"{f.unchanged:>6} unchanged"
            )
        for issue in report.issues:
            self.stderr.write(str(issue))
        if not report.ok:
            return
        if report.alliance_created:
            self.stdout.write(f"New alliance: {report.alliance}.")
        if dry_run:
            self.stdout.write(f"Dry run: {report.changed} rows would change; nothing written.")
        elif report.changed:
            self.stdout.write(self.style.SUCCESS(f"Imported: {report.changed} rows changed."))
        else:
            self.stdout.write("Nothing to change: the data already matches the bundle.")
