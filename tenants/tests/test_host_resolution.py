import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client

from tenants.lookup import tenant_for_host
from tenants.models import Domain


@pytest.mark.django_db
def test_each_host_serves_its_own_schema(client_for, acme, globex, public_tenant):
    for tenant in (acme, globex, public_tenant):
        response = client_for(tenant).get("/login/")
        assert response.status_code == 200
        assert response.wsgi_request.tenant.pk == tenant.pk
        assert connection.schema_name == tenant.schema_name


@pytest.mark.django_db
def test_unknown_host_is_a_plain_404_without_the_app_shell():
    response = Client(HTTP_HOST="nobody.localhost").get("/")
    assert response.status_code == 404
    assert b"Not found" in response.content
    assert b"Alquimista" not in response.content


@pytest.mark.django_db
def test_host_outside_base_domain_is_refused():
    response = Client(HTTP_HOST="evil.example.com").get("/")
    assert response.status_code in (400, 404)


@pytest.mark.django_db
def test_lookup_is_cached_and_forgotten_when_the_domain_changes(acme, django_assert_num_queries):
    tenant_for_host("acme.localhost")
    with django_assert_num_queries(0):
        assert tenant_for_host("acme.localhost").pk == acme.pk

    domain = Domain.objects.get(domain="acme.localhost")
    domain.domain = "acme-renamed.localhost"
    domain.save()

    with pytest.raises(Domain.DoesNotExist):
        tenant_for_host("acme.localhost")
    assert tenant_for_host("acme-renamed.localhost").pk == acme.pk


@pytest.mark.django_db
def test_tenant_change_drops_cached_lookup(acme):
    tenant_for_host("acme.localhost")
    acme.name = "Acme Renamed"
    acme.save()
    assert cache.get("tenant-host:acme.localhost") is None
    assert tenant_for_host("acme.localhost").name == "Acme Renamed"
