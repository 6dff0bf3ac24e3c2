"""Iron Triangle metrics in the API: the same JSON as `ccms metrics --json`."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Schema
from ninja.errors import HttpError

from ccms.core.access import access_alliance, access_provider
from ccms.core.dates import provider_today
from ccms.insights import metrics

router = Router()


class ErrorOut(Schema):
    detail: str


def _month(month: str | None, as_of: str | None, today):
    try:
        year, number = metrics.parse_month(month) if month else (today.year, today.month)
        day = metrics.parse_day(as_of) if as_of else None
    except metrics.MonthError as error:
        raise HttpError(400, str(error)) from error
    return year, number, day


@router.get("/providers/{provider}/metrics", response={200: dict, 400: ErrorOut})
def provider_metrics(
    request: HttpRequest, provider: str, month: str | None = None, as_of: str | None = None
):
    """The provider's figures for `month` (YYYY-MM, default this month), collections counted as
    of `as_of` (YYYY-MM-DD, default today), as specs/iron-triangle-metrics.md defines them."""
    access = access_provider(request.auth, provider, "insights.view")
    today = provider_today(access.provider)
    year, number, day = _month(month, as_of, today)
    return metrics.provider_metrics(access.provider, year, number, day or today)


@router.get("/alliances/{alliance}/metrics", response={200: dict, 400: ErrorOut})
def alliance_metrics(
    request: HttpRequest, alliance: str, month: str | None = None, as_of: str | None = None
):
    """Every member provider's figures and the alliance total (alliance admins and hub staff)."""
    access = access_alliance(request.auth, alliance, "insights.alliance")
    today = timezone.localdate()
    year, number, day = _month(month, as_of, today)
    return metrics.alliance_metrics(access.alliance, year, number, day or today)
