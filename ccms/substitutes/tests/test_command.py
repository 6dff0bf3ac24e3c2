import json

import pytest
from django.core.management import CommandError, call_command

from ccms.substitutes.tests.conftest import request


def test_list_open_prints_each_open_request_with_how_many_qualify(pool, capsys):
    cover = request(pool)
    call_command("substitutes", "list-open", "--alliance", "alpha", "--json")
    rows = json.loads(capsys.readouterr().out)
    assert rows == [
        {
            "id": cover.pk,
            "date": pool.tomorrow.isoformat(),
            "from": "09:00",
            "to": "15:00",
            "provider": "a1",
            "classroom": "Toddlers",
            "qualified": 2,
        }
    ]


def test_expiring_lists_credentials_about_to_lapse(pool, capsys):
    from datetime import timedelta

    pool.jordan.credentials.filter(kind="cpr").update(expires_on=pool.today + timedelta(days=5))
    call_command("substitutes", "expiring", "--alliance", "alpha")
    out = capsys.readouterr().out
    assert "Jordan Ellis" in out and "CPR" in out and "expiring" in out


def test_an_unknown_alliance_is_an_error(pool):
    with pytest.raises(CommandError, match="No alliance"):
        call_command("substitutes", "list-open", "--alliance", "nope")
