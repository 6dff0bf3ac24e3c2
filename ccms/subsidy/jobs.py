"""CCA background tasks (ccms.core.tasks): delivering a submission over HTTP waits on the network,
so it runs outside the request that submitted it. Importing this module registers the tasks."""

from ccms.core.tasks import task
from ccms.subsidy import services
from ccms.subsidy.models import Submission, TransmissionStatus
from ccms.tenancy.models import User


class DeliveryFailed(Exception):
    """KinderTrack could not be reached or failed; the worker tries the task again later."""


@task("cca.transmit")
def transmit(*, submission_id: int, actor_id: int | None = None) -> None:
    submission = Submission.objects.select_related("provider").filter(pk=submission_id).first()
    if (
        submission is None
        or not submission.is_live
        or submission.transmission_status == TransmissionStatus.ACKNOWLEDGED
    ):
        return  # recalled, or delivered by an earlier attempt: nothing to do
    actor = User.objects.filter(pk=actor_id).first() if actor_id else None
    sent = services.transmit_submission(submission=submission, actor=actor)
    if sent.outcome == TransmissionStatus.FAILED:
        raise DeliveryFailed(sent.message)
