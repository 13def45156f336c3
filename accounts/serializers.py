from rest_framework import serializers

from accounts.models import ApiKey, StaffToken


class ApiKeySerializer(serializers.ModelSerializer):
    created_by = serializers.EmailField(
        source="created_by.email",
        default=None,
        allow_null=True,
        read_only=True,
        help_text="The creator's e-mail; null when no user created it or that user is gone.",
    )
    scopes = serializers.ListField(child=serializers.ChoiceField(choices=ApiKey.Scope.choices), read_only=True)
    active = serializers.BooleanField(source="is_active", read_only=True)

    class Meta:
        model = ApiKey
        fields = ["id", "name", "prefix", "scopes", "active", "created_by", "created_at", "last_used_at", "revoked_at"]
        read_only_fields = fields


class ApiKeyCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    scopes = serializers.MultipleChoiceField(choices=ApiKey.Scope.choices, allow_empty=False)


class ApiKeyCreatedSerializer(ApiKeySerializer):
    """The creation response: the only time the raw key is ever returned."""

    key = serializers.CharField(read_only=True, help_text="The raw key, `alq_<prefix>_<secret>`: shown this once.")

    class Meta(ApiKeySerializer.Meta):
        fields = [*ApiKeySerializer.Meta.fields, "key"]
        read_only_fields = fields


class StaffTokenSerializer(serializers.ModelSerializer):
    scopes = serializers.ListField(child=serializers.ChoiceField(choices=StaffToken.Scope.choices), read_only=True)
    active = serializers.BooleanField(source="is_active", read_only=True)

    class Meta:
        model = StaffToken
        fields = ["id", "name", "prefix", "scopes", "active", "created_at", "expires_at", "last_used_at", "revoked_at"]
        read_only_fields = fields


class StaffTokenCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    scopes = serializers.MultipleChoiceField(choices=StaffToken.Scope.choices, allow_empty=False)
    expires_in_days = serializers.ChoiceField(
        choices=[7, 30, 90, 365], required=False, allow_null=True, default=None, help_text="Omit or null: never."
    )


class StaffTokenCreatedSerializer(StaffTokenSerializer):
    """The creation response: the only time the raw token is ever returned."""

    token = serializers.CharField(
        read_only=True, help_text="The raw token, `alq_pat_<prefix>_<secret>`: shown this once."
    )

    class Meta(StaffTokenSerializer.Meta):
        fields = [*StaffTokenSerializer.Meta.fields, "token"]
        read_only_fields = fields
