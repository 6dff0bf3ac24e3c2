"""Reading, checking, importing and exporting whole data bundles.

An import reads every file, checks every row of every file and only then writes, all in one
transaction; any issue means nothing is written. Rows are matched to existing data by key, and
only rows that change are saved, so importing the same bundle twice changes nothing.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from django.db import transaction

from ccms.core.bundle.base import (
    ACTIONS,
    UPDATED,
    BundleFile,
    CellError,
    FilePlan,
    ImportPlan,
    ImportScope,
    Issue,
    Progress,
    Row,
    WriteFailed,
    report_progress,
)
from ccms.core.bundle.registry import BUNDLE_FILES, NOT_YET_SUPPORTED
from ccms.tenancy.models import Provider

MANIFEST = "manifest.json"
FORMAT, VERSION = "ccms-bundle", 1
MANIFEST_ENTRIES = ("format", "version", "alliance")
# Refuse archives that unpack to more than this: a bundle is text, and a huge one is a mistake
# or an attack.
MAX_BUNDLE_BYTES = 512 * 1024 * 1024
# Fixed time stamp for zip entries, so the same data always exports to the same bytes.
ZIP_DATE = (2026, 1, 1, 0, 0, 0)


class BundleReadError(Exception):
    """The bundle cannot be opened at all (no such folder, not a zip archive, too large)."""


# Reading ------------------------------------------------------------------------------------


def read_bundle(path: Path, *, label: str = "") -> dict[str, bytes]:
    """The files of a bundle folder or .zip archive, by name. `label` names the bundle in
    messages (an upload is stored under a name of our own)."""
    path = Path(path)
    if path.is_dir():
        files = {
            p.name: p.read_bytes()
            for p in sorted(path.iterdir())
            if p.is_file() and not p.name.startswith(".")
        }
        if sum(len(data) for data in files.values()) > MAX_BUNDLE_BYTES:
            raise BundleReadError(f"The folder holds more than {_megabytes()} of files.")
        return files
    if not path.exists():
        raise BundleReadError(f"There is no folder or file at {path}.")
    return _read_zip(path, label or path.name)


def _read_zip(path: Path, label: str) -> dict[str, bytes]:
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError):
        raise BundleReadError(f"{label} is not a .zip archive.") from None
    with archive:
        members = [
            info
            for info in archive.infolist()
            if not info.is_dir()
            and not info.filename.startswith("__MACOSX/")
            and not PurePosixPath(info.filename).name.startswith(".")
        ]
        if sum(info.file_size for info in members) > MAX_BUNDLE_BYTES:
            raise BundleReadError(f"{label} unpacks to more than {_megabytes()}.")
        # Zipping a folder puts its files under the folder's name: read them from there.
        tops = {PurePosixPath(info.filename).parts[0] for info in members}
        nested = all(len(PurePosixPath(i.filename).parts) > 1 for i in members)
        prefix = f"{next(iter(tops))}/" if len(tops) == 1 and nested else ""
        files = {}
        try:
            for info in members:
                files[info.filename.removeprefix(prefix)] = archive.read(info)
        except (RuntimeError, zipfile.BadZipFile, NotImplementedError) as error:
            raise BundleReadError(f"{label} cannot be unpacked ({error}).") from None
        return files


def _megabytes() -> str:
    return f"{MAX_BUNDLE_BYTES // (1024 * 1024)} MB"


def _read_manifest(data: bytes | None, scope: ImportScope, issues: list[Issue]) -> dict:
    def problem(column: str, message: str, line: int = 1) -> None:
        issues.append(Issue(MANIFEST, line, column, message))

    if data is None:
        problem(
            "-",
            f'The bundle has no {MANIFEST}; add one holding {{"format": "{FORMAT}", '
            f'"version": {VERSION}}}.',
        )
        return {}
    try:
        manifest = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        problem("-", "Not UTF-8 text; save the file as UTF-8.")
        return {}
    except json.JSONDecodeError as error:
        problem("-", f"Not valid JSON: {error.msg} (column {error.colno}).", error.lineno)
        return {}
    if not isinstance(manifest, dict):
        problem("-", f'The manifest must be a JSON object like {{"format": "{FORMAT}", ...}}.')
        return {}
    if manifest.get("format") != FORMAT:
        problem("format", f'Must be "{FORMAT}".')
    version = manifest.get("version")
    if version != VERSION or isinstance(version, bool):
        problem(
            "version",
            f"Version {json.dumps(version)} is not supported; this CCMS reads version {VERSION}.",
        )
    alliance = manifest.get("alliance")
    if alliance is not None and (not isinstance(alliance, str) or not alliance.strip()):
        problem("alliance", "Give the alliance's name as text, or leave the entry out.")
        manifest.pop("alliance")
    elif alliance is not None and scope.alliance is not None and alliance != scope.alliance.name:
        problem(
            "alliance",
            f"This import is for {scope.alliance.name}, but the manifest names “{alliance}”; "
            "change the name or leave the entry out.",
        )
    for entry in manifest:
        if entry not in MANIFEST_ENTRIES:
            problem(entry, f"Unknown entry; a manifest holds {', '.join(MANIFEST_ENTRIES)}.")
    return manifest


def _check_file_names(files: dict[str, bytes], issues: list[Issue]) -> None:
    known = {MANIFEST, *(handler.name for handler in BUNDLE_FILES)}
    for name in sorted(files):
        if name in known or not name.lower().endswith(".csv"):
            continue
        if name in NOT_YET_SUPPORTED:
            message = (
                f"This version of CCMS cannot import {name} yet; remove the file from the bundle "
                "to import the rest."
            )
        else:
            expected = ", ".join(h.name for h in BUNDLE_FILES)
            message = f"Unknown file; the files of a bundle are {MANIFEST}, {expected}."
        issues.append(Issue(name, 1, "-", message))


def _read_rows(
    handler: BundleFile, data: bytes, issues: list[Issue], progress: Progress | None
) -> list[Row]:
    """Parse a file's rows, checking the header, every cell and the uniqueness of keys."""
    name = handler.name

    def problem(line: int, column: str, message: str) -> None:
        issues.append(Issue(name, line, column, message))

    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        problem(line, "-", "Not UTF-8 text; save the file as “CSV UTF-8”.")
        return []
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        problem(1, "-", "The file is empty; it needs at least its header row.")
        return []
    except csv.Error as error:
        problem(1, "-", f"Cannot read the header row as CSV: {error}.")
        return []
    columns = {column.name: column for column in handler.columns}
    position: dict[str, int] = {}
    unnamed: list[int] = []
    for index, title in enumerate(cell.strip() for cell in header):
        if not title:
            unnamed.append(index)
        elif title in position:
            problem(1, title, "The column appears twice; keep one.")
        elif title not in columns:
            problem(1, title, f"Unknown column; the columns of {name} are {', '.join(columns)}.")
        else:
            position[title] = index
    for column in handler.columns:
        if column.required and column.name not in position:
            problem(1, column.name, "Required column is missing; add it to the header row.")

    rows: list[Row] = []
    first_line: dict[tuple, int] = {}
    while True:
        line = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            problem(line, "-", f"Cannot read this line as CSV: {error}.")
            break
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) > len(header):
            problem(
                line,
                "-",
                f"The row has {len(cells)} cells but the header names "
                f"{len(header)} columns; remove the extra cells or name their column.",
            )
        for index in unnamed:
            if index < len(cells) and cells[index].strip():
                problem(line, "-", f"Cell {index + 1} has a value but its column has no name.")
        values, failed = {}, False
        for column in handler.columns:
            index = position.get(column.name)
            cell = cells[index].strip() if index is not None and index < len(cells) else ""
            if not cell:
                if column.required:
                    failed = True
                    if index is not None:
                        problem(line, column.name, "Required; fill in this cell.")
                else:
                    values[column.name] = column.default
                continue
            try:
                values[column.name] = column.parse(cell)
            except CellError as error:
                problem(line, column.name, str(error))
                failed = True
        if not all(column in values for column in handler.key):
            continue  # without its key nothing can match or refer to the row
        key = tuple(values[column] for column in handler.key)
        if handler.key and key in first_line:
            own = [column for column in handler.key if column != "provider_key"]
            described = ", ".join(f"{column} “{values[column]}”" for column in own)
            where = f" at provider {values['provider_key']}" if "provider_key" in values else ""
            problem(
                line,
                own[0],
                f"Duplicate {described}{where}: line {first_line[key]} has "
                "it already; keys are unique within the file.",
            )
            continue
        first_line[key] = line
        rows.append(Row(name, line, values, failed))
        report_progress(progress, f"{name}: {len(rows)} rows read", len(rows), every=1000)
    return rows


# Importing ----------------------------------------------------------------------------------


# The preview lists the changed columns of at most this many updated rows per file.
MAX_LISTED_UPDATES = 200


@dataclass
class FileSummary:
    name: str
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    # (line, changed columns) of updated rows, so a preview shows what an update overwrites
    updates: list[tuple[int, list[str]]] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return self.created + self.updated + self.unchanged


@dataclass
class ImportReport:
    """What an import did (or, in a preview or after an error, would do)."""

    files: list[FileSummary]
    issues: list[Issue]
    written: bool
    alliance: str = ""
    alliance_created: bool = False
    changed: int = field(init=False)

    def __post_init__(self):
        self.changed = sum(f.created + f.updated for f in self.files)

    @property
    def ok(self) -> bool:
        return not self.issues

    def as_json(self) -> dict:
        return {
            "ok": self.ok,
            "written": self.written,
            "alliance": {"name": self.alliance, "created": self.alliance_created},
            "files": {
                f.name: {"created": f.created, "updated": f.updated, "unchanged": f.unchanged}
                for f in self.files
            },
            "errors": [str(issue) for issue in self.issues],
        }


def plan_import(
    *, files: dict[str, bytes], scope: ImportScope, progress: Progress | None = None
) -> ImportPlan:
    """Check the whole bundle and work out what importing it would do. Writes nothing."""
    issues: list[Issue] = []
    manifest = _read_manifest(files.get(MANIFEST), scope, issues)
    _check_file_names(files, issues)
    job = ImportPlan(scope=scope, manifest=manifest)
    rows: dict[str, list[Row]] = {}
    for handler in BUNDLE_FILES:
        data = files.get(handler.name)
        if data is None:
            if handler.required:
                issues.append(
                    Issue(
                        handler.name, 1, "-", f"The bundle has no {handler.name}; it is required."
                    )
                )
            continue
        job.files[handler.name] = FilePlan(handler.name)
        rows[handler.name] = _read_rows(handler, data, issues, progress)
    job.issues = issues
    for handler in BUNDLE_FILES:
        handler.plan(rows.get(handler.name, []), job)
    job.state["alliance_is_new"] = job.alliance is not None and job.alliance._state.adding
    order = {name: rank for rank, name in enumerate([MANIFEST, *(h.name for h in BUNDLE_FILES)])}
    job.issues.sort(key=lambda issue: (order.get(issue.file, len(order)), issue.file, issue.line))
    return job


def import_bundle(
    *,
    files: dict[str, bytes],
    scope: ImportScope,
    actor=None,
    reason: str = "Imported from a data bundle",
    dry_run: bool = False,
    progress: Progress | None = None,
) -> ImportReport:
    """Import a bundle all or nothing. With issues, or with dry_run, nothing is written and the
    report says what the import would have done."""
    if dry_run:
        return _report(plan_import(files=files, scope=scope, progress=progress), written=False)
    try:
        with transaction.atomic():
            job = plan_import(files=files, scope=scope, progress=progress)
            if job.issues:
                return _report(job, written=False)
            for handler in BUNDLE_FILES:
                if handler.name in job.files:
                    handler.write(
                        job.files[handler.name],
                        job,
                        actor=actor,
                        reason=reason,
                        progress=progress,
                    )
    except WriteFailed as failure:
        job.issues.append(failure.issue)
        return _report(job, written=False)
    return _report(job, written=True)


def _report(job: ImportPlan, *, written: bool) -> ImportReport:
    handlers = {handler.name: handler for handler in BUNDLE_FILES}
    summaries = []
    for name, plan in job.files.items():
        summary = FileSummary(name, *(plan.count(action) for action in ACTIONS))
        columns = {model_field: col for col, model_field in handlers[name].fields.items()}
        for row in plan.rows:
            if row.action == UPDATED and len(summary.updates) < MAX_LISTED_UPDATES:
                changed = [columns.get(f, f"{f}_key") for f in row.changed]
                summary.updates.append((row.line, changed))
        summaries.append(summary)
    alliance = job.alliance
    return ImportReport(
        files=summaries,
        issues=list(job.issues),
        written=written,
        alliance=alliance.name if alliance is not None else "",
        alliance_created=job.state.get("alliance_is_new", False),
    )


# Exporting ----------------------------------------------------------------------------------


@dataclass
class ExportedBundle:
    provider: Provider
    files: dict[str, bytes]
    rows: dict[str, int]
    warnings: list[str]


def export_provider(*, provider: Provider) -> ExportedBundle:
    """The provider and everything that belongs to it, as bundle files."""
    # Export what is stored, not a caller's copy that may hold unsaved or unparsed values.
    provider = Provider.objects.select_related("alliance").get(pk=provider.pk)
    manifest = {"format": FORMAT, "version": VERSION, "alliance": provider.alliance.name}
    files = {MANIFEST: (json.dumps(manifest, indent=2, ensure_ascii=False) + "\n").encode()}
    counts, warnings = {}, []
    for handler in BUNDLE_FILES:
        rows = handler.export(provider, warnings)
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow([column.name for column in handler.columns])
        for row in rows:
            writer.writerow([column.format(row.get(column.name)) for column in handler.columns])
        files[handler.name] = buffer.getvalue().encode()
        counts[handler.name] = len(rows)
    return ExportedBundle(provider=provider, files=files, rows=counts, warnings=warnings)


def bundle_zip(bundle: ExportedBundle) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in bundle.files.items():
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return buffer.getvalue()


def write_bundle(bundle: ExportedBundle, path: Path) -> Path:
    """Write the bundle as a folder at `path`, or as a .zip archive when `path` ends in .zip."""
    path = Path(path)
    if path.suffix.lower() == ".zip":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(bundle_zip(bundle))
        return path
    path.mkdir(parents=True, exist_ok=True)
    for name, data in bundle.files.items():
        (path / name).write_bytes(data)
    return path
