"""Finding a tenant for a request, for every layer.

Apps below `tenants` reach the tenant model through django-tenants' `get_tenant_model()`, as apps
reach the user model through `get_user_model()`.
"""

from django.shortcuts import get_object_or_404
from django_tenants.utils import get_tenant_model


def customer_tenant_or_404(tenant_id):
    """A customer tenant by id for staff views; 404 for unknown ids and for the public tenant."""
    tenant_model = get_tenant_model()
    return get_object_or_404(tenant_model.objects.customers().select_related("plan"), pk=tenant_id)
