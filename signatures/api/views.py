"""Signatures API: verify a posted file; read certificates (through the signatures service and models)."""
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, parsers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from egov.core.api.idempotency import idempotent
from egov.core.api.pagination import cursor_pagination
from egov.core.api.scopes import Scope
from egov.core.api.views import ApiViewMixin, ETagRetrieveMixin
from signatures.filtersets import CertificateFilterSet
from signatures.models import Certificate

from .serializers import CertificateSerializer, VerificationSerializer, VerifyInput


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
