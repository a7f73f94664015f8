"""Permanent plaques: frozen at completion acceptance, printed with a QR code to the public
page, installed and photographed. Services and the reads they need."""

from __future__ import annotations

import datetime
import io
import json
import secrets
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Min
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas

from inspections.access import records_visible_to
from inspections.models import AcceptanceRecord, SignOff
from inspections.services import LEAD_ROLES, required_capacities
from ledger import merkle
from ledger import selectors as ledger_selectors
from ledger.canonical import canonical_json, record_hash, record_type
from ledger.models import Checkpoint, LedgerEntry
from ledger.selectors import checkpoint_latest
from ledger.services import checkpoint_verify, ledgered_save
from projects.models import (
    MANDATORY_ROLES,
    LeadTenure,
    Membership,
    Person,
    Project,
    UnitWork,
)
from responsibility.models import (
    Plaque,
    PlaqueInstallation,
    PlaqueInstallationPhoto,
    ResponsibilityDocument,
)
from responsibility.text import ROLE_NAMES
from storage.fonts import archival_finish, draw_string, pdf_options
from storage.photos import StoredPhoto, photo_store
from storage.qr import qr_draw
from storage.services import object_store

ACCEPTED_STAGES = (
    Project.Stage.COMPLETION_ACCEPTED,
    Project.Stage.FILED,
    Project.Stage.ARCHIVED,
    Project.Stage.IN_SERVICE,
)


def plaque_content(unit_work: UnitWork) -> dict:
    project = unit_work.project
    leads = {
        t.role: t
        for t in project.lead_tenures.filter(end_date__isnull=True).select_related(
            "person", "participation__organization"
        )
    }
    units = []
    for role in MANDATORY_ROLES:
        tenure = leads.get(role)
        units.append(
            {
                "role": role.value,
                "role_name": ROLE_NAMES[role],
                "organization": tenure.participation.organization.name if tenure else "",
                "lead": tenure.person.name if tenure else "",
            }
        )
    ends = unit_work.responsibility_ends
    return {
        "project": project.name,
        "unit_work": unit_work.name,
        "address": project.address,
        "design_service_life_years": unit_work.design_service_life_years,
        "start_date": unit_work.start_date.isoformat() if unit_work.start_date else None,
        "completion_date": (
            unit_work.completion_date.isoformat() if unit_work.completion_date else None
        ),
        "responsibility_ends": ends.isoformat() if ends else None,
        "units": units,
    }


@transaction.atomic
def plaque_freeze(*, unit_work: UnitWork, actor: AbstractBaseUser | None) -> Plaque:
    """Freeze the plaque's content; only once the project's completion is accepted."""
    project = Project.objects.get(pk=unit_work.project_id)
    if project.stage not in ACCEPTED_STAGES:
        raise ValidationError(
            _(
                "The plaque is frozen at completion acceptance, and this project is %(stage)s."
                " It is frozen automatically when completion is accepted."
            )
            % {"stage": project.get_stage_display()}
        )
    existing = Plaque.objects.filter(unit_work=unit_work).first()
    if existing is not None:
        raise ValidationError(
            _("The plaque of %(unit)s was frozen on %(date)s; its content does not change.")
            % {"unit": unit_work.name, "date": f"{existing.frozen_at:%Y-%m-%d}"}
        )
    plaque = Plaque(
        unit_work=unit_work,
        token=secrets.token_urlsafe(16),
        content=plaque_content(unit_work),
        frozen_at=timezone.now(),
        width_mm=settings.PLAQUE_WIDTH_MM,
        height_mm=settings.PLAQUE_HEIGHT_MM,
    )
    # The print file is made now, with the content it prints, so reading it never writes.
    # Drawn before anything is stored: a name no font can show refuses the freeze.
    plaque.pdf = _print_file_store(plaque, actor=actor)
    ledgered_save(plaque, action=LedgerEntry.Action.CREATE, actor=actor)
    return plaque


def plaques_freeze_on_acceptance(*, project: Project, actor) -> None:
    """Stage-entered hook for completion acceptance: every unit work's plaque."""
    for unit_work in project.unit_works.filter(plaque__isnull=True):
        plaque_freeze(unit_work=unit_work, actor=actor)


def plaque_public_url(plaque: Plaque) -> str:
    return f"{settings.PUBLIC_BASE_URL.rstrip('/')}/p/{plaque.token}/"


def plaque_pdf_draw(plaque: Plaque) -> bytes:
    width, height = plaque.width_mm * mm, plaque.height_mm * mm
    scale = min(width / (750 * mm), height / (500 * mm))
    out = io.BytesIO()
    page = canvas.Canvas(out, pagesize=(width, height), invariant=True, **pdf_options())
    content = plaque.content
    archival_finish(
        page,
        title=f"{content['project']} {content['unit_work']}",
        subject="永久性标牌 Permanent plaque",
    )
    margin = 40 * mm * scale
    page.setLineWidth(4 * scale)
    page.rect(margin / 2, margin / 2, width - margin, height - margin)
    y = height - margin - 40 * mm * scale
    title = f"{content['project']} {content['unit_work']}"
    draw_string(page, width / 2, y, title, 34 * mm * scale, align="centre")
    y -= 30 * mm * scale
    dates = [
        f"设计使用年限：{content['design_service_life_years']}年",
        f"开工日期：{content['start_date'] or '—'}",
        f"竣工日期：{content['completion_date'] or '—'}",
    ]
    draw_string(page, width / 2, y, "    ".join(dates), 16 * mm * scale, align="centre")
    y -= 12 * mm * scale
    for unit in content["units"]:
        y -= 26 * mm * scale
        line = f"{unit['role_name']}：{unit['organization']}"
        draw_string(page, margin + 20 * mm * scale, y, line, 16 * mm * scale)
        draw_string(page, width * 0.62, y, f"项目负责人：{unit['lead']}", 16 * mm * scale)
    qr_size = 110 * mm * scale
    qr_draw(
        page,
        plaque_public_url(plaque),
        x=width - margin - qr_size - 10 * mm * scale,
        y=margin + 10 * mm,
        size=qr_size,
    )
    draw_string(
        page,
        margin + 20 * mm * scale,
        margin + 20 * mm * scale,
        "扫码核验工程质量终身责任信息",
        10 * mm * scale,
    )
    page.showPage()
    page.save()
    return out.getvalue()


def _print_file_store(plaque: Plaque, *, actor: AbstractBaseUser | None):
    return object_store(
        fileobj=io.BytesIO(plaque_pdf_draw(plaque)),
        user=actor,
        archival=False,
        original_name=f"plaque-{plaque.unit_work_id}.pdf",
        allowed_types=("application/pdf",),
    )


def plaque_print_file(plaque: Plaque):
    """The print file made when ``plaque`` was frozen; reading it writes nothing."""
    if plaque.pdf_id is None:
        raise ValidationError(
            _(
                "This plaque was frozen before print files were made at freezing, and its"
                " print file has not been made yet. An operator makes it with"
                " `manage.py plaque_print_files`."
            ),
            code="no_print_file",
        )
    return plaque.pdf


@transaction.atomic
def plaque_print_file_make(*, plaque: Plaque, actor: AbstractBaseUser | None) -> Plaque:
    """Make the missing print file of a plaque frozen before print files were made at
    freezing (``manage.py plaque_print_files``, once, by an operator). A plaque that has
    one keeps it."""
    locked = Plaque.objects.select_for_update().get(pk=plaque.pk)
    if locked.pdf_id is None:
        locked.pdf = _print_file_store(locked, actor=actor)
        ledgered_save(locked, action=LedgerEntry.Action.UPDATE, actor=actor)
    return locked


def plaque_install_record(
    *,
    plaque: Plaque,
    installed_on: datetime.date,
    position: str,
    material: str,
    installed_by: str,
    photos: list,
    actor: AbstractBaseUser,
) -> PlaqueInstallation:
    """Record the installation with one or more photos (stored first, then the rows)."""
    if not photos:
        raise ValidationError({"photos": _("Add at least one photo of the installed plaque.")})
    if installed_on > timezone.localdate():
        raise ValidationError({"installed_on": _("The installation date cannot be in the future.")})
    installation = PlaqueInstallation(
        plaque=plaque,
        installed_on=installed_on,
        position=(position or "").strip(),
        material=(material or "").strip(),
        installed_by=(installed_by or "").strip(),
        recorded_by=actor,
    )
    installation.full_clean(exclude=["plaque"])
    # Each photo like every evidence photo: flagged if taken far from the installation date
    # or the site.
    site = plaque.unit_work.project.site
    stored = [
        photo_store(fileobj=photo, user=actor, subject_date=installed_on, site=site)
        for photo in photos
    ]
    return _installation_record(installation=installation, stored=stored, actor=actor)


@transaction.atomic
def _installation_record(
    *, installation: PlaqueInstallation, stored: list[StoredPhoto], actor
) -> PlaqueInstallation:
    ledgered_save(installation, action=LedgerEntry.Action.CREATE, actor=actor)
    for item in stored:
        photo = PlaqueInstallationPhoto(
            installation=installation, stored_object=item.original, **item.fields()
        )
        ledgered_save(photo, action=LedgerEntry.Action.CREATE, actor=actor)
    return installation


# --- Reads ---


def plaque_photo_list(*, plaque: Plaque):
    """The photos of every installation of ``plaque``; check access to its project first."""
    return PlaqueInstallationPhoto.objects.filter(installation__plaque=plaque).select_related(
        "stored_object", "installation__plaque__unit_work"
    )


def install_due(plaque: Plaque, jurisdiction_code: str) -> datetime.date:
    """By when the plaque must be installed under the jurisdiction's rule."""
    rules = settings.PLAQUE_INSTALL_RULES
    rule = settings.PLAQUE_INSTALL_DAYS_AFTER_ACCEPTANCE
    for code in (jurisdiction_code, jurisdiction_code[:4] + "00", jurisdiction_code[:2] + "0000"):
        if code in rules:
            rule = rules[code]
            break
    accepted = timezone.localdate(plaque.frozen_at)
    if rule == "before":
        return accepted
    return accepted + datetime.timedelta(days=int(rule))


def plaque_is_late(plaque: Plaque, jurisdiction_code: str) -> bool:
    due = install_due(plaque, jurisdiction_code)
    first = plaque.installations.order_by("installed_on").first()
    return installation_is_late(due, first.installed_on if first else None)


def installation_is_late(due: datetime.date, first_installed_on: datetime.date | None) -> bool:
    """Late: installed after ``due``, or not installed and ``due`` has passed."""
    if first_installed_on is None:
        return timezone.localdate() > due
    return first_installed_on > due


@dataclass
class PlaqueState:
    unit_work: UnitWork
    plaque: Plaque | None
    install_due: datetime.date | None
    installed_on: datetime.date | None  # the first installation's date
    late: bool


def plaque_overview(*, project: Project) -> list[PlaqueState]:
    """Each unit work of ``project`` with its plaque's state (not frozen yet, to install by
    a date, installed, late), in one query; check access to the project first."""
    unit_works = (
        UnitWork.objects.filter(project=project)
        .select_related("plaque")
        .annotate(first_installed_on=Min("plaque__installations__installed_on"))
        .order_by("pk")
    )
    states = []
    for unit_work in unit_works:
        unit_work.project = project
        plaque = unit_work.plaque if _has_plaque(unit_work) else None
        due = install_due(plaque, project.jurisdiction_code) if plaque else None
        states.append(
            PlaqueState(
                unit_work=unit_work,
                plaque=plaque,
                install_due=due,
                installed_on=unit_work.first_installed_on,
                late=bool(plaque) and installation_is_late(due, unit_work.first_installed_on),
            )
        )
    return states


def plaques_to_install(*, user) -> list[PlaqueState]:
    """Frozen plaques not installed yet on the projects whose records ``user`` keeps (site
    supervisors and project leads: those ``plaque_for_user(write=True)`` lets install),
    the most urgent first, in one query."""
    pending = (
        Plaque.objects.filter(
            unit_work__project__memberships__user=user,
            unit_work__project__memberships__role__in=Membership.WRITE_ROLES,
            installations__isnull=True,
        )
        .select_related("unit_work__project")
        .distinct()
    )
    states = []
    for plaque in pending:
        due = install_due(plaque, plaque.unit_work.project.jurisdiction_code)
        states.append(
            PlaqueState(
                unit_work=plaque.unit_work,
                plaque=plaque,
                install_due=due,
                installed_on=None,
                late=installation_is_late(due, None),
            )
        )
    return sorted(states, key=lambda state: (state.install_due, state.plaque.pk))


def _has_plaque(unit_work: UnitWork) -> bool:
    try:
        unit_work.plaque  # noqa: B018 (selected with the unit work: no query)
    except Plaque.DoesNotExist:
        return False
    return True


@dataclass
class CompletionSignOff:
    """One sign-off the completion acceptance needs: who signed it, or who is to sign it
    (the party's lead in office on the record's date, whom ``record_sign`` will accept)."""

    capacity: str
    capacity_name: str
    person: Person | None
    sign_off: SignOff | None


def completion_acceptance(*, user, project: Project):
    """The project's newest completion acceptance record ``user`` can see, and its current
    round's sign-offs in the order GB 50300 lists the five leads: ``(None, [])`` when there
    is none yet. Three queries, whatever the project's size."""
    record = (
        records_visible_to(user)
        .filter(project=project, level=AcceptanceRecord.Level.COMPLETION)
        .order_by("-date", "-pk")
        .first()
    )
    if record is None:
        return None, []
    signed = {
        s.capacity: s
        for s in SignOff.objects.filter(record=record, round=record.round).select_related("person")
    }
    in_office = {
        tenure.role: tenure.person
        for tenure in LeadTenure.objects.filter(project=project, start_date__lte=record.date)
        .exclude(end_date__lt=record.date)
        .select_related("person")
    }
    lines = []
    for capacity in required_capacities(record):
        sign_off = signed.get(capacity)
        person = sign_off.person if sign_off else in_office.get(LEAD_ROLES.get(capacity))
        lines.append(
            CompletionSignOff(
                capacity=capacity,
                capacity_name=str(SignOff.Capacity(capacity).label),
                person=person,
                sign_off=sign_off,
            )
        )
    return record, lines


@dataclass
class PublicVerification:
    """What the public page can say about a project's responsibility records."""

    records: int  # how many records were checked
    mismatched: int  # records that no longer hash as their latest ledger entry says
    checkpoint: Checkpoint | None  # the signed checkpoint the proofs are against
    proven: int  # records whose latest entry is proven included in that checkpoint
    newer: int  # records changed after that checkpoint: nothing to prove against yet
    plaque_entry: dict | None  # the plaque's own entry and proof, for anyone to re-check
    forged_checkpoint: bool = False  # the latest checkpoint is not signed by the archive key
    # What was checked, kind by kind: [(kind, count)], kinds from VERIFIED_KINDS.
    kinds: list[tuple[str, int]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.mismatched == 0 and self.records > 0 and not self.forged_checkpoint


# What the public page verifies, kind by kind, in the words it uses (page and proof.json).
VERIFIED_KINDS = {
    "project": gettext_lazy("the project"),
    "unit_works": gettext_lazy("its unit works"),
    "organizations": gettext_lazy("the organizations taking part, whose names the plaque shows"),
    "participations": gettext_lazy("their participations in the project"),
    "people": gettext_lazy("the project leads, whose names the plaque shows"),
    "lead_tenures": gettext_lazy("the leads' terms of office"),
    "documents": gettext_lazy("the letters of authorization and lifetime responsibility pledges"),
    "plaques": gettext_lazy("the frozen plaques, whose content this page shows"),
}
VERIFIED_NOT = gettext_lazy(
    "The names on this page are the plaque's copy, frozen at completion acceptance; the"
    " people's and organizations' own records are checked as well. Not checked here: the"
    " files themselves (signed PDFs, photos). Their SHA-256 is in the records above, and"
    " an archive package lets anyone check the files offline."
)


def project_records_verify(project: Project) -> PublicVerification:
    """Check the project's responsibility records against the ledger, the way an outside
    verifier would: each record's hash against its latest entry, each entry's leaf hash
    rebuilt from its columns, its inclusion proof against the latest signed checkpoint, and
    that checkpoint's signature with the archive key. Any failure counts as a mismatch."""
    participations = list(project.participations.select_related("organization"))
    tenures = list(project.lead_tenures.select_related("person"))
    groups = {
        "project": [project],
        "unit_works": list(project.unit_works.all()),
        # The people and organizations whose names the plaque shows, with every other
        # participant and lead the project has had: their own records, not only the
        # plaque's frozen copy of their names.
        "organizations": list({p.organization_id: p.organization for p in participations}.values()),
        "participations": participations,
        "people": list({t.person_id: t.person for t in tenures}.values()),
        "lead_tenures": tenures,
        "documents": list(ResponsibilityDocument.objects.filter(project=project)),
        "plaques": list(Plaque.objects.filter(unit_work__project=project)),
    }
    records = [record for group in groups.values() for record in group]
    latest: dict[tuple[str, str], LedgerEntry] = {}
    for entry in LedgerEntry.objects.filter(
        record_type__in={record_type(r) for r in records},
        record_id__in=[str(r.pk) for r in records],
    ).order_by("index"):
        latest[(entry.record_type, entry.record_id)] = entry
    checkpoint = checkpoint_latest()
    forged = checkpoint is not None and not checkpoint_verify(checkpoint)
    if forged:
        checkpoint = None
    size = checkpoint.tree_size if checkpoint else 0
    proofs = ledger_selectors.inclusion_proofs(
        (entry.index for entry in latest.values() if entry.index < size), size
    )
    root = bytes.fromhex(checkpoint.root_hash) if checkpoint else b""
    mismatched = proven = newer = 0
    plaque_entry = None
    for record in records:
        entry = latest.get((record_type(record), str(record.pk)))
        leaf = merkle.leaf_hash(canonical_json(entry.leaf_data())) if entry else None
        if (
            entry is None
            or entry.content_hash != record_hash(record)
            or leaf.hex() != entry.leaf_hash
        ):
            mismatched += 1
            continue
        if entry.index >= size:
            newer += 1
            continue
        if not merkle.verify_inclusion(leaf, entry.index, size, proofs[entry.index], root):
            mismatched += 1
            continue
        proven += 1
        if isinstance(record, Plaque) and record.token:
            plaque_entry = {
                "entry": json.loads(canonical_json(entry.leaf_data())),
                "leaf_hash": entry.leaf_hash,
                "proof": [node.hex() for node in proofs[entry.index]],
            }
    return PublicVerification(
        records=len(records),
        mismatched=mismatched,
        checkpoint=checkpoint,
        proven=proven,
        newer=newer,
        plaque_entry=plaque_entry,
        forged_checkpoint=forged,
        kinds=[(kind, len(group)) for kind, group in groups.items()],
    )
