"""Reads of the survey pages, the export and the command line. Objects named in a URL are loaded
only through the access helpers here, which answer 404 alike for missing and not yours."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404

from ccms.alliance.members import member_providers
from ccms.alliance.models import AllianceMember, SharedService
from ccms.attendance.reports import csv_text
from ccms.core.access import AllianceAccess, ProviderAccess
from ccms.surveys import results
from ccms.surveys.models import (
    Answer,
    Invitation,
    Option,
    Question,
    QuestionKind,
    Response,
    Survey,
    SurveyStatus,
)
from ccms.tenancy.models import Alliance, Provider

# Access helpers ---------------------------------------------------------------------------------


def access_survey(access: AllianceAccess, survey_id: int) -> Survey:
    """A survey of the alliance in the URL."""
    survey = Survey.objects.filter(pk=survey_id, alliance=access.alliance).first()
    if survey is None:
        raise Http404("No such survey.")
    return survey


def access_question(survey: Survey, question_id: int) -> Question:
    question = Question.objects.filter(pk=question_id, survey=survey).first()
    if question is None:
        raise Http404("No such question.")
    return question


def access_option(survey: Survey, option_id: int) -> Option:
    option = (
        Option.objects.filter(pk=option_id, question__survey=survey)
        .select_related("question")
        .first()
    )
    if option is None:
        raise Http404("No such option.")
    return option


def access_invitation(access: ProviderAccess, survey_id: int) -> Invitation:
    """The provider's invitation to a sent survey: a survey it was not sent to is not there."""
    invitation = (
        Invitation.objects.filter(survey_id=survey_id, provider=access.provider)
        .exclude(survey__status=SurveyStatus.DRAFT)
        .select_related("survey", "provider")
        .first()
    )
    if invitation is None:
        raise Http404("No such survey.")
    return invitation


# Lists ------------------------------------------------------------------------------------------


def recipients(alliance: Alliance, today: date) -> QuerySet[Provider]:
    """Who a survey goes to: the alliance's current members. An alliance that has recorded no
    memberships yet sends to all its providers."""
    if AllianceMember.objects.filter(alliance=alliance).exists():
        return member_providers(alliance, today)
    return Provider.objects.filter(alliance=alliance).order_by("name")


def alliance_surveys(alliance: Alliance) -> QuerySet[Survey]:
    return (
        Survey.objects.filter(alliance=alliance)
        .annotate(
            invited=Count("invitations", distinct=True),
            submitted=Count(
                "responses", filter=Q(responses__submitted_at__isnull=False), distinct=True
            ),
            question_count=Count("questions", distinct=True),
        )
        .order_by("-created_at", "-pk")
    )


def services_of(alliance: Alliance) -> QuerySet[SharedService]:
    return SharedService.objects.filter(alliance=alliance, is_active=True).order_by("name")


def questions_of(survey: Survey) -> list[Question]:
    return list(
        survey.questions.prefetch_related(
            Prefetch("options", queryset=Option.objects.select_related("service"))
        )
    )


@dataclass
class InboxRow:
    invitation: Invitation
    response: Response | None

    @property
    def state(self) -> str:
        if self.response and self.response.is_submitted:
            return "Submitted"
        if self.invitation.survey.status == SurveyStatus.CLOSED:
            return "Closed"
        return "Started" if self.response else "Not started"


def provider_inbox(provider: Provider) -> list[InboxRow]:
    """The surveys sent to a provider, open ones first, newest first."""
    invitations = (
        Invitation.objects.filter(provider=provider)
        .select_related("survey")
        .order_by("survey__status", "-sent_at")
    )
    responses = {
        r.survey_id: r
        for r in Response.objects.filter(
            provider=provider, survey__in=[i.survey_id for i in invitations]
        )
    }
    rows = [InboxRow(i, responses.get(i.survey_id)) for i in invitations]
    rows.sort(key=lambda r: (r.invitation.survey.status != SurveyStatus.OPEN, -r.invitation.pk))
    return rows


def answers_of(response: Response | None) -> dict[int, Answer]:
    if response is None:
        return {}
    return {a.question_id: a for a in response.answers.all()}


# Results ----------------------------------------------------------------------------------------


@dataclass
class SurveyResults:
    survey: Survey
    invited: int
    submitted: int
    not_answered: list[str]
    questions: list[results.QuestionResult]
    priorities: list[results.Priority]
    question_rows: list[Question]

    @property
    def response_rate(self) -> int:
        return round(100 * self.submitted / self.invited) if self.invited else 0


def question_infos(questions: list[Question]) -> list[results.QuestionInfo]:
    return [
        results.QuestionInfo(
            id=q.pk,
            kind=q.kind,
            text=q.text,
            weight=q.weight,
            required=q.required,
            options=tuple(
                results.OptionInfo(
                    o.pk, o.label, o.service_id, o.service.name if o.service_id else ""
                )
                for o in q.options.all()
            ),
        )
        for q in questions
    ]


def survey_results(survey: Survey) -> SurveyResults:
    """Everything the results and priorities pages show, from submitted responses only."""
    questions = questions_of(survey)
    infos = question_infos(questions)
    submitted = list(
        Response.objects.filter(survey=survey, submitted_at__isnull=False).select_related(
            "provider"
        )
    )
    answers = [
        results.AnswerInfo(
            provider=a.response.provider.name,
            question_id=a.question_id,
            choices=tuple(a.choices),
            text=a.text,
        )
        for a in Answer.objects.filter(response__in=submitted).select_related("response__provider")
    ]
    invitations = list(survey.invitations.select_related("provider"))
    answered = {r.provider_id for r in submitted}
    return SurveyResults(
        survey=survey,
        invited=len(invitations),
        submitted=len(submitted),
        not_answered=[i.provider.name for i in invitations if i.provider_id not in answered],
        questions=results.question_results(infos, answers, len(submitted)),
        priorities=results.service_priorities(infos, answers),
        question_rows=questions,
    )


def responses_csv(survey: Survey) -> str:
    """One row per invited provider, one column per question; rankings as "1. X; 2. Y"."""
    questions = questions_of(survey)
    labels = {o.pk: o.label for q in questions for o in q.options.all()}
    responses = {
        r.provider_id: r
        for r in Response.objects.filter(survey=survey).select_related("submitted_by")
    }
    answers = {
        (a.provider_id, a.question_id): a for a in Answer.objects.filter(response__survey=survey)
    }
    header = ["provider", "status", "submitted at", "submitted by", *(q.text for q in questions)]
    rows = []
    for invitation in survey.invitations.select_related("provider"):
        response = responses.get(invitation.provider_id)
        status = "not started"
        if response is not None:
            status = "submitted" if response.is_submitted else "started"
        row = [
            invitation.provider.name,
            status,
            response.submitted_at.isoformat(timespec="seconds")
            if response and response.is_submitted
            else "",
            response.submitted_by.email if response and response.submitted_by else "",
        ]
        for question in questions:
            answer = answers.get((invitation.provider_id, question.pk))
            row.append(_answer_text(question, answer, labels))
        rows.append(row)
    return csv_text(header, rows)


def _answer_text(question: Question, answer: Answer | None, labels: dict[int, str]) -> str:
    if answer is None:
        return ""
    if question.kind == QuestionKind.FREE_TEXT:
        return answer.text
    names = [labels.get(option_id, "?") for option_id in answer.choices]
    if question.kind == QuestionKind.RANKING:
        return "; ".join(f"{n}. {name}" for n, name in enumerate(names, 1))
    return "; ".join(names)
