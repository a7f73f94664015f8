"""Who may see and change what. Every API view and page asks these helpers, and list
endpoints filter with the same rules, so a list never shows what a detail would refuse."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import BigIntegerField, Q, QuerySet
from django.db.models.functions import Cast
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from knox.models import AuthToken

from ledger.canonical import record_type
from ledger.models import LedgerEntry
from projects.models import (
    AuditEvent,
    LeadTenure,
    Location,
    Membership,
    Organization,
    Participation,
    Person,
    Project,
    ProjectDocument,
    RegulatorAccount,
    UnitWork,
)
from projects.validators import region_prefix


def not_found() -> Http404:
    return Http404(_("Not found, or you do not have access to it."))


class PublicNotFound(Http404):
    """A 404 on a page anyone may open (no login), where saying what is missing reveals
    nothing: our 404 page shows its message and advice instead of the generic text."""

    def __init__(self, message: str, *, advice: str = ""):
        super().__init__(message)
        self.advice = advice


def regulator_account_of(user) -> RegulatorAccount | None:
    try:
        return user.regulator_account
    except RegulatorAccount.DoesNotExist:
        return None


# --- Projects ---


def projects_visible_to(user) -> QuerySet[Project]:
    if not user.is_authenticated:
        return Project.objects.none()
    if user.is_staff:
        return Project.objects.all()
    member_of = Q(pk__in=Membership.objects.filter(user=user).values("project_id"))
    regulator = regulator_account_of(user)
    if regulator is not None:
        in_jurisdiction = Q(
            jurisdiction_code__startswith=region_prefix(regulator.jurisdiction_code)
        )
        return Project.objects.filter(member_of | in_jurisdiction)
    return Project.objects.filter(member_of)


def project_records_visible_to(user, queryset: QuerySet, *, project_field: str = "project"):
    """The rows of ``queryset`` that belong to projects ``user`` can see (for a model that
    reaches its project through ``project_field``)."""
    visible = projects_visible_to(user).values("pk")
    return queryset.filter(**{f"{project_field}__in": visible})


def unit_works_visible_to(user) -> QuerySet[UnitWork]:
    return project_records_visible_to(user, UnitWork.objects.all())


def locations_visible_to(user) -> QuerySet[Location]:
    return project_records_visible_to(
        user, Location.objects.all(), project_field="unit_work__project"
    )


def participations_visible_to(user) -> QuerySet[Participation]:
    return project_records_visible_to(user, Participation.objects.all())


def lead_tenures_visible_to(user) -> QuerySet[LeadTenure]:
    return project_records_visible_to(user, LeadTenure.objects.all())


def project_documents_visible_to(user) -> QuerySet[ProjectDocument]:
    return project_records_visible_to(user, ProjectDocument.objects.all())


def can_write_project(user, project: Project) -> bool:
    if user.is_staff:
        return True
    return Membership.objects.filter(
        user=user, project=project, role__in=Membership.WRITE_ROLES
    ).exists()


def project_for_user(user, project_id, *, write: bool = False) -> Project:
    """The project if ``user`` may see it (and change it, with ``write``).

    Outsiders get a 404 that does not reveal whether the project exists; people who can
    see but not change it get a 403 saying why.
    """
    project = projects_visible_to(user).filter(pk=project_id).first()
    if project is None:
        raise not_found()
    if not write:
        return project
    if can_write_project(user, project):
        return project
    if regulator_account_of(user) is not None:
        raise PermissionDenied(_("Regulators have read-only access to projects."))
    raise PermissionDenied(
        _("Only site supervisors and project leads can change this project's records.")
    )


def unit_work_for_user(user, project_id, unit_work_id, *, write: bool = False) -> UnitWork:
    """A unit work of a project ``user`` can see (and change, with ``write``): the project
    is asked first, so its 404 and 403 are the project's own."""
    project = project_for_user(user, project_id, write=write)
    unit_work = unit_works_visible_to(user).filter(project=project, pk=unit_work_id).first()
    if unit_work is None:
        raise not_found()
    unit_work.project = project
    return unit_work


def location_for_user(user, project_id, location_id) -> Location:
    """A location of one of the project's unit works, if ``user`` can see the project (its
    404 is the project's own); a location of another project is a 404 too."""
    project = project_for_user(user, project_id)
    location = (
        locations_visible_to(user)
        .filter(unit_work__project=project, pk=location_id)
        .select_related("unit_work", "parent")
        .first()
    )
    if location is None:
        raise not_found()
    location.unit_work.project = project
    return location


def lead_tenure_for_user(user, project_id, tenure_id, *, write: bool = False) -> LeadTenure:
    """A lead tenure of a project ``user`` can see (and replace, with ``write``)."""
    project = project_for_user(user, project_id, write=write)
    tenure = (
        lead_tenures_visible_to(user)
        .filter(project=project, pk=tenure_id)
        .select_related("person", "participation__organization")
        .first()
    )
    if tenure is None:
        raise not_found()
    return tenure


def project_document_for_user(user, project_id, document_id) -> ProjectDocument:
    """A document uploaded to a project ``user`` can see (uploaded documents are not
    changed: a new version is a new upload)."""
    project = project_for_user(user, project_id)
    document = (
        project_documents_visible_to(user)
        .filter(project=project, pk=document_id)
        .select_related("stored_object", "uploaded_by")
        .first()
    )
    if document is None:
        raise not_found()
    return document


def project_jurisdiction_change_check(user) -> None:
    """Moving a project to another jurisdiction moves it between regulators."""
    if not user.is_staff:
        raise PermissionDenied(_("Only archive operators can change a project's jurisdiction."))


def can_create_project(user) -> bool:
    return user.is_authenticated and user.is_staff


def project_create_check(user) -> None:
    if not can_create_project(user):
        raise PermissionDenied(_("Projects are registered by archive operators."))


def can_manage_memberships(user) -> bool:
    return user.is_authenticated and user.is_staff


def membership_create_check(user, project: Project) -> None:
    if not can_manage_memberships(user):
        raise PermissionDenied(_("Project access is granted by archive operators."))


# --- Organizations ---


def organizations_visible_to(user) -> QuerySet[Organization]:
    if not user.is_authenticated:
        return Organization.objects.none()
    return Organization.objects.all()


def can_create_organization(user) -> bool:
    if not user.is_authenticated:
        return False
    if user.is_staff:
        return True
    return Membership.objects.filter(user=user, role__in=Membership.WRITE_ROLES).exists()


def organization_create_check(user) -> None:
    if not can_create_organization(user):
        raise PermissionDenied(
            _("Organizations are added by operators and by those who keep a project's records.")
        )


def organization_for_user(user, organization_id, *, write: bool = False) -> Organization:
    organization = organizations_visible_to(user).filter(pk=organization_id).first()
    if organization is None:
        raise not_found()
    if write and not user.is_staff:
        raise PermissionDenied(_("Only archive operators can change an organization."))
    return organization


# --- People ---


def people_visible_to(user) -> QuerySet[Person]:
    if not user.is_authenticated:
        return Person.objects.none()
    if user.is_staff:
        return Person.objects.all()
    # Regulators too: the people of the projects in their jurisdiction, not everyone's.
    projects = projects_visible_to(user).values("pk")
    leads_there = Q(pk__in=LeadTenure.objects.filter(project__in=projects).values("person_id"))
    members_there = Q(user__in=Membership.objects.filter(project__in=projects).values("user_id"))
    # Whom a lead or an inspector may be picked from: the staff of the parties to the project,
    # and the people the user registered themselves (the ledger's create entry names them).
    parties = Participation.objects.filter(project__in=projects).values("organization_id")
    staff_of_parties = Q(organization__in=parties)
    registered = (
        LedgerEntry.objects.filter(
            record_type=record_type(Person), action=LedgerEntry.Action.CREATE, actor_id=user.pk
        )
        .annotate(person_id=Cast("record_id", BigIntegerField()))
        .values("person_id")
    )
    registered_by_them = Q(pk__in=registered)
    themselves = Q(user=user)
    return Person.objects.filter(
        leads_there | members_there | staff_of_parties | registered_by_them | themselves
    )


def person_create_check(user) -> None:
    if not can_create_organization(user):
        raise PermissionDenied(
            _("People are added by operators and by those who keep a project's records.")
        )


def person_for_user(user, person_id, *, write: bool = False) -> Person:
    person = people_visible_to(user).filter(pk=person_id).first()
    if person is None:
        raise not_found()
    if not write:
        return person
    if user.is_staff:
        return person
    if person.user_id == user.pk:
        return person
    raise PermissionDenied(_("Only archive operators and the person themselves can change this."))


# Who a person is. The law's checks rest on these (a contractor's project manager must be a
# registered constructor, a party's staff are its employees) and every tenure, sign-off and
# document names the person by them, so neither the person nor their employer may set them.
PERSON_IDENTITY_FIELDS = (
    "name",
    "id_number",
    "organization",
    "practice_qualification",
    "practice_cert_no",
)


def person_identity_change_check(user, fields) -> None:
    """Only operators change who a person is (checking the ID card or certificate shown);
    the person themselves may change their contact data (phone)."""
    identity = [field for field in PERSON_IDENTITY_FIELDS if field in fields]
    if identity and not user.is_staff:
        raise PermissionDenied(
            _(
                "Only archive operators can change %(fields)s: ask an operator, with the ID"
                " card or certificate that shows the new value. You can change your phone"
                " number yourself."
            )
            % {"fields": ", ".join(identity)}
        )


# --- Personal data and the audit log ---


def projects_in_jurisdiction_of(regulator: RegulatorAccount) -> QuerySet[Project]:
    return Project.objects.filter(
        jurisdiction_code__startswith=region_prefix(regulator.jurisdiction_code)
    )


def people_revealable_by(user) -> QuerySet[Person]:
    """The people whose full numbers ``user`` may reveal: for a regulator, the leads and
    members of the projects in their jurisdiction; for anyone else, nobody. A page asks this
    (one query for all the people it shows) to offer the reveal where it will be allowed."""
    regulator = regulator_account_of(user) if user.is_authenticated else None
    if regulator is None:
        return Person.objects.none()
    jurisdiction = projects_in_jurisdiction_of(regulator).values("pk")
    leads_there = Q(lead_tenures__project__in=jurisdiction)
    members_there = Q(
        user__in=Membership.objects.filter(project__in=jurisdiction).values("user_id")
    )
    return Person.objects.filter(leads_there | members_there).distinct()


def reveal_project_for(user, person: Person, project_id) -> Project | None:
    """The project a reveal is made for (the archive page it was opened from), so the audit
    log files it under that project and the jurisdiction's other regulators see it: a project
    in the user's jurisdiction that ``person`` leads or works on. None when no project is
    named; 404 when one is named that does not qualify."""
    if project_id in (None, ""):
        return None
    regulator = regulator_account_of(user)
    try:
        project_pk = int(project_id)
    except (TypeError, ValueError):
        raise not_found() from None
    if regulator is None:
        raise not_found()
    linked = Q(lead_tenures__person=person)
    if person.user_id is not None:
        linked |= Q(memberships__user_id=person.user_id)
    project = (
        projects_in_jurisdiction_of(regulator).filter(linked, pk=project_pk).distinct().first()
    )
    if project is None:
        raise not_found()
    return project


def person_reveal_check(user, person_id) -> Person:
    """Only a regulator reveals, and only people of projects in their jurisdiction: for
    anyone else the person is either not there (404) or not theirs to reveal (403).

    The jurisdiction alone decides, not what the regulator can see: a regulator who is also
    a member of a project elsewhere sees its people but may not reveal their numbers.
    """
    person = person_for_user(user, person_id)
    regulator = regulator_account_of(user)
    if regulator is None:
        raise PermissionDenied(
            _("Only a regulator can reveal a full ID or phone number, and only with a reason.")
        )
    if not people_revealable_by(user).filter(pk=person.pk).exists():
        raise PermissionDenied(
            _(
                "You can reveal the numbers of people of projects in your jurisdiction only;"
                " this person works on none of them."
            )
        )
    return person


def ledger_entries_visible_to(user) -> QuerySet[LedgerEntry]:
    """Operators see the whole ledger. Members and regulators see the entries of the records
    of the projects they see, and the entries of their own acts; the entries of audit events
    (reveals, exports, trace views) only where /audit-events/ shows the event, i.e. to
    regulators. Entries of records that belong to no project (people, accounts, stored files,
    organizations, batches) are for operators: each names the user who wrote it.

    What a third party needs to verify the ledger (checkpoints, inclusion and consistency
    proofs) is open to all and names no actor.
    """
    if not user.is_authenticated:
        return LedgerEntry.objects.none()
    if user.is_staff:
        return LedgerEntry.objects.all()
    projects = projects_visible_to(user).values("pk")
    is_audit_event = Q(record_type=record_type(AuditEvent))
    of_their_projects = Q(project_id__in=projects)
    their_own = Q(actor_id=user.pk)
    visible = (of_their_projects | their_own) & ~is_audit_event
    if regulator_account_of(user) is not None:
        visible |= is_audit_event & (of_their_projects | their_own)
    return LedgerEntry.objects.filter(visible)


def audit_events_visible_to(user) -> QuerySet[AuditEvent]:
    if user.is_staff:
        return AuditEvent.objects.all()
    if regulator_account_of(user) is None:
        raise PermissionDenied(_("The audit log is for regulators and archive operators."))
    projects = projects_visible_to(user).values("pk")
    return AuditEvent.objects.filter(Q(project__in=projects) | Q(actor=user))


def api_token_for_user(user, key: str) -> AuthToken:
    """One of the user's own API tokens that still works, named by its first characters.
    Anyone else's, or an expired one, is not found."""
    token = (
        AuthToken.objects.filter(user=user, token_key=key, expiry__gt=timezone.now())
        .order_by("-created")
        .first()
    )
    if token is None:
        raise Http404(_("You have no working token starting with these characters."))
    return token
