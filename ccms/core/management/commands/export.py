"""`ccms export --provider KEY PATH`: a provider's data as a bundle folder or .zip archive."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ccms.core.bundle.services import export_provider, write_bundle
from ccms.tenancy.models import Provider


class Command(BaseCommand):
    help = (
        "Export a provider and everything that belongs to it as a data bundle: a folder at PATH, "
        "or a .zip archive when PATH ends in .zip."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="Where to write: a folder, or a file ending in .zip.")
        parser.add_argument("--provider", required=True, help="The provider's key (its slug).")
        parser.add_argument(
            "--json", action="store_true", dest="as_json", help="Print the summary as JSON."
        )

    def handle(self, *args, path: str, provider: str, as_json: bool, **options):
        found = Provider.objects.select_related("alliance").filter(slug=provider).first()
        if found is None:
            raise CommandError(
                f"No provider with the key “{provider}”. The key is the provider's short name "
                "in its web address, /p/KEY/."
            )
        target = Path(path)
        if target.exists() and not target.is_dir() and target.suffix.lower() != ".zip":
            raise CommandError(f"{target} is a file; give a folder, or a path ending in .zip.")
        bundle = export_provider(provider=found)
        try:
            written = write_bundle(bundle, target)
        except OSError as error:
            raise CommandError(f"Cannot write {target}: {error.strerror or error}.") from None
        if as_json:
            summary = {
                "provider": found.slug,
                "path": str(written),
                "files": bundle.rows,
                "warnings": bundle.warnings,
            }
            self.stdout.write(json.dumps(summary, indent=2, ensure_ascii=False))
            return
        width = max(len(name) for name in bundle.rows)
        for name, count in bundle.rows.items():
            self.stdout.write(f"{name:<{width}}  {count:>6} row{'s' if count != 1 else ''}")
        for warning in bundle.warnings:
            self.stderr.write(warning)
        self.stdout.write(self.style.SUCCESS(f"Exported {found.name} to {written}."))
