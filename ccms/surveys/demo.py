"""The demo's needs assessment: the hub sent the "2026 needs assessment" to every member; Sunrise,
Little Oaks, Cedar Valley and Maple Street answered, Happy Hands saved a start. The ranked list
puts the substitute pool first, then payroll."""

from __future__ import annotations

from datetime import date, timedelta

from ccms.alliance.models import ServiceCategory, SharedService
from ccms.surveys import services
from ccms.surveys.models import QuestionKind, Survey
from ccms.tenancy.models import Alliance, Provider, Role, User

TITLE = "2026 needs assessment"
INTRO = (
    "The co-design team is choosing which shared services the hub builds or grows next year. "
    "Tell us what would help your program most: it takes about five minutes, and you can save "
    "and come back before you submit."
)
# Services the questions ask about, by category, with the name used when the alliance has none.
SERVICES = {
    ServiceCategory.SUBSTITUTES: "Substitute pool",
    ServiceCategory.PAYROLL: "Payroll",
    ServiceCategory.TRAINING: "Staff training",
    ServiceCategory.PURCHASING: "Bulk purchasing",
    ServiceCategory.ENROLLMENT: "Enrollment and waitlist",
    ServiceCategory.FOOD: "Food program claims",
    ServiceCategory.COACHING: "Business coaching",
    ServiceCategory.BOOKKEEPING: "Bookkeeping",
}
RANKED = [
    ServiceCategory.SUBSTITUTES,
    ServiceCategory.PAYROLL,
    ServiceCategory.TRAINING,
    ServiceCategory.PURCHASING,
    ServiceCategory.ENROLLMENT,
]
WANTED = [
    ServiceCategory.SUBSTITUTES,
    ServiceCategory.PAYROLL,
    ServiceCategory.FOOD,
    ServiceCategory.COACHING,
    ServiceCategory.BOOKKEEPING,
]
HOURS = ["Under 5 hours", "5 to 10 hours", "10 to 20 hours", "Over 20 hours"]

S, P, T, B, E = RANKED
F, C, K = ServiceCategory.FOOD, ServiceCategory.COACHING, ServiceCategory.BOOKKEEPING
# provider: (ranking, wanted, paperwork hours, free text, submitted)
ANSWERS = {
    "sunrise": (
        [S, T, E, P, B],
        [S, F],
        "10 to 20 hours",
        "Two teachers out sick on the same day closes a classroom. A shared list of substitutes "
        "who already have their background checks would keep us open.",
        True,
    ),
    "little-oaks": (
        [S, P, T, B, E],
        [S, P, C],
        "5 to 10 hours",
        "Payroll takes me a full day every two weeks, and I still worry about the tax filings.",
        True,
    ),
    "cedar-valley": (
        [E, S, P, T, B],
        [C, K, S],
        "Over 20 hours",
        "Help filling our preschool room: we have 14 open seats and no time to follow up on "
        "inquiries.",
        True,
    ),
    "maple-street": ([P, S, B, T, E], [P, F], "5 to 10 hours", "", True),
    "happy-hands": (None, [F], "Under 5 hours", "", False),
}


def _services(alliance: Alliance) -> dict[str, SharedService]:
    found = {}
    for category, name in SERVICES.items():
        service = (
            SharedService.objects.filter(alliance=alliance, category=category, is_active=True)
            .order_by("pk")
            .first()
        )
        if service is None:
            service = SharedService.objects.create(
                alliance=alliance, category=category, name=name, delivered_by="Alliance hub"
            )
        found[category] = service
    return found


def load_surveys_demo(today: date) -> None:
    alliance = Alliance.objects.filter(slug="prairie").first()
    if alliance is None or Survey.objects.filter(alliance=alliance, title=TITLE).exists():
        return
    hub = User.objects.get(email="hub@prairie.demo")
    catalog = _services(alliance)
    survey = services.create_survey(
        alliance=alliance,
        title=TITLE,
        intro=INTRO,
        closes_on=today + timedelta(days=21),
        actor=hub,
    )
    ranking = services.add_question(
        survey=survey,
        kind=QuestionKind.RANKING,
        text="Rank these shared services by how much they would help your program this year",
        services=[catalog[c] for c in RANKED],
        actor=hub,
    )
    wanted = services.add_question(
        survey=survey,
        kind=QuestionKind.MULTIPLE_CHOICE,
        text="Which services would you start using in the next six months?",
        services=[catalog[c] for c in WANTED],
        actor=hub,
    )
    hours = services.add_question(
        survey=survey,
        kind=QuestionKind.SINGLE_CHOICE,
        text="How many hours a week do you spend on paperwork?",
        help_text="Billing, subsidy forms, payroll and licensing records together.",
        options=HOURS,
        actor=hub,
    )
    ideas = services.add_question(
        survey=survey,
        kind=QuestionKind.FREE_TEXT,
        text="What else should the alliance do for you?",
        required=False,
        actor=hub,
    )
    # A ranking says more than a tick: the team counts it twice.
    services.set_weights(survey=survey, weights={ranking.pk: "2"}, actor=hub)
    services.send_survey(survey=survey, actor=hub, today=today, notify=False)

    option_of = {
        question.pk: {
            o.service.category if o.service else o.label: o.pk for o in question.options.all()
        }
        for question in (ranking, wanted, hours)
    }
    for slug, (ranked, ticked, hours_label, text, submit) in ANSWERS.items():
        provider = Provider.objects.filter(alliance=alliance, slug=slug).first()
        director = User.objects.filter(
            memberships__provider=provider, memberships__role=Role.DIRECTOR
        ).first()
        if provider is None or director is None:
            continue
        answers = {
            wanted.pk: [option_of[wanted.pk][c] for c in ticked],
            hours.pk: option_of[hours.pk][hours_label],
            ideas.pk: text,
        }
        if ranked:
            answers[ranking.pk] = {
                option_of[ranking.pk][c]: place for place, c in enumerate(ranked, 1)
            }
        services.save_response(
            survey=survey, provider=provider, answers=answers, actor=director, submit=submit
        )
