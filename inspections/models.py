from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ledger.models import Ledgered
from storage.models import EvidencePhoto


class AcceptanceRecord(Ledgered):
    """One GB 50300 acceptance: an inspection lot up to a unit work, concealed works, or the
    completion acceptance of the project."""

    ledger_project = "project"

    class Level(models.TextChoices):
        INSPECTION_LOT = "inspection_lot", _("inspection lot")
        SUB_ITEM = "sub_item", _("sub-item")
        SUB_DIVISION = "sub_division", _("sub-division")
        DIVISION = "division", _("division")
        UNIT = "unit", _("unit work")
        CONCEALED = "concealed", _("concealed works")
        COMPLETION = "completion", _("completion acceptance")

    class DivisionKind(models.TextChoices):
        FOUNDATION = "foundation", _("foundation")
        MAIN_STRUCTURE = "main_structure", _("main structure")
        OTHER = "other", _("other")

    class State(models.TextChoices):
        SELF_CHECK = "self_check", _("contractor self-check")
        SUBMITTED = "submitted", _("submitted")
        RETURNED = "returned", _("returned")
        ACCEPTED = "accepted", _("accepted")

    # Which level each level's parent must be (GB 50300: lot → sub-item → (sub-)division → unit).
    PARENT_LEVELS = {
        Level.INSPECTION_LOT: (Level.SUB_ITEM,),
        Level.SUB_ITEM: (Level.SUB_DIVISION, Level.DIVISION),
        Level.SUB_DIVISION: (Level.DIVISION,),
        Level.DIVISION: (Level.UNIT,),
        Level.UNIT: (),
        Level.CONCEALED: (Level.SUB_ITEM, Level.SUB_DIVISION, Level.DIVISION),
        Level.COMPLETION: (),
    }

    project = models.ForeignKey(
        "projects.Project",
        verbose_name=_("project"),
        on_delete=models.PROTECT,
        related_name="acceptance_records",
    )
    unit_work = models.ForeignKey(
        "projects.UnitWork",
        verbose_name=_("unit work"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="acceptance_records",
    )
    level = models.CharField(_("level"), max_length=20, choices=Level.choices)
    division_kind = models.CharField(
        _("division kind"),
        max_length=20,
        choices=DivisionKind.choices,
        default=DivisionKind.OTHER,
        help_text=_(
            "foundation and main-structure divisions also need the survey and design leads"
        ),
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=pgettext_lazy("acceptance record", "parent"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    concealed_works = models.ManyToManyField(
        "self",
        verbose_name=_("concealed works this work covers"),
        symmetrical=False,
        blank=True,
        related_name="covered_by",
    )
    locations = models.ManyToManyField(
        "projects.Location", verbose_name=_("locations"), blank=True, related_name="+"
    )
    title = models.CharField(_("work covered"), max_length=300)
    date = models.DateField(_("date"))
    result = models.TextField(pgettext_lazy("acceptance record", "result"), blank=True)
    remarks = models.TextField(_("remarks"), blank=True)
    state = models.CharField(
        _("state"), max_length=20, choices=State.choices, default=State.SELF_CHECK
    )
    round = models.PositiveSmallIntegerField(_("round"), default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)

    class Meta:
        verbose_name = _("acceptance record")
        verbose_name_plural = _("acceptance records")
        ordering = ["project", "date", "pk"]

    def __str__(self) -> str:
        return f"{self.get_level_display()}: {self.title}"

    @property
    def is_accepted(self) -> bool:
        return self.state == self.State.ACCEPTED

    @property
    def is_editable(self) -> bool:
        return self.state in (self.State.SELF_CHECK, self.State.RETURNED)

    @property
    def takes_photos(self) -> bool:
        """Evidence may be added until the record is accepted (then it is closed)."""
        return not self.is_accepted


class AcceptanceRound(Ledgered):
    """One submission of a record and what became of it; every round is kept."""

    ledger_project = "record__project"

    class Outcome(models.TextChoices):
        PENDING = "pending", pgettext_lazy("round outcome", "pending")
        RETURNED = "returned", _("returned")
        ACCEPTED = "accepted", _("accepted")

    record = models.ForeignKey(
        AcceptanceRecord,
        verbose_name=_("acceptance record"),
        on_delete=models.PROTECT,
        related_name="rounds",
    )
    number = models.PositiveSmallIntegerField(_("round"))
    content_sha256 = models.CharField(_("SHA-256 of the submitted content"), max_length=64)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    submitted_at = models.DateTimeField(_("submitted at"))
    outcome = models.CharField(
        _("outcome"), max_length=20, choices=Outcome.choices, default=Outcome.PENDING
    )
    reasons = models.TextField(_("reasons for returning"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(
        pgettext_lazy("acceptance round", "decided at"), null=True, blank=True
    )

    class Meta:
        verbose_name = _("acceptance round")
        verbose_name_plural = _("acceptance rounds")
        ordering = ["record", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["record", "number"], name="inspections_one_round_per_number"
            )
        ]

    def __str__(self) -> str:
        return f"{self.record} — {self.number}"


class SignOff(Ledgered):
    """A named person's sign-off on one round of a record, with its evidence."""

    # Added after sign-offs were first ledgered: see Ledgered.ledger_added_fields.
    ledger_added_fields = ("person_snapshot",)
    ledger_project = "record__project"

    class Capacity(models.TextChoices):
        SUPERVISING_ENGINEER = "supervising_engineer", _("specialist supervising engineer")
        QUALITY_INSPECTOR = "quality_inspector", _("contractor quality inspector")
        CHIEF_SUPERVISING_ENGINEER = "chief_supervising_engineer", _("chief supervising engineer")
        PROJECT_MANAGER = "project_manager", _("contractor project manager")
        SURVEY_LEAD = "survey_lead", _("survey project lead")
        DESIGN_LEAD = "design_lead", _("design project lead")
        OWNER_LEAD = "owner_lead", _("owner project lead")

    record = models.ForeignKey(
        AcceptanceRecord,
        verbose_name=_("acceptance record"),
        on_delete=models.PROTECT,
        related_name="sign_offs",
    )
    round = models.PositiveSmallIntegerField(_("round"))
    capacity = models.CharField(_("capacity"), max_length=40, choices=Capacity.choices)
    person = models.ForeignKey(
        "projects.Person", verbose_name=_("person"), on_delete=models.PROTECT, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.PROTECT, related_name="+"
    )
    signed_at = models.DateTimeField(pgettext_lazy("sign-off", "signed at (UTC)"))
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=500, blank=True)
    content_sha256 = models.CharField(_("SHA-256 of the content signed"), max_length=64)
    person_snapshot = models.JSONField(
        _("person as recorded at signing"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("name, ID (masked), employer and qualification when they signed"),
    )

    class Meta:
        verbose_name = _("sign-off")
        verbose_name_plural = _("sign-offs")
        ordering = ["record", "round", "signed_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["record", "round", "capacity"],
                name="inspections_one_sign_off_per_capacity_and_round",
                violation_error_message=_("Someone has already signed in this capacity."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.person.name} — {self.get_capacity_display()}"

    @property
    def person_as_recorded(self) -> dict:
        """The signer as they were recorded when they signed, not as they are now."""
        return self.person_snapshot or self.person.identity_snapshot()


class Photo(Ledgered):
    """An evidence photo: the untouched original, derived copies and what EXIF says.

    It belongs to a project (for access checks and lists) and to a subject through a generic
    relation: acceptance records, and defect cases in the app above this one. Its columns
    are those of ``storage.models.EvidencePhoto``, required here (every photo has had them
    from the start); delivery and plaque-installation photos inherit that model instead.
    """

    ledger_project = "project"

    Flag = EvidencePhoto.Flag  # what storage.photos.photo_store flags

    project = models.ForeignKey(
        "projects.Project", verbose_name=_("project"), on_delete=models.PROTECT, related_name="+"
    )
    subject_type = models.ForeignKey(
        ContentType, verbose_name=_("subject type"), on_delete=models.PROTECT, related_name="+"
    )
    subject_id = models.PositiveBigIntegerField(_("subject id"))
    subject = GenericForeignKey("subject_type", "subject_id")
    original = models.ForeignKey(
        "storage.StoredObject",
        verbose_name=_("original"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    preview = models.ForeignKey(  # null until the preview job made it
        "storage.StoredObject",
        verbose_name=_("preview"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    thumbnail = models.ForeignKey(  # null until the preview job made it
        "storage.StoredObject",
        verbose_name=_("thumbnail"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    width = models.PositiveIntegerField(_("width"))
    height = models.PositiveIntegerField(_("height"))
    caption = models.CharField(_("caption"), max_length=300, blank=True)
    location = models.ForeignKey(
        "projects.Location",
        verbose_name=_("location"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    received_at = models.DateTimeField(_("received at"))
    captured_at = models.DateTimeField(_("taken at"), null=True, blank=True)
    captured_offset = models.CharField(_("time-zone offset when taken"), max_length=6, blank=True)
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    gps_accuracy_m = models.FloatField(_("GPS accuracy (m)"), null=True, blank=True)
    camera_make = models.CharField(_("camera make"), max_length=100, blank=True)
    camera_model = models.CharField(_("camera model"), max_length=100, blank=True)
    distance_from_site_m = models.FloatField(_("distance from site (m)"), null=True, blank=True)
    flags = models.JSONField(_("flags"), default=list, blank=True)

    class Meta:
        verbose_name = _("photo")
        verbose_name_plural = _("photos")
        ordering = ["received_at", "pk"]
        indexes = [models.Index(fields=["subject_type", "subject_id"])]
        constraints = [
            models.UniqueConstraint(
                fields=["subject_type", "subject_id", "original"],
                name="inspections_one_photo_per_subject_and_original",
            )
        ]

    def __str__(self) -> str:
        return self.caption or self.original.original_name or f"photo {self.pk}"

    @property
    def flag_labels(self) -> list[str]:
        """What looks wrong about the photo, in words (flags this code no longer knows are
        shown as they were stored)."""
        known = dict(self.Flag.choices)
        return [str(known.get(flag, flag)) for flag in self.flags or []]
