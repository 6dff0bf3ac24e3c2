"""Background work of the surveys: telling the invited providers' directors."""

from django.conf import settings
from django.core.mail import EmailMessage
from django.urls import reverse

from ccms.core.tasks import task
from ccms.surveys.models import Invitation
from ccms.tenancy.models import Membership, Role


@task("surveys.notify_invited")
def notify_invited(*, invitation_ids: list[int]) -> int:
    """E-mail each invited provider's directors a link to the survey. Returns the e-mails sent."""
    sent = 0
    invitations = Invitation.objects.filter(pk__in=invitation_ids).select_related(
        "survey__alliance", "provider"
    )
    for invitation in invitations:
        survey, provider = invitation.survey, invitation.provider
        to = sorted(
            Membership.objects.filter(
                provider=provider, role=Role.DIRECTOR, user__is_active=True
            ).values_list("user__email", flat=True)
        )
        if not to:
            continue
        link = settings.SITE_URL.rstrip("/") + reverse(
            "survey_answer", args=[provider.slug, survey.pk]
        )
        due = (
            f"Please answer by {survey.closes_on:%B} {survey.closes_on.day}.\n\n"
            if (survey.closes_on)
            else ""
        )
        body = (
            f"Hello,\n\n{survey.alliance.name} asks {provider.name} to answer "
            f"“{survey.title}”.\n\n{survey.intro.strip()}\n\n".replace("\n\n\n\n", "\n\n")
            + due
            + f"Answer for {provider.name} here (sign in first):\n{link}\n\n"
            "You can save your answers and come back before you submit them.\n\n"
            f"{survey.alliance.name}\n"
        )
        EmailMessage(
            f"{survey.alliance.name}: {survey.title}", body, settings.DEFAULT_FROM_EMAIL, to
        ).send()
        sent += 1
    return sent
