"""The survey pages through the HTTP layer: the team builds and sends, a director answers, the
results and ranked priorities show it; who may not gets 403 or 404."""

import re

import pytest
from django.urls import reverse

from ccms.surveys.models import Response, Survey
from ccms.tenancy.models import Role

from .conftest import make_services


def ok(response, status=200) -> str:
    assert response.status_code == status, response.content[:800]
    return response.content.decode()


def test_the_team_builds_and_sends_a_survey_and_a_director_answers_it(client, world, team):
    make_services(world.alliance_a)
    client.force_login(team)
    html = ok(client.get(reverse("survey_list", args=["alpha"])))
    assert "No surveys yet" in html

    response = client.post(
        reverse("survey_new", args=["alpha"]),
        {"title": "Needs 2026", "intro": "What would help?", "closes_on": "2026-03-01"},
    )
    survey = Survey.objects.get(title="Needs 2026")
    assert response["Location"] == reverse("survey_builder", args=["alpha", survey.pk])
    ok(client.get(response["Location"]))

    add = reverse("survey_question_add", args=["alpha", survey.pk])
    services_ids = [str(pk) for pk in survey.alliance.services.values_list("pk", flat=True)]
    ok(
        client.post(
            add,
            {
                "new-text": "Rank these",
                "new-kind": "ranking",
                "new-required": "on",
                "new-services": services_ids,
            },
        ),
        302,
    )
    ok(
        client.post(
            add,
            {"new-text": "Ideas?", "new-kind": "free_text", "new-options": ""},
        ),
        302,
    )
    ranking, ideas = survey.questions.all()
    assert ranking.options.count() == 3 and not ideas.required
    # An option added by hand, pointing at no service.
    ok(
        client.post(
            reverse("survey_option_add", args=["alpha", survey.pk, ranking.pk]),
            {f"new{ranking.pk}-label": "A nurse consultant", f"new{ranking.pk}-service": ""},
        ),
        302,
    )
    html = ok(client.get(reverse("survey_builder", args=["alpha", survey.pk])))
    assert "counts toward Payroll" in html and "A nurse consultant" in html

    response = client.post(reverse("survey_send", args=["alpha", survey.pk]), {"audience": "all"})
    assert response["Location"] == reverse("survey_results", args=["alpha", survey.pk])
    html = ok(client.get(response["Location"]))
    assert "0 of 2" in html and "Provider a1, Provider a2" in html

    director = world.a1.users[Role.DIRECTOR]
    client.force_login(director)
    html = ok(client.get(reverse("survey_inbox", args=["a1"])))
    assert "Needs 2026" in html and "Not started" in html
    answer_url = reverse("survey_answer", args=["a1", survey.pk])
    html = ok(client.get(answer_url))
    assert "Give each option a different number" in html
    options = list(ranking.options.all())
    fields = {f"q{ranking.pk}_o{o.pk}": str(n) for n, o in enumerate(options, 1)}

    # The same place twice: the page says how to fix it and nothing is saved.
    duplicate = {**fields, f"q{ranking.pk}_o{options[1].pk}": "1", "action": "submit"}
    html = ok(client.post(answer_url, duplicate), 400)
    assert "Rank each option once: 1 to 4." in html and 'aria-invalid="true"' in html
    assert not Response.objects.exists()

    ok(client.post(answer_url, {**fields, f"q{ideas.pk}": "A nurse", "action": "save"}), 302)
    assert not Response.objects.get().is_submitted
    html = ok(client.get(answer_url))
    assert "selected>4</option>" in html and "A nurse</textarea>" in html
    ok(client.post(answer_url, {**fields, "action": "submit"}), 302)
    html = ok(client.get(answer_url))
    assert "Submitted on" in html and "<textarea" not in html
    # A submitted answer no longer changes, whatever is posted.
    ok(client.post(answer_url, {**fields, "action": "submit"}), 302)

    client.force_login(team)
    html = ok(client.get(reverse("survey_results", args=["alpha", survey.pk])))
    assert "1 of 2" in html and "Provider a2" in html
    html = ok(client.get(reverse("survey_priorities", args=["alpha", survey.pk])))
    names = re.findall(r'<h3><span class="visually-hidden">\d+\. </span>([^<]+)</h3>', html)
    assert names == ["Payroll", "Staff training", "Substitute pool"]  # as ranked 1, 2, 3
    assert "1 × 4 Borda points from 1 ranking = 4" in html
    csv = client.get(reverse("survey_export", args=["alpha", survey.pk]))
    assert csv["Content-Type"].startswith("text/csv")
    assert "1. Payroll; 2. Staff training; 3. Substitute pool; 4. A nurse consultant" in (
        csv.content.decode()
    )


def test_the_team_sets_weights_on_the_priorities_page(client, sent, team):
    client.force_login(team)
    address = reverse("survey_priorities", args=["alpha", sent.survey.pk])
    html = ok(
        client.post(address, {f"weight_{sent.ranking.pk}": "x", f"weight_{sent.choice.pk}": "1"}),
        400,
    )
    assert "Give a weight from 0 to 100" in html
    ok(
        client.post(address, {f"weight_{sent.ranking.pk}": "2.5", f"weight_{sent.choice.pk}": "0"}),
        302,
    )
    sent.ranking.refresh_from_db()
    assert str(sent.ranking.weight) == "2.50"
    assert 'value="2.5"' in ok(client.get(address))


def test_a_builder_error_comes_back_on_the_page(client, built, team):
    client.force_login(team)
    response = client.post(
        reverse("survey_question_add", args=["alpha", built.survey.pk]),
        {"new-text": "Free", "new-kind": "free_text", "new-options": "A\nB"},
    )
    assert "A free-text question has no options" in ok(response, 400)


def test_sending_to_ticked_members_only(client, built, world, team):
    client.force_login(team)
    response = client.post(
        reverse("survey_send", args=["alpha", built.survey.pk]),
        {"audience": "chosen", "providers": [world.a2.provider.pk]},
    )
    assert response.status_code == 302
    assert [i.provider.slug for i in built.survey.invitations.all()] == ["a2"]
    html = ok(
        client.post(
            reverse("survey_send", args=["alpha", built.survey.pk]), {"audience": "chosen"}
        ),
        400,
    )
    assert "Choose at least one member" in html


def test_another_providers_director_cannot_answer_for_it(client, sent, world):
    b1 = world.b1.users[Role.DIRECTOR]
    client.force_login(b1)
    assert client.get(reverse("survey_answer", args=["a1", sent.survey.pk])).status_code == 404
    assert client.get(reverse("survey_answer", args=["b1", sent.survey.pk])).status_code == 404
    a2 = world.a2.users[Role.DIRECTOR]
    client.force_login(a2)
    response = client.post(
        reverse("survey_answer", args=["a1", sent.survey.pk]), {"action": "submit"}
    )
    assert response.status_code == 404 and not Response.objects.exists()


def test_a_draft_is_not_shown_to_providers(client, built, world):
    client.force_login(world.a1.users[Role.DIRECTOR])
    assert client.get(reverse("survey_answer", args=["a1", built.survey.pk])).status_code == 404
    assert "No surveys for Provider a1" in ok(client.get(reverse("survey_inbox", args=["a1"])))


@pytest.mark.parametrize("role", [Role.GUARDIAN, Role.STAFF, Role.CONSULTANT])
def test_only_the_director_answers(client, sent, world, role):
    client.force_login(world.a1.users[role])
    assert client.get(reverse("survey_inbox", args=["a1"])).status_code == 403
    assert client.get(reverse("survey_answer", args=["a1", sent.survey.pk])).status_code == 403
    assert "/surveys/" not in ok(client.get(reverse("provider_home", args=["a1"])))


def test_the_director_sees_the_surveys_tab(client, sent, world):
    client.force_login(world.a1.users[Role.DIRECTOR])
    html = ok(client.get(reverse("provider_home", args=["a1"])))
    assert reverse("survey_inbox", args=["a1"]) in html


@pytest.mark.parametrize(
    ("who", "status"),
    [
        (("alpha", Role.ALLIANCE_ADMIN), 200),
        (("alpha", Role.HUB_STAFF), 200),
        (("alpha", Role.STATE_VIEWER), 403),
        (("beta", Role.ALLIANCE_ADMIN), 404),
    ],
)
def test_who_reads_the_results(client, sent, world, who, status):
    client.force_login(world.alliance_users[who])
    for name in ("survey_results", "survey_priorities", "survey_export", "survey_builder"):
        assert client.get(reverse(name, args=["alpha", sent.survey.pk])).status_code == status


def test_a_director_gets_no_alliance_survey_pages(client, sent, world):
    client.force_login(world.a1.users[Role.DIRECTOR])
    assert client.get(reverse("survey_list", args=["alpha"])).status_code == 404
    assert client.get(reverse("survey_results", args=["alpha", sent.survey.pk])).status_code == 404


def test_closing_stops_answers(client, sent, world, team):
    client.force_login(team)
    ok(client.post(reverse("survey_close", args=["alpha", sent.survey.pk])), 302)
    client.force_login(world.a1.users[Role.DIRECTOR])
    answer_url = reverse("survey_answer", args=["a1", sent.survey.pk])
    assert "This survey is closed" in ok(client.get(answer_url))
    ok(client.post(answer_url, {"action": "submit"}), 302)
    assert not Response.objects.exists()
