from django.http import HttpResponse, HttpResponseServerError
from django.shortcuts import render
from django.template.loader import get_template


def permission_denied(request, exception=None):
    return render(request, "403.html", {"reason": str(exception or "")}, status=403)


def page_not_found(request, exception=None):
    return render(request, "404.html", status=404)


def server_error(request):
    # A bare render without the request context: the context may be what failed.
    return HttpResponseServerError(get_template("500.html").render())


def healthz(request):
    """For load balancers and the benchmark baseline: answers without touching the database."""
    return HttpResponse("ok", content_type="text/plain")
