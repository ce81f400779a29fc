"""
Drafts API: drafts and their versions, comment requests and answers, the approval actions,
signing (PKCS#11 / remote with the PIN in the body, or a VGCA signing ticket), issue. The
same services as the pages; visibility from ``drafts_visible_to`` (another unit's draft is
404). Approvals and signatures are personal: they succeed only for the person the service
expects (a browser session or that person's own token), never for an API client's service user.
"""
from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, parsers, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from documents import services
from documents.choices import CommentVerdict, DocumentType, DraftState
from documents.drafts_selectors import comment_table, drafts_visible_to
from documents.models import CommentRequest, CommentTarget, Draft, DraftEvent, DraftVersion
from egov.core.api.parsers import BoundedJSONParser
from egov.core.api.scopes import Scope
from egov.core.api.views import ApiViewMixin
from units.models import Division, Unit

from .views import _acting_unit

JSON_AND_FORMS = [BoundedJSONParser, parsers.MultiPartParser, parsers.FormParser]  # deep JSON: a 400, not a 500
User = serializers.PrimaryKeyRelatedField


def _users():
    from django.contrib.auth import get_user_model

    return get_user_model().objects.filter(is_active=True)


class VersionSerializer(serializers.ModelSerializer):
    author = serializers.CharField(source="author.username", read_only=True)
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = DraftVersion
        fields = ["number", "original_name", "sha256", "size", "author", "created_at", "made_in", "note",
                  "download_url"]
        read_only_fields = fields

    def get_download_url(self, obj) -> str:
        return reverse("documents:draft_version_file", args=[obj.draft_id, obj.number])


class EventSerializer(serializers.ModelSerializer):
    version = serializers.IntegerField(source="version.number", read_only=True, allow_null=True, default=None)

    class Meta:
        model = DraftEvent
        fields = ["kind", "actor_name", "at", "version", "state", "note", "details"]
        read_only_fields = fields


class DraftSerializer(serializers.ModelSerializer):
    owner_unit = serializers.SlugRelatedField(slug_field="code", read_only=True)
    division = serializers.SlugRelatedField(slug_field="short_name", read_only=True, allow_null=True)
    subject = serializers.CharField(source="document.subject", read_only=True)
    doc_type = serializers.CharField(source="document.doc_type", read_only=True)
    number_notation = serializers.CharField(source="document.number_notation", read_only=True)
    versions = VersionSerializer(many=True, read_only=True)
    replies_to = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = Draft
        fields = ["id", "owner_unit", "division", "document", "subject", "doc_type", "number_notation", "state",
                  "drafter", "signer", "on_behalf_of", "competence", "approved_version", "signed_at",
                  "signing_method", "replies_to", "last_note", "created_at", "updated_at", "versions"]
        read_only_fields = fields


class DraftCreateInput(serializers.Serializer):
    owner_unit = serializers.CharField(required=False, help_text="Code of the unit you act for")
    subject = serializers.CharField(max_length=500)
    doc_type = serializers.ChoiceField(choices=DocumentType.choices, default=DocumentType.CONG_VAN)
    division = serializers.PrimaryKeyRelatedField(queryset=Division.objects.all(), required=False, allow_null=True)
    replies_to = serializers.ListField(child=serializers.IntegerField(min_value=1, max_value=2**31 - 1),
                                       required=False, default=list)
    file = serializers.FileField()
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)


class VersionInput(serializers.Serializer):
    file = serializers.FileField()
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)


class SubmitInput(serializers.Serializer):
    signer = serializers.PrimaryKeyRelatedField(queryset=_users())
    competence = serializers.ChoiceField(choices=["", "TM", "KT", "TL", "TUQ", "Q"], required=False, default="")
    on_behalf_of = serializers.PrimaryKeyRelatedField(queryset=_users(), required=False, allow_null=True,
                                                      default=None)
    note = serializers.CharField(required=False, allow_blank=True, default="")


class ApproveInput(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="")
    checklist = serializers.ListField(child=serializers.ChoiceField(choices=list(services.FORM_CHECKLIST)),
                                      required=False, default=list)


class NoteInput(serializers.Serializer):
    note = serializers.CharField()


class SignInput(serializers.Serializer):
    pin = serializers.CharField(max_length=64, write_only=True)


class TicketSerializer(serializers.Serializer):
    token = serializers.CharField()
    download_url = serializers.CharField()
    upload_url = serializers.CharField()
    expires_at = serializers.DateTimeField()


class CommentRequestInput(serializers.Serializer):
    deadline = serializers.DateField()
    users = serializers.PrimaryKeyRelatedField(queryset=_users(), many=True, required=False, default=list)
    units = serializers.SlugRelatedField(slug_field="code", queryset=Unit.objects.all(), many=True, required=False,
                                         default=list)
    message = serializers.CharField(required=False, allow_blank=True, default="")


class ExtendInput(serializers.Serializer):
    deadline = serializers.DateField()


class CommentRequestSerializer(serializers.ModelSerializer):
    version = serializers.IntegerField(source="version.number", read_only=True)
    document = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)

    class Meta:
        model = CommentRequest
        fields = ["id", "draft", "version", "requested_by", "message", "deadline", "extensions", "document",
                  "created_at", "closed_at"]
        read_only_fields = fields


class CommentRowSerializer(serializers.Serializer):
    target = serializers.IntegerField(source="target.pk")
    request = serializers.IntegerField(source="request.pk")
    who = serializers.CharField()
    version = serializers.IntegerField()
    deadline = serializers.DateField()
    verdict = serializers.CharField(source="verdict_code", allow_blank=True)
    comment = serializers.CharField(allow_blank=True)
    file = serializers.CharField(allow_blank=True)
    answered_at = serializers.DateTimeField(allow_null=True)


class AnswerInput(serializers.Serializer):
    verdict = serializers.ChoiceField(choices=CommentVerdict.choices)
    comment = serializers.CharField(required=False, allow_blank=True, default="")
    file = serializers.FileField(required=False, allow_null=True, default=None)


class AnswerSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    verdict = serializers.CharField()
    comment = serializers.CharField(allow_blank=True)
    file_name = serializers.CharField(allow_blank=True)
    answered_at = serializers.DateTimeField()


@extend_schema_view(list=extend_schema(summary="Drafts of your units"), retrieve=extend_schema(summary="A draft"))
class DraftViewSet(ApiViewMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = DraftSerializer
    parser_classes = JSON_AND_FORMS
    read = Scope.DRAFTS_READ
    act = Scope.DRAFTS_ACT
    required_scopes = {"list": read, "retrieve": read, "trail": read, "comments": read, "create": act,
                       "versions": act, "submit": act, "approve": act, "return_": act, "sign": act,
                       "sign_ticket": act, "sign_complete": act, "issue": act, "comment_requests": act}

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Draft.objects.none()
        return (drafts_visible_to(user=self.request.user).select_related("owner_unit", "division", "document")
                .prefetch_related("versions", "versions__author", "replies_to").order_by("-pk"))

    @extend_schema(summary="Start a draft with its first version (multipart: file = the PDF)",
                   request={"multipart/form-data": DraftCreateInput}, responses={201: DraftSerializer})
    def create(self, request):
        inp = DraftCreateInput(data=request.data)
        inp.is_valid(raise_exception=True)
        data = dict(inp.validated_data)
        unit = _acting_unit(request, data.pop("owner_unit", None))
        from documents.selectors import incoming_visible_to

        records = list(incoming_visible_to(user=request.user, unit=unit).filter(pk__in=data.pop("replies_to")))
        upload = data.pop("file")
        draft = services.draft_create(owner_unit=unit, acting_user=request.user, subject=data["subject"],
                                      doc_type=data["doc_type"], division=data.get("division"), upload=upload,
                                      file_name=upload.name, replies_to=records, note=data["note"])
        return self.respond(self.get_queryset().get(pk=draft.pk), status=status.HTTP_201_CREATED)

    @extend_schema(summary="Add a version (the drafter, or the reviewer of the present step)",
                   request={"multipart/form-data": VersionInput}, responses={201: VersionSerializer})
    @action(detail=True, methods=["post"], parser_classes=[parsers.MultiPartParser, parsers.FormParser])
    def versions(self, request, pk=None):
        inp = VersionInput(data=request.data)
        inp.is_valid(raise_exception=True)
        f = inp.validated_data["file"]
        v = services.draft_version_add(draft=self.get_object(), acting_user=request.user, upload=f, file_name=f.name,
                                       note=inp.validated_data["note"])
        return Response(VersionSerializer(v).data, status=status.HTTP_201_CREATED)

    def _do(self, input_class, call):
        inp = input_class(data=self.request.data) if input_class else None
        if inp is not None:
            inp.is_valid(raise_exception=True)
        draft = self.get_object()
        call(draft, inp.validated_data if inp is not None else {})
        return self.respond(self.get_queryset().get(pk=draft.pk))

    @extend_schema(summary="Submit for approval (trình)", request=SubmitInput, responses=DraftSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        return self._do(SubmitInput, lambda d, v: services.draft_submit(draft=d, acting_user=request.user, **v))

    @extend_schema(summary="Approve the present step (content, form with the Phụ lục I checklist, signer)",
                   request=ApproveInput, responses=DraftSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        return self._do(ApproveInput, lambda d, v: services.draft_approve(
            draft=d, acting_user=request.user, note=v["note"], checklist={k: True for k in v["checklist"]}))

    @extend_schema(summary="Return to the drafter with a note", request=NoteInput, responses=DraftSerializer)
    @action(detail=True, methods=["post"], url_path="return")
    def return_(self, request, pk=None):
        return self._do(NoteInput, lambda d, v: services.draft_return(draft=d, acting_user=request.user, **v))

    @extend_schema(summary="Sign with your server-side method (PKCS#11 token or remote CSC), PIN in the body",
                   request=SignInput, responses=DraftSerializer)
    @action(detail=True, methods=["post"])
    def sign(self, request, pk=None):
        return self._do(SignInput, lambda d, v: services.draft_sign(draft=d, acting_user=request.user, pin=v["pin"]))

    @extend_schema(summary="A VGCA signing ticket for the approved version (browser signing)", request=None,
                   responses={201: TicketSerializer})
    @action(detail=True, methods=["post"], url_path="sign-ticket")
    def sign_ticket(self, request, pk=None):
        ticket = services.draft_sign_ticket(draft=self.get_object(), acting_user=request.user)
        return Response(TicketSerializer({
            "token": ticket.token, "expires_at": ticket.expires_at,
            "download_url": request.build_absolute_uri(reverse("signatures:vgca_download", args=[ticket.token])),
            "upload_url": request.build_absolute_uri(reverse("signatures:vgca_upload", args=[ticket.token]))}).data,
            status=status.HTTP_201_CREATED)

    @extend_schema(summary="Keep the file the VGCA Sign Service uploaded as the signed draft", request=None,
                   responses=DraftSerializer)
    @action(detail=True, methods=["post"], url_path="sign-complete")
    def sign_complete(self, request, pk=None):
        return self._do(None, lambda d, v: services.draft_sign_from_ticket(draft=d, acting_user=request.user))

    @extend_schema(summary="Number, apply the organisation signature and issue (clerk)", request=None,
                   responses=DraftSerializer)
    @action(detail=True, methods=["post"])
    def issue(self, request, pk=None):
        return self._do(None, lambda d, v: services.draft_issue(draft=d, acting_user=request.user))

    @extend_schema(summary="The draft's trail", responses=EventSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None)
    def trail(self, request, pk=None):
        return Response(EventSerializer(self.get_object().events.select_related("version"), many=True).data)

    @extend_schema(summary="The consolidated table of comments", responses=CommentRowSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None)
    def comments(self, request, pk=None):
        return Response(CommentRowSerializer(comment_table(draft=self.get_object()), many=True).data)

    @extend_schema(summary="Ask people and/or units (by code) for comments", request=CommentRequestInput,
                   responses={201: CommentRequestSerializer})
    @action(detail=True, methods=["post"], url_path="comment-requests")
    def comment_requests(self, request, pk=None):
        inp = CommentRequestInput(data=request.data)
        inp.is_valid(raise_exception=True)
        v = inp.validated_data
        req = services.comment_request_create(draft=self.get_object(), acting_user=request.user,
                                              deadline=v["deadline"], users=list(v["users"]), units=list(v["units"]),
                                              message=v["message"])
        return Response(CommentRequestSerializer(req).data, status=status.HTTP_201_CREATED)


class CommentRequestViewSet(ApiViewMixin, viewsets.GenericViewSet):
    """Send a request to the units it asks (clerk) or extend its deadline (drafter)."""

    serializer_class = CommentRequestSerializer
    required_scopes = {"send": Scope.DRAFTS_ACT, "extend": Scope.DRAFTS_ACT}

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return CommentRequest.objects.none()
        return CommentRequest.objects.filter(draft__in=drafts_visible_to(user=self.request.user)).select_related(
            "version")

    @extend_schema(summary="Number and send the request document to the units asked", request=None,
                   responses=CommentRequestSerializer)
    @action(detail=True, methods=["post"])
    def send(self, request, pk=None):
        req = services.comment_request_send(request=self.get_object(), acting_user=request.user)
        return Response(CommentRequestSerializer(req).data)

    @extend_schema(summary="Extend the deadline", request=ExtendInput, responses=CommentRequestSerializer)
    @action(detail=True, methods=["post"])
    def extend(self, request, pk=None):
        inp = ExtendInput(data=request.data)
        inp.is_valid(raise_exception=True)
        req = services.comment_request_extend(request=self.get_object(), acting_user=request.user,
                                              deadline=inp.validated_data["deadline"])
        return Response(CommentRequestSerializer(req).data)


class CommentTargetViewSet(ApiViewMixin, viewsets.GenericViewSet):
    """Comments asked of you: answer once, before the deadline."""

    serializer_class = AnswerSerializer
    parser_classes = JSON_AND_FORMS
    required_scopes = {"answer": Scope.DRAFTS_ACT}

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return CommentTarget.objects.none()
        return CommentTarget.objects.filter(user=self.request.user)

    @extend_schema(summary="Give your opinion (comment required unless agreeing; optional file)",
                   request={"application/json": AnswerInput, "multipart/form-data": AnswerInput},
                   responses={201: AnswerSerializer})
    @action(detail=True, methods=["post"])
    def answer(self, request, pk=None):
        inp = AnswerInput(data=request.data)
        inp.is_valid(raise_exception=True)
        v = inp.validated_data
        f = v.get("file")
        a = services.comment_answer(target=get_object_or_404(self.get_queryset(), pk=pk), acting_user=request.user,
                                    verdict=v["verdict"], comment=v["comment"], upload=f,
                                    file_name=f.name if f else None)
        return Response(AnswerSerializer(a).data, status=status.HTTP_201_CREATED)
