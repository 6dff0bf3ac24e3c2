"""The data bundle: export and import round trip, all-or-nothing checks, idempotent re-import,
the `ccms import` and `ccms export` commands."""

import io
import json
import zipfile
from datetime import date
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from ccms.billing import ledger
from ccms.billing.accounts import family_account
from ccms.billing.models import LedgerEntry
from ccms.core.bundle.base import ImportScope
from ccms.core.bundle.services import export_provider, import_bundle, read_bundle
from ccms.core.models import AuditEvent
from ccms.core.seed import delete_billing
from ccms.enrollment.models import Enrollment, EnrollmentStatus, Inquiry, Stage
from ccms.enrollment.services import enroll_child, record_inquiry, withdraw_child
from ccms.families.models import Child, Family, Guardian
from ccms.tenancy.models import Alliance, Classroom, Membership, Provider, Site

MANIFEST = '{"format": "ccms-bundle", "version": 1}'
PROVIDER_DATA = [Provider, Site, Classroom, Family, Guardian, Child, Enrollment, Inquiry]


def write_folder(path, files: dict[str, str]):
    path.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (path / name).write_text(text, encoding="utf-8")
    return path


def import_folder(path, scope=None, **kwargs):
    return import_bundle(files=read_bundle(path), scope=scope or ImportScope(), **kwargs)


def row_counts() -> dict[str, int]:
    counts = {model.__name__: model.objects.count() for model in PROVIDER_DATA}
    counts["Alliance"] = Alliance.objects.count()
    counts["AuditEvent"] = AuditEvent.objects.count()
    return counts


def fill_a1(world):
    """Give provider a1 a value in every bundle column, a waitlist entry and a withdrawal."""
    a1 = world.a1
    provider = a1.provider
    provider.kindertrack_provider_id = "12345"
    provider.iq4k_level = "3"
    provider.cca_billing_period = "monthly"
    provider.timezone = "America/Denver"
    provider.save()
    a1.classroom.staffed_capacity = 8
    a1.classroom.save()
    Family.objects.filter(pk=a1.family.pk).update(
        name='José "Pepe" Núñez, family',
        email="nunez@example.com",
        phone="515-555-0101",
        address="12 Main St, Apt 3\nAmes",
        family_size=3,
        monthly_income=Decimal("2500.50"),
        cca_fee_level="AA",
    )
    Guardian.objects.filter(family=a1.family).update(
        relationship="Mother", email="pat@example.com", is_payer=False, can_pick_up=True
    )
    Child.objects.filter(pk=a1.child.pk).update(
        special_needs=True, allergies="Peanuts", kindertrack_child_id="123456"
    )
    a1.child.refresh_from_db()
    enroll_child(
        child=a1.child,
        classroom=a1.classroom,
        start_date=date(2025, 8, 4),
        fte=Decimal("0.5"),
        tuition_amount=Decimal("250.00"),
        tuition_frequency="weekly",
    )
    earlier = enroll_child(
        child=a1.other_child, classroom=a1.other_classroom, start_date=date(2025, 1, 6)
    )
    withdraw_child(enrollment=earlier, last_day=date(2025, 6, 30), actor=None, reason="Moved")
    record_inquiry(
        provider=provider,
        guardian_first_name="Lee",
        guardian_last_name="Waiting",
        child_first_name="Wren",
        child_last_name="Waiting",
        birth_date=date(2025, 2, 1),
        desired_classroom=a1.classroom,
        desired_start=date(2026, 9, 1),
        stage=Stage.WAITLIST,
    )
    # The ledger: a billing run's charge, a refund, a payment, and one reversed as it bounced.
    account = family_account(a1.family)
    for kind, amount, day, key in (
        ("charge", "1083.33", date(2025, 9, 1), "run:monthly:2025-09-01:tuition:1:1"),
        ("refund", "10.00", date(2025, 9, 3), "refund-1"),
        ("payment", "500.00", date(2025, 9, 5), "pay-1"),
        ("payment", "583.33", date(2025, 9, 8), "pay-2"),
    ):
        ledger.post_entry(
            account, kind=kind, amount=amount, on=day, key=key, actor=None, description=key
        )
    bounced = LedgerEntry.objects.get(key="pay-2")
    ledger.reverse_entry(bounced, actor=None, reason="R01", on=date(2025, 9, 10))


def empty_the_database():
    """Every provider's data and every alliance gone, as in a fresh installation."""
    delete_billing(Provider.objects.values_list("pk", flat=True))
    Enrollment.objects.all().delete()
    Inquiry.objects.all().delete()
    Membership.objects.all().delete()
    for model in (Guardian, Child, Family, Classroom, Site, Provider, Alliance):
        model.objects.all().delete()


def test_export_then_import_into_an_empty_database_gives_the_same_bundle(world):
    fill_a1(world)
    first = export_provider(provider=world.a1.provider)
    before = {
        model.__name__: model.objects.filter(provider=world.a1.provider).count()
        for model in PROVIDER_DATA[2:]
    }

    empty_the_database()
    assert Provider.objects.count() == 0
    report = import_bundle(files=first.files, scope=ImportScope())
    assert report.ok and report.written, report.issues
    assert report.alliance == "Alpha Alliance" and report.alliance_created

    provider = Provider.objects.get(slug="a1")
    second = export_provider(provider=provider)
    assert second.files == first.files
    after = {
        model.__name__: model.objects.filter(provider=provider).count()
        for model in PROVIDER_DATA[2:]
    }
    assert after == before
    # The classroom of each child follows its enrollment in effect.
    child = Child.objects.get(key=world.a1.child.key)
    assert child.classroom.key == world.a1.classroom.key
    assert Child.objects.get(key=world.a1.other_child.key).classroom is None
    waiting = Inquiry.objects.get(provider=provider)
    assert waiting.stage == Stage.WAITLIST and waiting.desired_start == date(2026, 9, 1)
    withdrawn = Enrollment.objects.get(provider=provider, status=EnrollmentStatus.WITHDRAWN)
    assert withdrawn.end_date == date(2025, 6, 30)
    # The ledger: the bounced payment and its reversal cancel out and are left out.
    family = Family.objects.get(provider=provider, key=world.a1.family.key)
    assert ledger.balance(family_account(family)) == Decimal("593.33")
    assert LedgerEntry.objects.filter(provider=provider).count() == 3


def test_export_writes_every_column_in_the_documented_form(world):
    fill_a1(world)
    files = export_provider(provider=world.a1.provider).files
    assert json.loads(files["manifest.json"]) == {
        "format": "ccms-bundle",
        "version": 1,
        "alliance": "Alpha Alliance",
    }
    providers = files["providers.csv"].decode()
    assert providers.splitlines() == [
        "provider_key,name,kind,timezone,iq4k_level,kindertrack_provider_id,"
        "cca_billing_period,cca_period_anchor",
        "a1,Provider a1,center,America/Denver,3,12345,monthly,2026-01-04",
    ]
    families = files["families.csv"].decode()
    assert "2500.50,AA" in families and '"José ""Pepe"" Núñez, family"' in families
    enrollments = files["enrollments.csv"].decode()
    assert ",2025-08-04,,active,0.50,250.00,weekly" in enrollments
    assert ",2025-01-06,2025-06-30,withdrawn,1.00,," in enrollments
    assert ",2026-09-01,,waitlisted,,," in enrollments
    guardians = files["guardians.csv"].decode()
    assert ",Mother,pat@example.com,,false,true" in guardians


def test_export_of_a_provider_never_contains_another_providers_rows(world):
    fill_a1(world)
    enroll_child(child=world.a2.child, classroom=world.a2.classroom, start_date=date(2025, 9, 1))
    enroll_child(child=world.b1.child, classroom=world.b1.classroom, start_date=date(2025, 9, 1))
    files = export_provider(provider=world.a1.provider).files
    text = "".join(data.decode() for data in files.values())
    for other in (world.a2, world.b1):
        assert other.child.first_name not in text
        assert other.other_child.first_name not in text
        assert other.family.key not in text and other.child.key not in text
        assert other.classroom.key not in text
        # provider_key is the first column of the files that have it
        assert not any(line.startswith(f"{other.provider.slug},") for line in text.splitlines())
    assert world.a1.child.first_name in text


ERROR_BUNDLE = {
    "manifest.json": '{"format": "ccms-bundle", "version": 1, "alliance": "Alpha Alliance"}',
    "providers.csv": "provider_key,name,kind\na1,Provider a1,center\nnew-one,New place,mansion\n",
    "classrooms.csv": (
        "provider_key,classroom_key,name,min_age_months,max_age_months,licensed_capacity,colour\n"
        "a1,infants,Infants,0,17,8,blue\n"
    ),
    "families.csv": (
        "provider_key,family_key,name,cca_fee_level,monthly_income\n"
        "a1,f1,Smith,B,2500.00\n"
        "a1,f1,Smith again,C,\n"
        "a1,f2,Jones,AB,\n"
    ),
    "guardians.csv": "family_key,guardian_key,first_name,last_name,is_payer\nf1,g1,Sam,Smith,yes\n",
    "children.csv": (
        "family_key,child_key,first_name,last_name,birth_date\n"
        "f1,c1,Ann,Smith,2023-02-30\n"
        "f2,c2,Ben,Jones,2022-01-15\n"
        "nobody,c3,Cy,Nobody,2022-01-15\n"
    ),
    "enrollments.csv": (
        "child_key,classroom_key,start_date,fte\n"
        "c2,infants,2026-01-05,1.5\n"
        "c2,nowhere,2026-02-01,\n"
        "c1,infants,2026-01-05,0.5\n"
    ),
}


def test_a_bundle_full_of_errors_reports_every_one_and_writes_nothing(world, tmp_path):
    before = row_counts()
    report = import_folder(write_folder(tmp_path / "bad", ERROR_BUNDLE))
    assert not report.written
    assert [str(issue) for issue in report.issues] == [
        "providers.csv:3: kind: “mansion” is not allowed; use one of: center, cdh_a, cdh_b, "
        "cdh_c1, cdh_c, child_care_home.",
        "classrooms.csv:1: colour: Unknown column; the columns of classrooms.csv are "
        "provider_key, classroom_key, name, min_age_months, max_age_months, licensed_capacity, "
        "staffed_capacity.",
        "families.csv:3: family_key: Duplicate family_key “f1” at provider a1: line 2 has it "
        "already; keys are unique within the file.",
        "families.csv:4: cca_fee_level: “AB” is not allowed; use a CCA fee level from A to Z, "
        "or AA.",
        "guardians.csv:2: is_payer: “yes” is not true or false; write true or false.",
        "children.csv:2: birth_date: “2023-02-30” is not a date; write dates as YYYY-MM-DD, "
        "e.g. 2026-09-01.",
        "children.csv:4: family_key: Unknown family_key “nobody”; add the family to families.csv.",
        "enrollments.csv:2: fte: 1.5 is out of range; FTE is more than 0 and at most 1, e.g. 0.5.",
        "enrollments.csv:3: classroom_key: Unknown classroom_key “nowhere” at provider a1; add "
        "the classroom to classrooms.csv.",
    ]
    assert row_counts() == before


def test_the_command_lists_every_error_and_exits_with_failure(world, tmp_path):
    before = row_counts()
    folder = write_folder(tmp_path / "bad", ERROR_BUNDLE)
    err = io.StringIO()
    with pytest.raises(CommandError, match="Nothing was imported: the bundle has 9 errors"):
        call_command("import", str(folder), stdout=io.StringIO(), stderr=err)
    assert "families.csv:4: cca_fee_level:" in err.getvalue()
    assert "enrollments.csv:3: classroom_key:" in err.getvalue()
    assert row_counts() == before


VALID_BUNDLE = {
    "manifest.json": '{"format": "ccms-bundle", "version": 1, "alliance": "Gamma Alliance"}',
    "providers.csv": (
        "name,provider_key,kind,kindertrack_provider_id\nGamma Kids,gamma-kids,center,54321\n"
    ),
    "classrooms.csv": (
        "provider_key,classroom_key,name,min_age_months,max_age_months,licensed_capacity\n"
        "gamma-kids,babies,Babies,0,17,8\n"
        "gamma-kids,twos,Twos,18,35,12\n"
    ),
    "families.csv": (
        "provider_key,family_key,name,monthly_income,cca_fee_level\n"
        "gamma-kids,f-1,Rivera,3100.00,D\n"
        "gamma-kids,f-2,Olsen,,\n"
    ),
    "guardians.csv": (
        "family_key,guardian_key,first_name,last_name\nf-1,g-1,Ana,Rivera\nf-2,g-2,Ole,Olsen\n"
    ),
    "children.csv": (
        "family_key,child_key,first_name,last_name,birth_date,special_needs\n"
        "f-1,c-1,Mia,Rivera,2025-03-02,false\n"
        "f-2,c-2,Per,Olsen,2024-05-20,TRUE\n"
    ),
    "enrollments.csv": (
        "child_key,classroom_key,start_date,status\n"
        "c-1,babies,2025-09-01,\n"
        "c-2,twos,2026-10-05,waitlisted\n"
    ),
}


def test_importing_the_same_bundle_twice_changes_nothing_the_second_time(world, tmp_path):
    folder = write_folder(tmp_path / "valid", VALID_BUNDLE)
    first = import_folder(folder)
    assert first.ok and first.written, first.issues
    assert {f.name: (f.created, f.updated, f.unchanged) for f in first.files} == {
        "providers.csv": (1, 0, 0),
        "classrooms.csv": (2, 0, 0),
        "families.csv": (2, 0, 0),
        "guardians.csv": (2, 0, 0),
        "children.csv": (2, 0, 0),
        "enrollments.csv": (2, 0, 0),
    }
    counts = row_counts()

    second = import_folder(folder)
    assert second.ok and second.written
    assert second.changed == 0
    assert all(f.created == f.updated == 0 and f.unchanged == f.rows for f in second.files)
    assert row_counts() == counts  # no rows and no audit events either


def test_an_imported_provider_gets_its_alliance_site_defaults_and_current_classroom(
    world, tmp_path
):
    report = import_folder(write_folder(tmp_path / "valid", VALID_BUNDLE))
    assert report.alliance == "Gamma Alliance" and report.alliance_created
    provider = Provider.objects.get(slug="gamma-kids")
    assert provider.alliance.name == "Gamma Alliance"
    assert provider.timezone == "America/Chicago" and provider.iq4k_level == "none"
    assert provider.cca_period_anchor == date(2026, 1, 4)
    assert Site.objects.filter(provider=provider).count() == 1
    guardian = Guardian.objects.get(provider=provider, key="g-1")
    assert guardian.is_payer and guardian.can_pick_up
    mia = Child.objects.get(provider=provider, key="c-1")
    assert mia.classroom.key == "babies"
    assert Enrollment.objects.get(child=mia).fte == Decimal("1.00")
    assert Family.objects.get(provider=provider, key="f-1").monthly_income == Decimal("3100.00")
    waiting = Inquiry.objects.get(provider=provider)
    assert (waiting.stage, waiting.desired_classroom.key) == (Stage.WAITLIST, "twos")
    assert Child.objects.get(provider=provider, key="c-2").special_needs is True
    assert AuditEvent.objects.filter(provider_id=provider.pk, action="created").exists()


def test_a_changed_row_is_updated_with_an_audit_entry_and_the_rest_stay(world, tmp_path):
    import_folder(write_folder(tmp_path / "one", VALID_BUNDLE))
    changed = {
        **VALID_BUNDLE,
        "families.csv": VALID_BUNDLE["families.csv"].replace("Rivera,3100.00", "Rivera,3300.00"),
        "enrollments.csv": (
            "child_key,classroom_key,start_date,status,end_date\n"
            "c-1,babies,2025-09-01,withdrawn,2026-02-27\n"
            "c-2,twos,2026-10-05,waitlisted,\n"
            "c-1,twos,2026-03-02,,\n"
        ),
    }
    report = import_folder(write_folder(tmp_path / "two", changed), reason="Income checked")
    assert report.ok and report.written, report.issues
    summary = {f.name: (f.created, f.updated, f.unchanged) for f in report.files}
    assert summary["families.csv"] == (0, 1, 1)
    assert summary["children.csv"] == (0, 0, 2)
    assert summary["enrollments.csv"] == (1, 1, 1)
    event = AuditEvent.objects.filter(object_type="Family", action="updated").get()
    assert event.changes == {"monthly income": ["3100.00", "3300.00"]}
    assert event.reason == "Income checked"
    # Mia moved up: her current classroom follows the new enrollment.
    assert Child.objects.get(key="c-1").classroom.key == "twos"


def test_a_withdrawn_enrollment_needs_its_last_day(world, tmp_path):
    bundle = {
        **VALID_BUNDLE,
        "enrollments.csv": (
            "child_key,classroom_key,start_date,status\nc-1,babies,2025-09-01,withdrawn\n"
        ),
    }
    report = import_folder(write_folder(tmp_path / "b", bundle))
    assert [str(i) for i in report.issues] == [
        "enrollments.csv:2: end_date: A withdrawn enrollment needs its end date, the last day."
    ]


def test_provider_defaults_come_back_when_a_column_is_left_out(world, tmp_path):
    provider = world.a1.provider
    provider.iq4k_level = "4"
    provider.save()
    bundle = {
        "manifest.json": MANIFEST.replace("}", ', "alliance": "Alpha Alliance"}'),
        "providers.csv": "provider_key,name,kind\na1,Provider a1,center\n",
    }
    report = import_folder(write_folder(tmp_path / "b", bundle))
    assert report.ok and report.files[0].updated == 1
    provider.refresh_from_db()
    assert provider.iq4k_level == "none"  # a missing optional column means empty: the default
    assert provider.county == "Polk"  # columns the bundle does not have are left alone


@pytest.mark.parametrize(
    ("manifest", "alliances", "expected"),
    [
        (MANIFEST, 0, "Imported providers"),
        (MANIFEST, 1, "Only Alliance"),
        (
            '{"format": "ccms-bundle", "version": 1, "alliance": "Only Alliance"}',
            1,
            "Only Alliance",
        ),
        ('{"format": "ccms-bundle", "version": 1, "alliance": "Fresh"}', 1, "Fresh"),
    ],
)
def test_new_providers_join_the_named_the_only_or_a_new_alliance(
    db, tmp_path, manifest, alliances, expected
):
    for n in range(alliances):
        Alliance.objects.create(name="Only Alliance", slug=f"only-{n}")
    bundle = {"manifest.json": manifest, "providers.csv": "provider_key,name,kind\nnew,New,cdh_a\n"}
    report = import_folder(write_folder(tmp_path / "b", bundle))
    assert report.ok, report.issues
    assert Provider.objects.get(slug="new").alliance.name == expected


def test_several_alliances_and_none_named_is_an_error(world, tmp_path):
    bundle = {"manifest.json": MANIFEST, "providers.csv": "provider_key,name,kind\nnew,New,cdh_a\n"}
    report = import_folder(write_folder(tmp_path / "b", bundle))
    assert [str(i) for i in report.issues] == [
        "manifest.json:1: alliance: Several alliances exist; name the one the new providers "
        'join, e.g. "alliance": "Name of the alliance".'
    ]
    assert not Provider.objects.filter(slug="new").exists()


def test_an_import_never_moves_a_provider_to_another_alliance(world, tmp_path):
    bundle = {
        "manifest.json": '{"format": "ccms-bundle", "version": 1, "alliance": "Beta Alliance"}',
        "providers.csv": "provider_key,name,kind\na1,Stolen,center\n",
    }
    report = import_folder(write_folder(tmp_path / "b", bundle))
    assert report.issues[0].column == "provider_key"
    assert "does not move providers between alliances" in report.issues[0].message
    world.a1.provider.refresh_from_db()
    assert world.a1.provider.name == "Provider a1"


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        ({"manifest.json": "{"}, "manifest.json:1: -: Not valid JSON"),
        ({"manifest.json": '{"format": "x", "version": 2}'}, "manifest.json:1: format: Must be"),
        ({"manifest.json": '{"format": "ccms-bundle", "version": 2}'}, "version: Version 2"),
        ({"expenses.csv": "provider_key,month\n"}, "expenses.csv:1: category: Required column"),
        ({"notes.csv": "a\n"}, "notes.csv:1: -: Unknown file"),
        ({"providers.csv": "provider_key,name\n"}, "providers.csv:1: kind: Required column"),
        ({"providers.csv": "provider_key,name,kind\nA1,X,center\n"}, "“A1” is not a valid"),
        ({"providers.csv": "provider_key,name,kind,timezone\nx,X,center,Mars/Base\n"}, "IANA"),
        (
            {"providers.csv": "provider_key,name,kind,kindertrack_provider_id\nx,X,center,123\n"},
            "kindertrack_provider_id: “123” is not a valid KinderTrack provider ID; "
            "it is 5 digits.",
        ),
        (
            {"providers.csv": "provider_key,name,kind\nx,,center\n"},
            "providers.csv:2: name: Required",
        ),
        ({"providers.csv": "provider_key,name,kind\nx,X,center,extra\n"}, "has 4 cells"),
    ],
)
def test_malformed_bundles_are_refused_with_the_place_of_each_problem(
    world, tmp_path, files, expected
):
    bundle = {
        "manifest.json": '{"format": "ccms-bundle", "version": 1, "alliance": "Alpha Alliance"}',
        "providers.csv": "provider_key,name,kind\na1,Provider a1,center\n",
        **files,
    }
    before = row_counts()
    report = import_folder(write_folder(tmp_path / "b", bundle))
    assert any(
        str(issue).startswith(expected) or expected in str(issue) for issue in report.issues
    ), [str(i) for i in report.issues]
    assert row_counts() == before


def test_a_waitlisted_row_cannot_carry_enrollment_columns(world, tmp_path):
    bundle = dict(VALID_BUNDLE)
    bundle["enrollments.csv"] = (
        "child_key,classroom_key,start_date,status,tuition_amount,tuition_frequency\n"
        "c-2,twos,2026-10-05,waitlisted,200.00,weekly\n"
    )
    report = import_folder(write_folder(tmp_path / "b", bundle))
    assert [(i.line, i.column) for i in report.issues] == [
        (2, "tuition_amount"),
        (2, "tuition_frequency"),
    ]


def test_the_commands_export_a_zip_and_import_it_with_a_json_summary(world, tmp_path):
    fill_a1(world)
    out = io.StringIO()
    call_command("export", str(tmp_path / "a1.zip"), provider="a1", json=True, stdout=out)
    summary = json.loads(out.getvalue())
    assert summary["provider"] == "a1" and summary["files"]["enrollments.csv"] == 3
    with zipfile.ZipFile(tmp_path / "a1.zip") as archive:
        assert sorted(archive.namelist()) == sorted(
            [
                "manifest.json",
                "providers.csv",
                "classrooms.csv",
                "families.csv",
                "guardians.csv",
                "children.csv",
                "enrollments.csv",
                "attendance.csv",
                "cca_authorizations.csv",
                "ledger.csv",
                "expenses.csv",
            ]
        )
    out = io.StringIO()
    call_command("import", str(tmp_path / "a1.zip"), json=True, stdout=out)
    result = json.loads(out.getvalue())
    assert result["ok"] and result["written"] and result["errors"] == []
    assert result["files"]["children.csv"] == {"created": 0, "updated": 0, "unchanged": 3}


def test_the_export_command_writes_a_folder_and_names_unknown_providers(world, tmp_path):
    out = io.StringIO()
    call_command("export", str(tmp_path / "folder"), provider="a2", stdout=out)
    assert (tmp_path / "folder" / "children.csv").read_text().count("\n") == 3
    assert "Exported Provider a2" in out.getvalue()
    with pytest.raises(CommandError, match="No provider with the key “nope”"):
        call_command("export", str(tmp_path / "x"), provider="nope")


def test_the_import_command_dry_run_writes_nothing(world, tmp_path):
    folder = write_folder(tmp_path / "valid", VALID_BUNDLE)
    before = row_counts()
    out = io.StringIO()
    call_command("import", str(folder), dry_run=True, stdout=out)
    assert "Dry run: 11 rows would change; nothing written." in out.getvalue()
    assert row_counts() == before


def test_a_zip_of_a_folder_is_read_from_inside_the_folder(world, tmp_path):
    path = tmp_path / "bundle.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for name, text in VALID_BUNDLE.items():
            archive.writestr(f"gamma/{name}", text)
        archive.writestr("__MACOSX/gamma/._providers.csv", "junk")
    report = import_bundle(files=read_bundle(path), scope=ImportScope())
    assert report.ok and report.written, report.issues


def test_a_file_that_is_not_a_zip_is_refused(world, tmp_path):
    path = tmp_path / "bundle.zip"
    path.write_text("not a zip")
    with pytest.raises(CommandError, match="bundle.zip is not a .zip archive"):
        call_command("import", str(path))
