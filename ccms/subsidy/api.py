"""CCA in the JSON API: periods and their feed, submitting and recalling, what the state paid,
authorizations, and the hub's work queue. Routes call the same services as the pages."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from ninja import Router, Schema, Status
from ninja.errors import HttpError

from ccms.core.access import access_alliance, access_provider, accessible_providers
from ccms.core.dates import provider_today
from ccms.families.models import Child
from ccms.subsidy import feed as feeds
from ccms.subsidy import overview, queries, services
from ccms.subsidy.models import Authorization, PaymentSource
from ccms.subsidy.periods import Period, parse_period
from ccms.subsidy.reconcile import reconcile

router = Router()


class ErrorOut(Schema):
    detail: str


class FeedErrorOut(Schema):
    child_key: str | None
    date: date | None
    code: str
    message: str
    blocking: bool


class PeriodOut(Schema):
    start: date
    end: date
    kind: str
    status: str
    status_label: str
    submission: int | None
    children: int
    units_billable: int
    state_amount: Decimal
    family_fee: Decimal
    errors: list[FeedErrorOut]


class SubmissionOut(Schema):
    number: int
    status: str
    period_start: date
    period_end: date
    submitted_at: str
    units_billable: int
    state_amount: Decimal
    family_fee: Decimal
    transmission_status: str
    acknowledgement: str
    last_error: str


class RecallIn(Schema):
    reason: str


class PaymentLineIn(Schema):
    amount: Decimal
    child_id: int | None = None
    kindertrack_child_id: str | None = None
    child_key: str | None = None


class PaymentsIn(Schema):
    paid_on: date
    reference: str = ""
    lines: list[PaymentLineIn]


class ReconciliationRowOut(Schema):
    child_id: int
    child_key: str
    billed: Decimal | None
    paid: Decimal | None
    difference: Decimal
    cause: str
    explanation: str


class ReconciliationOut(Schema):
    status: str
    billed: Decimal
    paid: Decimal
    due_by: date | None
    rows: list[ReconciliationRowOut]


class AuthorizationOut(Schema):
    id: int
    child_id: int
    child_key: str
    start_date: date
    end_date: date
    units_per_period: int
    private_rate: Decimal
    special_needs: bool
    age_group_override: str
    fee_level: str
    fee_level_override: str
    difference_agreement_signed_on: date | None


class AuthorizationIn(Schema):
    child_id: int
    start_date: date
    end_date: date
    units_per_period: int
    private_rate: Decimal
    case_number: str = ""
    special_needs: bool = False
    age_group_override: str = ""
    fee_level_override: str = ""
    difference_agreement_signed_on: date | None = None


class AuthorizationChangeIn(Schema):
    reason: str
    start_date: date | None = None
    end_date: date | None = None
    units_per_period: int | None = None
    private_rate: Decimal | None = None
    case_number: str | None = None
    special_needs: bool | None = None
    age_group_override: str | None = None
    fee_level_override: str | None = None
    difference_agreement_signed_on: date | None = None


class QueueItemOut(Schema):
    severity: str
    kind: str
    provider: str
    title: str
    detail: str
    url: str


def _access(request: HttpRequest, provider: str, permission: str, period: str | None = None):
    access = access_provider(request.user, provider, permission)
    if period is None:
        return access, None
    try:
        return access, parse_period(access.provider, period)
    except ValidationError as error:
        raise HttpError(400, " ".join(error.messages)) from None


def _body(request: HttpRequest, schema: type[Schema]):
    """The JSON body, read after the access check: an outsider learns nothing from how a body
    they send is judged."""
    try:
        return schema.model_validate(json.loads(request.body or b"{}"))
    except ValueError as error:
        errors = getattr(error, "errors", None)
        if callable(errors):
            named = "; ".join(
                f"{'.'.join(str(p) for p in e['loc']) or 'body'}: {e['msg']}" for e in errors()
            )
            raise HttpError(422, f"The request body is not valid: {named}.") from None
        raise HttpError(422, "The request body is not JSON.") from None


def _documented(schema: type[Schema]) -> dict:
    """The body's schema for the OpenAPI document, nested models written in place."""
    spec = schema.model_json_schema()
    defs = spec.pop("$defs", {})

    def inline(node):
        if isinstance(node, dict):
            ref = node.get("$ref", "")
            if ref.startswith("#/$defs/"):
                return inline(defs[ref.removeprefix("#/$defs/")])
            return {key: inline(value) for key, value in node.items()}
        if isinstance(node, list):
            return [inline(item) for item in node]
        return node

    body = {"content": {"application/json": {"schema": inline(spec)}}, "required": True}
    return {"requestBody": body}


def _conflict(error: ValidationError) -> Status:
    return Status(409, {"detail": " ".join(error.messages)})


def _submission_out(s) -> SubmissionOut:
    return SubmissionOut(
        number=s.number,
        status=s.status,
        period_start=s.period_start,
        period_end=s.period_end,
        submitted_at=s.submitted_at.isoformat(),
        units_billable=s.units_billable,
        state_amount=s.state_amount,
        family_fee=s.family_fee,
        transmission_status=s.transmission_status,
        acknowledgement=s.acknowledgement,
        last_error=s.last_error,
    )


@router.get("/providers/{provider}/cca/periods/{period}", response=PeriodOut)
def get_period(request: HttpRequest, provider: str, period: str):
    """Where a billing period stands, with its units, amounts and every error."""
    access, found = _access(request, provider, "subsidy.view", period)
    status = overview.period_status(access.provider, found, today=provider_today(access.provider))
    if status.state == "unavailable":
        raise HttpError(409, status.unavailable)
    submission, result = status.submission, status.result
    if submission is not None:
        feed = submission.feed
        errors = [FeedErrorOut(**e, blocking=False) for e in feed["errors"]]
        children, units = len(feed["children"]), submission.units_billable
        state_amount, family_fee = submission.state_amount, submission.family_fee
    else:
        errors = [
            FeedErrorOut(
                child_key=e.child_key,
                date=e.date,
                code=str(e.code),
                message=e.message,
                blocking=e.blocking,
            )
            for e in result.errors
        ] + [
            FeedErrorOut(child_key=None, date=None, code=p.code, message=p.message, blocking=True)
            for p in result.problems
        ]
        children, units = len(result.children), result.units_billable
        state_amount, family_fee = result.state_amount, result.family_fee
    return PeriodOut(
        start=found.start,
        end=found.end,
        kind=found.kind,
        status=status.state,
        status_label=status.label,
        submission=submission.number if submission else None,
        children=children,
        units_billable=units,
        state_amount=state_amount,
        family_fee=family_fee,
        errors=errors,
    )


@router.get("/providers/{provider}/cca/periods/{period}/feed")
def get_feed(request: HttpRequest, provider: str, period: str, format: str = "json"):  # noqa: A002
    """The CCA attendance feed of the period (format=json or csv): as submitted once the
    period is submitted, else a draft of the attendance as it stands."""
    access, found = _access(request, provider, "subsidy.view", period)
    if format not in feeds.FORMATS:
        raise HttpError(400, "Ask for format=json or format=csv.")
    data = _feed(access.provider, found)
    response = HttpResponse(feeds.render(data, format), content_type=feeds.CONTENT_TYPES[format])
    response["Content-Disposition"] = f'attachment; filename="{feeds.filename(data, format)}"'
    return response


def _feed(provider, period: Period) -> dict:
    live = queries.live_submission(provider, period)
    if live is not None:
        return live.feed
    try:
        return feeds.feed_json(queries.period_result(provider, period))
    except ValidationError as error:
        raise HttpError(409, " ".join(error.messages)) from None


@router.post(
    "/providers/{provider}/cca/periods/{period}/submit",
    response={201: SubmissionOut, 409: ErrorOut},
)
def submit(request: HttpRequest, provider: str, period: str):
    """Submit the period and send it through the provider's transport. 409 with every reason
    when it cannot be submitted (not ended, errors to fix, submitted already)."""
    access, found = _access(request, provider, "subsidy.submit", period)
    try:
        submission = services.submit_and_transmit(
            provider=access.provider, period=found, actor=request.user
        )
    except ValidationError as error:
        return _conflict(error)
    return Status(201, _submission_out(submission))


@router.post(
    "/providers/{provider}/cca/periods/{period}/recall",
    response={200: SubmissionOut, 409: ErrorOut, 422: ErrorOut},
    openapi_extra=_documented(RecallIn),
)
def recall(request: HttpRequest, provider: str, period: str):
    """Recall the live submission with a reason, to correct the period and submit it again."""
    access, found = _access(request, provider, "subsidy.submit", period)
    body = _body(request, RecallIn)
    live = queries.live_submission(access.provider, found)
    if live is None:
        return Status(409, {"detail": f"The period {found.label} is not submitted."})
    try:
        recalled = services.recall_submission(
            submission=live, actor=request.user, reason=body.reason
        )
    except ValidationError as error:
        return _conflict(error)
    return Status(200, _submission_out(recalled))


@router.post(
    "/providers/{provider}/cca/periods/{period}/payments",
    response={201: ReconciliationOut, 409: ErrorOut, 422: ErrorOut},
    openapi_extra=_documented(PaymentsIn),
)
def record_payments(request: HttpRequest, provider: str, period: str):
    """Record what the state paid, per child (named by id, KinderTrack child ID or key)."""
    access, found = _access(request, provider, "subsidy.edit", period)
    body = _body(request, PaymentsIn)
    children = Child.objects.filter(provider=access.provider)
    lines = []
    for line in body.lines:
        if line.child_id is not None:
            child = children.filter(pk=line.child_id).first()
        elif line.kindertrack_child_id:
            child = children.filter(kindertrack_child_id=line.kindertrack_child_id).first()
        else:
            child = children.filter(key=line.child_key or "").first()
        if child is None:
            return Status(409, {"detail": "A line names no child of this provider."})
        lines.append(services.PaymentLine(child, line.amount))
    try:
        services.record_state_payments(
            provider=access.provider,
            period=found,
            lines=lines,
            paid_on=body.paid_on,
            reference=body.reference,
            actor=request.user,
            source=PaymentSource.API,
        )
    except ValidationError as error:
        return _conflict(error)
    return Status(201, _reconciliation(access.provider, found))


@router.get("/providers/{provider}/cca/periods/{period}/reconciliation", response=ReconciliationOut)
def get_reconciliation(request: HttpRequest, provider: str, period: str):
    access, found = _access(request, provider, "subsidy.view", period)
    return _reconciliation(access.provider, found)


def _reconciliation(provider, period: Period) -> ReconciliationOut:
    rec = reconcile(provider, period, today=provider_today(provider))
    return ReconciliationOut(
        status=rec.status,
        billed=rec.billed,
        paid=rec.paid,
        due_by=rec.due_by,
        rows=[
            ReconciliationRowOut(
                child_id=row.child.pk,
                child_key=row.child.key,
                billed=row.billed,
                paid=row.paid,
                difference=row.difference,
                cause=row.cause,
                explanation=row.explanation,
            )
            for row in rec.rows
        ],
    )


def _authorization_out(a: Authorization) -> AuthorizationOut:
    return AuthorizationOut(
        id=a.pk,
        child_id=a.child_id,
        child_key=a.child.key,
        start_date=a.start_date,
        end_date=a.end_date,
        units_per_period=a.units_per_period,
        private_rate=a.private_rate,
        special_needs=a.special_needs,
        age_group_override=a.age_group_override,
        fee_level=a.fee_level,
        fee_level_override=a.fee_level_override,
        difference_agreement_signed_on=a.difference_agreement_signed_on,
    )


@router.get("/providers/{provider}/cca/authorizations", response=list[AuthorizationOut])
def list_authorizations(request: HttpRequest, provider: str):
    access, _ = _access(request, provider, "subsidy.view")
    rows = Authorization.objects.filter(provider=access.provider).select_related("child__family")
    return [_authorization_out(a) for a in rows]


@router.post(
    "/providers/{provider}/cca/authorizations",
    response={201: AuthorizationOut, 409: ErrorOut, 422: ErrorOut},
    openapi_extra=_documented(AuthorizationIn),
)
def create_authorization(request: HttpRequest, provider: str):
    access, _ = _access(request, provider, "subsidy.edit")
    body = _body(request, AuthorizationIn)
    child = Child.objects.filter(provider=access.provider, pk=body.child_id).first()
    if child is None:
        return Status(409, {"detail": "No child of this provider has that id."})
    data = body.dict()
    data.pop("child_id")
    try:
        authorization = services.save_authorization(
            provider=access.provider, actor=request.user, data={"child": child, **data}
        )
    except ValidationError as error:
        return _conflict(error)
    return Status(201, _authorization_out(authorization))


@router.patch(
    "/providers/{provider}/cca/authorizations/{authorization_id}",
    response={200: AuthorizationOut, 409: ErrorOut, 422: ErrorOut},
    openapi_extra=_documented(AuthorizationChangeIn),
)
def change_authorization(request: HttpRequest, provider: str, authorization_id: int):
    """Change an authorization; `reason` is required and kept in the audit trail."""
    access, _ = _access(request, provider, "subsidy.edit")
    authorization = queries.access_authorization(access, authorization_id)
    body = _body(request, AuthorizationChangeIn)
    data = body.dict(exclude_unset=True)
    reason = data.pop("reason")
    try:
        changed = services.save_authorization(
            provider=access.provider,
            actor=request.user,
            data=data,
            authorization=authorization,
            reason=reason,
        )
    except ValidationError as error:
        return _conflict(error)
    return Status(200, _authorization_out(changed))


@router.get("/alliances/{alliance}/cca/queue", response=list[QueueItemOut])
def work_queue(request: HttpRequest, alliance: str):
    """The hub's subsidy work queue across the alliance's providers, most urgent first."""
    access = access_alliance(request.user, alliance, "subsidy.queue")
    providers = list(accessible_providers(request.user).filter(alliance=access.alliance))
    return [
        QueueItemOut(
            severity=item.severity,
            kind=item.kind,
            provider=item.provider.slug,
            title=item.title,
            detail=item.detail,
            url=item.url,
        )
        for item in overview.work_queue(providers)
    ]
