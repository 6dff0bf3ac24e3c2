"""The page shell: headers, error pages, assets served locally."""

from ccms.tenancy.models import Role


def test_security_headers_on_a_signed_in_page(client, world):
    client.force_login(world.a1.users[Role.DIRECTOR])
    response = client.get("/p/a1/")
    csp = response["Content-Security-Policy"]
    for directive in ("object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'"):
        assert directive in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Cache-Control"] == "no-store"


def test_no_asset_comes_from_another_host(client, world):
    client.force_login(world.a1.users[Role.DIRECTOR])
    body = client.get("/p/a1/").content.decode()
    assert "http://" not in body.replace("http://www.w3.org", "")
    assert "https://" not in body
    assert "/static/django_htmx/htmx-2.min.js" in body


def test_missing_page_uses_the_site_404(client, world):
    client.force_login(world.a1.users[Role.DIRECTOR])
    response = client.get("/p/a1/no-such-page/")
    assert response.status_code == 404
    assert "We could not find that page" in response.content.decode()


def test_forbidden_page_explains_the_role(client, world):
    client.force_login(world.a1.users[Role.STAFF])
    response = client.get("/p/a1/settings/")
    assert response.status_code == 403
    assert "Staff / teacher" in response.content.decode()


def test_navigation_follows_the_role(client, world):
    client.force_login(world.a1.users[Role.STAFF])
    body = client.get("/p/a1/").content.decode()
    assert 'href="/p/a1/children/"' in body and 'href="/p/a1/settings/"' not in body
    client.force_login(world.a1.users[Role.DIRECTOR])
    body = client.get("/p/a1/").content.decode()
    assert 'href="/p/a1/settings/"' in body and 'href="/p/a1/audit/"' in body


def test_server_error_page_shows_no_details(client, world, settings):
    from ccms.core.views import server_error

    body = server_error(None).content.decode()
    assert "Something went wrong on our side" in body and "Traceback" not in body
