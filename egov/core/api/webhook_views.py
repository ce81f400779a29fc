"""Webhook registration API (for API clients: a webhook belongs to the calling client)."""
import ipaddress
import re
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from .idempotency import idempotent
from .models import ApiClient, Webhook, WebhookDelivery, WebhookEvent
from .pagination import cursor_pagination
from .scopes import Scope
from .views import ApiViewMixin, ETagRetrieveMixin
from .webhooks import webhook_create, webhook_deactivate


class WebhookSerializer(serializers.ModelSerializer):
    class Meta:
        model = Webhook
        fields = ["id", "url", "events", "is_active", "created_at"]
        read_only_fields = fields


class WebhookCreatedSerializer(WebhookSerializer):
    secret = serializers.CharField(read_only=True, help_text="HMAC-SHA256 signing secret; shown only now.")

    class Meta(WebhookSerializer.Meta):
        fields = WebhookSerializer.Meta.fields + ["secret"]
        read_only_fields = fields


# The URL form the schema promises: http(s), a host name with a top-level domain, an optional
# port and path. (Django's URLValidator alone also wants a letter TLD; the schema said only "uri".)
WEBHOOK_URL_PATTERN = (r"^https?://(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}"
                       r"(?::(?:6553[0-5]|655[0-2][0-9]|65[0-4][0-9]{2}|6[0-4][0-9]{3}|[1-5][0-9]{4}|[0-9]{1,4}))?"
                       r"(?:[/?](?:[A-Za-z0-9._~!$&'()*+,;=:@/?-]|%[0-9A-Fa-f]{2})*)?"
                       r"(?:#(?:[A-Za-z0-9._~!$&'()*+,;=:@/?-]|%[0-9A-Fa-f]{2})*)?$")  # RFC 3986 characters


@extend_schema_field({"type": "string", "format": "uri", "maxLength": 500, "pattern": WEBHOOK_URL_PATTERN,
                      "description": "An http(s) URL of a host name that resolves to a public address (else 400). "
                                     "An IP literal or localhost is accepted too, for in-house receivers the "
                                     "operator allows (OUTBOUND_ALLOWED_NETWORKS)."})
class WebhookUrlField(serializers.CharField):
    """The webhook URL: the schema's pattern, or an IP literal / localhost (refused unless allow-listed)."""

    def __init__(self, **kwargs):
        super().__init__(max_length=500, **kwargs)

    def to_internal_value(self, data):
        url = super().to_internal_value(data)
        if re.fullmatch(WEBHOOK_URL_PATTERN, url) and _port_ok(url):
            return url
        if _is_literal_host_url(url):
            return url
        raise serializers.ValidationError(_("The webhook URL must be an http or https URL."))


def _port_ok(url: str) -> bool:
    try:
        return (urlsplit(url).port or 1) <= 65535
    except ValueError:
        return False


def _is_literal_host_url(url: str) -> bool:
    try:
        URLValidator(schemes=["http", "https"])(url)
        host = urlsplit(url).hostname or ""
    except (ValidationError, ValueError):  # not a URL, or a malformed netloc
        return False
    if host == "localhost":
        return True
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


class WebhookInput(serializers.Serializer):
    url = WebhookUrlField()
    events = serializers.ListField(child=serializers.ChoiceField(choices=WebhookEvent.choices), required=False,
                                   max_length=10)


class WebhookDeliverySerializer(serializers.ModelSerializer):
    class Meta:
        model = WebhookDelivery
        fields = ["id", "uuid", "event", "payload", "state", "attempts", "next_attempt_at", "last_status_code",
                  "last_error", "delivered_at", "created_at"]
        read_only_fields = fields


@extend_schema_view(list=extend_schema(summary="Your webhooks"), retrieve=extend_schema(summary="A webhook"))
class WebhookViewSet(ApiViewMixin, mixins.ListModelMixin, ETagRetrieveMixin, viewsets.GenericViewSet):
    serializer_class = WebhookSerializer
    pagination_class = cursor_pagination("id")
    required_scopes = {"*": Scope.WEBHOOKS_MANAGE}

    def _client(self) -> ApiClient:
        if not isinstance(self.request.auth, ApiClient):
            raise exceptions.PermissionDenied(_("Webhooks belong to API clients; call with an API token."))
        return self.request.auth

    def get_queryset(self):
        if not isinstance(self.request.auth, ApiClient):
            return Webhook.objects.none()
        return Webhook.objects.filter(client=self.request.auth)

    @extend_schema(summary="Register a webhook (the signing secret is in this response only)",
                   request=WebhookInput, responses={201: WebhookCreatedSerializer})
    @idempotent
    def create(self, request):
        client = self._client()
        inp = WebhookInput(data=request.data)
        inp.is_valid(raise_exception=True)
        hook = webhook_create(client=client, acting_user=request.user, **inp.validated_data)
        return Response(WebhookCreatedSerializer(hook).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="Deactivate a webhook", responses={204: None})
    def destroy(self, request, pk=None):
        webhook_deactivate(webhook=self.get_object(), acting_user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(summary="Deliveries of a webhook, newest first", responses=WebhookDeliverySerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=cursor_pagination("-id"))
    def deliveries(self, request, pk=None):
        page = self.paginate_queryset(self.get_object().deliveries.all())
        return self.get_paginated_response(WebhookDeliverySerializer(page, many=True).data)
