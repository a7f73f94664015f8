from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ledger.models import Ledgered
from storage.models import EvidencePhoto


class DocumentKind(models.TextChoices):
    LETTER = "letter", _("authorization letter")
    PLEDGE = "pledge", _("lifetime responsibility pledge")


class DocumentTemplate(models.Model):
    """The wording of a letter or pledge. Versions are never edited: a new wording is a new
    version, so the text of every signed document can be traced to the template it used."""

    kind = models.CharField(_("kind"), max_length=10, choices=DocumentKind.choices)
    version = models.PositiveIntegerField(_("version"))
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("body"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("document template")
        verbose_name_plural = _("document templates")
        ordering = ["kind", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "version"], name="document_template_unique_kind_version"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} v{self.version}"


class ResponsibilityDocument(Ledgered):
    """An authorization letter (signed by the legal representative) or a pledge (signed by
    the lead) for one lead tenure. Immutable once signed; a correction supersedes it."""

    # Added after documents were first ledgered: see Ledgered.ledger_added_fields.
    ledger_added_fields = ("signer_snapshot", "signature_level", "timestamp_expires_at")
    ledger_project = "project"

    Kind = DocumentKind

    class SignatureLevel(models.TextChoices):
        """PAdES baseline levels (ETSI EN 319 142-1) the archive signs at."""

        B_B = "B-B", _("PAdES B-B: signed, no timestamp")
        B_LTA = "B-LTA", _("PAdES B-LTA: timestamped, with validation material, long-term")

    class Status(models.TextChoices):
        DRAFT = "draft", _("awaiting signature")
        SIGNED = "signed", pgettext_lazy("document status", "signed")
        SUPERSEDED = "superseded", pgettext_lazy("document status", "superseded")

    number = models.CharField(_("document number"), max_length=40, unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=DocumentKind.choices)
    project = models.ForeignKey(
        "projects.Project",
        verbose_name=_("project"),
        on_delete=models.PROTECT,
        related_name="responsibility_documents",
    )
    participation = models.ForeignKey(
        "projects.Participation",
        verbose_name=_("participation"),
        on_delete=models.PROTECT,
        related_name="responsibility_documents",
    )
    lead_tenure = models.ForeignKey(
        "projects.LeadTenure",
        verbose_name=_("lead tenure"),
        on_delete=models.PROTECT,
        related_name="responsibility_documents",
    )
    signer = models.ForeignKey(
        "projects.Person",
        verbose_name=_("signer"),
        on_delete=models.PROTECT,
        related_name="responsibility_documents",
    )
    template = models.ForeignKey(
        DocumentTemplate, verbose_name=_("template"), on_delete=models.PROTECT, related_name="+"
    )
    text = models.TextField(_("text"))
    text_sha256 = models.CharField(_("SHA-256 of the text"), max_length=64)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.DRAFT
    )
    supersedes = models.OneToOneField(
        "self",
        verbose_name=_("supersedes"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="superseded_by",
    )
    signed_at = models.DateTimeField(_("signed at"), null=True, blank=True)
    pdf = models.ForeignKey(
        "storage.StoredObject",
        verbose_name=_("signed PDF"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    signature_level = models.CharField(  # noqa: DJ001 - None: signed before levels were kept
        _("PDF signature level"),
        max_length=8,
        choices=SignatureLevel.choices,
        null=True,
        blank=True,
        help_text=_("the PAdES level of the archive's signature on the PDF"),
    )
    timestamp_expires_at = models.DateTimeField(
        _("timestamp certificate expires"),
        null=True,
        blank=True,
        help_text=_(
            "when the certificate of the PDF's newest document timestamp expires; a fresh"
            " timestamp must be added before then (refresh_document_timestamps)"
        ),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    signer_snapshot = models.JSONField(
        _("signer as recorded in the text"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("name, ID (masked), employer and qualification when the text was drawn up"),
    )

    class Meta:
        verbose_name = _("letter or pledge")
        verbose_name_plural = _("letters and pledges")
        ordering = ["project", "participation__role", "kind", "-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["lead_tenure", "kind"],
                condition=Q(status="signed"),
                name="responsibility_document_one_signed_per_tenure_kind",
                violation_error_message=_(
                    "This lead already has a signed document of this kind; correct it instead."
                ),
            )
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.get_kind_display()}"

    @property
    def is_signed(self) -> bool:
        return self.status != self.Status.DRAFT

    @property
    def signature_level_label(self) -> str:
        """The PDF's signature level in words; documents signed before levels were kept
        were all B-B."""
        if self.pdf_id is None:
            return ""
        return self.SignatureLevel(self.signature_level or self.SignatureLevel.B_B).label

    @property
    def signer_as_recorded(self) -> dict:
        """The signer as the document's text names them, not as they are recorded now."""
        return self.signer_snapshot or self.signer.identity_snapshot()


class SigningEvidence(Ledgered):
    """What shows that the named person, and nobody else, signed the document."""

    ledger_project = "document__project"

    document = models.OneToOneField(
        ResponsibilityDocument,
        verbose_name=_("document"),
        on_delete=models.PROTECT,
        related_name="evidence",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    person = models.ForeignKey(
        "projects.Person", verbose_name=_("person"), on_delete=models.PROTECT, related_name="+"
    )
    signed_at = models.DateTimeField(pgettext_lazy("document signature", "signed at (UTC)"))
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=500, blank=True)
    auth_method = models.CharField(_("authentication"), max_length=200)
    reauthenticated_at = models.DateTimeField(_("password re-entered at"))
    consent = models.BooleanField(_("consent given"))
    document_sha256 = models.CharField(_("SHA-256 of the text shown"), max_length=64)
    signature_image = models.ForeignKey(
        "storage.StoredObject",
        verbose_name=_("drawn signature"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("signing evidence")
        verbose_name_plural = _("signing evidence")
        ordering = ["-signed_at"]

    def __str__(self) -> str:
        return f"{self.person.name} {self.signed_at:%Y-%m-%d %H:%M:%S}Z"


class Plaque(Ledgered):
    """The permanent plaque (永久性标牌) of one unit work. Its content is frozen when the
    project's completion is accepted; later changes elsewhere never alter it."""

    ledger_project = "unit_work__project"

    unit_work = models.OneToOneField(
        "projects.UnitWork",
        verbose_name=_("unit work"),
        on_delete=models.PROTECT,
        related_name="plaque",
    )
    token = models.CharField(_("public token"), max_length=32, unique=True)
    content = models.JSONField(_("frozen content"))
    frozen_at = models.DateTimeField(_("frozen at"))
    width_mm = models.PositiveIntegerField(_("width (mm)"))
    height_mm = models.PositiveIntegerField(_("height (mm)"))
    pdf = models.ForeignKey(
        "storage.StoredObject",
        verbose_name=_("print file"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("permanent plaque")
        verbose_name_plural = _("permanent plaques")
        ordering = ["-frozen_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.content.get('project')} {self.content.get('unit_work')}"


class PlaqueInstallation(Ledgered):
    ledger_project = "plaque__unit_work__project"

    plaque = models.ForeignKey(
        Plaque,
        verbose_name=_("plaque"),
        on_delete=models.PROTECT,
        related_name="installations",
    )
    installed_on = models.DateField(_("installation date"))
    position = models.CharField(_("position"), max_length=200)
    material = models.CharField(_("material"), max_length=100)
    installed_by = models.CharField(_("installed by"), max_length=200)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("plaque installation")
        verbose_name_plural = _("plaque installations")
        ordering = ["installed_on", "pk"]

    def __str__(self) -> str:
        return f"{self.plaque} {self.installed_on}"


class PlaqueInstallationPhoto(EvidencePhoto, Ledgered):
    """A photo of the installed plaque: its original is ``stored_object``."""

    ledger_project = "installation__plaque__unit_work__project"
    # Added when plaque photos joined the one photo path: see EvidencePhoto.
    ledger_added_fields = EvidencePhoto.ADDED_FIELDS

    installation = models.ForeignKey(
        PlaqueInstallation,
        verbose_name=_("installation"),
        on_delete=models.PROTECT,
        related_name="photos",
    )
    stored_object = models.ForeignKey(
        "storage.StoredObject",
        verbose_name=_("photo"),
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("plaque installation photo")
        verbose_name_plural = _("plaque installation photos")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.stored_object.original_name


# --- Defect and accountability cases ---


class DefectCase(Ledgered):
    """A defect or accountability case at a location of a unit work, found on a date.

    While it is open, every stored object in its trace evidence is on legal hold
    (``DefectCaseHold``), so nothing it rests on can be deleted, even after retention ends.
    """

    ledger_project = "project"

    class Category(models.TextChoices):
        STRUCTURE = "structure", _("main structure")
        FOUNDATION = "foundation", _("foundation")
        WATERPROOFING = "waterproofing", _("waterproofing")
        ELECTRICAL = "electrical", _("electrical")
        INSULATION = "insulation", _("insulation and energy saving")
        PLUMBING = "plumbing", _("water supply and drainage")
        FIRE_PROTECTION = "fire_protection", _("fire protection")
        DECORATION = "decoration", _("decoration and finishing")
        OTHER = "other", _("other")

    class Trigger(models.TextChoices):
        QUALITY_ACCIDENT = "quality_accident", _("construction quality accident")
        SERIOUS_PROBLEM = "serious_problem", _("serious quality problem")
        UNUSABLE = "unusable", _("not usable within the design service life")
        OTHER = "other", _("other")

    class State(models.TextChoices):
        OPEN = "open", _("open")
        CLOSED = "closed", _("closed")

    number = models.CharField(_("case number"), max_length=40, unique=True)
    project = models.ForeignKey(
        "projects.Project",
        verbose_name=_("project"),
        on_delete=models.PROTECT,
        related_name="defect_cases",
    )
    unit_work = models.ForeignKey(
        "projects.UnitWork",
        verbose_name=_("unit work"),
        on_delete=models.PROTECT,
        related_name="defect_cases",
    )
    location = models.ForeignKey(
        "projects.Location",
        verbose_name=_("location"),
        on_delete=models.PROTECT,
        related_name="defect_cases",
    )
    discovered_on = models.DateField(_("discovered on"))
    description = models.TextField(pgettext_lazy("defect case", "description"))
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    trigger = models.CharField(_("trigger"), max_length=20, choices=Trigger.choices)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.OPEN)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=pgettext_lazy("defect case", "opened by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    opened_at = models.DateTimeField(pgettext_lazy("defect case", "opened at"))
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=pgettext_lazy("defect case", "closed by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    closed_at = models.DateTimeField(
        pgettext_lazy("defect case", "closed at"), null=True, blank=True
    )
    close_reason = models.TextField(_("reason for closing"), blank=True)

    class Meta:
        verbose_name = _("defect case")
        verbose_name_plural = _("defect cases")
        ordering = ["-opened_at", "-pk"]
        indexes = [models.Index(fields=["project", "-opened_at"])]

    def __str__(self) -> str:
        return f"{self.number} {self.get_category_display()}"

    @property
    def is_open(self) -> bool:
        return self.state == self.State.OPEN

    @property
    def date(self):
        """The date photos of the case should be near (``inspections`` photo checks)."""
        return self.discovered_on


class DefectCaseHold(Ledgered):
    """One stored object a case holds. Rows stay after closing (``released_at``): an object
    is held while any open case has a row for it."""

    ledger_project = "case__project"

    case = models.ForeignKey(
        DefectCase, verbose_name=_("case"), on_delete=models.PROTECT, related_name="holds"
    )
    stored_object = models.ForeignKey(
        "storage.StoredObject",
        verbose_name=_("stored file"),
        on_delete=models.PROTECT,
        related_name="defect_case_holds",
    )
    held_at = models.DateTimeField(_("held at"))
    released_at = models.DateTimeField(_("released at"), null=True, blank=True)

    class Meta:
        verbose_name = _("legal hold of a case")
        verbose_name_plural = _("legal holds of cases")
        ordering = ["case", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "stored_object"], name="defect_case_one_hold_per_object"
            )
        ]

    def __str__(self) -> str:
        return f"{self.case} — {self.stored_object}"


class PackageExport(models.Model):
    """An archive package made by a background job and kept for a while in the derived
    bucket, for the console's export button and the API's export jobs.

    Not ledgered: the package is a copy, its audit event (``audit_event``, started →
    completed or failed) is the record the archive answers for, and each download is an
    audit event of its own. ``task_id`` is the job's current attempt (a retry is a new job),
    whose progress ``jobs.models.JobProgress`` holds."""

    class State(models.TextChoices):
        QUEUED = "queued", pgettext_lazy("export state", "queued")
        RUNNING = "running", pgettext_lazy("export state", "being made")
        COMPLETED = "completed", pgettext_lazy("export state", "ready")
        FAILED = "failed", pgettext_lazy("export state", "failed")
        EXPIRED = "expired", pgettext_lazy("export state", "expired")

    ACTIVE = (State.QUEUED, State.RUNNING)

    project = models.ForeignKey(
        "projects.Project",
        verbose_name=_("project"),
        on_delete=models.PROTECT,
        related_name="package_exports",
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    state = models.CharField(
        pgettext_lazy("export", "state"), max_length=10, choices=State.choices, default="queued"
    )
    task_id = models.UUIDField(_("job"), null=True, blank=True)
    audit_event = models.ForeignKey(
        "projects.AuditEvent", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    file_name = models.CharField(_("file name"), max_length=200, blank=True)
    key = models.CharField(_("object key"), max_length=300, blank=True)
    size = models.BigIntegerField(_("size"), null=True, blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)

    class Meta:
        verbose_name = _("archive package export")
        verbose_name_plural = _("archive package exports")
        ordering = ["-created_at", "-pk"]
        constraints = [
            # One export at a time per project: a second request gets the running one.
            models.UniqueConstraint(
                fields=["project"],
                condition=Q(state__in=["queued", "running"]),
                name="responsibility_one_active_export_per_project",
            )
        ]

    def __str__(self) -> str:
        return f"export {self.pk} of project {self.project_id} ({self.state})"

    @property
    def active(self) -> bool:
        return self.state in self.ACTIVE
