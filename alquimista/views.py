import sys

from django.shortcuts import render

from core.request_guards import database_outage_response


def not_found(request, exception=None):
    return render(request, "404.html", status=404)


def permission_denied(request, exception=None):
    return render(request, "403.html", status=403)


def server_error(request):
    # An unreachable database is a 503 with Retry-After, not a 500 (core/request_guards.py).
    outage = database_outage_response(request, sys.exc_info()[1])
    if outage is not None:
        return outage
    return render(request, "500.html", status=500)
