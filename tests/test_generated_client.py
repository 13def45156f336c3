"""A Python client generated from the contract (openapi-python-client) drives the API as a REST client would:
a tenant's key reads `/me` and usage and reports agent requests; a staff token lists tenants and runs a
HEALTH_CHECK command to SUCCESS. If the contract drifts from the API, the client's typed models fail here.

The client talks HTTP through httpx's WSGI transport to Django's real application in this process.
"""

import importlib
import json
import subprocess
import sys
from datetime import UTC, datetime

import httpx
import pytest

from accounts.api_keys import api_key_create
from accounts.models import User
from accounts.staff_tokens import staff_token_create
from conftest import host_of
from core.tests.contract import contract
from tests.in_process import InProcessApplication

pytestmark = pytest.mark.django_db
PACKAGE = "alquimista_client"


@pytest.fixture(scope="session")
def generated(tmp_path_factory):
    """The client package, generated once per session from the contract /api/schema serves."""
    folder = tmp_path_factory.mktemp("client")
    (folder / "schema.json").write_text(json.dumps(contract()))
    (folder / "config.yaml").write_text("post_hooks: []\n")
    command = [sys.executable, "-m", "openapi_python_client", "generate", "--meta", "none"]
    options = ["--path", "schema.json", "--output-path", PACKAGE, "--config", "config.yaml"]
    generation = subprocess.run([*command, *options], cwd=folder, capture_output=True, text=True, timeout=300)
    assert generation.returncode == 0 and "Warning" not in generation.stdout, generation.stdout + generation.stderr
    sys.path.insert(0, str(folder))
    yield lambda module: importlib.import_module(f"{PACKAGE}.{module}")
    sys.path.remove(str(folder))


def client_on(generated, tenant, prefix: str, token: str):
    transport = httpx.WSGITransport(app=InProcessApplication())
    return generated("client").AuthenticatedClient(
        base_url=f"http://{host_of(tenant)}", token=token, prefix=prefix, httpx_args={"transport": transport}
    )


def test_a_tenant_key_reads_me_and_usage_and_reports_requests(generated, acme):
    _, raw = api_key_create(tenant=acme, name="generated client", scopes=["read", "ingest"])
    client = client_on(generated, acme, "Api-Key", raw)
    models = generated("models")

    me = generated("api.tenant_api_me.tenant_me_retrieve").sync(client=client)
    usage = generated("api.tenant_api_usage.tenant_usage_retrieve").sync(
        client=client, period=models.TenantUsageRetrievePeriod("7d")
    )
    row = models.AgentRequestRowRequest(
        agent="email-nurture",
        started_at=datetime.now(UTC),
        duration_ms=420,
        outcome=models.OutcomeEnum("success"),
        event_id="generated-client-1",
    )
    batch = models.AgentRequestsIngestRequest(requests=[row])
    report = generated("api.tenant_api_agent_requests.tenant_agent_requests_create")
    first, again = report.sync(client=client, body=batch), report.sync(client=client, body=batch)

    assert isinstance(me, models.TenantMeResponse) and me.slug == "acme"
    assert isinstance(usage, models.TenantUsage) and len(usage.series) == 7
    assert (first.accepted, first.duplicates) == (1, 0)
    assert (again.accepted, again.duplicates) == (0, 1)


def test_a_staff_token_lists_tenants_and_runs_a_health_check_to_success(
    generated, acme, public_tenant, eager, django_capture_on_commit_callbacks
):
    admin = User.objects.get(email="admin@alquimista.test")
    _, raw = staff_token_create(user=admin, name="generated client", scopes=["read", "commands"])
    client = client_on(generated, public_tenant, "Token", raw)
    models = generated("models")

    tenants = generated("api.internal_api_tenants.internal_tenants_list").sync(client=client, search="acme")
    body = models.CommandCreateRequest(tenant_id=acme.pk, type_=models.TypeEnum("HEALTH_CHECK"))
    with django_capture_on_commit_callbacks(execute=True):
        created = generated("api.internal_api_operations.internal_operations_commands_create").sync(
            client=client, body=body
        )
    polled = generated("api.internal_api_operations.internal_operations_commands_retrieve").sync(
        client=client, command_id=created.id
    )

    assert isinstance(tenants, models.PaginatedInternalTenantList)
    assert [tenant.slug for tenant in tenants.results] == ["acme"]
    assert isinstance(created, models.Command)
    assert polled.status == models.CommandStatusEnum("SUCCESS") and polled.progress.percent == 100
