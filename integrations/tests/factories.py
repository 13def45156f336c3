"""A tenant's integrations (its schema: pass `tenant=`).

`IntegrationFactory(tenant=acme, secret="tok")` also stores "tok" under the row's `secret_ref` in
the secret store (public schema, rolled back with the test); without `secret` nothing is stored.
"""

import factory

from integrations.models import Integration
from tenants.tests.factories import InTenantSchemaFactory
from vault import get_secret_store


class IntegrationFactory(InTenantSchemaFactory):
    class Meta:
        model = Integration
        skip_postgeneration_save = True

    kind = Integration.Kind.EMAIL
    name = factory.Sequence(lambda n: f"Integration {n:04d}")
    status = Integration.Status.OK
    secret_ref = factory.Sequence(lambda n: f"tenant/factory/integration/{n}")

    @factory.post_generation
    def secret(integration, create, value, **kwargs):
        if create and value is not None:
            get_secret_store().put(integration.secret_ref, value)
