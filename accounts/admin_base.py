"""The base of every model admin: staff may look, only INTERNAL_ADMIN writes, and every write is audited."""

from functools import cache

from django.contrib import admin
from django.db import DEFAULT_DB_ALIAS, router
from django.db.models.constants import LOOKUP_SEP
from django.db.models.deletion import get_candidate_relations_to_delete
from django_tenants.utils import get_public_schema_name, get_tenant_model, schema_context

from accounts.policy import Action, can
from audit.services import event_record


def _tenant_of(obj):
    if isinstance(obj, get_tenant_model()):
        return obj
    return getattr(obj, "tenant", None) if hasattr(obj, "tenant_id") else None


@cache
def referenced_from_tenant_schemas(model) -> bool:
    """Do rows in tenant schemas point at `model`'s rows (as contracted agents point at the agent catalogue)?

    Deleting such a row cannot be checked from the public schema: Django's delete collector looks for the
    referring rows there, where their table does not exist (a 500), and a PROTECT in a tenant schema would
    go unseen. The admin does not offer to delete them.
    """
    with schema_context(get_public_schema_name()):
        return any(
            not router.allow_migrate_model(DEFAULT_DB_ALIAS, relation.related_model)
            for relation in get_candidate_relations_to_delete(model._meta)
        )


def _without(fields, hidden: frozenset[str]) -> list:
    """A fieldset's `fields` without the hidden names (a tuple there is several fields on one line)."""
    kept = []
    for field in fields:
        if isinstance(field, (list, tuple)):
            line = [name for name in field if name not in hidden]
            if line:
                kept.append(tuple(line))
        elif field not in hidden:
            kept.append(field)
    return kept


class PolicyModelAdmin(admin.ModelAdmin):
    """Support reads; admins write, and every write is in the audit log. Subclasses may narrow further.

    `billing_fields` (prices, costs) are billing: shown, filtered, searched and sorted on only for who may
    VIEW_BILLING; for anyone else the admin acts as if the fields did not exist.
    """

    billing_fields: tuple[str, ...] = ()

    def _hidden_fields(self, request) -> frozenset[str]:
        if not self.billing_fields or can(request.user, Action.VIEW_BILLING):
            return frozenset()
        return frozenset(self.billing_fields)

    def get_list_display(self, request):
        hidden = self._hidden_fields(request)
        return [field for field in super().get_list_display(request) if field not in hidden]

    def get_list_filter(self, request):
        hidden = self._hidden_fields(request)
        return [field for field in super().get_list_filter(request) if field not in hidden]

    def get_search_fields(self, request):
        hidden = self._hidden_fields(request)
        return [field for field in super().get_search_fields(request) if field.split(LOOKUP_SEP)[0] not in hidden]

    def get_ordering(self, request):
        # Plans are ordered by price by default: even the order would tell the hidden prices apart.
        ordering, hidden = super().get_ordering(request), self._hidden_fields(request)
        if not hidden:
            return ordering
        kept = [field for field in ordering or self.model._meta.ordering if str(field).lstrip("-") not in hidden]
        return kept or ["pk"]  # an empty ordering would fall back to the model's own

    def get_exclude(self, request, obj=None):
        return [*(super().get_exclude(request, obj) or ()), *self._hidden_fields(request)]

    def get_fields(self, request, obj=None):
        hidden = self._hidden_fields(request)
        return [field for field in super().get_fields(request, obj) if field not in hidden]

    def get_fieldsets(self, request, obj=None):
        hidden = self._hidden_fields(request)
        fieldsets = super().get_fieldsets(request, obj)
        if not hidden:
            return fieldsets
        return [(name, {**options, "fields": _without(options["fields"], hidden)}) for name, options in fieldsets]

    def lookup_allowed(self, lookup, value, request=None):
        # ?monthly_price__gte=… would reveal a hidden price by bisection, row counts telling the answer.
        if request is not None and lookup.split(LOOKUP_SEP)[0] in self._hidden_fields(request):
            return False
        return super().lookup_allowed(lookup, value, request)

    def _audit(self, request, obj, verb: str, fields: list[str]) -> None:
        event_record(
            action=f"admin.{self.model._meta.model_name}.{verb}",
            actor=request.user,
            tenant=_tenant_of(obj),
            target_type=self.model._meta.label_lower,
            target_id=obj.pk,
            after={"fields": sorted(fields)} if fields else None,  # names only: values may be sensitive
            request=request,
        )

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        self._audit(request, obj, "changed" if change else "added", list(form.changed_data))

    def delete_model(self, request, obj):
        pk = obj.pk
        super().delete_model(request, obj)
        obj.pk = pk
        self._audit(request, obj, "deleted", [])

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)

    def has_module_permission(self, request):
        return can(request.user, Action.USE_DJANGO_ADMIN)

    def has_view_permission(self, request, obj=None):
        return can(request.user, Action.USE_DJANGO_ADMIN)

    def has_change_permission(self, request, obj=None):
        return can(request.user, Action.MANAGE_TENANT_LIFECYCLE)

    def has_add_permission(self, request):
        return can(request.user, Action.MANAGE_TENANT_LIFECYCLE)

    def has_delete_permission(self, request, obj=None):
        return can(request.user, Action.MANAGE_TENANT_LIFECYCLE) and not referenced_from_tenant_schemas(self.model)


class ReadOnlyPolicyModelAdmin(PolicyModelAdmin):
    """For records nobody edits by hand (audit events, secret versions): staff may only look."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
