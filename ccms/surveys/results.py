"""What a survey's submitted answers say: counts per option, rankings, and the ranked list of
shared services the members ask for.

A service's score is the sum, over the questions whose options name it, of the question's weight
times its points:

- a ranking question of n options gives a provider's first choice n points, its second n - 1, ...
  its last 1 (Borda points);
- a single or multiple choice question gives 1 point for each provider that chose it.

Each provider counts once per question and service (when two options of a question name the same
service, the better placed or any chosen one counts). Ties are listed by service name. Everything
here works on plain values, so the page, the CSV, the command line and the tests share it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from ccms.surveys.models import CHOICE_KINDS, QuestionKind


@dataclass(frozen=True)
class OptionInfo:
    id: int
    label: str
    service_id: int | None = None
    service_name: str = ""


@dataclass(frozen=True)
class QuestionInfo:
    id: int
    kind: str
    text: str
    weight: Decimal = Decimal(1)
    options: tuple[OptionInfo, ...] = ()
    required: bool = True


@dataclass(frozen=True)
class AnswerInfo:
    provider: str
    question_id: int
    choices: tuple[int, ...] = ()
    text: str = ""


def borda_points(position: int, count: int) -> int:
    """Points of the option placed at `position` (1 is first) in a ranking of `count` options."""
    if not 1 <= position <= count:
        raise ValueError(f"Position {position} is outside a ranking of {count}.")
    return count - position + 1


# The ranked list of services -------------------------------------------------------------------


@dataclass(frozen=True)
class ScorePart:
    """One question's share of a service's score: weight x points."""

    question_id: int
    question: str
    kind: str
    weight: Decimal
    points: int
    providers: int

    @property
    def score(self) -> Decimal:
        return self.weight * self.points

    @property
    def explanation(self) -> str:
        if self.kind == QuestionKind.RANKING:
            what = (
                f"{self.points} Borda point{'s' if self.points != 1 else ''} from "
                f"{self.providers} ranking{'s' if self.providers != 1 else ''}"
            )
        else:
            what = f"{self.points} provider{'s' if self.points != 1 else ''} chose it"
        return f"{_number(self.weight)} × {what} = {_number(self.score)}"


@dataclass(frozen=True)
class Priority:
    rank: int
    service_id: int
    name: str
    score: Decimal
    parts: tuple[ScorePart, ...]
    share: Decimal = Decimal(0)  # of the top score, for drawing the bar (0..100)

    @property
    def explanation(self) -> str:
        counted = [p for p in self.parts if p.points]
        if not counted:
            return "No provider asked for it."
        total = " + ".join(_number(p.score) for p in counted)
        return total if len(counted) == 1 else f"{total} = {_number(self.score)}"


def _number(value: Decimal | int) -> str:
    """2, 1.5, 0.25: a weight or score without trailing zeros."""
    text = f"{Decimal(value):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def service_priorities(
    questions: Sequence[QuestionInfo], answers: Iterable[AnswerInfo]
) -> list[Priority]:
    """Every service named by an option of a ranking or choice question, highest score first."""
    names: dict[int, str] = {}
    scored = [q for q in questions if q.kind == QuestionKind.RANKING or q.kind in CHOICE_KINDS]
    for question in scored:
        for option in question.options:
            if option.service_id is not None:
                names[option.service_id] = option.service_name
    by_question = defaultdict(list)
    for answer in answers:
        by_question[answer.question_id].append(answer)

    parts: dict[int, list[ScorePart]] = defaultdict(list)
    for question in scored:
        service_of = {o.id: o.service_id for o in question.options if o.service_id is not None}
        if not service_of:
            continue
        points: dict[int, int] = defaultdict(int)
        providers: dict[int, int] = defaultdict(int)
        for answer in by_question[question.id]:
            for service_id, earned in _provider_points(question, answer, service_of).items():
                points[service_id] += earned
                providers[service_id] += 1
        for service_id in sorted(set(service_of.values())):
            parts[service_id].append(
                ScorePart(
                    question_id=question.id,
                    question=question.text,
                    kind=question.kind,
                    weight=question.weight,
                    points=points[service_id],
                    providers=providers[service_id],
                )
            )

    totals = [
        (sum((p.score for p in parts[sid]), Decimal(0)), name, sid) for sid, name in names.items()
    ]
    totals.sort(key=lambda row: (-row[0], row[1].casefold(), row[2]))
    top = totals[0][0] if totals else 0
    return [
        Priority(
            rank=n,
            service_id=sid,
            name=name,
            score=score,
            parts=tuple(parts[sid]),
            share=_share(score, top),
        )
        for n, (score, name, sid) in enumerate(totals, 1)
    ]


def _provider_points(
    question: QuestionInfo, answer: AnswerInfo, service_of: dict[int, int]
) -> dict[int, int]:
    """The points one provider's answer gives each service (once per service)."""
    earned: dict[int, int] = {}
    if question.kind == QuestionKind.RANKING:
        count = len(answer.choices)
        for position, option_id in enumerate(answer.choices, 1):
            service_id = service_of.get(option_id)
            if service_id is not None:
                points = borda_points(position, count)
                earned[service_id] = max(earned.get(service_id, 0), points)
    else:
        for option_id in answer.choices:
            service_id = service_of.get(option_id)
            if service_id is not None:
                earned[service_id] = 1
    return earned


# Each question's results ------------------------------------------------------------------------


@dataclass(frozen=True)
class OptionResult:
    option: OptionInfo
    value: int  # providers choosing it, or Borda points for a ranking
    share: Decimal  # of the largest value, for drawing the bar (0..100)
    first_places: int = 0
    average_rank: Decimal | None = None
    percent: int = 0  # of the providers answering the question, for a choice


@dataclass
class QuestionResult:
    question: QuestionInfo
    answered: int
    skipped: int
    options: list[OptionResult] = field(default_factory=list)
    texts: list[tuple[str, str]] = field(default_factory=list)  # (provider, text)

    @property
    def percent_answered(self) -> int:
        total = self.answered + self.skipped
        return round(100 * self.answered / total) if total else 0


def question_results(
    questions: Sequence[QuestionInfo], answers: Iterable[AnswerInfo], respondents: int
) -> list[QuestionResult]:
    """Per question: how many of the `respondents` answered it, and what they said."""
    by_question = defaultdict(list)
    for answer in answers:
        if answer.choices or answer.text.strip():
            by_question[answer.question_id].append(answer)
    results = []
    for question in questions:
        given = by_question[question.id]
        result = QuestionResult(question, answered=len(given), skipped=respondents - len(given))
        if question.kind == QuestionKind.FREE_TEXT:
            result.texts = sorted(
                ((a.provider, a.text.strip()) for a in given), key=lambda p: p[0].casefold()
            )
        elif question.kind == QuestionKind.RANKING:
            result.options = _ranking_results(question, given)
        else:
            counts = defaultdict(int)
            for answer in given:
                for option_id in set(answer.choices):
                    counts[option_id] += 1
            top = max(counts.values(), default=0)
            result.options = [
                OptionResult(
                    o,
                    counts[o.id],
                    _share(counts[o.id], top),
                    percent=round(100 * counts[o.id] / len(given)) if given else 0,
                )
                for o in question.options
            ]
        results.append(result)
    return results


def _ranking_results(question: QuestionInfo, given: list[AnswerInfo]) -> list[OptionResult]:
    points: dict[int, int] = defaultdict(int)
    firsts: dict[int, int] = defaultdict(int)
    places: dict[int, list[int]] = defaultdict(list)
    for answer in given:
        count = len(answer.choices)
        for position, option_id in enumerate(answer.choices, 1):
            points[option_id] += borda_points(position, count)
            places[option_id].append(position)
            if position == 1:
                firsts[option_id] += 1
    top = max(points.values(), default=0)
    rows = [
        OptionResult(
            o,
            points[o.id],
            _share(points[o.id], top),
            first_places=firsts[o.id],
            average_rank=(
                (Decimal(sum(places[o.id])) / len(places[o.id])).quantize(Decimal("0.1"))
                if places[o.id]
                else None
            ),
        )
        for o in question.options
    ]
    rows.sort(key=lambda r: (-r.value, r.option.label.casefold()))
    return rows


def _share(value: Decimal | int, top: Decimal | int) -> Decimal:
    return (Decimal(100) * value / top).quantize(Decimal("0.1")) if top > 0 else Decimal(0)
