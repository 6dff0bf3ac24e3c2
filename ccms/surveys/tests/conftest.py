"""A draft survey of alliance alpha: a ranking of three shared services, a multiple choice (two
services and "none of these") and an optional free-text question."""

from dataclasses import dataclass

import pytest

from ccms.alliance.models import SharedService
from ccms.surveys import services
from ccms.surveys.models import Question, Survey
from ccms.tenancy.models import Role


@dataclass
class Built:
    survey: Survey
    ranking: Question
    choice: Question
    text: Question
    services: dict

    def option(self, question: Question, label: str) -> int:
        return question.options.get(label=label).pk

    def ranks(self, *labels: str) -> dict[int, int]:
        return {self.option(self.ranking, label): n for n, label in enumerate(labels, 1)}

    def complete(self, *order: str, ticked=("Payroll",), text="") -> dict:
        order = order or ("Substitute pool", "Payroll", "Staff training")
        return {
            self.ranking.pk: self.ranks(*order),
            self.choice.pk: [self.option(self.choice, label) for label in ticked],
            self.text.pk: text,
        }


@pytest.fixture
def team(world):
    return world.alliance_users[("alpha", Role.HUB_STAFF)]


@pytest.fixture
def admin(world):
    return world.alliance_users[("alpha", Role.ALLIANCE_ADMIN)]


def make_services(alliance) -> dict:
    found = {}
    for category, name in (
        ("substitutes", "Substitute pool"),
        ("payroll", "Payroll"),
        ("training", "Staff training"),
    ):
        found[name] = SharedService.objects.create(
            alliance=alliance, category=category, name=name, delivered_by="Hub"
        )
    return found


@pytest.fixture
def built(world, team) -> Built:
    catalog = make_services(world.alliance_a)
    survey = services.create_survey(
        alliance=world.alliance_a, title="Needs 2026", intro="Tell us.", actor=team
    )
    ranking = services.add_question(
        survey=survey,
        kind="ranking",
        text="Rank these services",
        services=list(catalog.values()),
        actor=team,
    )
    choice = services.add_question(
        survey=survey,
        kind="multiple_choice",
        text="Which would you use?",
        options=["None of these"],
        services=[catalog["Payroll"], catalog["Staff training"]],
        actor=team,
    )
    text = services.add_question(
        survey=survey, kind="free_text", text="Anything else?", required=False, actor=team
    )
    return Built(survey, ranking, choice, text, catalog)


@pytest.fixture
def sent(built, team) -> Built:
    services.send_survey(survey=built.survey, actor=team)
    built.survey.refresh_from_db()
    return built
