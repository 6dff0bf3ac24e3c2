"""The HTTP transport against a small KinderTrack stand-in on 127.0.0.1: acknowledgements,
rejections with their errors, failures to retry, OAuth client credentials, and what a submission
records of each."""

import base64
import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from ccms.core.models import Task
from ccms.subsidy import services
from ccms.subsidy.models import Submission, Transmission, TransmissionStatus
from ccms.subsidy.transport import HttpTransport

BASIC = "Basic " + base64.b64encode(b"client-7:s3cret").decode()


class StandIn:
    """Answers each POST with the next of `answers` (status, JSON body) and keeps what came."""

    def __init__(self):
        self.answers: list[tuple[int, dict]] = []
        self.received: list[dict] = []
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (the http.server protocol)
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                stand_in.received.append(
                    {"path": self.path, "headers": dict(self.headers), "body": body}
                )
                status, answer = stand_in.answers.pop(0)
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def kindertrack():
    stand_in = StandIn()
    yield stand_in
    stand_in.close()


def use_http(cca, url, **extra):
    services.save_transport(
        provider=cca.provider,
        method="http",
        actor=cca.director,
        reason="Go live with KinderTrack",
        endpoint_url=f"{url}/feed",
        client_id="client-7",
        client_secret="s3cret",
        **extra,
    )


def test_a_submission_is_posted_as_json_with_the_credentials_and_acknowledged(cca, kindertrack):
    use_http(cca, kindertrack.url)
    kindertrack.answers.append((202, {"accepted": True, "reference": "KT-2026-0042"}))
    submission = services.submit_and_transmit(
        provider=cca.provider, period=cca.period, actor=cca.director
    )
    assert submission.transmission_status == TransmissionStatus.ACKNOWLEDGED
    assert submission.acknowledgement == "KT-2026-0042" and submission.last_error == ""
    sent = kindertrack.received[0]
    assert sent["path"] == "/feed" and sent["headers"]["Authorization"] == BASIC
    assert sent["headers"]["Content-Type"] == "application/json"
    assert sent["headers"]["Idempotency-Key"] == f"a1:{cca.period.slug}:1"
    feed = json.loads(sent["body"])
    assert feed["submission"]["number"] == 1 and feed["totals"]["state_amount"] == "190.68"
    transmission = Transmission.objects.get()
    assert (transmission.outcome, transmission.http_status) == ("acknowledged", 202)


def test_a_rejection_keeps_kindertracks_errors_on_the_submission(cca, kindertrack):
    use_http(cca, kindertrack.url)
    kindertrack.answers.append(
        (422, {"errors": [{"message": "Child 100002 has no authorization on file"}]})
    )
    submission = services.submit_and_transmit(
        provider=cca.provider, period=cca.period, actor=cca.director
    )
    assert submission.transmission_status == TransmissionStatus.REJECTED
    assert submission.last_error == "Child 100002 has no authorization on file"
    assert submission.status == "submitted"  # the submission stands; recall it to correct


def test_a_server_error_is_a_failure_that_a_retry_delivers_with_the_same_key(cca, kindertrack):
    use_http(cca, kindertrack.url)
    kindertrack.answers += [(503, {"message": "Maintenance"}), (200, {"id": "KT-9"})]
    submission = services.submit_and_transmit(
        provider=cca.provider, period=cca.period, actor=cca.director
    )
    assert submission.transmission_status == TransmissionStatus.FAILED
    assert "HTTP 503" in submission.last_error and "Try again later" in submission.last_error
    # The background task raised so that a worker tries again; here it is sent by hand.
    task = Task.objects.get(name="cca.transmit")
    assert task.status == "failed" and "DeliveryFailed" in task.error
    services.queue_transmission(submission=submission, actor=cca.director)
    submission.refresh_from_db()
    assert (submission.transmission_status, submission.acknowledgement) == ("acknowledged", "KT-9")
    keys = {r["headers"]["Idempotency-Key"] for r in kindertrack.received}
    assert keys == {f"a1:{cca.period.slug}:1"}
    assert list(Transmission.objects.order_by("at").values_list("outcome", flat=True)) == [
        "failed",
        "acknowledged",
    ]


def test_no_answer_at_all_is_recorded_as_not_delivered(cca):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens here once the socket closes
    use_http(cca, f"http://127.0.0.1:{port}")
    submission = services.submit_and_transmit(
        provider=cca.provider, period=cca.period, actor=cca.director
    )
    assert submission.transmission_status == TransmissionStatus.FAILED
    assert "could not be reached" in submission.last_error


def test_oauth_client_credentials_fetch_a_token_first(kindertrack):
    kindertrack.answers += [(200, {"access_token": "tok-1"}), (201, {"reference": "R1"})]
    transport = HttpTransport(
        endpoint_url=f"{kindertrack.url}/feed",
        token_url=f"{kindertrack.url}/token",
        client_id="client-7",
        client_secret="s3cret",
    )
    delivery = transport.deliver(body=b"{}", idempotency_key="k")
    token_request, feed_request = kindertrack.received
    assert token_request["path"] == "/token" and token_request["body"] == (
        b"grant_type=client_credentials"
    )
    assert token_request["headers"]["Authorization"] == BASIC
    assert feed_request["headers"]["Authorization"] == "Bearer tok-1"
    assert (delivery.outcome, delivery.reference) == ("acknowledged", "R1")


def test_refused_client_credentials_are_a_rejection_that_names_the_settings(kindertrack):
    kindertrack.answers.append((401, {"error": "invalid_client"}))
    transport = HttpTransport(
        endpoint_url=f"{kindertrack.url}/feed",
        token_url=f"{kindertrack.url}/token",
        client_id="client-7",
        client_secret="wrong",
    )
    delivery = transport.deliver(body=b"{}", idempotency_key="k")
    assert delivery.outcome == "rejected" and "Check the client ID and secret" in delivery.message


def test_a_recalled_or_acknowledged_submission_is_not_sent(cca, kindertrack):
    use_http(cca, kindertrack.url)
    kindertrack.answers.append((200, {"reference": "A"}))
    submission = services.submit_and_transmit(
        provider=cca.provider, period=cca.period, actor=cca.director
    )
    with pytest.raises(services.ValidationError, match="acknowledged this submission already"):
        services.transmit_submission(submission=submission, actor=cca.director)
    services.recall_submission(submission=submission, actor=cca.director, reason="Fix")
    with pytest.raises(services.ValidationError, match="recalled submission is not sent"):
        services.transmit_submission(
            submission=Submission.objects.get(pk=submission.pk), actor=cca.director
        )
