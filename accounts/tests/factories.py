"""Users and memberships (public schema). The demo users (admin@acme.test, …) exist already."""

import factory

from accounts.models import Membership, User
from accounts.roles import Role
from tenants.tests.factories import TenantRowFactory

PASSWORD = "factory-password-123"


class UserFactory(factory.django.DjangoModelFactory):
    """A user whose password is PASSWORD; `UserFactory(password=None)` gives an unusable one."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@factory.test")
    name = factory.Sequence(lambda n: f"Factory User {n}")
    password = factory.django.Password(PASSWORD)


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    tenant = factory.SubFactory(TenantRowFactory)
    role = Role.TENANT_USER

    class Params:
        admin = factory.Trait(role=Role.TENANT_ADMIN)
