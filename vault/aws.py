"""Secrets in AWS Secrets Manager through boto3.

Our integer versions are staging labels `v1`, `v2`, … on the AWS versions: AWS keeps a
labelled version (it only deprecates unlabelled ones), AWSCURRENT marks the current one.
"""

import boto3
from botocore.exceptions import ClientError

from vault.base import (
    SecretAlreadyExists,
    SecretMeta,
    SecretNotFound,
    SecretStore,
    SecretStoreError,
    SecretValue,
    new_random_secret,
)

CURRENT = "AWSCURRENT"


def _label(version: int) -> str:
    return f"v{version}"


def _version_of(stages: list[str]) -> int | None:
    for stage in stages:
        if stage.startswith("v") and stage[1:].isdigit():
            return int(stage[1:])
    return None


class AwsSecretStore(SecretStore):
    def __init__(self, *, region: str, endpoint_url: str | None, prefix: str):
        self._client = boto3.client("secretsmanager", region_name=region, endpoint_url=endpoint_url or None)
        self._prefix = prefix

    def _id(self, name: str) -> str:
        return f"{self._prefix}{name}"

    def _error(self, exc: ClientError, name: str) -> SecretStoreError:
        code = exc.response.get("Error", {}).get("Code", "")
        if code == "ResourceNotFoundException":
            return SecretNotFound(f"Secret {name!r} not found.")
        if code == "ResourceExistsException":
            return SecretAlreadyExists(f"Secret {name!r} already exists.")
        return SecretStoreError(f"Secrets Manager refused {name!r}: {code or 'unknown error'}.")

    def put(self, name, value, *, tags=None, actor=""):
        tags = dict(tags or {})
        aws_tags = [{"Key": k, "Value": str(v)} for k, v in tags.items()]
        if actor:
            aws_tags.append({"Key": "created-by", "Value": actor})
        try:
            self._client.create_secret(Name=self._id(name), SecretString=value, Tags=aws_tags)
            # create_secret gives the first version only AWSCURRENT; add our version label.
            version_id = self._version_id(name, CURRENT)
            self._client.update_secret_version_stage(
                SecretId=self._id(name), VersionStage=_label(1), MoveToVersionId=version_id
            )
        except ClientError as exc:
            raise self._error(exc, name) from None
        return SecretMeta(name=name, version=1, current=True, tags=tags, created_by=actor)

    def _version_id(self, name: str, stage: str) -> str:
        response = self._client.get_secret_value(SecretId=self._id(name), VersionStage=stage)
        return response["VersionId"]

    def get(self, name, *, version=None):
        stage = CURRENT if version is None else _label(version)
        try:
            response = self._client.get_secret_value(SecretId=self._id(name), VersionStage=stage)
        except ClientError as exc:
            raise self._error(exc, name) from None
        return SecretValue(response["SecretString"])

    def _labelled_versions(self, name: str) -> dict[int, str]:
        response = self._client.list_secret_version_ids(SecretId=self._id(name), IncludeDeprecated=True)
        labelled = {}
        for entry in response["Versions"]:
            version = _version_of(entry.get("VersionStages", []))
            if version is not None:
                labelled[version] = entry["VersionId"]
        return labelled

    def rotate(self, name, value=None, *, actor=""):
        current = [meta for meta in self.versions(name) if meta.current]
        if not current:
            raise SecretNotFound(f"Secret {name!r} has no current version.")
        new_version = current[0].version + 1
        try:
            before = self._labelled_versions(name)
            self._client.put_secret_value(
                SecretId=self._id(name),
                SecretString=value if value is not None else new_random_secret(),
                VersionStages=[CURRENT, _label(new_version)],
            )
            # Some implementations drop custom labels from older versions on put; put them back
            # so superseded versions stay kept and addressable.
            after = self._labelled_versions(name)
            for version, version_id in before.items():
                if version not in after:
                    self._client.update_secret_version_stage(
                        SecretId=self._id(name), VersionStage=_label(version), MoveToVersionId=version_id
                    )
        except ClientError as exc:
            raise self._error(exc, name) from None
        return SecretMeta(name=name, version=new_version, current=True, tags=current[0].tags, created_by=actor)

    def delete(self, name):
        try:
            self._client.describe_secret(SecretId=self._id(name))
            self._client.delete_secret(SecretId=self._id(name), ForceDeleteWithoutRecovery=True)
        except ClientError as exc:
            raise self._error(exc, name) from None

    def list(self, *, tags=None):
        wanted = dict(tags or {})
        found = []
        paginator = self._client.get_paginator("list_secrets")
        for page in paginator.paginate(Filters=[{"Key": "name", "Values": [self._prefix]}]):
            for entry in page["SecretList"]:
                if not entry["Name"].startswith(self._prefix) or entry.get("DeletedDate"):
                    continue
                entry_tags = {tag["Key"]: tag["Value"] for tag in entry.get("Tags", []) if tag["Key"] != "created-by"}
                if any(entry_tags.get(k) != str(v) for k, v in wanted.items()):
                    continue
                version = max(
                    (
                        _version_of(stages) or 0
                        for stages in entry.get("SecretVersionsToStages", {}).values()
                        if CURRENT in stages
                    ),
                    default=0,
                )
                found.append(
                    SecretMeta(
                        name=entry["Name"][len(self._prefix) :],
                        version=version,
                        current=True,
                        tags=entry_tags,
                        created_at=entry.get("CreatedDate"),
                    )
                )
        return sorted(found, key=lambda meta: meta.name)

    def versions(self, name):
        try:
            described = self._client.describe_secret(SecretId=self._id(name))
            response = self._client.list_secret_version_ids(SecretId=self._id(name), IncludeDeprecated=True)
        except ClientError as exc:
            raise self._error(exc, name) from None
        tags = {tag["Key"]: tag["Value"] for tag in described.get("Tags", []) if tag["Key"] != "created-by"}
        metas = []
        for entry in response["Versions"]:
            version = _version_of(entry.get("VersionStages", []))
            if version is None:
                continue
            metas.append(
                SecretMeta(
                    name=name,
                    version=version,
                    current=CURRENT in entry.get("VersionStages", []),
                    tags=tags,
                    created_at=entry.get("CreatedDate"),
                )
            )
        return sorted(metas, key=lambda meta: meta.version)
