from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from config.dates import add_years
from ledger.models import Ledgered
from projects import validators


def credit_code_validator(value: str) -> None:
    validators.validate_credit_code(value)


def region_code_validator(value: str) -> None:
    validators.validate_region_code(value)


class Organization(Ledgered):
    name = models.CharField(_("name"), max_length=200)
    credit_code = models.CharField(
        _("unified social credit code"),
        max_length=18,
        unique=True,
        validators=[credit_code_validator],
        error_messages={
            "unique": _("An organization with this credit code is already registered.")
        },
    )
    qualification = models.TextField(_("qualification"), blank=True)
    qualification_cert_no = models.CharField(
        _("qualification certificate number"), max_length=100, blank=True
    )
    legal_representative = models.ForeignKey(
        "projects.Person",
        verbose_name=_("legal representative"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="represented_organizations",
    )
    address = models.CharField(_("address"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name


class Person(Ledgered):
    class PracticeQualification(models.TextChoices):
        REGISTERED_CONSTRUCTOR = "registered_constructor", _("registered constructor")
        REGISTERED_SUPERVISING_ENGINEER = (
            "registered_supervising_engineer",
            _("registered supervising engineer"),
        )
        REGISTERED_STRUCTURAL_ENGINEER = (
            "registered_structural_engineer",
            _("registered structural engineer"),
        )
        REGISTERED_ARCHITECT = "registered_architect", _("registered architect")
        REGISTERED_GEOTECHNICAL_ENGINEER = (
            "registered_geotechnical_engineer",
            _("registered civil engineer (geotechnical)"),
        )
        OTHER = "other", _("other")
        NONE = "none", _("none")

    name = models.CharField(_("full name"), max_length=100)
    # The plain ID number is never stored: ciphertext to reveal, keyed index to find, mask to show.
    id_number_ciphertext = models.TextField(_("ID number (encrypted)"))
    id_number_index = models.CharField(_("ID number index"), max_length=64, unique=True)
    id_number_masked = models.CharField(_("ID number"), max_length=18)
    phone_ciphertext = models.TextField(_("phone (encrypted)"), blank=True)
    phone_masked = models.CharField(_("phone"), max_length=20, blank=True)
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("employer"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
    )
    practice_qualification = models.CharField(
        _("practice qualification"),
        max_length=40,
        choices=PracticeQualification.choices,
        default=PracticeQualification.NONE,
    )
    practice_cert_no = models.CharField(
        _("practice certificate number"), max_length=100, blank=True
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user account"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="person",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return f"{self.name} ({self.id_number_masked})"

    def identity_snapshot(self) -> dict:
        """Who this person is recorded as now, frozen onto a tenure, a sign-off or a document
        so that the record keeps showing them as they were when it was made."""
        organization = self.organization
        return {
            "id": self.pk,
            "name": self.name,
            "id_number_masked": self.id_number_masked,
            "practice_qualification": self.practice_qualification,
            "practice_cert_no": self.practice_cert_no,
            "organization": None
            if organization is None
            else {
                "id": organization.pk,
                "name": organization.name,
                "credit_code": organization.credit_code,
            },
        }

    def ledger_content(self) -> dict:
        # Ciphertext changes when keys rotate; the keyed index and the mask stand for it.
        content = super().ledger_content()
        content.pop("id_number_ciphertext")
        content.pop("phone_ciphertext")
        return content


class Project(Ledgered):
    ledger_project = "pk"

    class Stage(models.TextChoices):
        REGISTERED = "registered", _("registered")
        UNDER_SUPERVISION = "under_supervision", _("under quality supervision")
        UNDER_CONSTRUCTION = "under_construction", _("under construction")
        COMPLETION_ACCEPTED = "completion_accepted", _("completion accepted")
        FILED = "filed", _("filed")
        ARCHIVED = "archived", _("archive handed over")
        IN_SERVICE = "in_service", _("in service")

    name = models.CharField(_("name"), max_length=200)
    address = models.CharField(_("address"), max_length=300, blank=True)
    permit_number = models.CharField(_("construction permit number"), max_length=100, blank=True)
    supervision_number = models.CharField(
        _("quality supervision registration number"), max_length=100, blank=True
    )
    jurisdiction_code = models.CharField(
        _("jurisdiction (administrative region code)"),
        max_length=6,
        validators=[region_code_validator],
    )
    site_latitude = models.DecimalField(
        _("site latitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    site_longitude = models.DecimalField(
        _("site longitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )
    stage = models.CharField(
        _("stage"), max_length=30, choices=Stage.choices, default=Stage.REGISTERED
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("project")
        verbose_name_plural = _("projects")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.name

    @property
    def next_stage(self) -> str | None:
        stages = list(self.Stage.values)
        position = stages.index(self.stage)
        return stages[position + 1] if position + 1 < len(stages) else None

    @property
    def site(self) -> tuple | None:
        """(latitude, longitude) of the site, if both are known: photos taken far from it
        are flagged (``storage.photos.photo_store``)."""
        if self.site_latitude is None or self.site_longitude is None:
            return None
        return self.site_latitude, self.site_longitude


class UnitWork(Ledgered):
    ledger_project = "project"

    class StructureType(models.TextChoices):
        FRAME = "frame", _("frame structure")
        SHEAR_WALL = "shear_wall", _("shear wall structure")
        FRAME_SHEAR_WALL = "frame_shear_wall", _("frame–shear wall structure")
        FRAME_CORE_TUBE = "frame_core_tube", _("frame–core tube structure")
        MASONRY = "masonry", _("masonry structure")
        STEEL = "steel", _("steel structure")
        TIMBER = "timber", _("timber structure")
        OTHER = "other", _("other")

    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.PROTECT, related_name="unit_works"
    )
    name = models.CharField(_("name"), max_length=200)
    structure_type = models.CharField(
        _("structure type"), max_length=30, choices=StructureType.choices
    )
    floors_above = models.PositiveSmallIntegerField(_("floors above ground"))
    floors_below = models.PositiveSmallIntegerField(_("floors below ground"), default=0)
    gross_area = models.DecimalField(
        _("gross floor area (m²)"),
        max_digits=12,
        decimal_places=2,
        validators=[MinValueValidator(0)],
    )
    design_service_life_years = models.PositiveSmallIntegerField(
        _("design service life (years)"),
        validators=[MinValueValidator(1), MaxValueValidator(300)],
    )
    start_date = models.DateField(_("construction start date"), null=True, blank=True)
    completion_date = models.DateField(_("completion date"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("unit work")
        verbose_name_plural = _("unit works")
        ordering = ["project", "name", "pk"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.start_date and self.completion_date and self.completion_date < self.start_date:
            raise ValidationError(
                {"completion_date": _("The completion date cannot be before the start date.")}
            )

    @property
    def responsibility_ends(self) -> datetime.date | None:
        """The end of the lifetime-responsibility horizon: completion + design service life."""
        if self.completion_date is None:
            return None
        return add_years(self.completion_date, self.design_service_life_years)


class Location(Ledgered):
    ledger_project = "unit_work__project"

    class Kind(models.TextChoices):
        UNIT = "unit", pgettext_lazy("location kind", "unit")
        FLOOR = "floor", _("floor")
        ZONE = "zone", _("zone")
        AXIS = "axis", _("axis")
        ELEMENT = "element", _("element")

    # How deep each kind sits: a child must sit deeper than its parent.
    DEPTH = {"unit": 0, "floor": 1, "zone": 2, "axis": 2, "element": 3}

    unit_work = models.ForeignKey(
        UnitWork, verbose_name=_("unit work"), on_delete=models.PROTECT, related_name="locations"
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=pgettext_lazy("location", "parent"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=100)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("location")
        verbose_name_plural = _("locations")
        ordering = ["unit_work", "pk"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.parent is None:
            return
        if self.parent.unit_work_id != self.unit_work_id:
            raise ValidationError(
                {"parent": _("The parent location belongs to another unit work.")}
            )
        if self.DEPTH.get(self.kind, 0) <= self.DEPTH[self.parent.kind]:
            raise ValidationError(
                {
                    "kind": _(
                        "A %(kind)s cannot be placed inside a %(parent_kind)s: locations go"
                        " down from unit to floor to zone or axis to element."
                    )
                    % {
                        "kind": self.get_kind_display(),
                        "parent_kind": self.parent.get_kind_display(),
                    }
                }
            )


class Role(models.TextChoices):
    OWNER = "owner", _("owner (construction unit)")
    SURVEY = "survey", _("survey unit")
    DESIGN = "design", _("design unit")
    CONTRACTOR = "contractor", _("construction contractor")
    SUPERVISOR = "supervisor", _("supervision unit")
    GENERAL_CONTRACTOR = "general_contractor", _("general contractor (EPC)")
    DRAWING_REVIEW = "drawing_review", _("construction drawing review agency")
    TESTING_LAB = "testing_lab", _("testing laboratory")
    READY_MIX = "ready_mix", _("ready-mixed concrete supplier")
    MATERIAL_SUPPLIER = "material_supplier", _("material supplier")


# The five responsible units every project must have (五方责任主体).
MANDATORY_ROLES = (Role.OWNER, Role.SURVEY, Role.DESIGN, Role.CONTRACTOR, Role.SUPERVISOR)


class Participation(Ledgered):
    ledger_project = "project"

    Role = Role

    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.PROTECT, related_name="participations"
    )
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organization"),
        on_delete=models.PROTECT,
        related_name="participations",
    )
    role = models.CharField(_("role"), max_length=30, choices=Role.choices)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("participation")
        verbose_name_plural = _("participations")
        ordering = ["project", "role", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "organization", "role"],
                name="participation_unique_project_organization_role",
                violation_error_message=_(
                    "This organization already takes part in the project in this role."
                ),
            ),
            models.UniqueConstraint(
                fields=["project", "role"],
                condition=Q(role__in=[role.value for role in MANDATORY_ROLES]),
                name="participation_one_per_mandatory_role",
                violation_error_message=_(
                    "The project already has an organization in this role; each of the five"
                    " responsible roles is held by one organization."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organization} — {self.get_role_display()}"


class LeadTenure(Ledgered):
    """Who led a party's work on a project, and when. Never deleted: history is evidence."""

    # Added after tenures were first ledgered: see Ledgered.ledger_added_fields.
    ledger_added_fields = ("person_snapshot",)
    ledger_project = "project"

    Role = Role

    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.PROTECT, related_name="lead_tenures"
    )
    role = models.CharField(_("role"), max_length=30, choices=Role.choices)
    participation = models.ForeignKey(
        Participation,
        verbose_name=_("participation"),
        on_delete=models.PROTECT,
        related_name="lead_tenures",
    )
    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.PROTECT, related_name="lead_tenures"
    )
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"), null=True, blank=True)
    end_reason = models.TextField(_("reason for ending"), blank=True)
    successor = models.OneToOneField(
        "self",
        verbose_name=_("successor"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="predecessor",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    person_snapshot = models.JSONField(
        _("person as recorded at opening"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("name, ID (masked), employer and qualification when the tenure opened"),
    )

    class Meta:
        verbose_name = _("lead tenure")
        verbose_name_plural = _("lead tenures")
        ordering = ["project", "role", "start_date", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "role"],
                condition=Q(end_date__isnull=True),
                name="lead_tenure_one_open_per_project_role",
                violation_error_message=_(
                    "This role already has a lead in office; replace them instead of opening"
                    " a second tenure."
                ),
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="lead_tenure_ends_after_start",
                violation_error_message=_("A tenure cannot end before it starts."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person.name} — {self.get_role_display()}"

    @property
    def person_as_recorded(self) -> dict:
        """The lead as they were recorded when the tenure opened, not as they are now."""
        return self.person_snapshot or self.person.identity_snapshot()

    def clean(self) -> None:
        if self.participation_id is None:
            return
        if self.participation.project_id != self.project_id or self.participation.role != self.role:
            raise ValidationError(
                {
                    "participation": _(
                        "The participation must be this project's organization in this role."
                    )
                }
            )

    @property
    def is_open(self) -> bool:
        return self.end_date is None


class Membership(Ledgered):
    ledger_project = "project"

    class Role(models.TextChoices):
        SITE_SUPERVISOR = "site_supervisor", _("site supervisor / quality inspector")
        PARTY_MEMBER = "party_member", _("member of a participating organization")
        LEGAL_REPRESENTATIVE = "legal_representative", _("legal representative")
        PROJECT_LEAD = "project_lead", _("project lead")

    # Memberships that may change a project's records.
    WRITE_ROLES = (Role.SITE_SUPERVISOR, Role.PROJECT_LEAD)

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.PROTECT,
        related_name="project_memberships",
    )
    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.PROTECT, related_name="memberships"
    )
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organization"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="memberships",
    )
    role = models.CharField(_("role"), max_length=30, choices=Role.choices)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["project", "role", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "project", "role"],
                name="membership_unique_user_project_role",
                violation_error_message=_("This user already has this role on the project."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} — {self.project}"


class RegulatorAccount(Ledgered):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.PROTECT,
        related_name="regulator_account",
    )
    agency = models.CharField(_("agency"), max_length=200)
    jurisdiction_code = models.CharField(
        _("jurisdiction (administrative region code)"),
        max_length=6,
        validators=[region_code_validator],
        help_text=_("330000 covers the whole province, 330100 the city, 330108 the district."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("regulator account")
        verbose_name_plural = _("regulator accounts")
        ordering = ["jurisdiction_code", "pk"]

    def __str__(self) -> str:
        return f"{self.agency} ({self.jurisdiction_code})"

    def covers(self, region_code: str) -> bool:
        return validators.region_covers(self.jurisdiction_code, region_code)


class ProjectDocument(Ledgered):
    ledger_project = "project"

    class Kind(models.TextChoices):
        CONSTRUCTION_PERMIT = "construction_permit", _("construction permit scan")
        SUPERVISION_REGISTRATION = "supervision_registration", _("quality supervision registration")
        DRAWING_REVIEW_CERTIFICATE = (
            "drawing_review_certificate",
            _("construction drawing review certificate"),
        )
        OTHER = "other", _("other")

    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.PROTECT, related_name="documents"
    )
    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=40, choices=Kind.choices)
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
        verbose_name = _("project document")
        verbose_name_plural = _("project documents")
        ordering = ["-uploaded_at", "-pk"]

    def __str__(self) -> str:
        return self.title


class AuditEvent(Ledgered):
    """A read the archive must answer for (a personal-data reveal, an export, a trace), a
    correction of who a person is, or a sign-in lockout, which may be someone guessing a
    password.

    Writes are in the ledger already, but the ledger keeps who and when, not why: these are
    the reads that matter and the identity changes that need a reason. Each event is itself
    appended to the ledger, so the audit log is as tamper-evident as the records. The value
    revealed is never stored here.
    """

    # Added after events were first ledgered: see Ledgered.ledger_added_fields.
    ledger_added_fields = ("changes", "outcome", "outcome_detail")
    ledger_project = "project"

    class Action(models.TextChoices):
        REVEAL_ID_NUMBER = "reveal_id_number", _("revealed an ID number")
        REVEAL_PHONE = "reveal_phone", _("revealed a phone number")
        EXPORT_PACKAGE = "export_package", _("exported an archive package")
        DOWNLOAD_PACKAGE = "download_package", _("downloaded an exported archive package")
        VIEW_TRACE = "view_trace", _("viewed a defect trace")
        CHANGE_IDENTITY = "change_identity", _("changed who a person is recorded as")
        SIGN_IN_LOCKOUT = "sign_in_lockout", _("sign-in locked after wrong passwords")

    class Outcome(models.TextChoices):
        """How a long read (an export) ended: recorded as ``started`` before it begins, so an
        export that never finished still shows."""

        STARTED = "started", pgettext_lazy("audit outcome", "started")
        COMPLETED = "completed", pgettext_lazy("audit outcome", "completed")
        FAILED = "failed", pgettext_lazy("audit outcome", "failed")

    at = models.DateTimeField(_("at"), default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("empty for a command run on the server"),
    )
    action = models.CharField(
        pgettext_lazy("audit event", "action"), max_length=30, choices=Action.choices
    )
    subject_type = models.CharField(_("subject type"), max_length=100, blank=True)
    subject_id = models.CharField(_("subject id"), max_length=64, blank=True)
    subject = models.CharField(_("subject"), max_length=300, blank=True)
    project = models.ForeignKey(
        Project,
        verbose_name=_("project"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="audit_events",
    )
    reason = models.TextField(_("reason"), blank=True)
    remote_address = models.GenericIPAddressField(_("from address"), null=True, blank=True)
    user_agent = models.CharField(_("browser"), max_length=300, blank=True)
    changes = models.JSONField(
        _("changes"),
        null=True,
        blank=True,
        help_text=_("for an identity change: each field's value before and after (ID masked)"),
    )
    # Null, not blank, for events without an outcome: their ledger hashes stay as they were.
    outcome = models.CharField(  # noqa: DJ001 - null keeps old events' hashes
        pgettext_lazy("audit event", "outcome"),
        max_length=20,
        choices=Outcome.choices,
        null=True,
        blank=True,
        help_text=_("for an export: whether it completed or failed"),
    )
    outcome_detail = models.TextField(  # noqa: DJ001 - null keeps old events' hashes
        _("why it failed"),
        null=True,
        blank=True,
        help_text=_("for a failed export: what stopped it, in words"),
    )

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["project", "at"]), models.Index(fields=["actor", "at"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.get_action_display()} {self.subject}"
