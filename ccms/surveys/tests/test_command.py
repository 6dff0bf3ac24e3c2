"""`ccms surveys` lists an alliance's surveys and prints a survey's ranked priorities."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from ccms.surveys import services
from ccms.tenancy.models import Role


def run(*args) -> str:
    out = StringIO()
    call_command("surveys", *args, stdout=out)
    return out.getvalue()


def test_the_command_lists_surveys_and_ranks_the_services(sent, world):
    services.save_response(
        survey=sent.survey,
        provider=world.a1.provider,
        answers=sent.complete("Payroll", "Substitute pool", "Staff training"),
        actor=world.a1.users[Role.DIRECTOR],
        submit=True,
    )
    assert "open      1 of 2   Needs 2026" in run("--alliance", "alpha")
    data = json.loads(run("--alliance", "alpha", "--survey", str(sent.survey.pk), "--json"))
    assert (data["invited"], data["submitted"]) == (2, 1)
    assert [(p["service"], p["score"]) for p in data["priorities"]] == [
        ("Payroll", "4"),  # 3 Borda points + 1 tick
        ("Substitute pool", "2"),
        ("Staff training", "1"),
    ]
    text = run("--alliance", "alpha", "--survey", str(sent.survey.pk))
    assert "1 of 2 members answered" in text and "1. Payroll" in text
    assert run("--alliance", "alpha", "--survey", str(sent.survey.pk), "--csv").startswith(
        "provider,status"
    )


def test_another_alliances_survey_is_not_found(sent):
    with pytest.raises(CommandError, match="Beta Alliance has no survey"):
        run("--alliance", "beta", "--survey", str(sent.survey.pk))
    with pytest.raises(CommandError, match="Give --alliance"):
        run()
