"""Building, sending, answering, weighting and closing a survey through its services."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from ccms.alliance.models import AllianceMember, SharedService
from ccms.core.models import AuditEvent
from ccms.surveys import queries, services
from ccms.surveys.models import Answer, Invitation, Response, SurveyStatus
from ccms.tenancy.models import Role


def messages_of(error: ValidationError) -> list[str]:
    return error.value.messages


# Building ---------------------------------------------------------------------------------------


def test_services_become_options_and_questions_are_numbered_in_order(built):
    assert [q.text for q in built.survey.questions.all()] == [
        "Rank these services",
        "Which would you use?",
        "Anything else?",
    ]
    assert [q.order for q in built.survey.questions.all()] == [1, 2, 3]
    assert [
        (o.label, o.service.name if o.service else None) for o in built.choice.options.all()
    ] == [
        ("None of these", None),
        ("Payroll", "Payroll"),
        ("Staff training", "Staff training"),
    ]


def test_questions_and_options_move_and_go(built, team):
    services.move_question(question=built.text, up=True, actor=team)
    assert [q.pk for q in built.survey.questions.all()] == [
        built.ranking.pk,
        built.text.pk,
        built.choice.pk,
    ]
    services.move_question(question=built.ranking, up=True, actor=team)  # already first
    assert built.survey.questions.first().pk == built.ranking.pk
    payroll = built.ranking.options.get(label="Payroll")
    services.move_option(option=payroll, up=True, actor=team)
    assert built.ranking.options.first().label == "Payroll"
    services.remove_option(option=payroll, actor=team)
    services.remove_question(question=built.text, actor=team)
    assert built.survey.questions.count() == 2
    assert built.ranking.options.count() == 2


def test_every_change_is_audited_under_the_alliance(built, team):
    events = AuditEvent.objects.filter(alliance_id=built.survey.alliance_id, actor=team)
    assert events.filter(object_type="Survey").exists()
    assert events.filter(object_type="Question", reason="Question added").count() == 3
    assert events.filter(object_type="Option").count() == 6


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"kind": "free_text", "options": ["A"]}, "A free-text question has no options"),
        ({"kind": "ranking", "options": ["A", "a"]}, "“a” is listed twice"),
        ({"kind": "essay"}, "Choose a kind of question"),
    ],
)
def test_a_malformed_question_is_refused_with_what_to_fix(built, team, kwargs, message):
    with pytest.raises(ValidationError) as error:
        services.add_question(survey=built.survey, text="Q", actor=team, **kwargs)
    assert message in " ".join(messages_of(error))
    assert built.survey.questions.count() == 3


def test_an_option_cannot_name_another_alliances_service(built, world, team):
    theirs = SharedService.objects.create(
        alliance=world.alliance_b, category="payroll", name="Payroll", delivered_by="Hub"
    )
    with pytest.raises(ValidationError, match="this alliance's shared services"):
        services.add_option(question=built.choice, label="", service=theirs, actor=team)


def test_an_option_left_unlabelled_takes_its_services_name(built, team):
    service = SharedService.objects.create(
        alliance=built.survey.alliance, category="food", name="Food program", delivered_by="Hub"
    )
    option = services.add_option(question=built.choice, label=" ", service=service, actor=team)
    assert option.label == "Food program" and option.order == 4


# Sending ----------------------------------------------------------------------------------------


def test_sending_invites_every_provider_once_and_tells_their_directors(
    built, world, team, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        new = services.send_survey(survey=built.survey, actor=team)
    assert {i.provider.slug for i in new} == {"a1", "a2"}  # not b1 of the other alliance
    built.survey.refresh_from_db()
    assert built.survey.status == SurveyStatus.OPEN and built.survey.sent_at
    assert sorted(m.to[0] for m in mailoutbox) == ["director@a1.test", "director@a2.test"]
    assert f"/p/a1/surveys/{built.survey.pk}/" in next(
        m.body for m in mailoutbox if m.to == ["director@a1.test"]
    )

    with django_capture_on_commit_callbacks(execute=True):
        again = services.send_survey(survey=built.survey, actor=team)
    assert again == [] and len(mailoutbox) == 2
    assert Invitation.objects.filter(survey=built.survey).count() == 2


def test_sending_to_chosen_members_then_to_the_rest(built, world, team):
    services.send_survey(survey=built.survey, providers=[world.a2.provider], actor=team)
    new = services.send_survey(survey=built.survey, providers=None, actor=team)
    assert [i.provider.slug for i in new] == ["a1"]


def test_recorded_members_are_the_recipients(built, world, team):
    AllianceMember.objects.create(
        alliance=world.alliance_a, provider=world.a1.provider, joined_on=date(2025, 1, 1)
    )
    AllianceMember.objects.create(
        alliance=world.alliance_a,
        provider=world.a2.provider,
        joined_on=date(2025, 1, 1),
        left_on=date(2025, 6, 30),
    )
    assert list(queries.recipients(world.alliance_a, date(2026, 1, 5))) == [world.a1.provider]
    new = services.send_survey(survey=built.survey, actor=team, today=date(2026, 1, 5))
    assert [i.provider.slug for i in new] == ["a1"]
    with pytest.raises(ValidationError, match="Only current members can be asked: Provider a2"):
        services.send_survey(
            survey=built.survey, providers=[world.a2.provider], actor=team, today=date(2026, 1, 5)
        )


def test_a_provider_of_another_alliance_cannot_be_sent_the_survey(built, world, team):
    with pytest.raises(ValidationError, match="Provider b1 is not"):
        services.send_survey(survey=built.survey, providers=[world.b1.provider], actor=team)
    assert not Invitation.objects.exists()


def test_a_question_with_one_option_stops_the_sending(built, team):
    services.add_question(
        survey=built.survey, kind="single_choice", text="Pick", options=["Only"], actor=team
    )
    with pytest.raises(ValidationError, match="“Pick” needs at least two options"):
        services.send_survey(survey=built.survey, actor=team)
    built.survey.refresh_from_db()
    assert built.survey.is_draft


def test_questions_are_fixed_once_sent(sent, team):
    with pytest.raises(ValidationError, match="no longer change"):
        services.add_question(survey=sent.survey, kind="free_text", text="More?", actor=team)
    with pytest.raises(ValidationError, match="no longer change"):
        services.remove_question(question=sent.ranking, actor=team)
    with pytest.raises(ValidationError, match="no longer change"):
        services.update_option(
            option=sent.ranking.options.first(), label="X", service=None, actor=team
        )


# Answering --------------------------------------------------------------------------------------


def test_a_director_saves_then_submits_and_then_nothing_changes(sent, world):
    a1, director = world.a1.provider, world.a1.users[Role.DIRECTOR]
    partial = {sent.choice.pk: [sent.option(sent.choice, "Payroll")]}
    response = services.save_response(
        survey=sent.survey, provider=a1, answers=partial, actor=director, submit=False
    )
    assert not response.is_submitted and response.answers.count() == 1

    answers = sent.complete("Staff training", "Substitute pool", "Payroll", text="More subs")
    response = services.save_response(
        survey=sent.survey, provider=a1, answers=answers, actor=director, submit=True
    )
    assert response.is_submitted and response.submitted_by == director
    ranking = Answer.objects.get(response=response, question=sent.ranking)
    assert ranking.choices == [
        sent.option(sent.ranking, label)
        for label in ("Staff training", "Substitute pool", "Payroll")
    ]
    assert Answer.objects.get(response=response, question=sent.text).text == "More subs"
    assert AuditEvent.objects.filter(
        provider_id=a1.pk, object_type="Response", reason="Answers submitted"
    ).exists()

    with pytest.raises(ValidationError, match="submitted and can no longer change"):
        services.save_response(
            survey=sent.survey, provider=a1, answers=answers, actor=director, submit=True
        )


@pytest.mark.parametrize(
    "ranks",
    [
        {"Substitute pool": 1, "Payroll": 1, "Staff training": 2},  # a place twice
        {"Substitute pool": 1, "Payroll": 2},  # one left out
        {"Substitute pool": 1, "Payroll": 2, "Staff training": 4},  # beyond the count
    ],
)
def test_a_ranking_must_use_each_place_once(sent, world, ranks):
    answers = sent.complete()
    answers[sent.ranking.pk] = {sent.option(sent.ranking, k): v for k, v in ranks.items()}
    with pytest.raises(ValidationError) as error:
        services.save_response(
            survey=sent.survey,
            provider=world.a1.provider,
            answers=answers,
            actor=world.a1.users[Role.DIRECTOR],
            submit=False,
        )
    assert error.value.message_dict == {f"q{sent.ranking.pk}": ["Rank each option once: 1 to 3."]}
    assert not Response.objects.exists()


def test_required_questions_are_checked_on_submit_only(sent, world):
    director = world.a1.users[Role.DIRECTOR]
    kwargs = {"survey": sent.survey, "provider": world.a1.provider, "actor": director}
    services.save_response(answers={}, submit=False, **kwargs)
    with pytest.raises(ValidationError) as error:
        services.save_response(answers={}, submit=True, **kwargs)
    assert error.value.message_dict == {
        f"q{sent.ranking.pk}": ["Rank each option once: 1 to 3."],
        f"q{sent.choice.pk}": ["Tick at least one option before submitting."],
    }  # the free-text question is optional


def test_an_option_of_another_question_is_refused(sent, world):
    answers = sent.complete()
    answers[sent.choice.pk] = [sent.option(sent.ranking, "Payroll")]
    with pytest.raises(ValidationError, match="Choose from the options listed"):
        services.save_response(
            survey=sent.survey,
            provider=world.a1.provider,
            answers=answers,
            actor=world.a1.users[Role.DIRECTOR],
            submit=True,
        )


def test_a_provider_not_invited_or_a_closed_survey_takes_no_answers(sent, world, team):
    with pytest.raises(ValidationError, match="not sent to this provider"):
        services.save_response(
            survey=sent.survey,
            provider=world.b1.provider,
            answers=sent.complete(),
            actor=world.b1.users[Role.DIRECTOR],
            submit=True,
        )
    services.close_survey(survey=sent.survey, actor=team)
    with pytest.raises(ValidationError, match="closed"):
        services.save_response(
            survey=sent.survey,
            provider=world.a1.provider,
            answers=sent.complete(),
            actor=world.a1.users[Role.DIRECTOR],
            submit=True,
        )
    with pytest.raises(ValidationError, match="Only an open survey"):
        services.close_survey(survey=sent.survey, actor=team)


# Weights and results ----------------------------------------------------------------------------


def test_weights_change_the_ranked_list_and_bad_weights_write_nothing(sent, world, team):
    for tenant, order, ticked in (
        (world.a1, ("Payroll", "Substitute pool", "Staff training"), ["Staff training"]),
        (world.a2, ("Substitute pool", "Staff training", "Payroll"), ["Staff training"]),
    ):
        services.save_response(
            survey=sent.survey,
            provider=tenant.provider,
            answers=sent.complete(*order, ticked=ticked),
            actor=tenant.users[Role.DIRECTOR],
            submit=True,
        )
    ranked = queries.survey_results(sent.survey).priorities
    assert [(p.name, p.score) for p in ranked] == [
        ("Staff training", 5),  # 1 + 2 Borda points, + 2 ticks; a tie, listed by name
        ("Substitute pool", 5),  # 2 + 3
        ("Payroll", 4),
    ]

    with pytest.raises(ValidationError) as error:
        services.set_weights(
            survey=sent.survey, weights={sent.ranking.pk: "3", sent.choice.pk: "-1"}, actor=team
        )
    assert error.value.message_dict == {
        f"weight_{sent.choice.pk}": ["Give a weight from 0 to 100 (for example 1 or 2.5)."]
    }
    sent.ranking.refresh_from_db()
    assert sent.ranking.weight == Decimal(1)

    services.set_weights(
        survey=sent.survey, weights={sent.ranking.pk: "3", sent.choice.pk: "0"}, actor=team
    )
    ranked = queries.survey_results(sent.survey).priorities
    assert [(p.name, p.score) for p in ranked] == [
        ("Substitute pool", 15),
        ("Payroll", 12),
        ("Staff training", 9),
    ]
    result = queries.survey_results(sent.survey)
    assert (result.invited, result.submitted, result.response_rate) == (2, 2, 100)


def test_the_export_has_a_row_per_invited_provider_and_a_column_per_question(sent, world):
    services.save_response(
        survey=sent.survey,
        provider=world.a1.provider,
        answers=sent.complete(text="=HYPERLINK(1)"),
        actor=world.a1.users[Role.DIRECTOR],
        submit=True,
    )
    lines = queries.responses_csv(sent.survey).splitlines()
    assert lines[0] == (
        "provider,status,submitted at,submitted by,Rank these services,Which would you use?,"
        "Anything else?"
    )
    assert lines[1].startswith("Provider a1,submitted,")
    assert lines[1].endswith(
        "director@a1.test,1. Substitute pool; 2. Payroll; 3. Staff training,Payroll,'=HYPERLINK(1)"
    )
    assert lines[2] == "Provider a2,not started,,,,,"
