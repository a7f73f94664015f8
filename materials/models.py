from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ledger.models import Ledgered
from storage.models import EvidencePhoto

# Structural categories need at least this share of their samples witnessed [建建〔2000〕211号].
WITNESS_SHARE_REQUIRED = Decimal("0.30")


def not_in_future(value) -> None:
    if value > timezone.localdate():
        raise ValidationError(_("This date is in the future; enter the date it happened."))


class Unit(models.TextChoices):
    METRE = "m", _("metres")
    SQUARE_METRE = "m2", _("square metres")
    CUBIC_METRE = "m3", _("cubic metres")
    TONNE = "t", _("tonnes")
    PIECE = "piece", _("pieces")
    SET = "set", _("sets")


class MaterialCategory(Ledgered):
    """A kind of key material and its rules; shipped as a catalogue, edited by operators."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    unit = models.CharField(
        pgettext_lazy("unit of measure", "unit"), max_length=10, choices=Unit.choices
    )
    witness_sampling_required = models.BooleanField(_("witness sampling required"), default=True)
    structural = models.BooleanField(
        _("structural"),
        default=False,
        help_text=_("at least 30 percent of this category's samples must be witnessed"),
    )
    ccc_required = models.BooleanField(_("CCC certificate required"), default=False)
    retest_items = models.TextField(_("retest items"), blank=True)

    class Meta:
        verbose_name = _("material category")
        verbose_name_plural = _("material categories")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Batch(Ledgered):
    """A manufacturer's batch. Its certificate of conformity and type-test report are kept as
    append-only versions in ``BatchFile``; ``recorded_for`` is the project whose records
    keepers recorded it and may add its first files (see ``materials.access``)."""

    # Added after batches were first ledgered: see Ledgered.ledger_added_fields.
    ledger_added_fields = ("recorded_for_id",)
    # A batch is archive-wide product information, but its entries name who recorded it:
    # they are listed to those who see the project that recorded it (operators see all).
    ledger_project = "recorded_for"

    category = models.ForeignKey(
        MaterialCategory,
        verbose_name=_("category"),
        on_delete=models.PROTECT,
        related_name="batches",
    )
    manufacturer = models.ForeignKey(
        "projects.Organization",
        verbose_name=_("manufacturer"),
        on_delete=models.PROTECT,
        related_name="material_batches",
    )
    product = models.CharField(_("product"), max_length=200)
    model_spec = models.CharField(_("model / specification"), max_length=200)
    batch_number = models.CharField(_("batch or heat number"), max_length=100)
    production_date = models.DateField(_("production date"), validators=[not_in_future])
    ccc_certificate_number = models.CharField(
        _("CCC certificate number"), max_length=100, blank=True
    )
    # Frozen: the files as they stood before versions were kept, copied into version-1
    # BatchFile rows by migration 0004. Never written again, never read for the current
    # file; kept because dropping a column would change every old batch's ledger hash.
    certificate_of_conformity = models.ForeignKey(
        "storage.StoredObject",
        verbose_name=_("certificate of conformity (before versions)"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    type_test_report = models.ForeignKey(
        "storage.StoredObject",
        verbose_name=_("type test report (before versions)"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    recorded_for = models.ForeignKey(
        "projects.Project",
        verbose_name=_("recorded for project"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("the project whose records keepers recorded the batch; empty: an operator"),
    )
    synthetic = models.BooleanField(_("synthetic"), default=False, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("batch")
        verbose_name_plural = _("batches")
        ordering = ["manufacturer", "product", "batch_number"]
        constraints = [
            models.UniqueConstraint(
                fields=["manufacturer", "product", "batch_number"],
                name="batch_unique_manufacturer_product_number",
                violation_error_message=_(
                    "This manufacturer already has a batch with this number for this product."
                ),
            )
        ]

    def __str__(self) -> str:
        return f"{self.product} {self.batch_number}"

    def clean(self) -> None:
        if self.category_id and self.category.ccc_required and not self.ccc_certificate_number:
            raise ValidationError(
                {
                    "ccc_certificate_number": _("%(category)s needs its CCC certificate number.")
                    % {"category": self.category.name}
                }
            )


class BatchFile(Ledgered):
    """One version of a batch's certificate of conformity or type-test report. Append-only:
    a version is never changed or removed; a correction is a new version with a reason, and
    the latest version of a kind is the current one."""

    class Kind(models.TextChoices):
        CERTIFICATE_OF_CONFORMITY = "certificate_of_conformity", _("certificate of conformity")
        TYPE_TEST_REPORT = "type_test_report", _("type test report")

    ledger_project = "batch__recorded_for"

    batch = models.ForeignKey(
        Batch, verbose_name=_("batch"), on_delete=models.PROTECT, related_name="files"
    )
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    version = models.PositiveIntegerField(_("version"))
    stored_object = models.ForeignKey(
        "storage.StoredObject",
        verbose_name=_("stored file"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    supersedes = models.OneToOneField(
        "self",
        verbose_name=_("supersedes"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="superseded_by",
    )
    reason = models.TextField(
        _("reason for the correction"), blank=True, help_text=_("required from version 2 on")
    )
    # Empty only on version-1 rows carried over from before versions were kept.
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("batch file")
        verbose_name_plural = _("batch files")
        ordering = ["batch", "kind", "version"]
        constraints = [
            models.UniqueConstraint(
                fields=["batch", "kind", "version"],
                name="batch_file_one_row_per_version",
                violation_error_message=_(
                    "This version of the batch's file is already recorded; add the next one."
                ),
            ),
            models.CheckConstraint(
                condition=(
                    Q(version=1, supersedes__isnull=True)
                    | Q(version__gt=1, supersedes__isnull=False) & ~Q(reason="")
                ),
                name="batch_file_correction_has_reason",
                violation_error_message=_(
                    "A correction supersedes the previous version and says why."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.batch} {self.get_kind_display()} v{self.version}"

    def clean(self) -> None:
        if self.version and self.version > 1 and not self.reason.strip():
            raise ValidationError(
                {
                    "reason": _(
                        "This batch already has a %(kind)s: say why it is being corrected"
                        " (reason); the earlier version is kept."
                    )
                    % {"kind": self.get_kind_display()}
                }
            )


class Delivery(Ledgered):
    ledger_project = "project"

    class State(models.TextChoices):
        PENDING = "pending", pgettext_lazy("delivery state", "pending")
        SAMPLED = "sampled", _("sampled")
        ACCEPTED = "accepted", _("accepted")
        REJECTED = "rejected", _("rejected and removed from site")

    project = models.ForeignKey(
        "projects.Project",
        verbose_name=_("project"),
        on_delete=models.PROTECT,
        related_name="deliveries",
    )
    batch = models.ForeignKey(
        Batch, verbose_name=_("batch"), on_delete=models.PROTECT, related_name="deliveries"
    )
    supplier = models.ForeignKey(
        "projects.Organization",
        verbose_name=_("supplier"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="material_deliveries",
    )
    quantity = models.DecimalField(_("quantity"), max_digits=14, decimal_places=3)
    unit = models.CharField(
        pgettext_lazy("unit of measure", "unit"), max_length=10, choices=Unit.choices
    )
    delivered_on = models.DateField(_("delivery date"), validators=[not_in_future])
    inspected_by = models.ForeignKey(
        "projects.Person",
        verbose_name=_("inspected by (contractor)"),
        on_delete=models.PROTECT,
        related_name="inspected_deliveries",
    )
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("accepted or rejected by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(
        pgettext_lazy("delivery", "decided at"), null=True, blank=True
    )
    rejection_reason = models.TextField(_("reason for rejection"), blank=True)
    removed_on = models.DateField(_("removed from site on"), null=True, blank=True)
    synthetic = models.BooleanField(_("synthetic"), default=False, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["-delivered_on", "-pk"]
        indexes = [models.Index(fields=["project", "-delivered_on", "-id"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gt=0),
                name="delivery_quantity_positive",
                violation_error_message=_("The quantity must be greater than zero."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.batch} → {self.project}"

    def clean(self) -> None:
        errors = {}
        if self.quantity is not None and self.quantity <= 0:
            errors["quantity"] = _("The quantity must be greater than zero.")
        if self.batch_id and self.unit and self.unit != self.batch.category.unit:
            errors["unit"] = _("%(category)s is counted in %(expected)s, not %(given)s.") % {
                "category": self.batch.category.name,
                "expected": Unit(self.batch.category.unit).label,
                "given": Unit(self.unit).label if self.unit in Unit.values else self.unit,
            }
        if self.batch_id and self.delivered_on and self.delivered_on < self.batch.production_date:
            errors["delivered_on"] = _(
                "The delivery date is before the batch was produced (%(date)s)."
            ) % {"date": self.batch.production_date.isoformat()}
        if errors:
            raise ValidationError(errors)


class DeliveryPhoto(EvidencePhoto, Ledgered):
    """A photo of a delivery's label or delivery note: its original is ``stored_object``."""

    ledger_project = "delivery__project"
    # Added when delivery photos joined the one photo path: see EvidencePhoto.
    ledger_added_fields = EvidencePhoto.ADDED_FIELDS

    class Kind(models.TextChoices):
        LABEL = "label", _("label")
        DELIVERY_NOTE = "delivery_note", _("delivery note")
        OTHER = "other", _("other")

    delivery = models.ForeignKey(
        Delivery, verbose_name=_("delivery"), on_delete=models.PROTECT, related_name="photos"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    stored_object = models.ForeignKey(
        "storage.StoredObject",
        verbose_name=_("stored file"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("delivery photo")
        verbose_name_plural = _("delivery photos")
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"


class Sample(Ledgered):
    """A sample taken from a delivery, sealed and sent to a lab; witnessed when a witness is
    named."""

    ledger_project = "delivery__project"

    delivery = models.ForeignKey(
        Delivery, verbose_name=_("delivery"), on_delete=models.PROTECT, related_name="samples"
    )
    seal_number = models.CharField(_("seal number"), max_length=100)
    sampling_location = models.CharField(_("sampling location"), max_length=200)
    sampled_on = models.DateField(_("sampling date"), validators=[not_in_future])
    sampler = models.ForeignKey(
        "projects.Person",
        verbose_name=_("sampler (contractor)"),
        on_delete=models.PROTECT,
        related_name="samples_taken",
    )
    witness = models.ForeignKey(
        "projects.Person",
        verbose_name=_("witness"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="samples_witnessed",
    )
    testing_lab = models.ForeignKey(
        "projects.Organization",
        verbose_name=_("testing laboratory"),
        on_delete=models.PROTECT,
        related_name="samples_tested",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("sample")
        verbose_name_plural = _("samples")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.seal_number

    @property
    def is_witnessed(self) -> bool:
        return self.witness_id is not None


class TestReport(Ledgered):
    ledger_project = "sample__delivery__project"

    class Result(models.TextChoices):
        PASS = "pass", _("pass")
        FAIL = "fail", _("fail")

    sample = models.OneToOneField(
        Sample, verbose_name=_("sample"), on_delete=models.PROTECT, related_name="report"
    )
    report_number = models.CharField(_("report number"), max_length=100)
    result = models.CharField(
        pgettext_lazy("test report", "result"), max_length=4, choices=Result.choices
    )
    tested_on = models.DateField(_("test date"), validators=[not_in_future])
    stored_object = models.ForeignKey(
        "storage.StoredObject",
        verbose_name=_("report file"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("test report")
        verbose_name_plural = _("test reports")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.report_number


class Usage(Ledgered):
    """Which accepted delivery went where, and the acceptance record that covered that work."""

    ledger_project = "delivery__project"

    # Added after usages were first ledgered: see Ledgered.ledger_added_fields.
    ledger_added_fields = ("acceptance_record_id",)

    delivery = models.ForeignKey(
        Delivery, verbose_name=_("delivery"), on_delete=models.PROTECT, related_name="usages"
    )
    location = models.ForeignKey(
        "projects.Location",
        verbose_name=_("location"),
        on_delete=models.PROTECT,
        related_name="material_usages",
    )
    installer = models.ForeignKey(
        "projects.Organization",
        verbose_name=_("installing contractor"),
        on_delete=models.PROTECT,
        related_name="material_usages",
    )
    # A string reference within layer 2: materials never imports inspections' code, but the
    # regulation wants each usage tied to the acceptance of the work it went into.
    acceptance_record = models.ForeignKey(
        "inspections.AcceptanceRecord",
        verbose_name=_("acceptance record"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="material_usages",
        help_text=_("the acceptance of the work this material went into"),
    )
    quantity = models.DecimalField(_("quantity"), max_digits=14, decimal_places=3)
    used_on = models.DateField(_("date used"), validators=[not_in_future])
    synthetic = models.BooleanField(_("synthetic"), default=False, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("usage")
        verbose_name_plural = _("usages")
        ordering = ["-used_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gt=0),
                name="usage_quantity_positive",
                violation_error_message=_("The quantity must be greater than zero."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.delivery.batch} @ {self.location}"


class DefectNotice(Ledgered):
    """A defective-batch notice: a manufacturer's product, a range of batch numbers and/or
    single batches. Batch numbers in a range compare as text, so ``B2501``–``B2510`` matches
    ``B2505``."""

    manufacturer = models.ForeignKey(
        "projects.Organization",
        verbose_name=_("manufacturer"),
        on_delete=models.PROTECT,
        related_name="defect_notices",
    )
    product = models.CharField(_("product"), max_length=200)
    batch_number_from = models.CharField(_("first batch number"), max_length=100, blank=True)
    batch_number_to = models.CharField(_("last batch number"), max_length=100, blank=True)
    batches = models.ManyToManyField(
        Batch, verbose_name=_("single batches"), blank=True, related_name="defect_notices"
    )
    source = models.CharField(
        _("source"), max_length=300, help_text=_("e.g. a provincial spot-check bulletin")
    )
    issued_on = models.DateField(_("issued on"), validators=[not_in_future])
    description = models.TextField(_("defect"), blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("issued by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("defect notice")
        verbose_name_plural = _("defect notices")
        ordering = ["-issued_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.manufacturer} {self.product} ({self.source})"

    def clean(self) -> None:
        start, end = self.batch_number_from, self.batch_number_to
        if bool(start) != bool(end):
            raise ValidationError(
                _("Give both the first and the last batch number of the range, or neither.")
            )
        if start and end and start > end:
            raise ValidationError(
                {"batch_number_to": _("The last batch number comes before the first.")}
            )

    @property
    def has_range(self) -> bool:
        return bool(self.batch_number_from and self.batch_number_to)


class RecallAction(Ledgered):
    ledger_project = "project"

    class Kind(models.TextChoices):
        STOP_USE = "stop_use", _("stop use")
        RETEST = "retest", _("retest")
        REPLACE = "replace", _("replace")
        RECALL = "recall", _("recall")

    notice = models.ForeignKey(
        DefectNotice, verbose_name=_("notice"), on_delete=models.PROTECT, related_name="actions"
    )
    project = models.ForeignKey(
        "projects.Project",
        verbose_name=_("project"),
        on_delete=models.PROTECT,
        related_name="recall_actions",
    )
    kind = models.CharField(pgettext_lazy("recall", "action"), max_length=10, choices=Kind.choices)
    description = models.TextField(pgettext_lazy("recall action", "description"), blank=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=pgettext_lazy("recall action", "opened by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    opened_at = models.DateTimeField(pgettext_lazy("recall action", "opened at"), auto_now_add=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=pgettext_lazy("recall action", "closed by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    closed_at = models.DateTimeField(
        pgettext_lazy("recall action", "closed at"), null=True, blank=True
    )
    closing_note = models.TextField(_("closing note"), blank=True)

    class Meta:
        verbose_name = _("recall action")
        verbose_name_plural = _("recall actions")
        ordering = ["notice", "project", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — {self.project}"

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class RecallEvidence(Ledgered):
    ledger_project = "action__project"

    action = models.ForeignKey(
        RecallAction,
        verbose_name=pgettext_lazy("recall", "action"),
        on_delete=models.PROTECT,
        related_name="evidence",
    )
    stored_object = models.ForeignKey(
        "storage.StoredObject",
        verbose_name=_("stored file"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("recall evidence")
        verbose_name_plural = _("recall evidence")
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.action} #{self.pk}"
