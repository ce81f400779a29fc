"""Models of the records app: file plans, files, their contents and events, packages, copies."""
from __future__ import annotations

import datetime
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .choices import (
    RETENTION_YEARS,
    AccessState,
    CopyForm,
    CopyMedium,
    CopyState,
    FileEventKind,
    FileState,
    PackageKind,
    PlanState,
    ProposalState,
    Retention,
    UseRegime,
)

USER = settings.AUTH_USER_MODEL


class FilePlan(models.Model):
    """The annual file plan (Danh mục hồ sơ) of a unit: drafted, approved by the head."""

    unit = models.ForeignKey("units.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="file_plans")
    year = models.PositiveSmallIntegerField(_("year"))
    state = models.CharField(_("state"), max_length=10, choices=PlanState.choices, default=PlanState.DRAFT)
    approved_by = models.ForeignKey(USER, verbose_name=_("approved by"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    created_by = models.ForeignKey(USER, verbose_name=_("created by"), null=True, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["unit", "-year"]
        verbose_name = _("file plan")
        verbose_name_plural = _("file plans")
        constraints = [models.UniqueConstraint(fields=["unit", "year"], name="records_fileplan_unique_unit_year")]

    def __str__(self) -> str:
        return f"{self.unit.short_name} {self.year}"


class PlanEntry(models.Model):
    """
    One line of the plan: heading (by structure or field), file number and notation
    (``01.TCCB``), title, retention, use regime, person in charge.
    """

    plan = models.ForeignKey(FilePlan, verbose_name=_("file plan"), on_delete=models.CASCADE, related_name="entries")
    heading = models.CharField(_("heading"), max_length=200, help_text=_("e.g. I. Tổ chức cán bộ"))
    number = models.CharField(_("file number"), max_length=10, help_text=_("e.g. 01"))
    notation = models.CharField(_("notation"), max_length=20, help_text=_("e.g. TCCB"))
    title = models.CharField(_("title"), max_length=500)
    retention = models.CharField(_("retention"), max_length=2, choices=Retention.choices, default=Retention.Y10)
    retention_years = models.PositiveSmallIntegerField(_("retention years (code 07)"), null=True, blank=True)
    use_regime = models.CharField(_("use regime"), max_length=2, choices=UseRegime.choices, default=UseRegime.PUBLIC)
    person_in_charge = models.ForeignKey(USER, verbose_name=_("person in charge"), null=True, blank=True,
                                         on_delete=models.PROTECT, related_name="+")
    note = models.CharField(_("note"), max_length=500, blank=True)
    position = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["plan", "position", "number"]
        verbose_name = _("file plan entry")
        verbose_name_plural = _("file plan entries")
        constraints = [
            models.UniqueConstraint(fields=["plan", "number", "notation"], name="records_planentry_unique_code"),
            models.CheckConstraint(condition=~Q(retention="07") | Q(retention_years__isnull=False),
                                   name="records_planentry_other_has_years"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    @property
    def code(self) -> str:
        return f"{self.number}.{self.notation}"

    @property
    def years(self) -> int | None:
        return self.retention_years if self.retention == Retention.OTHER else RETENTION_YEARS[self.retention]


class CaseFile(models.Model):
    """A case file (hồ sơ), opened from a plan entry; the unit of closing, transfer and retention."""

    entry = models.ForeignKey(PlanEntry, verbose_name=_("file plan entry"), on_delete=models.PROTECT,
                              related_name="files")
    unit = models.ForeignKey("units.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="case_files")
    year = models.PositiveSmallIntegerField(_("year"))
    code = models.CharField(_("file code"), max_length=40)
    title = models.CharField(_("title"), max_length=500)
    description = models.TextField(_("description"), blank=True)
    language = models.CharField(_("language"), max_length=10, default="vi")
    retention = models.CharField(_("retention"), max_length=2, choices=Retention.choices)
    retention_years = models.PositiveSmallIntegerField(_("retention years"), null=True, blank=True)
    use_regime = models.CharField(_("use regime"), max_length=2, choices=UseRegime.choices)
    person_in_charge = models.ForeignKey(USER, verbose_name=_("person in charge"), on_delete=models.PROTECT,
                                         related_name="case_files")
    state = models.CharField(_("state"), max_length=10, choices=FileState.choices, default=FileState.OPEN,
                             db_index=True)
    object_id = models.UUIDField(_("package identifier"), default=uuid.uuid4, editable=False, unique=True)
    opened_at = models.DateTimeField(_("opened at"), auto_now_add=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(USER, verbose_name=_("closed by"), null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+")
    transfer_due = models.DateField(_("transfer due"), null=True, blank=True,
                                    help_text=_("One year after the work ended (NĐ 30 Đ30)."))
    reminded_on = models.DateField(_("transfer reminder sent"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    archived_at = models.DateTimeField(_("archived at"), null=True, blank=True)
    archived_by = models.ForeignKey(USER, verbose_name=_("accepted by"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    return_reason = models.TextField(_("reason for return"), blank=True)
    keep_back_until = models.DateField(_("kept back until"), null=True, blank=True)
    keep_back_reason = models.CharField(_("reason for keeping back"), max_length=500, blank=True)
    keep_back_approved_by = models.ForeignKey(USER, verbose_name=_("keep-back approved by"), null=True, blank=True,
                                              on_delete=models.PROTECT, related_name="+")
    destroyed_at = models.DateTimeField(_("destroyed at"), null=True, blank=True)
    destroyed_index = models.JSONField(_("index kept after destruction"), default=list, blank=True)

    class Meta:
        ordering = ["unit", "-year", "code"]
        verbose_name = _("case file")
        verbose_name_plural = _("case files")
        constraints = [models.UniqueConstraint(fields=["unit", "year", "code"], name="records_casefile_unique_code")]
        indexes = [models.Index(fields=["person_in_charge", "state"], name="records_file_person_state"),
                   models.Index(fields=["unit", "state", "transfer_due"], name="records_file_unit_due")]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    @property
    def years(self) -> int | None:
        return self.retention_years if self.retention == Retention.OTHER else RETENTION_YEARS[self.retention]

    @property
    def retention_ends(self) -> datetime.date | None:
        """31 December of the last year of retention (counted from the year the work ended)."""
        if self.years is None or self.closed_at is None:
            return None
        return datetime.date(self.closed_at.year + self.years, 12, 31)


class FileItem(models.Model):
    """
    A document held by a file, in its order inside the file (DocOrdinal). The document itself
    is not copied: the same document may sit in several files of several people (PL VI III.4.e).
    """

    case_file = models.ForeignKey(CaseFile, verbose_name=_("file"), on_delete=models.CASCADE, related_name="items")
    document = models.ForeignKey("documents.Document", verbose_name=_("document"), on_delete=models.PROTECT,
                                 related_name="+")
    incoming = models.ForeignKey("documents.IncomingRecord", verbose_name=_("as received"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")
    ordinal = models.PositiveIntegerField(_("ordinal"))
    added_by = models.ForeignKey(USER, verbose_name=_("added by"), null=True, on_delete=models.PROTECT,
                                 related_name="+")
    added_at = models.DateTimeField(_("added at"), auto_now_add=True)

    class Meta:
        ordering = ["case_file", "ordinal"]
        verbose_name = _("document in a file")
        verbose_name_plural = _("documents in files")
        constraints = [
            models.UniqueConstraint(fields=["case_file", "document"], name="records_fileitem_unique_document"),
            models.UniqueConstraint(fields=["case_file", "ordinal"], name="records_fileitem_unique_ordinal"),
        ]
        indexes = [models.Index(fields=["document"], name="records_fileitem_document")]


class FileEvent(models.Model):
    """The preservation trail of a file (PREMIS events): append-only."""

    case_file = models.ForeignKey(CaseFile, verbose_name=_("file"), on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(_("kind"), max_length=12, choices=FileEventKind.choices)
    at = models.DateTimeField(_("time"))
    actor = models.ForeignKey(USER, verbose_name=_("actor"), null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+")
    actor_name = models.CharField(_("actor name"), max_length=200, blank=True)
    detail = models.CharField(_("detail"), max_length=500, blank=True)
    # The portal's own wording of the detail as a code and parameters (egov.core.messages), shown
    # in the reader's language; ``detail`` keeps it in the portal's language (packages, admin).
    detail_code = models.CharField(_("detail code"), max_length=80, blank=True)
    detail_params = models.JSONField(_("detail parameters"), default=dict, blank=True)
    outcome = models.CharField(_("outcome"), max_length=20, default="success")

    class Meta:
        ordering = ["case_file", "at", "pk"]
        verbose_name = _("file event")
        verbose_name_plural = _("file events")

    @property
    def detail_display(self) -> str:
        """The detail in the active language (the reader's): its code rendered, else the stored text."""
        from egov.core.messages import render

        return render(self.detail_code, self.detail_params, fallback=self.detail)


class InformationPackage(models.Model):
    """An E-ARK package the portal wrote (SIP, AIP or DIP): a ZIP in the default storage."""

    case_file = models.ForeignKey(CaseFile, verbose_name=_("file"), on_delete=models.PROTECT, related_name="packages")
    kind = models.CharField(_("kind"), max_length=3, choices=PackageKind.choices)
    package_id = models.CharField(_("package identifier"), max_length=100, unique=True)
    path = models.CharField(_("stored at"), max_length=500, blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    size = models.PositiveBigIntegerField(_("size"))
    manifest = models.JSONField(_("file checksums"), default=dict)
    created_by = models.ForeignKey(USER, verbose_name=_("created by"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    for_user = models.ForeignKey(USER, verbose_name=_("requested by"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")
    purged_at = models.DateTimeField(_("content removed at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("information package")
        verbose_name_plural = _("information packages")


class ArchiveAccess(models.Model):
    """A request to use an archived file, and the archive's grant or refusal."""

    case_file = models.ForeignKey(CaseFile, verbose_name=_("file"), on_delete=models.PROTECT,
                                  related_name="access_requests")
    user = models.ForeignKey(USER, verbose_name=_("requested by"), on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(_("purpose"), max_length=500)
    state = models.CharField(_("state"), max_length=10, choices=AccessState.choices, default=AccessState.REQUESTED)
    decided_by = models.ForeignKey(USER, verbose_name=_("decided by"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("requested at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("archive access request")
        verbose_name_plural = _("archive access requests")


class LegalHold(models.Model):
    """Freezes a set of files against change, move and destruction (PL VI IV.1.g)."""

    unit = models.ForeignKey("units.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(_("reason"), max_length=500)
    files = models.ManyToManyField(CaseFile, verbose_name=_("files"), related_name="holds")
    placed_by = models.ForeignKey(USER, verbose_name=_("placed by"), on_delete=models.PROTECT, related_name="+")
    placed_at = models.DateTimeField(_("placed at"), auto_now_add=True)
    released_by = models.ForeignKey(USER, verbose_name=_("released by"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    released_at = models.DateTimeField(_("released at"), null=True, blank=True)

    class Meta:
        ordering = ["-placed_at", "-pk"]
        verbose_name = _("legal hold")
        verbose_name_plural = _("legal holds")


class DestructionProposal(models.Model):
    """The list of files whose retention has ended (danh mục tài liệu hết giá trị), before a council."""

    unit = models.ForeignKey("units.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("year"))
    state = models.CharField(_("state"), max_length=10, choices=ProposalState.choices,
                             default=ProposalState.SUBMITTED)
    files = models.ManyToManyField(CaseFile, verbose_name=_("files"), related_name="destruction_proposals")
    council = models.ManyToManyField(USER, verbose_name=_("council"), related_name="+", blank=True)
    decision_ref = models.CharField(_("decision"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    executed_at = models.DateTimeField(_("executed at"), null=True, blank=True)
    executed_by = models.ForeignKey(USER, verbose_name=_("executed by"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    # h13b: what the destruction did to each document's content: {"destroyed": [...], "kept": [...]}
    # with each document's number, subject and, for the kept ones, the reasons.
    content_outcome = models.JSONField(_("content destroyed and kept"), default=dict, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("destruction proposal")
        verbose_name_plural = _("destruction proposals")
        constraints = [models.UniqueConstraint(fields=["unit", "year"], name="records_destruction_unique_unit_year")]


class DestructionVote(models.Model):
    proposal = models.ForeignKey(DestructionProposal, verbose_name=_("proposal"), on_delete=models.CASCADE,
                                 related_name="votes")
    member = models.ForeignKey(USER, verbose_name=_("council member"), on_delete=models.PROTECT, related_name="+")
    approve = models.BooleanField(_("approves"))
    note = models.CharField(_("note"), max_length=500, blank=True)
    at = models.DateTimeField(_("time"), auto_now_add=True)

    class Meta:
        ordering = ["proposal", "at"]
        verbose_name = _("council vote")
        verbose_name_plural = _("council votes")
        constraints = [models.UniqueConstraint(fields=["proposal", "member"], name="records_vote_unique_member")]


class CopyPermission(models.Model):
    """Who may order and who may sign copies in a unit: set by the head (NĐ 30 Đ26)."""

    unit = models.ForeignKey("units.Unit", verbose_name=_("unit"), on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(USER, verbose_name=_("person"), on_delete=models.CASCADE, related_name="+")
    may_order = models.BooleanField(_("may order copies"), default=False)
    may_sign = models.BooleanField(_("may sign copies"), default=False)
    granted_by = models.ForeignKey(USER, verbose_name=_("granted by"), on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["unit", "user"]
        verbose_name = _("copy permission")
        verbose_name_plural = _("copy permissions")
        constraints = [models.UniqueConstraint(fields=["unit", "user"], name="records_copyperm_unique")]


class CopyCounter(models.Model):
    """One running copy number per unit per year for all copy types (NĐ 30 Đ27)."""

    unit = models.ForeignKey("units.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("year"))
    last_number = models.PositiveIntegerField(_("last number"), default=0)

    class Meta:
        verbose_name = _("copy counter")
        verbose_name_plural = _("copy counters")
        constraints = [models.UniqueConstraint(fields=["unit", "year"], name="records_copycounter_unique")]


class CopyRecord(models.Model):
    """A copy in the copies register: its form, medium, source, number and signed file."""

    unit = models.ForeignKey("units.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="copies")
    form = models.CharField(_("form"), max_length=10, choices=CopyForm.choices)
    medium = models.CharField(_("medium"), max_length=3, choices=CopyMedium.choices)
    state = models.CharField(_("state"), max_length=8, choices=CopyState.choices, default=CopyState.ORDERED)
    document = models.ForeignKey("documents.Document", verbose_name=_("document copied"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")
    source_description = models.CharField(_("original (paper)"), max_length=500, blank=True)
    pages = models.CharField(_("pages (extract)"), max_length=100, blank=True, help_text=_("e.g. 1-2,4"))
    scan_path = models.CharField(_("scan"), max_length=500, blank=True)
    scan_sha256 = models.CharField(_("scan SHA-256"), max_length=64, blank=True)
    recipients = models.CharField(_("recipients"), max_length=500, blank=True)
    year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True)
    number = models.PositiveIntegerField(_("copy number"), null=True, blank=True)
    path = models.CharField(_("copy file"), max_length=500, blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    page_count = models.PositiveIntegerField(_("pages"), null=True, blank=True)
    ordered_by = models.ForeignKey(USER, verbose_name=_("ordered by"), on_delete=models.PROTECT, related_name="+")
    ordered_at = models.DateTimeField(_("ordered at"), auto_now_add=True)
    signed_by = models.ForeignKey(USER, verbose_name=_("signed by"), null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+")
    signed_at = models.DateTimeField(_("signed at"), null=True, blank=True)

    class Meta:
        ordering = ["unit", "-year", "-number", "-pk"]
        verbose_name = _("copy")
        verbose_name_plural = _("copies")
        constraints = [
            models.UniqueConstraint(fields=["unit", "year", "number"], condition=Q(number__isnull=False),
                                    name="records_copy_unique_number"),
            models.CheckConstraint(condition=Q(document__isnull=False) | Q(medium="p2e"),
                                   name="records_copy_electronic_has_document"),
        ]

    @property
    def notation(self) -> str:
        from .choices import COPY_FORM_ABBR

        if self.number is None:
            return ""
        return f"{self.number:02d}/{COPY_FORM_ABBR[self.form]}-{self.unit.short_name}"
