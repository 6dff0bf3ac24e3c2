"""Child-file documents: uploaded through the page, downloaded only through an access check."""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from ccms.core.models import AuditEvent
from ccms.families.models import ChildDocument
from ccms.tenancy.models import Role

PDF = b"%PDF-1.4 immunization record for the test child"


def upload(client, child, **overrides):
    data = {
        "kind": "immunization",
        "file": SimpleUploadedFile("shots.pdf", PDF, content_type="application/pdf"),
        "issued_on": "2025-09-01",
        "expires_on": "2027-09-01",
        "reviewed_on": "",
        "note": "",
    }
    data.update(overrides)
    return client.post(f"/p/{child.provider.slug}/children/{child.pk}/documents/new/", data)


@pytest.fixture
def document(client, world):
    client.force_login(world.a1.users[Role.DIRECTOR])
    response = upload(client, world.a1.child)
    assert response.status_code == 302
    return ChildDocument.objects.get(child=world.a1.child)


def test_director_uploads_a_document_and_downloads_it(client, world, document, media_root):
    assert document.uploaded_by == world.a1.users[Role.DIRECTOR]
    assert Path(media_root, document.file.name).read_bytes() == PDF
    page = client.get(f"/p/a1/children/{world.a1.child.pk}/").content.decode()
    assert "Immunization certificate" in page
    assert f"/p/a1/documents/{document.pk}/download/" in page
    assert "/media/" not in page
    response = client.get(f"/p/a1/documents/{document.pk}/download/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert AuditEvent.objects.filter(object_type="Child document", action="created").exists()


def test_classroom_staff_may_download_but_not_upload(client, world, document):
    client.force_login(world.a1.users[Role.STAFF])
    assert client.get(f"/p/a1/documents/{document.pk}/download/").status_code == 200
    assert upload(client, world.a1.child).status_code == 403


def test_other_providers_director_gets_404_for_the_document(client, world, document):
    client.force_login(world.a2.users[Role.DIRECTOR])
    assert client.get(f"/p/a2/documents/{document.pk}/download/").status_code == 404
    assert client.get(f"/p/a1/documents/{document.pk}/download/").status_code == 404
    client.force_login(world.b1.users[Role.DIRECTOR])
    assert client.get(f"/p/b1/documents/{document.pk}/download/").status_code == 404


@pytest.mark.parametrize("role", [Role.GUARDIAN, Role.CONSULTANT])
def test_guardians_and_consultants_may_not_download_child_file_documents(
    client, world, document, role
):
    client.force_login(world.a1.users[role])
    assert client.get(f"/p/a1/documents/{document.pk}/download/").status_code == 403


def test_staff_of_another_classroom_get_404_for_the_document(client, world):
    client.force_login(world.a1.users[Role.DIRECTOR])
    upload(client, world.a1.other_child)
    document = ChildDocument.objects.get(child=world.a1.other_child)
    client.force_login(world.a1.users[Role.STAFF])
    assert client.get(f"/p/a1/documents/{document.pk}/download/").status_code == 404


def test_upload_refuses_other_file_types_and_backwards_dates(client, world):
    client.force_login(world.a1.users[Role.DIRECTOR])
    response = upload(
        client,
        world.a1.child,
        file=SimpleUploadedFile("run.exe", b"MZ", content_type="application/octet-stream"),
    )
    assert "File extension “exe” is not allowed." in response.content.decode()
    response = upload(client, world.a1.child, issued_on="2025-09-01", expires_on="2025-01-01")
    assert "The expiry date must not be before the issue date." in response.content.decode()
    response = upload(client, world.a1.child, kind="health_statement", issued_on="", expires_on="")
    assert "Enter the date the health statement was issued" in response.content.decode()
    assert not ChildDocument.objects.exists()


def test_director_records_a_review_and_removes_a_misfiled_document(
    client, world, document, media_root, django_capture_on_commit_callbacks
):
    response = client.post(
        f"/p/a1/documents/{document.pk}/edit/",
        {
            "kind": "immunization",
            "issued_on": "2025-09-01",
            "expires_on": "2027-09-01",
            "reviewed_on": "2026-01-10",
            "note": "Checked against the state registry",
            "reason": "Yearly review",
        },
    )
    assert response.status_code == 302
    document.refresh_from_db()
    assert str(document.reviewed_on) == "2026-01-10"
    stored = Path(media_root, document.file.name)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/p/a1/documents/{document.pk}/remove/", {"reason": "Wrong child"})
    assert response.status_code == 302
    assert not ChildDocument.objects.filter(pk=document.pk).exists()
    assert not stored.exists()
    assert AuditEvent.objects.get(object_type="Child document", action="deleted").reason == (
        "Wrong child"
    )


def test_uploading_for_another_providers_child_is_404_and_stores_nothing(client, world, media_root):
    client.force_login(world.a2.users[Role.DIRECTOR])
    response = client.post(
        f"/p/a2/children/{world.a1.child.pk}/documents/new/",
        {"kind": "immunization", "file": SimpleUploadedFile("x.pdf", PDF)},
    )
    assert response.status_code == 404
    assert not ChildDocument.objects.exists()
    assert not Path(media_root).exists() or not any(Path(media_root).rglob("*.pdf"))
