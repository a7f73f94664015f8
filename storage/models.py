from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ledger.models import Ledgered

sha256_validator = RegexValidator(
    r"^[0-9a-f]{64}$", _("A SHA-256 is 64 lowercase hexadecimal characters.")
)


class StoredObject(Ledgered):
    """One file in the object store, addressed by the SHA-256 of its bytes.

    The same bytes are stored once per bucket: the archive bucket (object lock, COMPLIANCE
    retention) for evidence and the derived bucket for copies that can be made again.
    """

    sha256 = models.CharField(_("SHA-256"), max_length=64, validators=[sha256_validator])
    size = models.BigIntegerField(_("size in bytes"))
    content_type = models.CharField(
        _("content type"), max_length=100, help_text=_("sniffed from the bytes, not declared")
    )
    bucket = models.CharField(_("bucket"), max_length=63)
    key = models.CharField(_("key"), max_length=255)
    version_id = models.CharField(_("version"), max_length=255, blank=True)
    retention_until = models.DateTimeField(
        _("retained until"),
        null=True,
        blank=True,
        help_text=_("COMPLIANCE retention: nobody can delete this version before then"),
    )
    legal_hold = models.BooleanField(_("legal hold"), default=False)
    original_name = models.CharField(_("original file name"), max_length=255, blank=True)
    stored_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("stored by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("empty when the system stored it"),
    )
    stored_at = models.DateTimeField(_("stored at"), default=timezone.now)

    class Meta:
        verbose_name = _("stored object")
        verbose_name_plural = _("stored objects")
        ordering = ["-stored_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["bucket", "sha256"], name="storage_one_object_per_hash")
        ]

    def __str__(self) -> str:
        return self.original_name or f"{self.sha256[:12]}…"

    @property
    def is_archival(self) -> bool:
        """Stored as evidence, under COMPLIANCE retention."""
        return self.retention_until is not None

    @property
    def is_retained(self) -> bool:
        return self.retention_until is not None and self.retention_until > timezone.now()

    @property
    def is_protected(self) -> bool:
        """Whether the object store would refuse to delete this version now."""
        return self.is_retained or self.legal_hold


class PendingRetention(models.Model):
    """An archival version whose row has committed but whose COMPLIANCE retention is not set
    yet: it is under a legal hold until ``storage.services.objects_settle`` sets the
    retention and lifts the hold, just after the commit. A row left here means the process
    died (or the object store failed) in between; ``reconcile_storage`` settles it.

    Bookkeeping of the write protocol, not evidence: not ledgered.
    """

    stored_object = models.OneToOneField(
        StoredObject,
        verbose_name=_("stored file"),
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        verbose_name = _("retention to set")
        verbose_name_plural = _("retentions to set")

    def __str__(self) -> str:
        return str(self.stored_object)


class EvidencePhoto(models.Model):
    """What ``storage.photos.photo_store`` derives from an evidence photo, for a photo row
    that owns its original elsewhere (``stored_object``).

    Nullable, because delivery and plaque-installation photos stored before photos shared
    one path have none of it: their derived copies were never made and their EXIF never
    read (null, not "none found"). The columns are named in ``ledger_added_fields`` so those
    records' hashes stay as they were.
    """

    class Flag(models.TextChoices):
        CAPTURED_FAR_FROM_DATE = "captured_far_from_date", _("taken far from the record's date")
        TAKEN_FAR_FROM_SITE = "taken_far_from_site", _("taken far from the project site")
        RECEIVED_LONG_AFTER_CAPTURE = (
            "received_long_after_capture",
            _("received long after the phone took it"),
        )
        # Set by the preview job: the photo's structure was whole, its decode failed.
        UNREADABLE = "unreadable", _("could not be read")

    preview = models.ForeignKey(
        StoredObject,
        verbose_name=_("preview"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    thumbnail = models.ForeignKey(
        StoredObject,
        verbose_name=_("thumbnail"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    width = models.PositiveIntegerField(_("width"), null=True, blank=True)
    height = models.PositiveIntegerField(_("height"), null=True, blank=True)
    captured_at = models.DateTimeField(_("taken at"), null=True, blank=True)
    captured_offset = models.CharField(  # noqa: DJ001 - null: not read (older rows)
        _("time-zone offset when taken"), max_length=6, null=True, blank=True
    )
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    gps_accuracy_m = models.FloatField(_("GPS accuracy (m)"), null=True, blank=True)
    camera_make = models.CharField(  # noqa: DJ001 - null: not read (older rows)
        _("camera make"), max_length=100, null=True, blank=True
    )
    camera_model = models.CharField(  # noqa: DJ001 - null: not read (older rows)
        _("camera model"), max_length=100, null=True, blank=True
    )
    distance_from_site_m = models.FloatField(_("distance from site (m)"), null=True, blank=True)
    flags = models.JSONField(_("flags"), null=True, blank=True)

    # For ``Ledgered.ledger_added_fields`` of a model that had photo rows before these.
    ADDED_FIELDS = (
        "preview_id",
        "thumbnail_id",
        "width",
        "height",
        "captured_at",
        "captured_offset",
        "latitude",
        "longitude",
        "gps_accuracy_m",
        "camera_make",
        "camera_model",
        "distance_from_site_m",
        "flags",
    )

    class Meta:
        abstract = True

    # The concrete model's ``stored_object`` is its original, as ``Photo.original`` is.
    @property
    def original(self) -> StoredObject:
        return self.stored_object

    @property
    def original_id(self) -> int:
        return self.stored_object_id


class FixityRun(Ledgered):
    """One pass of the fixity audit: stored objects re-read and re-hashed, in id order.

    The cursor (the last object id checked) is saved as the run goes, so an interrupted run
    resumes where it stopped. Every save is in the ledger: the audit trail of the audit.
    """

    class State(models.TextChoices):
        RUNNING = "running", _("running")
        FINISHED = "finished", _("finished")
        INTERRUPTED = "interrupted", _("interrupted")
        UNREACHABLE = "unreachable", _("stopped: object store unreachable")

    started_at = models.DateTimeField(_("started at"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    state = models.CharField(
        _("state"), max_length=20, choices=State.choices, default=State.RUNNING
    )
    options = models.JSONField(_("options"), default=dict, blank=True)
    resumed_from = models.ForeignKey(
        "self",
        verbose_name=_("resumes"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    first_id = models.BigIntegerField(_("first object id"), default=0)
    cursor = models.BigIntegerField(_("last object id checked"), default=0)
    checked = models.PositiveIntegerField(_("objects checked"), default=0)
    intact = models.PositiveIntegerField(_("intact"), default=0)
    problems = models.PositiveIntegerField(_("problems"), default=0)
    bytes_read = models.BigIntegerField(_("bytes read"), default=0)

    class Meta:
        verbose_name = _("fixity audit run")
        verbose_name_plural = _("fixity audit runs")
        ordering = ["-started_at", "-pk"]

    def __str__(self) -> str:
        return f"fixity {self.started_at:%Y-%m-%d %H:%M} {self.get_state_display()}"


class FixityFinding(Ledgered):
    """A stored object that did not read back as it was stored."""

    class Kind(models.TextChoices):
        CHANGED = "changed", _("bytes changed")
        MISSING = "missing", _("missing from the object store")
        UNREADABLE = "unreadable", _("cannot be read back")

    run = models.ForeignKey(
        FixityRun, verbose_name=_("run"), on_delete=models.PROTECT, related_name="findings"
    )
    stored_object = models.ForeignKey(
        StoredObject, verbose_name=_("stored file"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    found_sha256 = models.CharField(_("SHA-256 read back"), max_length=64, blank=True)
    found_size = models.BigIntegerField(_("size read back"), null=True, blank=True)
    detail = models.TextField(_("detail"), blank=True)
    found_at = models.DateTimeField(_("found at"), default=timezone.now)

    class Meta:
        verbose_name = _("fixity finding")
        verbose_name_plural = _("fixity findings")
        ordering = ["-found_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.stored_object}"
