"""Server time and query count of the main pages, rendered in-process through the whole middleware stack."""

import statistics
import time

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.middleware import SESSION_TENANT_KEY
from accounts.models import User
from tenants.models import Tenant


def _client(host: str, email: str, tenant) -> Client:
    client = Client(HTTP_HOST=host)
    client.force_login(User.objects.get(email=email))
    session = client.session
    session[SESSION_TENANT_KEY] = tenant.schema_name
    session.save()
    return client


def bench_pages(tenant_slug: str, tenant_admin: str, staff: str) -> list[dict]:
    tenant = Tenant.objects.get(slug=tenant_slug)
    public = Tenant.objects.get(schema_name="public")
    cases = [
        (_client(f"{tenant_slug}.localhost", tenant_admin, tenant), "/app/dashboard"),
        (_client(f"{tenant_slug}.localhost", tenant_admin, tenant), "/app/dashboard/usage?period=90d"),
        (_client("localhost", staff, public), "/app/company/tenants"),
        (_client("localhost", staff, public), "/app/company/usage"),
    ]
    results = []
    for client, path in cases:
        client.get(path)  # warm the caches once
        times = []
        for _ in range(7):
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                response = client.get(path)
                times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (path, response.status_code)
        results.append({"page": path, "median_ms": round(statistics.median(times), 1), "queries": len(queries)})
    return results
