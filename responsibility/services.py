"""Writes for letters, pledges and their signing. One write path for API, pages, admin, demo.

Signing order: check everything, draw and sign the PDF, store it (object store first, under
its hash), then mark the document signed with its evidence and ledger entries in one
transaction. A refused signature leaves nothing behind.
"""

from __future__ import annotations

import datetime
import hashlib
import io
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from config.dates import add_years
from ledger.models import LedgerEntry
from ledger.services import ledger_append, ledgered_save
from projects import reauth
from projects.http import client_address
from projects.models import MANDATORY_ROLES, LeadTenure, Participation, Person, Project, Role
from responsibility import pdf, signing
from responsibility.models import DocumentKind, ResponsibilityDocument, SigningEvidence
from responsibility.text import document_text, template_current
from storage.fonts import check_printable
from storage.selectors import object_read_bytes
from storage.services import default_retention_until, object_store
from storage.validation import content_check, upload_precheck

# The practice qualification a role's lead must hold to be named in a letter or pledge.
REQUIRED_QUALIFICATION = {
    Role.CONTRACTOR: Person.PracticeQualification.REGISTERED_CONSTRUCTOR,
    Role.SUPERVISOR: Person.PracticeQualification.REGISTERED_SUPERVISING_ENGINEER,
}
SIGNATURE_TYPES = ("image/png",)


def text_sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def qualification_check(tenure: LeadTenure) -> None:
    required = REQUIRED_QUALIFICATION.get(tenure.role)
    if required is None or tenure.person.practice_qualification == required:
        return
    raise ValidationError(
        _(
            "%(name)s cannot be named %(role)s lead: the role needs a %(qualification)s"
            " qualification, and %(name)s is recorded with %(held)s. Record the"
            " qualification on the person, or name a qualified lead."
        )
        % {
            "name": tenure.person.name,
            "role": Role(tenure.role).label,
            "qualification": Person.PracticeQualification(required).label,
            "held": tenure.person.get_practice_qualification_display(),
        }
    )


def _signer_of(kind: str, tenure: LeadTenure) -> Person:
    if kind == DocumentKind.PLEDGE:
        return tenure.person
    representative = tenure.participation.organization.legal_representative
    if representative is None:
        raise ValidationError(
            _(
                "%(organization)s has no legal representative recorded, so nobody can sign"
                " its authorization letter. Record the legal representative first."
            )
            % {"organization": tenure.participation.organization.name}
        )
    return representative


def _participation_for(project: Project, role: str, organization_id) -> Participation:
    if role not in Role.values:
        raise ValidationError({"role": _("'%(role)s' is not a role.") % {"role": role}})
    participations = project.participations.filter(role=role).select_related("organization")
    if organization_id is not None:
        participations = participations.filter(organization_id=organization_id)
    participation = participations.first()
    if participation is None:
        raise ValidationError(
            {
                "role": _(
                    "This organization does not take part in the project as %(role)s, so it"
                    " has no letter or pledge for that role."
                )
                % {"role": Role(role).label}
            }
        )
    return participation


def _new_number(kind: str) -> str:
    prefix = "SQ" if kind == DocumentKind.LETTER else "CN"
    return f"{prefix}{timezone.now():%Y%m%d}-{secrets.token_hex(4).upper()}"


def _draft(*, tenure: LeadTenure, kind: str, supersedes=None, actor) -> ResponsibilityDocument:
    qualification_check(tenure)
    template = template_current(kind)
    text = document_text(template=template, tenure=tenure)
    signer = _signer_of(kind, tenure)
    # Refused here, before anyone is asked to sign, if the PDF could not show the text.
    check_printable(template.title, text, signer.name)
    document = ResponsibilityDocument(
        number=_new_number(kind),
        kind=kind,
        project=tenure.project,
        participation=tenure.participation,
        lead_tenure=tenure,
        signer=signer,
        signer_snapshot=signer.identity_snapshot(),
        template=template,
        text=text,
        text_sha256=text_sha256(text),
        supersedes=supersedes,
    )
    ledgered_save(document, action=LedgerEntry.Action.CREATE, actor=actor)
    return document


@transaction.atomic
def document_prepare(
    *,
    project: Project,
    role: str,
    kind: str,
    actor: AbstractBaseUser | None,
    organization_id: int | None = None,
) -> ResponsibilityDocument:
    """The letter or pledge awaiting signature for the role's lead in office (made if none)."""
    if kind not in DocumentKind.values:
        raise ValidationError({"kind": _("'%(kind)s' is not a kind of document.") % {"kind": kind}})
    participation = _participation_for(project, role, organization_id)
    tenure = (
        participation.lead_tenures.filter(end_date__isnull=True)
        .select_related("person", "participation__organization__legal_representative")
        .first()
    )
    if tenure is None:
        raise ValidationError(
            _("The %(role)s has no project lead in office; open a lead tenure first.")
            % {"role": Role(role).label}
        )
    existing = tenure.responsibility_documents.filter(kind=kind).exclude(
        status=ResponsibilityDocument.Status.SUPERSEDED
    )
    signed = next((d for d in existing if d.is_signed), None)
    if signed is not None:
        raise ValidationError(
            _(
                "%(number)s is already signed for this lead. A signed document cannot change;"
                " prepare a correction that supersedes it."
            )
            % {"number": signed.number}
        )
    draft = next(iter(existing), None)
    if draft is not None:
        return draft
    return _draft(tenure=tenure, kind=kind, actor=actor)


@transaction.atomic
def document_correct(
    *, document: ResponsibilityDocument, actor: AbstractBaseUser | None
) -> ResponsibilityDocument:
    """A new draft that, once signed, supersedes ``document``; both are kept."""
    document = ResponsibilityDocument.objects.select_for_update().get(pk=document.pk)
    if document.status != ResponsibilityDocument.Status.SIGNED:
        raise ValidationError(
            _("Only a signed document in force can be corrected; this one is %(status)s.")
            % {"status": document.get_status_display()}
        )
    pending = ResponsibilityDocument.objects.filter(supersedes=document).first()
    if pending is not None:
        return pending
    tenure = LeadTenure.objects.select_related(
        "person", "project", "participation__organization__legal_representative"
    ).get(pk=document.lead_tenure_id)
    return _draft(tenure=tenure, kind=document.kind, supersedes=document, actor=actor)


def immutable_error(document: ResponsibilityDocument) -> ValidationError:
    return ValidationError(
        _(
            "%(number)s was signed on %(date)s and cannot be changed or deleted. To correct"
            " it, prepare a correction: a new document that supersedes it, both kept."
        )
        % {"number": document.number, "date": f"{document.signed_at:%Y-%m-%d}"},
        code="signed",
    )


def document_update(*, document: ResponsibilityDocument, actor, **changes) -> None:
    """Documents are never edited: signed ones are evidence, drafts follow their template."""
    if document.is_signed:
        raise immutable_error(document)
    raise ValidationError(
        _(
            "A document's text comes from its template and the project's records; correct"
            " the records, discard this draft and prepare it again."
        )
    )


@transaction.atomic
def document_discard(*, document: ResponsibilityDocument, actor: AbstractBaseUser | None) -> None:
    """Delete a draft nobody signed. Signed documents are refused."""
    document = ResponsibilityDocument.objects.select_for_update().get(pk=document.pk)
    if document.is_signed:
        raise immutable_error(document)
    ledger_append(record=document, action=LedgerEntry.Action.DELETE, actor=actor)
    document.delete()


# --- Signing ---


@dataclass(frozen=True)
class SigningContext:
    """How the signer reached us: from the request, never from the client's say-so."""

    ip_address: str | None
    user_agent: str
    auth_method: str
    reauthenticated_at: datetime.datetime | None


def signing_context(request) -> SigningContext:
    """Evidence about the request itself: address, browser, how the user authenticated."""
    authenticator = getattr(request, "successful_authenticator", None)
    how = type(authenticator).__name__ if authenticator else "session"
    return SigningContext(
        ip_address=client_address(request),
        user_agent=request.META.get("HTTP_USER_AGENT", ""),
        auth_method=f"{how} + password re-entered",
        reauthenticated_at=reauth.reauthenticated_at(request),
    )


def retention_for(project: Project) -> datetime.datetime:
    """The end of the longest design service life among the project's unit works (from
    completion, else from start), or the archive default when no date is known yet."""
    ends = []
    for unit_work in project.unit_works.all():
        base = unit_work.completion_date or unit_work.start_date
        if base is None:
            continue
        end = add_years(base, unit_work.design_service_life_years)
        ends.append(datetime.datetime.combine(end, datetime.time(), tzinfo=datetime.UTC))
    future = [end for end in ends if end > timezone.now()]
    return max(future) if future else default_retention_until()


def _signing_checks(
    *, document: ResponsibilityDocument, user, consent: bool, context: SigningContext
) -> None:
    if document.signer.user_id is None or document.signer.user_id != user.pk:
        raise PermissionDenied(
            _("Only %(name)s can sign this document; it cannot be signed for them.")
            % {"name": document.signer.name}
        )
    if document.is_signed:
        raise ValidationError(
            _("%(number)s is already signed; a document is signed once.")
            % {"number": document.number},
            code="already_signed",
        )
    if document.signer_snapshot and document.signer_snapshot != document.signer.identity_snapshot():
        raise ValidationError(
            _(
                "%(name)s's recorded name, ID, employer or qualification changed after %(number)s"
                " was drawn up; discard it and prepare it again so that it names them as they"
                " are recorded now."
            )
            % {"name": document.signer.name, "number": document.number},
            code="signer_changed",
        )
    reauth.reauthentication_fresh_check(context.reauthenticated_at)
    if consent is not True:
        raise ValidationError(
            {"consent": _("Tick the consent box to confirm that you sign this document.")}
        )
    qualification_check(document.lead_tenure)


def document_sign(
    *,
    document: ResponsibilityDocument,
    user: AbstractBaseUser,
    consent: bool,
    context: SigningContext,
    signature_image=None,
) -> ResponsibilityDocument:
    """Sign ``document`` as ``user``, who must be the named signer, freshly re-authenticated,
    consenting. Draws and archive-signs the PDF, stores it until the end of the design
    service life, and records the evidence."""
    document = ResponsibilityDocument.objects.select_related(
        "signer", "lead_tenure__person", "project", "participation__organization"
    ).get(pk=document.pk)
    _signing_checks(document=document, user=user, consent=consent, context=context)
    retention = retention_for(document.project)
    signature_png = None
    if signature_image is not None:
        # Checked (and decoded) as the store would, before the PDF is drawn with it.
        checked = upload_precheck(
            fileobj=signature_image,
            name="signature.png",
            allowed_types=SIGNATURE_TYPES,
            max_bytes=settings.SIGNATURE_IMAGE_MAX_BYTES,
        )
        content_check(signature_image, content_type=checked.content_type)
        signature_png = signature_image.read()
        signature_image.seek(0)
    signed_at = timezone.now().replace(microsecond=0)
    evidence = SigningEvidence(
        document=document,
        user=user,
        person=document.signer,
        signed_at=signed_at,
        ip_address=context.ip_address,
        user_agent=context.user_agent[:500],
        auth_method=context.auth_method[:200],
        reauthenticated_at=context.reauthenticated_at,
        consent=True,
        document_sha256=document.text_sha256,
    )
    # The PDF is signed (and, for B-LTA, timestamped) before anything is stored: when the
    # time-stamping authority or the certificate status service does not answer,
    # SigningUnavailable leaves no object, row or ledger entry behind.
    pdf_bytes = signed_pdf(document=document, evidence=evidence, signature_png=signature_png)
    # The stored PDF's row and the signature's rows commit together: a process killed
    # between the PDF's put and the commit leaves an unsigned document and a held version
    # without a row (an orphan reconcile_storage reports), never a half-signed document.
    with transaction.atomic():
        if signature_image is not None:
            evidence.signature_image = object_store(
                fileobj=signature_image,
                user=user,
                archival=True,
                original_name="signature.png",
                retention_until=retention,
                allowed_types=SIGNATURE_TYPES,
                max_bytes=settings.SIGNATURE_IMAGE_MAX_BYTES,
            )
        stored = object_store(
            fileobj=io.BytesIO(pdf_bytes),
            user=user,
            archival=True,
            original_name=f"{document.number}.pdf",
            retention_until=retention,
            allowed_types=("application/pdf",),
        )
        document.signature_level = (
            ResponsibilityDocument.SignatureLevel.B_LTA
            if signing.long_term()
            else ResponsibilityDocument.SignatureLevel.B_B
        )
        document.timestamp_expires_at = signing.last_timestamp_expiry(pdf_bytes)
        return _sign_record(document=document, evidence=evidence, pdf=stored, user=user)


def signed_pdf(*, document, evidence: SigningEvidence, signature_png: bytes | None) -> bytes:
    summary = [
        ("文件编号 Number", document.number),
        ("签署人 Signer", document.signer_as_recorded["name"]),
        ("签署时间 Signed (UTC)", f"{evidence.signed_at:%Y-%m-%d %H:%M:%S} UTC"),
        ("IP", evidence.ip_address or "-"),
        ("终端 User agent", evidence.user_agent or "-"),
        ("认证方式 Authentication", evidence.auth_method),
        ("文本 SHA-256", evidence.document_sha256),
        ("模板 Template", f"{document.template.get_kind_display()} v{document.template.version}"),
    ]
    drawn = pdf.document_pdf(
        number=document.number,
        title=document.template.title,
        text=document.text,
        evidence=summary,
        signature_png=signature_png,
    )
    return signing.pdf_sign(drawn, reason=f"{document.number} {document.text_sha256}")


@transaction.atomic
def _sign_record(*, document, evidence, pdf, user) -> ResponsibilityDocument:
    locked = ResponsibilityDocument.objects.select_for_update().get(pk=document.pk)
    if locked.is_signed:  # a concurrent signature won
        raise ValidationError(
            _("%(number)s is already signed; a document is signed once.")
            % {"number": locked.number},
            code="already_signed",
        )
    if locked.supersedes_id is not None:
        old = ResponsibilityDocument.objects.select_for_update().get(pk=locked.supersedes_id)
        old.status = ResponsibilityDocument.Status.SUPERSEDED
        ledgered_save(old, action=LedgerEntry.Action.SUPERSEDE, actor=user)
    locked.status = ResponsibilityDocument.Status.SIGNED
    locked.signed_at = evidence.signed_at
    locked.pdf = pdf
    locked.signature_level = document.signature_level
    locked.timestamp_expires_at = document.timestamp_expires_at
    ledgered_save(locked, action=LedgerEntry.Action.SIGN, actor=user)
    evidence.document = locked
    ledgered_save(evidence, action=LedgerEntry.Action.CREATE, actor=user)
    return locked


# --- Long-term signatures: timestamp refresh ---


def documents_timestamp_due(*, before: datetime.datetime):
    """Signed (or superseded, still evidence) documents whose newest document timestamp's
    TSA certificate expires before ``before``, oldest expiry first."""
    return ResponsibilityDocument.objects.filter(
        status__in=(
            ResponsibilityDocument.Status.SIGNED,
            ResponsibilityDocument.Status.SUPERSEDED,
        ),
        pdf__isnull=False,
        timestamp_expires_at__lt=before,
    ).order_by("timestamp_expires_at", "pk")


def document_timestamp_refresh(
    *, document: ResponsibilityDocument, actor: AbstractBaseUser | None = None
) -> ResponsibilityDocument:
    """Add a fresh document timestamp to ``document``'s signed PDF (PAdES B-LTA's archive
    timestamp, with the TSA's certificate status added to the DSS), so its timestamp chain
    outlives the last timestamp's certificate. The refreshed PDF is a new stored object under
    the old one's retention; the document points at it (a ledgered change); the old PDF stays
    in the store as it was. Raises SigningUnavailable when the TSA cannot extend the chain."""
    old_pdf = document.pdf
    refreshed = signing.pdf_timestamp_add(object_read_bytes(obj=old_pdf))
    expires = signing.last_timestamp_expiry(refreshed)
    if document.timestamp_expires_at and expires <= document.timestamp_expires_at:
        raise signing.SigningUnavailable(
            _(
                "The time-stamping authority's certificate expires on %(date)s, no later than"
                " %(number)s's newest timestamp: a new timestamp would not extend the chain."
                " Renew the TSA's certificate, or configure another TSA."
            )
            % {"date": f"{expires:%Y-%m-%d}", "number": document.number},
            transient=False,
        )
    stored = object_store(
        fileobj=io.BytesIO(refreshed),
        user=actor,
        archival=True,
        original_name=old_pdf.original_name,
        retention_until=old_pdf.retention_until,
        allowed_types=("application/pdf",),
    )
    return _timestamp_record(
        document=document, old_pdf=old_pdf, pdf=stored, expires=expires, actor=actor
    )


@transaction.atomic
def _timestamp_record(*, document, old_pdf, pdf, expires, actor) -> ResponsibilityDocument:
    locked = ResponsibilityDocument.objects.select_for_update().get(pk=document.pk)
    if locked.pdf_id != old_pdf.pk:  # a concurrent refresh won; its timestamp stands
        return locked
    locked.pdf = pdf
    locked.timestamp_expires_at = expires
    ledgered_save(locked, action=LedgerEntry.Action.UPDATE, actor=actor)
    return locked


# --- Gate ---


def responsibility_gaps(project: Project) -> list[str]:
    """Each of the five roles needs a signed letter and pledge for its lead in office."""
    tenures = {
        t.role: t
        for t in project.lead_tenures.filter(end_date__isnull=True).select_related("person")
    }
    signed = set(
        ResponsibilityDocument.objects.filter(
            project=project, status=ResponsibilityDocument.Status.SIGNED
        ).values_list("lead_tenure_id", "kind")
    )
    gaps = []
    for role in MANDATORY_ROLES:
        tenure = tenures.get(role)
        if tenure is None:
            continue  # the projects layer already reports a role without a lead
        for kind in (DocumentKind.LETTER, DocumentKind.PLEDGE):
            if (tenure.pk, kind) not in signed:
                gaps.append(
                    _("The %(role)s has no signed %(kind)s for %(name)s.")
                    % {
                        "role": role.label,
                        "kind": DocumentKind(kind).label,
                        "name": tenure.person.name,
                    }
                )
    return gaps
