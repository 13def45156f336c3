from django.db.models import QuerySet

from operations.models import Incident


def incident_list(*, tenant=None, status: str = "", severity: str = "") -> QuerySet[Incident]:
    incidents = Incident.objects.select_related("tenant", "acknowledged_by", "resolved_by")
    if tenant is not None:
        incidents = incidents.filter(tenant=tenant)
    if status:
        incidents = incidents.filter(status=status)
    if severity:
        incidents = incidents.filter(severity=severity)
    return incidents.order_by("-opened_at", "-id")
