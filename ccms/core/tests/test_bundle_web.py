"""The Import / export page: upload, preview that writes nothing, confirm; the export download;
who may use it."""

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.html import escape

from ccms.core.models import AuditEvent
from ccms.families.models import Child, Family
from ccms.tenancy.models import Provider, Role

MANIFEST = '{"format": "ccms-bundle", "version": 1}'
A1_BUNDLE = {
    "manifest.json": MANIFEST,
    "providers.csv": "provider_key,name,kind\na1,Provider a1,center\n",
    "families.csv": "provider_key,family_key,name\na1,fam-new,Newcomer family\n",
    "children.csv": (
        "family_key,child_key,first_name,last_name,birth_date\n"
        "fam-new,kid-new,Nova,Newcomer,2024-04-04\n"
    ),
}


def zipped(files: dict[str, str], name: str = "bundle.zip") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for filename, text in files.items():
            archive.writestr(filename, text)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="application/zip")


@pytest.fixture(autouse=True)
def upload_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    return tmp_path / "bundle-uploads"


def stored_uploads(upload_dir) -> list:
    return list(upload_dir.glob("*")) if upload_dir.exists() else []


def test_director_previews_a_bundle_and_nothing_is_written_until_confirmed(
    client, world, upload_dir
):
    director = world.a1.users[Role.DIRECTOR]
    client.force_login(director)
    events = AuditEvent.objects.count()

    response = client.post("/p/a1/import/", {"bundle": zipped(A1_BUNDLE)})
    assert response.status_code == 200
    body = response.content.decode()
    assert "Preview of bundle.zip" in body and "Import 2 changes" in body
    summary = {
        f.name: (f.created, f.updated, f.unchanged) for f in response.context["report"].files
    }
    assert summary == {
        "providers.csv": (0, 0, 1),
        "families.csv": (1, 0, 0),
        "children.csv": (1, 0, 0),
    }
    assert not Family.objects.filter(key="fam-new").exists()
    assert AuditEvent.objects.count() == events
    assert len(stored_uploads(upload_dir)) == 1

    token = response.context["token"]
    response = client.post("/p/a1/import/", {"confirm": "1", "token": token})
    assert response.status_code == 302
    child = Child.objects.get(provider=world.a1.provider, key="kid-new")
    assert child.family.name == "Newcomer family"
    event = AuditEvent.objects.get(object_type="Child", object_id=str(child.pk))
    assert event.actor == director and event.reason == "Imported from the data bundle bundle.zip"
    assert stored_uploads(upload_dir) == []
    page = client.get("/p/a1/import/").content.decode()
    assert "Imported bundle.zip: 2 rows created, 0 updated." in page

    # The same upload cannot be imported twice.
    response = client.post("/p/a1/import/", {"confirm": "1", "token": token}, follow=True)
    assert "That upload has expired or was imported already" in response.content.decode()
    assert Child.objects.filter(key="kid-new").count() == 1


def test_preview_lists_every_error_and_offers_no_import(client, world, upload_dir):
    client.force_login(world.a1.users[Role.DIRECTOR])
    bad = {
        **A1_BUNDLE,
        "children.csv": (
            "family_key,child_key,first_name,last_name,birth_date,shoe_size\n"
            "fam-new,kid-new,Nova,Newcomer,04/04/2024,\n"
            "nobody,kid-2,Ned,Nobody,2024-01-01,\n"
        ),
    }
    response = client.post("/p/a1/import/", {"bundle": zipped(bad)})
    body = response.content.decode()
    issues = [str(issue) for issue in response.context["report"].issues]
    assert issues == [
        "children.csv:1: shoe_size: Unknown column; the columns of children.csv are family_key, "
        "child_key, first_name, last_name, birth_date, special_needs, allergies, "
        "kindertrack_child_id.",
        "children.csv:2: birth_date: “04/04/2024” is not a date; write dates as YYYY-MM-DD, "
        "e.g. 2026-09-01.",
        "children.csv:3: family_key: Unknown family_key “nobody”; add the family to families.csv.",
    ]
    for issue in issues:
        assert escape(issue) in body
    assert "3 errors found; nothing was imported." in body
    assert 'name="confirm"' not in body
    assert stored_uploads(upload_dir) == []
    assert not Family.objects.filter(key="fam-new").exists()


def test_a_provider_import_refuses_rows_of_another_provider(client, world):
    client.force_login(world.a1.users[Role.DIRECTOR])
    bundle = {
        "manifest.json": MANIFEST,
        "providers.csv": "provider_key,name,kind\na1,Provider a1,center\na2,Taken over,cdh_b\n",
        "families.csv": "provider_key,family_key,name\na2,planted,Planted family\n",
    }
    response = client.post("/p/a1/import/", {"bundle": zipped(bundle)})
    issues = response.context["report"].issues
    assert [(i.file, i.line, i.column) for i in issues] == [
        ("providers.csv", 3, "provider_key"),
        ("families.csv", 2, "provider_key"),
    ]
    assert issues[0].message.startswith(
        "This import is for Provider a1 (provider_key a1) only; import “a2” from its own "
        "Import page"
    )
    assert Provider.objects.get(slug="a2").name == "Provider a2"
    assert not Family.objects.filter(key="planted").exists()


def test_a_forged_or_foreign_token_imports_nothing(client, world, upload_dir):
    client.force_login(world.a1.users[Role.DIRECTOR])
    response = client.post("/p/a1/import/", {"bundle": zipped(A1_BUNDLE)})
    token = response.context["token"]
    # Another user's session does not know the token, not even at their own provider.
    client.force_login(world.a2.users[Role.DIRECTOR])
    assert client.post("/p/a2/import/", {"confirm": "1", "token": token}).status_code == 302
    client.force_login(world.a1.users[Role.DIRECTOR])
    for forged in ("../../etc/passwd", "0" * 32):
        response = client.post("/p/a1/import/", {"confirm": "1", "token": forged})
        assert response.status_code == 302
    assert not Family.objects.filter(key="fam-new").exists()


def test_a_file_that_is_not_a_bundle_zip_is_refused_on_the_form(client, world):
    client.force_login(world.a1.users[Role.DIRECTOR])
    text = SimpleUploadedFile("families.csv", b"provider_key\n", content_type="text/csv")
    body = client.post("/p/a1/import/", {"bundle": text}).content.decode()
    assert "Upload a .zip archive holding the bundle" in body
    fake = SimpleUploadedFile("bundle.zip", b"not a zip", content_type="application/zip")
    body = client.post("/p/a1/import/", {"bundle": fake}).content.decode()
    assert "bundle.zip is not a .zip archive." in body


def test_export_downloads_a_zip_of_the_providers_own_data(client, world):
    client.force_login(world.a1.users[Role.DIRECTOR])
    page = client.get("/p/a1/import/").content.decode()
    assert 'href="/p/a1/export/"' in page
    assert 'href="/p/a1/import/" aria-current="page"' in page
    response = client.get("/p/a1/export/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith('attachment; filename="a1-')
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        children = archive.read("children.csv").decode()
        everything = "".join(archive.read(n).decode() for n in archive.namelist())
    assert world.a1.child.first_name in children and world.a1.other_child.first_name in children
    for other in (world.a2, world.b1):
        assert other.child.first_name not in everything
        assert other.family.key not in everything


@pytest.mark.parametrize("role", [Role.STAFF, Role.CONSULTANT, Role.GUARDIAN])
def test_roles_that_may_not_edit_the_provider_cannot_import_or_export(client, world, role):
    client.force_login(world.a1.users[role])
    before = Family.objects.count()
    assert client.get("/p/a1/import/").status_code == 403
    assert client.post("/p/a1/import/", {"bundle": zipped(A1_BUNDLE)}).status_code == 403
    assert client.get("/p/a1/export/").status_code == 403
    assert Family.objects.count() == before
    assert 'href="/p/a1/import/"' not in client.get("/p/a1/").content.decode()


def test_hub_staff_and_alliance_admin_can_import_at_a_member_provider(client, world):
    for user in (
        world.alliance_users[("alpha", Role.HUB_STAFF)],
        world.alliance_users[("alpha", Role.ALLIANCE_ADMIN)],
    ):
        client.force_login(user)
        assert client.get("/p/a1/import/").status_code == 200
        assert client.get("/p/a2/export/").status_code == 200


def test_an_outsider_posting_a_bundle_gets_404_and_nothing_is_kept(client, world, upload_dir):
    client.force_login(world.b1.users[Role.DIRECTOR])
    before = (Family.objects.count(), AuditEvent.objects.count())
    response = client.post("/p/a1/import/", {"bundle": zipped(A1_BUNDLE)})
    assert response.status_code == 404
    assert client.get("/p/a1/export/").status_code == 404
    assert (Family.objects.count(), AuditEvent.objects.count()) == before
    assert stored_uploads(upload_dir) == []


def test_alliance_admin_imports_a_new_member_provider(client, world):
    client.force_login(world.alliance_users[("alpha", Role.ALLIANCE_ADMIN)])
    assert 'href="/alliance/alpha/import/"' in client.get("/alliance/alpha/").content.decode()
    bundle = {
        "manifest.json": MANIFEST,
        "providers.csv": "provider_key,name,kind\nnew-home,New Home Daycare,cdh_b\n",
        "classrooms.csv": (
            "provider_key,classroom_key,name,min_age_months,max_age_months,licensed_capacity\n"
            "new-home,home,Home,0,144,12\n"
        ),
    }
    response = client.post("/alliance/alpha/import/", {"bundle": zipped(bundle)})
    assert response.context["report"].ok
    client.post("/alliance/alpha/import/", {"confirm": "1", "token": response.context["token"]})
    provider = Provider.objects.get(slug="new-home")
    assert provider.alliance == world.alliance_a
    assert provider.classrooms.get().site.name == "Main"


def test_alliance_import_refuses_a_key_taken_outside_the_alliance(client, world):
    client.force_login(world.alliance_users[("alpha", Role.ALLIANCE_ADMIN)])
    bundle = {
        "manifest.json": MANIFEST,
        "providers.csv": "provider_key,name,kind\nb1,Mine,center\n",
    }
    response = client.post("/alliance/alpha/import/", {"bundle": zipped(bundle)})
    assert [str(i) for i in response.context["report"].issues] == [
        "providers.csv:2: provider_key: The key “b1” is taken by a provider outside Alpha "
        "Alliance; choose another provider_key."
    ]
    assert Provider.objects.get(slug="b1").name == "Provider b1"


def test_preview_names_the_columns_an_update_overwrites(client, world):
    provider = world.a1.provider
    provider.iq4k_level = "3"
    provider.save()
    client.force_login(world.a1.users[Role.DIRECTOR])
    body = client.post("/p/a1/import/", {"bundle": zipped(A1_BUNDLE)}).content.decode()
    assert "What changes in providers.csv" in body and "Line 2: iq4k_level" in body
    provider.refresh_from_db()
    assert provider.iq4k_level == "3"
