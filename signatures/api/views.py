"""Signatures API: verify a posted file; read certificates (through the signatures service and models)."""
import django_filters
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, parsers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from egov.api.idempotency import idempotent
from egov.api.pagination import cursor_pagination
from egov.api.scopes import Scope
from egov.api.views import ApiViewMixin, ETagRetrieveMixin
from signatures.models import Certificate
from units.text import search_key

from .serializers import CertificateSerializer, VerificationSerializer, VerifyInput


class CertificateFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_q", label=_("Search"))
    sha256 = django_filters.CharFilter(lookup_expr="iexact", label=_("SHA-256 fingerprint"))
    serial = django_filters.CharFilter(field_name="serial_hex", lookup_expr="iexact", label=_("Serial number"))
    is_ca = django_filters.BooleanFilter(label=_("CA certificate"))

    class Meta:
        model = Certificate
        fields = ["q", "sha256", "serial", "is_ca"]

    def filter_q(self, queryset, name, value):
        key = search_key(value or "")
        return queryset.filter(search_text__contains=key) if key else queryset


class CertificateViewSet(ApiViewMixin, mixins.ListModelMixin, ETagRetrieveMixin, viewsets.GenericViewSet):
    """Certificates known to the portal (public data: subjects, issuers, validity, bindings)."""

    serializer_class = CertificateSerializer
    filterset_class = CertificateFilterSet
    pagination_class = cursor_pagination("id")
    required_scopes = {"*": Scope.SIGNATURES_VERIFY}
    queryset = Certificate.objects.select_related("unit").defer("der")


class VerificationViewSet(ApiViewMixin, viewsets.GenericViewSet):
    serializer_class = VerificationSerializer
    required_scopes = {"*": Scope.SIGNATURES_VERIFY}
    parser_classes = [parsers.MultiPartParser]

    @extend_schema(summary="Verify the signatures of a posted file", request={"multipart/form-data": VerifyInput},
                   responses={201: VerificationSerializer})
    @action(detail=False, methods=["post"], url_path="verify")
    @idempotent
    def verify(self, request):
        from signatures.services.verification import verification_run

        inp = VerifyInput(data=request.data)
        inp.is_valid(raise_exception=True)
        upload = inp.validated_data["file"]
        detached = inp.validated_data.get("signature")
        verification = verification_run(content=upload.read(), filename=upload.name or "",
                                        detached_signature=detached.read() if detached is not None else None)
        return Response(VerificationSerializer(verification).data, status=status.HTTP_201_CREATED)
