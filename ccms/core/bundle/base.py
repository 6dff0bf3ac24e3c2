"""Building blocks of the data bundle: the columns of a file and how their cells are written, the
issues an import reports, the plan an import builds before it writes anything, and the base
class of every file handler."""

from __future__ import annotations

import re
import zoneinfo
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import cache
from typing import TYPE_CHECKING, Any, ClassVar

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, models

from ccms.core.services import save_audited

if TYPE_CHECKING:
    from ccms.tenancy.models import Alliance, Provider

Progress = Callable[[str], None]

CREATED, UPDATED, UNCHANGED = "created", "updated", "unchanged"
ACTIONS = (CREATED, UPDATED, UNCHANGED)


class CellError(ValueError):
    """A cell that does not parse. The message says what is wrong and how to write it."""


# Columns -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """A column of a bundle file: its name, whether every row needs a value, the value an empty
    cell (or a missing optional column) stands for, and how a cell is read and written."""

    name: str
    required: bool = False
    default: Any = ""

    def parse(self, text: str) -> Any:
        return text

    def format(self, value: Any) -> str:
        return "" if value is None else str(value)


@dataclass(frozen=True)
class Text(Column):
    max_length: int = 200

    def parse(self, text: str) -> str:
        if len(text) > self.max_length:
            raise CellError(
                f"Too long ({len(text)} characters); shorten it to at most {self.max_length}."
            )
        return text


@dataclass(frozen=True)
class Pattern(Text):
    """Text of a fixed shape, e.g. a key or a state identifier."""

    pattern: str = r".*"
    what: str = "value"
    hint: str = ""

    def parse(self, text: str) -> str:
        if not re.fullmatch(self.pattern, text):
            raise CellError(f"“{text}” is not a valid {self.what}; {self.hint}.")
        return super().parse(text)


@dataclass(frozen=True)
class Key(Pattern):
    """A `*_key` column: the bundle's own identifier of a row."""

    max_length: int = 64
    pattern: str = r"[A-Za-z0-9_.-]+"
    what: str = "key"
    hint: str = "use letters, digits, dot, dash and underscore"


@dataclass(frozen=True)
class Slug(Pattern):
    """A provider key, which becomes the provider's slug in web addresses."""

    max_length: int = 60
    pattern: str = r"[a-z0-9-]+"
    what: str = "provider key"
    hint: str = "use lower-case letters, digits and dashes"


@dataclass(frozen=True)
class Email(Text):
    max_length: int = 254

    def parse(self, text: str) -> str:
        try:
            validate_email(text)
        except ValidationError:
            raise CellError(f"“{text}” is not an e-mail address.") from None
        return super().parse(text)


@dataclass(frozen=True)
class Integer(Column):
    default: Any = None
    minimum: int = 0
    maximum: int = 32767

    def parse(self, text: str) -> int:
        if not re.fullmatch(r"-?\d+", text):
            raise CellError(f"“{text}” is not a whole number; write digits only, e.g. 12.")
        value = int(text)
        if not self.minimum <= value <= self.maximum:
            raise CellError(
                f"{value} is out of range; use a whole number from {self.minimum} "
                f"to {self.maximum}."
            )
        return value


CENT = Decimal("0.01")


@dataclass(frozen=True)
class Money(Column):
    """An amount in dollars: 1234.56, no currency symbol, no thousands separator."""

    default: Any = None

    def parse(self, text: str) -> Decimal:
        if text.startswith("-"):
            raise CellError(f"{text} is negative; amounts here are zero or more.")
        if not re.fullmatch(r"\d{1,10}(\.\d{1,2})?", text):
            raise CellError(
                f"“{text}” is not an amount; write money as 1234.56 "
                "(no currency symbol, no thousands separator, at most two decimals)."
            )
        return Decimal(text).quantize(CENT)

    def format(self, value: Any) -> str:
        return "" if value is None else f"{value:.2f}"


@dataclass(frozen=True)
class Fte(Column):
    """A full-time equivalent: more than 0 and at most 1, two decimals at most."""

    default: Any = Decimal("1.00")

    def parse(self, text: str) -> Decimal:
        if not re.fullmatch(r"\d+(\.\d+)?|\.\d+", text):
            raise CellError(f"“{text}” is not a number; write an FTE like 0.5.")
        value = Decimal(text)
        if not Decimal(0) < value <= Decimal(1):
            raise CellError(f"{text} is out of range; FTE is more than 0 and at most 1, e.g. 0.5.")
        if value != value.quantize(CENT):
            raise CellError(f"{text} has too many decimals; use at most two, e.g. 0.33.")
        return value.quantize(CENT)

    def format(self, value: Any) -> str:
        return "" if value is None else f"{value:.2f}"


@dataclass(frozen=True)
class Date(Column):
    default: Any = None

    def parse(self, text: str) -> date:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            try:
                return date.fromisoformat(text)
            except ValueError:
                pass
        raise CellError(f"“{text}” is not a date; write dates as YYYY-MM-DD, e.g. 2026-09-01.")

    def format(self, value: Any) -> str:
        return "" if value is None else value.isoformat()


@dataclass(frozen=True)
class Boolean(Column):
    default: Any = False

    def parse(self, text: str) -> bool:
        # Spreadsheets write TRUE and FALSE; accept any case, write lower case.
        lowered = text.lower()
        if lowered not in ("true", "false"):
            raise CellError(f"“{text}” is not true or false; write true or false.")
        return lowered == "true"

    def format(self, value: Any) -> str:
        return "true" if value else "false"


@dataclass(frozen=True)
class Choice(Column):
    choices: tuple[str, ...] = ()
    hint: str = ""

    def parse(self, text: str) -> str:
        if text not in self.choices:
            allowed = self.hint or f"use one of: {', '.join(self.choices)}"
            raise CellError(f"“{text}” is not allowed; {allowed}.")
        return text


@cache
def _time_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


@dataclass(frozen=True)
class TimeZone(Column):
    default: Any = "America/Chicago"

    def parse(self, text: str) -> str:
        if text not in _time_zones():
            raise CellError(
                f"“{text}” is not an IANA time zone name; use one like America/Chicago."
            )
        return text


# Issues, rows and plans ----------------------------------------------------------------------


@dataclass(frozen=True)
class Issue:
    """Something wrong with the bundle, where it is and how to fix it."""

    file: str
    line: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.column or '-'}: {self.message}"


@dataclass
class Row:
    """One data row of a file, its cells parsed. A cell that did not parse is missing from
    `values` and `failed` is set: the row is still checked, so every error is reported."""

    file: str
    line: int
    values: dict[str, Any]
    failed: bool = False


@dataclass
class RowPlan:
    """What the import will do with one row."""

    line: int
    instance: models.Model
    action: str
    changed: list[str] = field(default_factory=list)


@dataclass
class FilePlan:
    name: str
    rows: list[RowPlan] = field(default_factory=list)

    def count(self, action: str) -> int:
        return sum(1 for row in self.rows if row.action == action)


class WriteFailed(Exception):
    """The database refused a row the checks let through. The whole import is rolled back."""

    def __init__(self, issue: Issue):
        super().__init__(str(issue))
        self.issue = issue


@dataclass(frozen=True)
class ImportScope:
    """Where an import may write: one provider (its Import page), one alliance (the alliance's
    Import page), or anywhere (the `ccms import` command)."""

    provider: Provider | None = None
    alliance: Alliance | None = None

    def refuses(self, provider_key: str) -> str:
        """Why a row of this provider may not be imported here ("" when it may)."""
        if self.provider is not None and provider_key != self.provider.slug:
            return (
                f"This import is for {self.provider.name} (provider_key {self.provider.slug}) "
                f"only; import “{provider_key}” from its own Import page, or ask an alliance "
                "admin to import it for the alliance."
            )
        return ""


class ImportPlan:
    """Everything an import would do, built without writing: the rows matched to existing data
    by key, what changes, and every issue found. Handlers fill it in file order."""

    def __init__(self, *, scope: ImportScope, manifest: dict):
        self.scope = scope
        self.manifest = manifest
        self.issues: list[Issue] = []
        self.files: dict[str, FilePlan] = {}
        # The bundle's providers by key, saved or about to be created.
        self.providers: dict[str, Provider] = {}
        # The alliance new providers join (None until the providers file asks for it).
        self.alliance: Alliance | None = None
        # kind -> (provider key, row key) -> instance; DB rows of the bundle's providers first,
        # then the bundle's own rows on top.
        self._index: dict[str, dict[tuple[str, str], models.Model]] = defaultdict(dict)
        self._providers_of_key: dict[str, dict[str, set[str]]] = defaultdict(
            lambda: defaultdict(set)
        )
        # Room for handlers to keep what they need between planning and writing.
        self.state: dict[str, Any] = {}

    # issues

    def error(self, row: Row, column: str, message: str) -> None:
        self.issues.append(Issue(row.file, row.line, column, message))

    def file_error(self, file: str, line: int, column: str, message: str) -> None:
        self.issues.append(Issue(file, line, column, message))

    # providers

    def existing_provider_ids(self) -> list[int]:
        return [p.pk for p in self.providers.values() if p.pk is not None]

    def provider_keys_by_id(self) -> dict[int, str]:
        return {p.pk: key for key, p in self.providers.items() if p.pk is not None}

    def provider(self, row: Row, column: str = "provider_key") -> Provider | None:
        """The provider a row names, if the bundle lists it and the import may write there."""
        key = row.values.get(column)
        if key is None:
            return None
        refusal = self.scope.refuses(key)
        if refusal:
            self.error(row, column, refusal)
            return None
        provider = self.providers.get(key)
        if provider is None:
            self.error(row, column, f"Unknown provider “{key}”; add it to providers.csv.")
        return provider

    # keys

    def load(self, kind: str, instances: Iterable[models.Model]) -> list[models.Model]:
        """Index existing rows (of the bundle's providers) by their key."""
        keys = self.provider_keys_by_id()
        loaded = list(instances)
        for instance in loaded:
            self.register(kind, keys[instance.provider_id], instance.key, instance)
        return loaded

    def register(self, kind: str, provider_key: str, key: str, instance: models.Model) -> None:
        self._index[kind][(provider_key, key)] = instance
        self._providers_of_key[kind][key].add(provider_key)

    def find(self, kind: str, provider_key: str, key: str) -> models.Model | None:
        return self._index[kind].get((provider_key, key))

    def resolve(
        self,
        row: Row,
        column: str,
        kind: str,
        *,
        defined_in: str,
        provider_key: str | None = None,
    ) -> tuple[str, models.Model] | None:
        """The row another column refers to: (its provider key, the instance), or None with an
        error. Without a provider key the key must name one row across the bundle."""
        key = row.values.get(column)
        if key is None:
            return None
        if provider_key is not None:
            instance = self.find(kind, provider_key, key)
            if instance is None:
                self.error(
                    row,
                    column,
                    f"Unknown {column} “{key}” at provider {provider_key}; "
                    f"add the {kind} to {defined_in}.",
                )
                return None
            return provider_key, instance
        owners = self._providers_of_key[kind].get(key, set())
        if not owners:
            self.error(row, column, f"Unknown {column} “{key}”; add the {kind} to {defined_in}.")
            return None
        if len(owners) > 1:
            self.error(
                row,
                column,
                f"“{key}” names a {kind} at several providers ({', '.join(sorted(owners))}); "
                f"give each {kind} a key of its own across the bundle.",
            )
            return None
        owner = next(iter(owners))
        return owner, self._index[kind][(owner, key)]

    # planning rows

    def record(
        self,
        row: Row,
        instance: models.Model,
        values: dict[str, Any],
        *,
        columns: dict[str, str] | None = None,
    ) -> RowPlan:
        """Set `values` (model field -> value) on the instance and note what the row does.
        `columns` names the bundle column of a model field whose name differs."""
        changed = assign(instance, values)
        if instance._state.adding:
            action = CREATED
        else:
            action = UPDATED if changed else UNCHANGED
        plan = RowPlan(row.line, instance, action, changed)
        self.files[row.file].rows.append(plan)
        if not row.failed:
            self._validate(row, instance, values, columns or {})
        return plan

    def _validate(self, row: Row, instance: models.Model, values: dict, columns: dict) -> None:
        """The model's own rules, as a backstop to the column checks. Relations are checked when
        they are resolved; uniqueness by key when the file is read."""
        relations = [f.name for f in instance._meta.concrete_fields if f.is_relation]
        try:
            instance.full_clean(
                exclude=relations, validate_unique=False, validate_constraints=False
            )
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                if name != NON_FIELD_ERRORS and name not in values:
                    continue
                column = "-" if name == NON_FIELD_ERRORS else columns.get(name, name)
                for message in messages:
                    self.error(row, column, message)

    # writing

    def save(
        self,
        file: str,
        line: int,
        instance: models.Model,
        *,
        actor,
        reason: str,
        validate: bool = True,
    ) -> None:
        relink(instance)
        try:
            save_audited(instance, actor=actor, reason=reason, validate=validate)
        except ValidationError as error:
            raise WriteFailed(Issue(file, line, "-", " ".join(error.messages))) from error
        except IntegrityError as error:
            raise WriteFailed(
                Issue(file, line, "-", f"The database refused this row ({error}).")
            ) from error


def assign(instance: models.Model, values: dict[str, Any]) -> list[str]:
    """Set each field that differs; return the names of those that changed."""
    changed = []
    for name, value in values.items():
        field_ = instance._meta.get_field(name)
        if field_.many_to_one:
            current = getattr(instance, field_.attname)
            same = (value is None and current is None) or (
                value is not None and value.pk is not None and value.pk == current
            )
        else:
            same = getattr(instance, name) == value
        if not same:
            setattr(instance, name, value)
            changed.append(name)
    return changed


def relink(instance: models.Model) -> None:
    """Point foreign keys at related rows saved since they were assigned (rows created by the
    same import are linked before they have an id)."""
    for field_ in instance._meta.concrete_fields:
        if field_.many_to_one and field_.is_cached(instance):
            related = field_.get_cached_value(instance)
            if related is not None and related.pk is not None:
                if getattr(instance, field_.attname) != related.pk:
                    setattr(instance, field_.name, related)


# File handlers -------------------------------------------------------------------------------


class BundleFile:
    """One file of the bundle. A subclass names the file and its columns and says how rows are
    matched to existing data, checked, written and exported."""

    name: ClassVar[str]
    columns: ClassVar[tuple[Column, ...]]
    # Columns whose values identify a row within the file (with provider_key where the file
    # has it: keys are unique per provider then). Empty when no columns identify every row and
    # the handler matches rows itself (attendance: a pair by its check-in, an absence by its day).
    key: ClassVar[tuple[str, ...]]
    required: ClassVar[bool] = False
    # Bundle column -> model field, for columns copied as they are.
    fields: ClassVar[dict[str, str]] = {}

    def plan(self, rows: list[Row], job: ImportPlan) -> None:
        """Match and check the rows. Called for every file in order, with no rows when the
        bundle lacks the file, so later files can refer to existing data."""
        raise NotImplementedError

    def write(self, plan: FilePlan, job: ImportPlan, *, actor, reason: str, progress) -> None:
        pending = [row for row in plan.rows if row.action != UNCHANGED]
        for done, row in enumerate(pending, start=1):
            job.save(self.name, row.line, row.instance, actor=actor, reason=reason)
            report_progress(progress, f"{self.name}: {done}/{len(pending)} written", done)

    def export(self, provider: Provider, warnings: list[str]) -> list[dict[str, Any]]:
        """The provider's rows of this file, in a stable order, as column -> value."""
        raise NotImplementedError

    def values(self, row: Row) -> dict[str, Any]:
        """Model field -> value for the plainly copied columns that parsed."""
        return {field_: row.values[col] for col, field_ in self.fields.items() if col in row.values}

    def exported(self, instance: models.Model) -> dict[str, Any]:
        return {col: getattr(instance, field_) for col, field_ in self.fields.items()}


def report_progress(progress: Progress | None, message: str, count: int, every: int = 500) -> None:
    if progress is not None and count % every == 0:
        progress(message)
