"""What a phone's offline queue sends: the answer given to each Idempotency-Key, and the
device's claims about each item kept beside what the server measured on receipt."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _

from ledger.models import Ledgered
from storage.models import sha256_validator


class IdempotencyKey(models.Model):
    """The answer given to one queued item, by (user, key): a retry after a lost response
    gets the same answer instead of making a second record. Kept for
    CAPTURE_IDEMPOTENCY_HOURS; not evidence, so not ledgered."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="+"
    )
    key = models.CharField(_("idempotency key"), max_length=100)
    fingerprint = models.CharField(
        _("request fingerprint"), max_length=64, help_text=_("what the key was first used for")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    status_code = models.PositiveSmallIntegerField(_("status code"), null=True, blank=True)
    body = models.JSONField(_("answer"), null=True, blank=True)

    class Meta:
        verbose_name = _("idempotency key")
        verbose_name_plural = _("idempotency keys")
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="capture_one_answer_per_key")
        ]
        indexes = [models.Index(fields=["created_at"])]

    def __str__(self) -> str:
        return self.key


class DeviceClaim(Ledgered):
    """What the phone said about an item it captured — the SHA-256 it computed, its capture
    time and position — beside what the server measured: the received bytes' hash and
    whether it matched, and the receipt time. A mismatch is refused, so a stored claim with
    a file always matched; the row says so for whoever reads the archive later."""

    class Kind(models.TextChoices):
        RECORD_PHOTO = "record_photo", _("photo of an acceptance record")
        DELIVERY_PHOTO = "delivery_photo", _("photo of a delivery")
        DEFECT_PHOTO = "defect_photo", _("photo of a defect case")
        DELIVERY = "delivery", _("delivery arrival")
        SAMPLE = "sample", _("witness sample")
        SELF_CHECK = "self_check", _("self-check note")

    ledger_project = "project"

    project = models.ForeignKey(
        "projects.Project", verbose_name=_("project"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    subject_type = models.ForeignKey(
        ContentType, verbose_name=_("record type"), on_delete=models.PROTECT, related_name="+"
    )
    subject_id = models.PositiveBigIntegerField(_("record id"))
    subject = GenericForeignKey("subject_type", "subject_id")
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("sent by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    idempotency_key = models.CharField(_("idempotency key"), max_length=100)
    claimed_sha256 = models.CharField(
        _("SHA-256 claimed by the device"),
        max_length=64,
        blank=True,
        validators=[sha256_validator],
    )
    received_sha256 = models.CharField(
        _("SHA-256 of the bytes received"),
        max_length=64,
        blank=True,
        validators=[sha256_validator],
    )
    sha256_matched = models.BooleanField(
        _("hashes matched"), null=True, blank=True, help_text=_("empty: the item had no file")
    )
    device_captured_at = models.DateTimeField(_("taken at (device clock)"), null=True, blank=True)
    received_at = models.DateTimeField(_("received at"))
    latitude = models.DecimalField(
        _("latitude (device)"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude (device)"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    position_accuracy_m = models.FloatField(
        _("position accuracy (m, device)"), null=True, blank=True
    )
    long_delay = models.BooleanField(_("received long after capture"), default=False)

    class Meta:
        verbose_name = _("device claim")
        verbose_name_plural = _("device claims")
        ordering = ["received_at", "pk"]
        indexes = [models.Index(fields=["subject_type", "subject_id"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.subject_id}"

    @property
    def delay(self):
        """Capture to receipt, by the device's clock (None when it gave no time)."""
        if self.device_captured_at is None:
            return None
        return self.received_at - self.device_captured_at
