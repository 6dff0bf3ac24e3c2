"""Needs assessment surveys: the co-design team builds a survey of the alliance's members, sends
it, each member's director answers once for the provider, and the team ranks the shared services
the answers ask for (results.py)."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from simple_history.models import HistoricalRecords

from ccms.alliance.models import SharedService
from ccms.tenancy.models import Alliance, Provider


class SurveyStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"


class QuestionKind(models.TextChoices):
    SINGLE_CHOICE = "single_choice", "Single choice (pick one)"
    MULTIPLE_CHOICE = "multiple_choice", "Multiple choice (pick any)"
    RANKING = "ranking", "Ranking (put in order)"
    FREE_TEXT = "free_text", "Free text"


CHOICE_KINDS = {QuestionKind.SINGLE_CHOICE, QuestionKind.MULTIPLE_CHOICE}
KINDS_WITH_OPTIONS = {*CHOICE_KINDS, QuestionKind.RANKING}


class Survey(models.Model):
    """A survey of an alliance's members. Its questions change only while it is a draft; once
    sent it is open for answers until the team closes it."""

    alliance = models.ForeignKey(Alliance, on_delete=models.CASCADE, related_name="surveys")
    title = models.CharField(max_length=200)
    intro = models.TextField(
        "introduction",
        blank=True,
        help_text="What the survey is for and how the answers will be used; members read it first.",
    )
    status = models.CharField(
        max_length=10, choices=SurveyStatus.choices, default=SurveyStatus.DRAFT
    )
    closes_on = models.DateField(
        "answers due by", null=True, blank=True, help_text="Shown to members; optional."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["alliance", "title"], name="survey_title_unique")
        ]

    def __str__(self):
        return self.title

    @property
    def is_draft(self) -> bool:
        return self.status == SurveyStatus.DRAFT

    @property
    def is_open(self) -> bool:
        return self.status == SurveyStatus.OPEN


class Question(models.Model):
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="questions")
    order = models.PositiveIntegerField(default=0)
    kind = models.CharField(max_length=20, choices=QuestionKind.choices)
    text = models.CharField("question", max_length=300)
    help_text = models.CharField("hint", max_length=300, blank=True)
    required = models.BooleanField(default=True)
    weight = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        default=Decimal("1"),
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text="How much this question counts in the ranked list of services (0 leaves it out).",
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["order", "id"]

    def __str__(self):
        return self.text

    @property
    def alliance_id(self) -> int:
        # Files the question's audit entries under its survey's alliance.
        return self.survey.alliance_id

    @property
    def kind_name(self) -> str:
        """The kind without its hint: "ranking", "multiple choice"."""
        return self.get_kind_display().split(" (")[0].lower()

    @property
    def has_options(self) -> bool:
        return self.kind in KINDS_WITH_OPTIONS


class Option(models.Model):
    """A choice of a question. One that names a shared service counts toward that service's
    place in the ranked list."""

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="options")
    order = models.PositiveIntegerField(default=0)
    label = models.CharField(max_length=200)
    service = models.ForeignKey(
        SharedService,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The shared service this option asks for, if any.",
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["order", "id"]

    def __str__(self):
        return self.label

    @property
    def alliance_id(self) -> int:
        return self.question.survey.alliance_id


class Invitation(models.Model):
    """A member provider asked to answer a survey. Sending again never invites twice."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="invitations")
    provider = models.ForeignKey(
        Provider, on_delete=models.CASCADE, related_name="survey_invitations"
    )
    sent_at = models.DateTimeField()
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["provider__name"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "survey"], name="survey_invitation_unique")
        ]

    def __str__(self):
        return f"{self.survey} sent to {self.provider}"


class Response(models.Model):
    """A provider's one answer to a survey: saved as often as the director likes until it is
    submitted or the survey closes."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="responses")
    provider = models.ForeignKey(
        Provider, on_delete=models.CASCADE, related_name="survey_responses"
    )
    updated_at = models.DateTimeField()
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["provider__name"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "survey"], name="survey_response_unique")
        ]

    def __str__(self):
        return f"{self.provider}'s answers to {self.survey}"

    @property
    def is_submitted(self) -> bool:
        return self.submitted_at is not None


class Answer(models.Model):
    """The answer to one question. `choices` holds option ids: the one chosen, those ticked, or
    every option in the order ranked (first is the most wanted)."""

    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers")
    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="+")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="answers")
    choices = models.JSONField(default=list, blank=True)
    text = models.TextField(blank=True)

    class Meta:
        ordering = ["question__order", "question_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "response", "question"], name="survey_answer_unique"
            )
        ]

    def __str__(self):
        return f"Answer to {self.question}"
