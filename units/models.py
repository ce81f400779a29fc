"""Models of the units app: the hierarchy of agencies, their staff, and their history."""
from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .choices import ReorganisationAction, Role, UnitKind
from egov.core.text import search_key
from .validators import validate_unit_code

__all__ = ["Unit", "UnitQuerySet", "Membership", "UnitChange", "UnitGroup", "Division"]

PATH_STEP = 10  # width of one zero-padded primary key in Unit.path


class UnitQuerySet(models.QuerySet):
    def active(self, on: datetime.date | None = None) -> "UnitQuerySet":
        """Units that exist on ``on`` (today by default)."""
        on = on or timezone.localdate()
        return self.filter(Q(valid_from__isnull=True) | Q(valid_from__lte=on)).filter(
            Q(valid_to__isnull=True) | Q(valid_to__gte=on)
        )

    def search(self, term: str) -> "UnitQuerySet":
        """
        Name or code contains ``term``, with or without Vietnamese diacritics. One LIKE on
        ``search_text`` (which holds the code too), served on PostgreSQL by a trigram index
        (units 0003_h11_unit_search_trgm), so it stays fast with the national directory loaded.
        """
        term = (term or "").strip()
        if not term:
            return self
        return self.filter(search_text__contains=search_key(term))


class Unit(models.Model):
    """
    An agency that sends and receives official documents: the provincial People's Committee,
    a department (sở, ban, ngành), a district or commune People's Committee, a public service
    unit. Identified by its QCVN 102 code. Never deleted: reorganisations close a unit
    (``valid_to``) and point to its ``successor``, so old documents keep their sender.

    ``path`` is a materialised path of zero-padded primary keys ("0000000001/0000000007/"),
    so descendants are one indexed prefix query and ancestors one ``pk__in`` query.
    """

    code = models.CharField(_("agency code"), max_length=13, unique=True, validators=[validate_unit_code])
    name = models.CharField(_("name"), max_length=255)
    short_name = models.CharField(
        _("short name"), max_length=30, help_text=_("Abbreviation used in document notations, e.g. UBND, SNV.")
    )
    # Filtered by kind through the (kind, valid_to) index below; no index of its own (units 0005_h11).
    kind = models.CharField(_("kind"), max_length=32, choices=UnitKind.choices)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent unit"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    path = models.CharField(_("tree path"), max_length=255, db_index=True, editable=False, default="")
    depth = models.PositiveSmallIntegerField(_("depth"), default=0, editable=False)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True, db_index=True)
    successor = models.ForeignKey(
        "self",
        verbose_name=_("successor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="predecessors",
        help_text=_("The unit that took over after a merger or dissolution."),
    )
    # edXML From/To fields.
    address = models.CharField(_("address"), max_length=255, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("telephone"), max_length=50, blank=True)
    fax = models.CharField(_("fax"), max_length=50, blank=True)
    website = models.CharField(_("website"), max_length=255, blank=True)
    is_local = models.BooleanField(
        _("local"), default=True, help_text=_("Its staff work in this portal; otherwise reached through a peer system.")
    )
    peer_ref = models.CharField(
        _("peer system"), max_length=100, blank=True, help_text=_("Reference of the peer system hosting a remote unit.")
    )
    is_demo_code = models.BooleanField(_("demo code"), default=False)
    # Searched with LIKE '%…%' through the trigram index (units 0003_h11_unit_search_trgm); a B-tree on
    # it served no query and slowed every write of the directory (units 0005_h11).
    search_text = models.CharField(max_length=400, editable=False, default="")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = UnitQuerySet.as_manager()

    class Meta:
        ordering = ["path", "code"]
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        indexes = [
            models.Index(fields=["kind", "valid_to"], name="units_unit_kind_valid_to"),
            # The province's own units in tree order (recipient tree, type-ahead), however many remote
            # units the national directory adds (units 0005_h11).
            models.Index(fields=["path"], condition=Q(is_local=True), name="units_unit_local_path"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_from__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="units_unit_valid_range",
            ),
            models.CheckConstraint(condition=~Q(successor=models.F("pk")), name="units_unit_not_own_successor"),
            models.CheckConstraint(condition=~Q(parent=models.F("pk")), name="units_unit_not_own_parent"),
            models.CheckConstraint(condition=Q(is_local=True) | ~Q(peer_ref=""), name="units_unit_remote_has_peer"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def save(self, *args, **kwargs):
        # search_text is a pure function of name/short name/code; keeping it here means no
        # write path can leave it stale.
        self.search_text = search_key(self.name, self.short_name, self.code)
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "search_text"}
        super().save(*args, **kwargs)

    def is_active(self, on: datetime.date | None = None) -> bool:
        on = on or timezone.localdate()
        return (self.valid_from is None or self.valid_from <= on) and (self.valid_to is None or self.valid_to >= on)

    @property
    def ancestor_ids(self) -> list[int]:
        """Primary keys of the ancestors, root first (from the path: no query)."""
        return [int(p) for p in self.path.split("/") if p][:-1]


class UnitGroup(models.Model):
    """A saved list of recipient units ("Các sở phụ trách khối văn xã"), owned by a unit."""

    owner = models.ForeignKey(Unit, verbose_name=_("owner"), on_delete=models.CASCADE, related_name="saved_groups")
    name = models.CharField(_("name"), max_length=200)
    members = models.ManyToManyField(Unit, verbose_name=_("members"), related_name="+")

    class Meta:
        ordering = ["owner", "name"]
        verbose_name = _("saved recipient list")
        verbose_name_plural = _("saved recipient lists")
        constraints = [models.UniqueConstraint(fields=["owner", "name"], name="units_unitgroup_unique_owner_name")]

    def __str__(self) -> str:
        return self.name


class Division(models.Model):
    """
    An inner division of a unit (Văn phòng, Phòng Tổ chức cán bộ, …). Local only: a division
    has no agency code and is never addressed from outside; documents travel between units,
    divisions only share the work inside one. Members are the memberships that name it; the
    members flagged ``is_division_head`` are its heads (trưởng phòng, phó trưởng phòng). The
    office division (``is_office``) checks the form (thể thức) of the unit's drafts.
    Never deleted: a closed division is ``is_active=False`` so old assignments keep their name.
    """

    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="divisions")
    name = models.CharField(_("name"), max_length=200)
    short_name = models.CharField(_("short name"), max_length=20,
                                  help_text=_("Used as the drafting-unit part of notations, e.g. VP, TCCB."))
    is_office = models.BooleanField(_("office"), default=False,
                                    help_text=_("The office checks the form (thể thức) of the unit's drafts."))
    is_active = models.BooleanField(_("active"), default=True)
    position = models.PositiveSmallIntegerField(_("order"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["unit", "position", "name", "pk"]
        verbose_name = _("division")
        verbose_name_plural = _("divisions")
        constraints = [
            models.UniqueConstraint(fields=["unit", "short_name"], name="units_division_unique_unit_short_name"),
            models.UniqueConstraint(fields=["unit"], condition=Q(is_office=True, is_active=True),
                                    name="units_division_one_office_per_unit"),
        ]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """
    A user's role in a unit. A user may hold several roles in several units. A membership may
    name the division of the unit the person works in, and whether they head it.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="memberships"
    )
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="memberships")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    position = models.CharField(_("position"), max_length=100, blank=True, help_text=_("e.g. Giám đốc, Chánh Văn phòng"))
    is_active = models.BooleanField(_("active"), default=True)
    division = models.ForeignKey(Division, verbose_name=_("division"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="memberships")
    is_division_head = models.BooleanField(_("heads the division"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["unit", "user", "role"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "unit", "role"], name="units_membership_unique_user_unit_role"),
            models.CheckConstraint(condition=Q(is_division_head=False) | Q(division__isnull=False),
                                   name="units_membership_head_has_division"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.unit.short_name}"


class UnitChange(models.Model):
    """
    One step in a unit's history (created, merged into, renamed, moved, dissolved), with the
    values before and after. Append-only: the directory's history is never rewritten.
    """

    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="changes")
    action = models.CharField(_("action"), max_length=20, choices=ReorganisationAction.choices)
    effective_date = models.DateField(_("effective date"), null=True, blank=True)
    related_unit = models.ForeignKey(
        Unit, verbose_name=_("related unit"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    old_values = models.JSONField(_("old values"), default=dict, blank=True)
    new_values = models.JSONField(_("new values"), default=dict, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    # A note the portal writes itself (a directory sync, a merge) as a code and parameters
    # (egov.core.messages), shown in the reader's language; blank for people's notes.
    note_code = models.CharField(_("note code"), max_length=80, blank=True)
    note_params = models.JSONField(_("note parameters"), default=dict, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("actor"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        ordering = ["unit", "effective_date", "pk"]
        verbose_name = _("unit change")
        verbose_name_plural = _("unit changes")

    @property
    def note_display(self) -> str:
        """The note in the active language (the reader's): its code rendered, else the stored text."""
        from egov.core.messages import render

        return render(self.note_code, self.note_params, fallback=self.note)

    def __str__(self) -> str:
        return f"{self.unit.code} {self.action} {self.effective_date or ''}"
