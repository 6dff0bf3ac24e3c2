"""The demo's CCA story: paid periods, one late payment, one paid short, the due period and the
missing check-out the hub fixes from the work queue."""

from ccms.core.demo import load_demo
from ccms.subsidy import overview
from ccms.subsidy.models import Authorization, StatePayment, Submission
from ccms.tenancy.models import Provider


def test_the_demo_has_subsidized_children_submitted_periods_and_work_for_the_hub(db):
    load_demo()
    providers = list(Provider.objects.filter(alliance__slug="prairie"))
    assert Authorization.objects.count() > 40
    assert Submission.objects.filter(status="submitted").count() == 2 * len(providers)
    assert StatePayment.objects.exists()
    items = overview.work_queue(providers)
    kinds = {(item.kind, item.provider.slug) for item in items}
    assert ("errors", "sunrise") in kinds  # the missing check-out
    assert ("payment", "little-oaks") in kinds  # paid late
    assert ("differences", "maple-street") in kinds  # a unit short
    assert any(kind == "due" for kind, _ in kinds)
    blocked = next(i for i in items if i.kind == "errors")
    assert len(blocked.children) == 1 and "has no check-out" in blocked.children[0][0]
    assert items[0].severity == "bad"
