"""Every write of the surveys: building a survey, sending it, answering it, weighting its
questions and closing it. Each checks its input first and raises ValidationError, writing
nothing, with a message that says what to fix; then writes in one transaction with an audit
entry. E-mail goes out after the commit."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from ccms.alliance.models import SharedService
from ccms.core import tasks
from ccms.core.services import save_audited
from ccms.surveys.models import (
    KINDS_WITH_OPTIONS,
    Answer,
    Invitation,
    Option,
    Question,
    QuestionKind,
    Response,
    Survey,
    SurveyStatus,
)
from ccms.surveys.queries import recipients
from ccms.tenancy.models import Alliance, Provider, User

MAX_TEXT = 5000
MAX_WEIGHT = Decimal(100)


def _require_draft(survey: Survey) -> None:
    if not survey.is_draft:
        raise ValidationError(
            "This survey has been sent, so its questions no longer change (the answers would not "
            "match them). Start a new survey to ask something else."
        )


def _check_service(survey: Survey, service: SharedService | None) -> None:
    if service is not None and service.alliance_id != survey.alliance_id:
        raise ValidationError({"service": "Choose one of this alliance's shared services."})


# The survey -------------------------------------------------------------------------------------


@transaction.atomic
def create_survey(
    *, alliance: Alliance, title: str, intro: str = "", closes_on: date | None = None, actor: User
) -> Survey:
    title = (title or "").strip()
    if Survey.objects.filter(alliance=alliance, title__iexact=title).exists():
        raise ValidationError({"title": "A survey with this title exists: choose another title."})
    survey = Survey(
        alliance=alliance, title=title, intro=intro.strip(), closes_on=closes_on, created_by=actor
    )
    save_audited(survey, actor=actor, reason="Survey created")
    return survey


@transaction.atomic
def update_survey(
    *, survey: Survey, title: str, intro: str, closes_on: date | None, actor: User
) -> Survey:
    title = (title or "").strip()
    if (
        Survey.objects.filter(alliance_id=survey.alliance_id, title__iexact=title)
        .exclude(pk=survey.pk)
        .exists()
    ):
        raise ValidationError({"title": "A survey with this title exists: choose another title."})
    if survey.status == SurveyStatus.CLOSED:
        raise ValidationError("This survey is closed; its title and dates no longer change.")
    survey.title, survey.intro, survey.closes_on = title, intro.strip(), closes_on
    save_audited(
        survey, actor=actor, reason="Survey edited", update_fields=["title", "intro", "closes_on"]
    )
    return survey


# Questions and options --------------------------------------------------------------------------


@transaction.atomic
def add_question(
    *,
    survey: Survey,
    kind: str,
    text: str,
    help_text: str = "",
    required: bool = True,
    options: Sequence[str] = (),
    services: Sequence[SharedService] = (),
    actor: User,
) -> Question:
    """A question at the end of the survey. `options` are labels; each of `services` adds an
    option naming that service (labelled with its name)."""
    _require_draft(survey)
    if kind not in QuestionKind.values:
        raise ValidationError(
            {"kind": f"Choose a kind of question: {', '.join(QuestionKind.labels)}."}
        )
    labels = [label.strip() for label in options if label.strip()]
    if kind == QuestionKind.FREE_TEXT and (labels or services):
        raise ValidationError(
            {"options": "A free-text question has no options: leave the options empty."}
        )
    for service in services:
        _check_service(survey, service)
    wanted = [*((label, None) for label in labels), *((s.name, s) for s in services)]
    seen = set()
    for label, _ in wanted:
        if label.casefold() in seen:
            raise ValidationError({"options": f"“{label}” is listed twice: list each option once."})
        seen.add(label.casefold())
    last = survey.questions.aggregate(last=Max("order"))["last"] or 0
    question = Question(
        survey=survey,
        order=last + 1,
        kind=kind,
        text=(text or "").strip(),
        help_text=(help_text or "").strip(),
        required=required,
    )
    save_audited(question, actor=actor, reason="Question added")
    for order, (label, service) in enumerate(wanted, 1):
        save_audited(
            Option(question=question, order=order, label=label, service=service),
            actor=actor,
            reason="Option added",
        )
    return question


@transaction.atomic
def update_question(
    *, question: Question, text: str, help_text: str, required: bool, kind: str, actor: User
) -> Question:
    _require_draft(question.survey)
    if kind not in QuestionKind.values:
        raise ValidationError({"kind": "Choose a kind of question."})
    if kind == QuestionKind.FREE_TEXT and question.options.exists():
        raise ValidationError({"kind": "Remove the options first: a free-text question has none."})
    question.text, question.help_text = (text or "").strip(), (help_text or "").strip()
    question.required, question.kind = required, kind
    save_audited(
        question,
        actor=actor,
        reason="Question edited",
        update_fields=["text", "help_text", "required", "kind"],
    )
    return question


def _move(rows: list, row, up: bool, actor: User, reason: str) -> None:
    """Swap `row` with its neighbour above or below, numbering the list 1..n as it goes."""
    index = next(i for i, r in enumerate(rows) if r.pk == row.pk)
    other = index - 1 if up else index + 1
    if not 0 <= other < len(rows):
        return
    rows[index], rows[other] = rows[other], rows[index]
    for order, item in enumerate(rows, 1):
        if item.order != order:
            item.order = order
            save_audited(item, actor=actor, reason=reason, update_fields=["order"])


@transaction.atomic
def move_question(*, question: Question, up: bool, actor: User) -> None:
    _require_draft(question.survey)
    rows = list(question.survey.questions.select_for_update())
    _move(rows, question, up, actor, "Questions reordered")


@transaction.atomic
def remove_question(*, question: Question, actor: User) -> None:
    _require_draft(question.survey)
    question._history_user = actor
    question._change_reason = "Question removed"
    for option in question.options.all():
        option._history_user = actor
        option.delete()
    question.delete()


@transaction.atomic
def add_option(
    *, question: Question, label: str, service: SharedService | None = None, actor: User
) -> Option:
    _require_draft(question.survey)
    if not question.has_options:
        raise ValidationError("A free-text question has no options.")
    _check_service(question.survey, service)
    label = (label or "").strip() or (service.name if service else "")
    if not label:
        raise ValidationError({"label": "Give the option a label, or pick a service to name it."})
    if question.options.filter(label__iexact=label).exists():
        raise ValidationError({"label": f"This question already has “{label}”."})
    last = question.options.aggregate(last=Max("order"))["last"] or 0
    option = Option(question=question, order=last + 1, label=label, service=service)
    save_audited(option, actor=actor, reason="Option added")
    return option


@transaction.atomic
def update_option(
    *, option: Option, label: str, service: SharedService | None, actor: User
) -> Option:
    question = option.question
    _require_draft(question.survey)
    _check_service(question.survey, service)
    label = (label or "").strip() or (service.name if service else "")
    if not label:
        raise ValidationError({"label": "Give the option a label, or pick a service to name it."})
    if question.options.filter(label__iexact=label).exclude(pk=option.pk).exists():
        raise ValidationError({"label": f"This question already has “{label}”."})
    option.label, option.service = label, service
    save_audited(option, actor=actor, reason="Option edited", update_fields=["label", "service"])
    return option


@transaction.atomic
def move_option(*, option: Option, up: bool, actor: User) -> None:
    _require_draft(option.question.survey)
    rows = list(option.question.options.select_for_update())
    _move(rows, option, up, actor, "Options reordered")


@transaction.atomic
def remove_option(*, option: Option, actor: User) -> None:
    _require_draft(option.question.survey)
    option._history_user = actor
    option._change_reason = "Option removed"
    option.delete()


@transaction.atomic
def set_weights(*, survey: Survey, weights: dict[int, object], actor: User) -> list[Question]:
    """The team's weight of each question in the ranked list of services (0 to 100). Weights may
    change at any time: they only change how the answers are counted."""
    questions = {q.pk: q for q in survey.questions.select_for_update()}
    errors, parsed = {}, {}
    for question_id, value in weights.items():
        if question_id not in questions:
            raise ValidationError("That question is not part of this survey.")
        try:
            weight = Decimal(str(value).strip())
        except (InvalidOperation, ValueError):
            weight = None
        if weight is None or not weight.is_finite() or not 0 <= weight <= MAX_WEIGHT:
            errors[f"weight_{question_id}"] = "Give a weight from 0 to 100 (for example 1 or 2.5)."
        elif weight != weight.quantize(Decimal("0.01")):
            errors[f"weight_{question_id}"] = "Use at most two decimals (for example 1.25)."
        else:
            parsed[question_id] = weight
    if errors:
        raise ValidationError(errors)
    changed = []
    for question_id, weight in parsed.items():
        question = questions[question_id]
        if question.weight != weight:
            question.weight = weight
            save_audited(question, actor=actor, reason="Weight set", update_fields=["weight"])
            changed.append(question)
    return changed


# Sending and closing ----------------------------------------------------------------------------


def _check_ready(survey: Survey) -> None:
    questions = list(survey.questions.prefetch_related("options"))
    if not questions:
        raise ValidationError("Add at least one question before sending the survey.")
    for question in questions:
        if question.kind in KINDS_WITH_OPTIONS and len(question.options.all()) < 2:
            raise ValidationError(
                f"“{question.text}” needs at least two options: add them, or make it free text."
            )


@transaction.atomic
def send_survey(
    *,
    survey: Survey,
    providers: Sequence[Provider] | None = None,
    actor: User,
    today: date | None = None,
    notify: bool = True,
) -> list[Invitation]:
    """Invite the chosen members (all current members when `providers` is None) and open the
    survey. A provider already invited is not invited again. Returns the new invitations; their
    directors get an e-mail after the commit (unless `notify` is False: the demo's sending)."""
    survey = Survey.objects.select_for_update().get(pk=survey.pk)
    if survey.status == SurveyStatus.CLOSED:
        raise ValidationError("This survey is closed: it can no longer be sent.")
    _check_ready(survey)
    members = list(recipients(survey.alliance, today or timezone.localdate()))
    if providers is None:
        chosen = members
    else:
        member_ids = {p.pk for p in members}
        strangers = [p.name for p in providers if p.pk not in member_ids]
        if strangers:
            raise ValidationError(
                {"providers": f"Only current members can be asked: {', '.join(strangers)} is not."}
            )
        chosen = list(providers)
    if not chosen:
        raise ValidationError({"providers": "Choose at least one member to send the survey to."})
    invited = set(survey.invitations.values_list("provider_id", flat=True))
    now = timezone.now()
    new = []
    for provider in chosen:
        if provider.pk in invited:
            continue
        invitation = Invitation(survey=survey, provider=provider, sent_at=now, sent_by=actor)
        save_audited(invitation, actor=actor, reason="Survey sent")
        new.append(invitation)
    if survey.is_draft:
        survey.status, survey.sent_at = SurveyStatus.OPEN, now
        save_audited(survey, actor=actor, reason="Survey sent", update_fields=["status", "sent_at"])
    if new and notify:
        ids = [i.pk for i in new]
        transaction.on_commit(lambda: tasks.enqueue("surveys.notify_invited", invitation_ids=ids))
    return new


@transaction.atomic
def close_survey(*, survey: Survey, actor: User) -> Survey:
    if survey.status != SurveyStatus.OPEN:
        raise ValidationError("Only an open survey can be closed.")
    survey.status, survey.closed_at = SurveyStatus.CLOSED, timezone.now()
    save_audited(survey, actor=actor, reason="Survey closed", update_fields=["status", "closed_at"])
    return survey


# Answering --------------------------------------------------------------------------------------


def _parse_answer(question: Question, value, *, submit: bool) -> tuple[list[int], str]:
    """(choices, text) of one question's answer, or ValidationError with what to fix."""
    option_ids = [o.pk for o in question.options.all()]
    count = len(option_ids)
    if question.kind == QuestionKind.FREE_TEXT:
        text = (value or "").strip()
        if len(text) > MAX_TEXT:
            raise ValidationError(f"Keep the answer under {MAX_TEXT} characters.")
        if submit and question.required and not text:
            raise ValidationError("Answer this question before submitting.")
        return [], text
    if question.kind == QuestionKind.RANKING:
        ranks = {int(k): v for k, v in (value or {}).items() if v not in (None, "")}
        if not ranks:
            if submit and question.required:
                raise ValidationError(f"Rank each option once: 1 to {count}.")
            return [], ""
        try:
            ranks = {option_id: int(rank) for option_id, rank in ranks.items()}
        except (TypeError, ValueError):
            raise ValidationError(f"Rank each option once: 1 to {count}.") from None
        if set(ranks) - set(option_ids):
            raise ValidationError("That option is not part of this question.")
        if set(ranks) != set(option_ids) or sorted(ranks.values()) != list(range(1, count + 1)):
            raise ValidationError(f"Rank each option once: 1 to {count}.")
        return sorted(ranks, key=ranks.get), ""
    if question.kind == QuestionKind.SINGLE_CHOICE:
        chosen = [] if value in (None, "") else [value]
    else:
        chosen = list(value or [])
    try:
        chosen = [int(v) for v in chosen]
    except (TypeError, ValueError):
        raise ValidationError("Choose from the options listed.") from None
    if set(chosen) - set(option_ids):
        raise ValidationError("Choose from the options listed.")
    if submit and question.required and not chosen:
        raise ValidationError(
            "Choose an option before submitting."
            if question.kind == QuestionKind.SINGLE_CHOICE
            else "Tick at least one option before submitting."
        )
    # Ticked options are kept in the question's order, whatever order the form sent them in.
    return [o for o in option_ids if o in chosen], ""


@transaction.atomic
def save_response(
    *, survey: Survey, provider: Provider, answers: dict[int, object], actor: User, submit: bool
) -> Response:
    """Save a provider's answers (as often as wanted until submitted); `submit` also checks that
    every required question is answered and makes the answers final."""
    survey = Survey.objects.select_for_update().get(pk=survey.pk)
    if not Invitation.objects.filter(survey=survey, provider=provider).exists():
        raise ValidationError("This survey was not sent to this provider.")
    if survey.status != SurveyStatus.OPEN:
        raise ValidationError("This survey is closed: its answers can no longer change.")
    response = Response.objects.filter(survey=survey, provider=provider).first()
    if response is not None and response.is_submitted:
        raise ValidationError(
            "These answers have been submitted and can no longer change. Ask the alliance if "
            "something needs correcting."
        )
    questions = list(survey.questions.prefetch_related("options"))
    errors, parsed = {}, {}
    for question in questions:
        try:
            parsed[question.pk] = _parse_answer(question, answers.get(question.pk), submit=submit)
        except ValidationError as error:
            errors[f"q{question.pk}"] = error.messages
    if errors:
        raise ValidationError(errors)

    now = timezone.now()
    response = response or Response(survey=survey, provider=provider)
    response.updated_at, response.updated_by = now, actor
    if submit:
        response.submitted_at, response.submitted_by = now, actor
    save_audited(response, actor=actor, reason="Answers submitted" if submit else "Answers saved")
    existing = {a.question_id: a for a in response.answers.all()}
    for question in questions:
        choices, text = parsed[question.pk]
        answer = existing.get(question.pk)
        if not choices and not text:
            if answer is not None:
                answer.delete()
            continue
        answer = answer or Answer(response=response, provider=provider, question=question)
        answer.choices, answer.text = choices, text
        answer.full_clean()
        answer.save()
    return response
