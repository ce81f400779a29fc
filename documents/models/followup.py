"""Follow-up of incoming documents (NĐ 30 Phụ lục VI III.1.l–m): chasing, deadline extensions, reminders."""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from units.models import Unit

from ..choices import ChaseKind, ExtensionState
from .routing import IncomingAssignment, IncomingRecord

__all__ = ["Chase", "DeadlineExtension", "ReminderPolicy"]


class Chase(models.Model):
    """
    One đôn đốc: a leader or the office chases a handler about an incoming document
    (nhắc nhở, phê bình, kiểm điểm). Numbered per record (1, 2, …); the handler acknowledges it.
    Never deleted: the count is a figure of the handling report.
    """

    incoming = models.ForeignKey(IncomingRecord, verbose_name=_("incoming document"), on_delete=models.PROTECT,
                                 related_name="chases")
    number = models.PositiveSmallIntegerField(_("number"))
    kind = models.CharField(_("kind"), max_length=12, choices=ChaseKind.choices)
    text = models.TextField(_("message"), blank=True)
    target = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("chased handler"), on_delete=models.PROTECT,
                               related_name="chases_received")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("chased by"), on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(_("sent at"))
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    acknowledgement = models.CharField(_("handler's answer"), max_length=500, blank=True)

    class Meta:
        ordering = ["incoming", "number"]
        verbose_name = _("chase")
        verbose_name_plural = _("chases")
        constraints = [models.UniqueConstraint(fields=["incoming", "number"], name="documents_chase_unique_number")]
        indexes = [models.Index(fields=["target", "acknowledged_at"], name="documents_chase_target")]

    def __str__(self) -> str:
        return f"#{self.incoming_id} chase {self.number} ({self.kind})"


class DeadlineExtension(models.Model):
    """
    A handler's request for more time on an assignment, with the reason, and the assigner's
    decision (granted with the new deadline, or refused). The old deadline stays in the row:
    the history of a record's deadlines is the list of its granted extensions.
    """

    incoming = models.ForeignKey(IncomingRecord, verbose_name=_("incoming document"), on_delete=models.PROTECT,
                                 related_name="extensions")
    assignment = models.ForeignKey(IncomingAssignment, verbose_name=_("assignment"), on_delete=models.PROTECT,
                                   related_name="extensions")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("requested by"),
                                     on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(_("requested at"))
    reason = models.CharField(_("reason"), max_length=500)
    old_deadline = models.DateField(_("deadline before"), null=True, blank=True)
    requested_deadline = models.DateField(_("requested deadline"))
    state = models.CharField(_("state"), max_length=10, choices=ExtensionState.choices,
                             default=ExtensionState.PENDING)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("decided by"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    new_deadline = models.DateField(_("granted deadline"), null=True, blank=True)
    decision_note = models.CharField(_("decision note"), max_length=500, blank=True)
    # The portal's own decision note ("Assignee removed") as a code (egov.core.messages), read in
    # the reader's language; blank for the decider's own words.
    decision_note_code = models.CharField(_("decision note code"), max_length=80, blank=True)
    decision_note_params = models.JSONField(_("decision note parameters"), default=dict, blank=True)

    @property
    def decision_note_display(self) -> str:
        from egov.core.messages import render

        return render(self.decision_note_code, self.decision_note_params, fallback=self.decision_note)

    class Meta:
        ordering = ["incoming", "requested_at", "pk"]
        verbose_name = _("deadline extension")
        verbose_name_plural = _("deadline extensions")
        constraints = [
            models.UniqueConstraint(fields=["assignment"], condition=Q(state="pending"),
                                    name="documents_deadlineextension_one_pending"),
        ]

    def __str__(self) -> str:
        return f"#{self.incoming_id} → {self.requested_deadline} [{self.state}]"


class ReminderPolicy(models.Model):
    """
    A unit's automatic deadline reminders: ``days_before`` the deadline (0: none) and, once
    overdue, every ``every_days_after`` days. Units without a row use the settings
    REMINDER_DAYS_BEFORE and REMINDER_EVERY_DAYS_AFTER.
    """

    unit = models.OneToOneField(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")
    days_before = models.PositiveSmallIntegerField(_("remind days before the deadline"), default=1)
    every_days_after = models.PositiveSmallIntegerField(_("remind every N days once overdue"), default=1)
    enabled = models.BooleanField(_("enabled"), default=True)

    class Meta:
        ordering = ["unit"]
        verbose_name = _("reminder policy")
        verbose_name_plural = _("reminder policies")
        constraints = [models.CheckConstraint(condition=Q(every_days_after__gte=1),
                                              name="documents_reminderpolicy_every_positive")]

    def __str__(self) -> str:
        return f"{self.unit_id}: -{self.days_before}d / every {self.every_days_after}d"
