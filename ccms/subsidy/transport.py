"""How a submitted feed reaches KinderTrack: one adapter with two transports.

KinderSystems publishes no interface, so today the provider downloads the file and uploads it to
the KinderTrack portal (`FileTransport`); `HttpTransport` POSTs the JSON feed with the client
credentials configured for the provider, and reads the acknowledgement or the errors that come
back. Following the partner specification once obtained changes this module only.
"""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Protocol

from django.core.exceptions import ValidationError

from ccms.subsidy.models import CcaTransport, TransmissionStatus, TransportMethod

TIMEOUT_SECONDS = 20
# What is kept of an answer in the transmission record.
MAX_KEPT = 2000
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}


@dataclass(frozen=True)
class Delivery:
    """What came of one attempt to deliver a feed."""

    outcome: str
    http_status: int | None = None
    reference: str = ""
    message: str = ""


class Transport(Protocol):
    method: str

    def deliver(self, *, body: bytes, idempotency_key: str) -> Delivery: ...


class FileTransport:
    """The feed waits on the period page for someone to download it and upload it by hand."""

    method = TransportMethod.FILE

    def deliver(self, *, body: bytes, idempotency_key: str) -> Delivery:
        return Delivery(
            TransmissionStatus.READY,
            message="Download the feed from the period page and upload it to the KinderTrack "
            "provider portal.",
        )


class HttpTransport:
    """POST the JSON feed; 2xx is an acknowledgement, 4xx a rejection with the errors given,
    anything else (5xx, no answer) a failure to retry. The same idempotency key goes with every
    attempt at one submission, so a retry never files it twice."""

    method = TransportMethod.HTTP

    def __init__(
        self,
        *,
        endpoint_url: str,
        client_id: str,
        client_secret: str,
        token_url: str = "",
        timeout: float = TIMEOUT_SECONDS,
    ):
        self.endpoint_url = endpoint_url
        self.client_id = client_id
        self.client_secret = client_secret
        self.token_url = token_url
        self.timeout = timeout

    def deliver(self, *, body: bytes, idempotency_key: str) -> Delivery:
        try:
            authorization = self._authorization()
        except _Unreachable as error:
            return Delivery(TransmissionStatus.FAILED, message=str(error))
        except _Refused as error:
            return Delivery(
                TransmissionStatus.REJECTED, http_status=error.status, message=str(error)
            )
        request = urllib.request.Request(  # noqa: S310 (the URL is checked: https or local)
            self.endpoint_url,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json",
                "Accept": "application/json",
                "Authorization": authorization,
                "Idempotency-Key": idempotency_key,
                "User-Agent": "CCMS CCA feed",
            },
        )
        try:
            status, text = _send(request, self.timeout)
        except _Unreachable as error:
            return Delivery(TransmissionStatus.FAILED, message=str(error))
        return _judge(status, text)

    def _authorization(self) -> str:
        basic = base64.b64encode(f"{self.client_id}:{self.client_secret}".encode()).decode()
        if not self.token_url:
            return f"Basic {basic}"
        request = urllib.request.Request(  # noqa: S310 (the URL is checked: https or local)
            self.token_url,
            data=urllib.parse.urlencode({"grant_type": "client_credentials"}).encode(),
            method="POST",
            headers={
                "Authorization": f"Basic {basic}",
                "Content-Type": "application/x-www-form-urlencoded",
                "Accept": "application/json",
            },
        )
        status, text = _send(request, self.timeout)
        if status != 200:
            raise _Refused(
                status,
                f"The token endpoint refused the client credentials (HTTP {status}): "
                f"{_excerpt(text)}. Check the client ID and secret in the CCA settings.",
            )
        try:
            token = json.loads(text)["access_token"]
        except (ValueError, KeyError, TypeError):
            raise _Unreachable(
                "The token endpoint answered without an access_token; try again later."
            ) from None
        return f"Bearer {token}"


class _Unreachable(Exception):
    pass


class _Refused(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


def _send(request: urllib.request.Request, timeout: float) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return response.status, response.read(64 * 1024).decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        return error.code, error.read(64 * 1024).decode("utf-8", "replace")
    except (urllib.error.URLError, TimeoutError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise _Unreachable(
            f"KinderTrack could not be reached at {request.full_url} ({reason}); the feed "
            "was not delivered. Try again later."
        ) from None


def _judge(status: int, text: str) -> Delivery:
    try:
        answer = json.loads(text) if text.strip() else {}
    except ValueError:
        answer = {}
    if not isinstance(answer, dict):
        answer = {}
    if 200 <= status < 300:
        if answer.get("accepted") is False:
            return Delivery(
                TransmissionStatus.REJECTED, status, message=_errors(answer) or _excerpt(text)
            )
        reference = str(
            answer.get("reference") or answer.get("acknowledgement") or answer.get("id") or ""
        )[:200]
        return Delivery(
            TransmissionStatus.ACKNOWLEDGED, status, reference, _excerpt(text) or "Accepted."
        )
    if 400 <= status < 500 and status not in (408, 429):
        return Delivery(
            TransmissionStatus.REJECTED, status, message=_errors(answer) or _excerpt(text)
        )
    return Delivery(
        TransmissionStatus.FAILED,
        status,
        message=f"KinderTrack answered HTTP {status}: {_excerpt(text) or 'no details'}. "
        "Try again later.",
    )


def _errors(answer: dict) -> str:
    errors = answer.get("errors")
    if isinstance(errors, list) and errors:
        return "; ".join(
            str(e.get("message", e)) if isinstance(e, dict) else str(e) for e in errors
        )[:MAX_KEPT]
    return str(answer.get("message") or answer.get("error") or "")[:MAX_KEPT]


def _excerpt(text: str) -> str:
    text = " ".join(text.split())
    return text[:MAX_KEPT]


def check_url(url: str, field: str) -> None:
    """Credentials travel only over HTTPS (plain HTTP only to this computer, for tests)."""
    if not url:
        return
    parts = urllib.parse.urlsplit(url)
    if parts.scheme == "https" or (parts.scheme == "http" and parts.hostname in LOCAL_HOSTS):
        return
    raise ValidationError({field: "Use an https:// address: the client secret goes with it."})


def transport_for(config: CcaTransport) -> Transport:
    if config.method == TransportMethod.HTTP:
        return HttpTransport(
            endpoint_url=config.endpoint_url,
            client_id=config.client_id,
            client_secret=config.client_secret or "",
            token_url=config.token_url,
        )
    return FileTransport()
