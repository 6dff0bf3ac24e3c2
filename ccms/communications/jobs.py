"""The communications tasks, registered with the queue (ccms.core.tasks) on import, and the
periodic call the worker makes: release what is due, then send (and retry) due e-mails."""

from ccms.communications import services
from ccms.core.tasks import periodic, task


@task("comms.send_message_emails")
def send_message_emails(*, message_id: int) -> None:
    services.send_due_emails(message_id=message_id)


@periodic("comms.release_and_send")
def release_and_send() -> None:
    services.release_due()
    services.send_due_emails()
