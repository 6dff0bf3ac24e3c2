"""The signed-in user's inbox in the API: the same queries and services as the inbox pages."""

from __future__ import annotations

import json
from datetime import datetime

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from ninja import Router, Schema
from ninja.errors import HttpError

from ccms.communications import queries, services

router = Router()


class InboxItemOut(Schema):
    id: int
    sender: str
    subject: str
    body: str
    delivered_at: datetime
    read_at: datetime | None


class ReplyIn(Schema):
    body: str


class ReplyOut(Schema):
    id: int
    message_subject: str
    body: str
    created_at: datetime


class ErrorOut(Schema):
    detail: str


@router.get("/me/inbox", response=list[InboxItemOut])
def my_inbox(request: HttpRequest, unread: bool = False):
    """Messages delivered to the signed-in user, newest first (`unread=true`: unread only)."""
    services.release_due()
    deliveries = queries.inbox(request.auth)
    if unread:
        deliveries = deliveries.filter(read_at=None)
    return [
        InboxItemOut(
            id=d.pk,
            sender=d.message.provider.name if d.message.provider_id else d.message.alliance.name,
            subject=d.message.subject,
            body=d.message.body,
            delivered_at=d.delivered_at,
            read_at=d.read_at,
        )
        for d in deliveries[:200]
    ]


@router.post(
    "/me/inbox/{delivery_id}/replies",
    response={201: ReplyOut, 400: ErrorOut, 422: ErrorOut},
    # The body is read after the access check, so an outsider learns nothing from how a body
    # they send is judged; it is documented here rather than as a parameter.
    openapi_extra={
        "requestBody": {
            "content": {"application/json": {"schema": ReplyIn.model_json_schema()}},
            "required": True,
        }
    },
)
def reply(request: HttpRequest, delivery_id: int):
    """Reply to a message in the user's inbox (marks it read). 404 for anyone else's."""
    delivery = queries.access_delivery(request.auth, delivery_id)
    try:
        payload = ReplyIn.model_validate(json.loads(request.body or b"{}"))
    except ValueError as error:
        raise HttpError(422, 'The request body is not valid: send {"body": "..."}.') from error
    try:
        saved = services.reply_to_message(delivery=delivery, author=request.auth, body=payload.body)
    except ValidationError as error:
        return 400, {"detail": " ".join(error.messages)}
    return 201, ReplyOut(
        id=saved.pk,
        message_subject=delivery.message.subject,
        body=saved.body,
        created_at=saved.created_at,
    )
