import pytest

from agents.models import AgentType
from tenants.models import Plan
from tenants.services import tenant_create


@pytest.fixture
def fresh_tenant(db):
    """A tenant with no usage at all, created inside the test's transaction (rolled back after)."""
    return tenant_create(slug="fresh-co", name="Fresh Co", plan=Plan.objects.get(code="starter"))


@pytest.fixture
def agent_types(db):
    return {agent_type.code: agent_type for agent_type in AgentType.objects.all()}
