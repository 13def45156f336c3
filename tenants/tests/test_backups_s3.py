"""Backups into an S3 bucket through boto3, against moto's server on loopback."""

from datetime import timedelta

import boto3
from django.utils import timezone

from tenants.backups import backup_all, backup_tenant, backups_expire, restore_tenant
from tenants.models import Backup, Tenant


def test_backups_go_to_s3_verify_restore_and_expire(transactional_db_free, moto_endpoint, monkeypatch, settings):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    settings.BACKUP_S3_BUCKET, settings.BACKUP_S3_ENDPOINT_URL = "alquimista-backups", moto_endpoint
    s3 = boto3.client("s3", region_name=settings.AWS_REGION, endpoint_url=moto_endpoint)
    s3.create_bucket(Bucket="alquimista-backups")
    initech = Tenant.objects.get(slug="initech")
    created = []
    try:
        full = backup_all()
        tenant = backup_tenant(tenant=initech)
        created += [full.pk, tenant.pk]
        keys = sorted(item["Key"] for item in s3.list_objects_v2(Bucket="alquimista-backups")["Contents"])
        assert full.location.startswith("s3://alquimista-backups/full/") and full.verified and full.entries > 0
        assert [key.rsplit(".", 1)[-1] for key in keys if key.startswith("tenants/initech/")] == ["dump", "json"]
        assert restore_tenant(backup=tenant).slug == "initech"  # fetched back from S3

        Backup.objects.filter(pk=full.pk).update(
            created_at=timezone.now() - timedelta(days=settings.BACKUP_RETENTION_DAYS + 1)
        )
        assert backups_expire() == 1
        remaining = [item["Key"] for item in s3.list_objects_v2(Bucket="alquimista-backups").get("Contents", [])]
        assert not any(key.startswith("full/") for key in remaining)
    finally:
        Backup.objects.filter(pk__in=created).delete()
