"""Keeps the host → tenant cache of the middleware honest.

Any change to a tenant or a domain drops the cached lookups of that tenant's hosts,
whichever code path made it (services, admin, shell). A renamed domain drops its old name too.
"""

from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver

from core.cache import GLOBAL, bump
from tenants.lookup import forget_hosts
from tenants.models import Domain, Tenant


@receiver([post_save, post_delete], sender=Tenant)
def _tenant_changed(sender, instance, **kwargs):
    forget_hosts(list(Domain.objects.filter(tenant_id=instance.pk).values_list("domain", flat=True)))
    bump(GLOBAL)  # staff's cached cross-tenant reads (tenant list, overview) include this tenant


@receiver(pre_save, sender=Domain)
def _domain_renaming(sender, instance, **kwargs):
    if instance.pk:
        forget_hosts(list(Domain.objects.filter(pk=instance.pk).values_list("domain", flat=True)))


@receiver([post_save, post_delete], sender=Domain)
def _domain_changed(sender, instance, **kwargs):
    forget_hosts([instance.domain])
