"""Reads that span relations, with their joins built in (list endpoints pin query counts)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db import connection
from django.db.models import (
    BooleanField,
    Count,
    DecimalField,
    Exists,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce

from materials import access
from materials.models import (
    WITNESS_SHARE_REQUIRED,
    Batch,
    BatchFile,
    DefectNotice,
    Delivery,
    DeliveryPhoto,
    MaterialCategory,
    RecallAction,
    RecallEvidence,
    Sample,
    TestReport,
    Usage,
)
from projects.access import (
    organizations_visible_to,
    people_visible_to,
    project_records_visible_to,
    projects_visible_to,
    unit_works_visible_to,
)
from projects.models import (
    LeadTenure,
    Location,
    Membership,
    Organization,
    Participation,
    Person,
    Project,
    Role,
    UnitWork,
)
from projects.selectors import locations_in_tree_order

_ZERO = Value(Decimal("0"), output_field=DecimalField(max_digits=14, decimal_places=3))


def batch_file_list(*, batch: Batch) -> QuerySet[BatchFile]:
    """Every version of ``batch``'s files, oldest first within each kind."""
    return BatchFile.objects.filter(batch=batch).select_related("stored_object", "recorded_by")


def batch_list(*, user) -> QuerySet[Batch]:
    versions = BatchFile.objects.select_related("stored_object", "recorded_by").order_by(
        "kind", "version"
    )
    # Which project a batch was recorded for is shown only to those who may see the project.
    sees_project = Exists(projects_visible_to(user).filter(pk=OuterRef("recorded_for_id")))
    return (
        access.batches_visible_to(user)
        .select_related("category", "manufacturer")
        .prefetch_related(Prefetch("files", queryset=versions))
        .annotate(recorded_for_visible=sees_project)
    )


def _used_quantity():
    used = (
        Usage.objects.filter(delivery=OuterRef("pk"))
        .values("delivery")
        .annotate(total=Sum("quantity"))
        .values("total")
    )
    return Coalesce(Subquery(used), _ZERO)


def _has_failed_test():
    return Exists(
        TestReport.objects.filter(sample__delivery=OuterRef("pk"), result=TestReport.Result.FAIL)
    )


def _with_details(deliveries: QuerySet[Delivery]) -> QuerySet[Delivery]:
    return deliveries.select_related(
        "project",
        "batch__category",
        "batch__manufacturer",
        "supplier",
        "inspected_by",
        "decided_by",
    ).annotate(used_quantity=_used_quantity(), has_failed_test=_has_failed_test())


def delivery_list(*, user, project: Project) -> QuerySet[Delivery]:
    return _with_details(
        access.deliveries_visible_to(user).filter(project=project).order_by("-delivered_on", "-pk")
    )


def delivery_detail(*, user, delivery: Delivery) -> Delivery:
    """``delivery`` read again with what its representation shows (after a write, or after
    ``access.delivery_for_user`` found it)."""
    return delivery_list(user=user, project=delivery.project).get(pk=delivery.pk)


def delivery_blocked_list(*, user) -> QuerySet[Delivery]:
    """Deliveries with a failed test, across every project ``user`` may see: the list a
    supervisor and a regulator work from."""
    return _with_details(
        access.deliveries_visible_to(user)
        .filter(_has_failed_test())
        .order_by("-delivered_on", "-pk")
    )


def delivery_used_quantity(*, delivery: Delivery) -> Decimal:
    total = delivery.usages.aggregate(total=Sum("quantity"))["total"]
    return total or Decimal("0")


def sample_list(*, user, delivery: Delivery) -> QuerySet[Sample]:
    return (
        access.samples_visible_to(user)
        .filter(delivery=delivery)
        .select_related("sampler", "witness", "testing_lab", "report")
        .order_by("pk")
    )


def usage_list(*, user, project: Project) -> QuerySet[Usage]:
    return (
        access.usages_visible_to(user)
        .filter(delivery__project=project)
        .select_related("delivery__batch", "location", "installer")
        .order_by("-used_on", "-pk")
    )


def witness_share_list(*, project: Project) -> list[dict]:
    """Per structural category on the project: samples taken, witnessed, and whether the
    witnessed share is below the required 30 %."""
    rows = (
        Sample.objects.filter(delivery__project=project, delivery__batch__category__structural=True)
        .values("delivery__batch__category__code", "delivery__batch__category__name")
        .annotate(samples=Count("pk"), witnessed=Count("pk", filter=Q(witness__isnull=False)))
        .order_by("delivery__batch__category__code")
    )
    result = []
    for row in rows:
        share = Decimal(row["witnessed"]) / Decimal(row["samples"])
        result.append(
            {
                "category": row["delivery__batch__category__code"],
                "category_name": row["delivery__batch__category__name"],
                "samples": row["samples"],
                "witnessed": row["witnessed"],
                "witnessed_share": share.quantize(Decimal("0.001")),
                "below_required_share": share < WITNESS_SHARE_REQUIRED,
            }
        )
    return result


# --- Recall ---


def notice_batch_ids(*, notice: DefectNotice) -> list[int]:
    """The batches a notice names, as ids. Two index lookups (the range on the unique
    manufacturer-product-number index, the named batches) rather than one OR, which would
    make PostgreSQL scan every batch and every delivery. Kept on ``notice`` for the other
    reads of the same request (a batch recorded later may fall in the range: read again
    from a fresh notice)."""
    return sorted(notice_batch_numbers(notice=notice))


def notice_batch_numbers(*, notice: DefectNotice) -> dict[int, str]:
    """The batches a notice names, as their numbers by id (read with the ids, see
    ``notice_batch_ids``): the hits take the number from here rather than join the batches,
    a join for which PostgreSQL hashed every batch of the archive."""
    if hasattr(notice, "_batch_numbers"):
        return notice._batch_numbers
    numbers = dict(notice.batches.values_list("pk", "batch_number"))
    if notice.has_range:
        numbers.update(
            Batch.objects.filter(
                manufacturer=notice.manufacturer_id,
                product=notice.product,
                batch_number__gte=notice.batch_number_from,
                batch_number__lte=notice.batch_number_to,
            ).values_list("pk", "batch_number")
        )
    notice._batch_numbers = numbers
    return numbers


def notice_list(*, user) -> QuerySet[DefectNotice]:
    """The notices ``user`` may see, with the counts of the actions they may see: a
    regulator's are their jurisdiction's, as the action list shows them."""
    seen = Q(actions__project__in=projects_visible_to(user).values("pk"))
    open_actions = Count("actions", filter=seen & Q(actions__closed_at__isnull=True), distinct=True)
    return (
        access.notices_visible_to(user)
        .select_related("manufacturer", "issued_by")
        .annotate(
            open_actions=open_actions, actions_total=Count("actions", filter=seen, distinct=True)
        )
        .order_by("-issued_on", "-pk")
    )


def notice_batches_by_number(
    *, user, manufacturer: Organization, product: str, numbers: list[str]
) -> dict[str, Batch]:
    """The batches of ``manufacturer``'s ``product`` with these numbers, by number: how a
    bulletin names single batches."""
    return {
        batch.batch_number: batch
        for batch in access.batches_visible_to(user).filter(
            manufacturer=manufacturer, product=product, batch_number__in=numbers
        )
    }


def notice_hit_districts(*, notice: DefectNotice, user) -> list[str]:
    """The region codes of the projects a notice hits (the recall page's district filter)."""
    return list(
        notice_affected_projects(notice=notice, user=user)
        .order_by("jurisdiction_code")
        .values_list("jurisdiction_code", flat=True)
        .distinct()
    )


def notice_projects_to_act_on(*, notice: DefectNotice, user) -> QuerySet[Project]:
    """The affected projects whose records ``user`` keeps: where they may open an action."""
    projects = notice_affected_projects(notice=notice, user=user).order_by("name", "pk")
    if user.is_staff:
        return projects
    return projects.filter(
        memberships__user=user, memberships__role__in=Membership.WRITE_ROLES
    ).distinct()


def notice_deliveries(*, notice: DefectNotice, user) -> QuerySet[Delivery]:
    return Delivery.objects.filter(
        batch__in=notice_batch_ids(notice=notice),
        project__in=projects_visible_to(user),
    )


_HIT_DELIVERY_COLUMNS = (
    "pk",
    "project_id",
    "project__name",
    "project__jurisdiction_code",
    "batch_id",
    "state",
    "quantity",
    "unit",
    "delivered_on",
    "decided_by__person__name",
    "decided_by__username",
    "inspected_by__name",
)
# A usage's columns after its delivery's (the delivery id first, to group them by).
_HIT_USAGE_COLUMNS = (
    "delivery_id",
    "pk",
    "location__name",
    "quantity",
    "used_on",
    "installer__name",
    "location_id",
)
_HIT_COLUMNS = (
    *_HIT_DELIVERY_COLUMNS,
    *(f"usages__{column}" for column in _HIT_USAGE_COLUMNS[1:]),
)


def _notice_hit_deliveries(
    *,
    notice: DefectNotice,
    user,
    project_id: int | None = None,
    project_name: str = "",
    district: str = "",
    state: str = "",
) -> QuerySet[Delivery]:
    deliveries = notice_deliveries(notice=notice, user=user)
    if project_id is not None:
        deliveries = deliveries.filter(project_id=project_id)
    if project_name:
        deliveries = deliveries.filter(project__name__icontains=project_name)
    if district:
        deliveries = deliveries.filter(project__jurisdiction_code=district)
    if state:
        deliveries = deliveries.filter(state=state)
    return deliveries


def notice_hit_rows(*, notice: DefectNotice, user, **filters) -> QuerySet:
    """The hits of ``notice`` as one lazy query (tuples, for ``notice_hit_dicts``): a row per
    usage of an affected delivery and a row per delivery nothing was used from yet (the
    outer join to usages), in project, delivery and usage order, narrowed to one project
    (``project_id``, or the projects whose name contains ``project_name``), one district
    (``district``, the project's region code) or one delivery state (``state``). Lazy, so a
    page counts and slices it in the database instead of reading every hit; every hit at
    once is ``notice_hit_list``."""
    return (
        _notice_hit_deliveries(notice=notice, user=user, **filters)
        .order_by("project_id", "delivered_on", "pk", "usages__used_on", "usages__pk")
        .values_list(*_HIT_COLUMNS)
    )


def notice_hit_list(*, notice: DefectNotice, user, **filters) -> list[tuple]:
    """The rows of ``notice_hit_rows`` (same filters, same tuples, same order) read whole,
    in two queries: the deliveries, then their usages. As one join PostgreSQL chose a
    parallel scan of every delivery to feed the loop over the usages, which a loaded
    machine made 2-3x slower than two index lookups."""
    deliveries = list(
        _notice_hit_deliveries(notice=notice, user=user, **filters)
        .order_by("project_id", "delivered_on", "pk")
        .values_list(*_HIT_DELIVERY_COLUMNS)
    )
    usages: dict[int, list[tuple]] = {}
    for delivery_id, *usage in (
        Usage.objects.filter(_among(Usage, "delivery", [delivery[0] for delivery in deliveries]))
        .order_by("used_on", "pk")
        .values_list(*_HIT_USAGE_COLUMNS)
    ):
        usages.setdefault(delivery_id, []).append(tuple(usage))
    unused = [(None,) * (len(_HIT_USAGE_COLUMNS) - 1)]
    return [
        delivery + usage for delivery in deliveries for usage in usages.get(delivery[0], unused)
    ]


def _among(model, field: str, ids: list[int]):
    """A filter on ``model``'s ``field`` (a key) being one of ``ids``: one array parameter
    on PostgreSQL, not an IN list. A recall names a thousand deliveries and projects, and
    Django building and psycopg quoting an IN list of them cost more than the lookup."""
    if connection.vendor != "postgresql":  # SQLite (make run)
        return Q(**{f"{field}__in": ids})
    quote = connection.ops.quote_name
    column = f"{quote(model._meta.db_table)}.{quote(model._meta.get_field(field).column)}"
    # The names come from the model, the ids go as a parameter.
    return RawSQL(f"{column} = ANY(%s::bigint[])", (ids,), output_field=BooleanField())  # noqa: S611


def current_leads(project_ids) -> dict[int, list[dict]]:
    """The leads in office of each project, by project id (one query)."""
    leads: dict[int, list[dict]] = {}
    for project_id, role, name, organization in (
        LeadTenure.objects.filter(
            _among(LeadTenure, "project", sorted(set(project_ids))), end_date__isnull=True
        )
        .order_by("project_id", "role")
        .values_list("project_id", "role", "person__name", "participation__organization__name")
    ):
        leads.setdefault(project_id, []).append(
            {"role": role, "name": name, "organization": organization}
        )
    return leads


def notice_hit_dicts(rows, *, notice: DefectNotice) -> list[dict]:
    """Rows of ``notice_hit_rows`` of ``notice`` (all, or a page of them) as the dicts the
    API, the CSV, the PDF and the pages show, each with its project's leads in office (one
    query) and its batch number (read with the notice's batch ids)."""
    rows = list(rows)
    batch_numbers = notice_batch_numbers(notice=notice)
    leads = current_leads(row[1] for row in rows)
    accepted = Delivery.State.ACCEPTED
    return [
        {
            "project_id": project_id,
            "project": project_name,
            "jurisdiction_code": jurisdiction,
            "delivery_id": delivery_id,
            "batch_number": batch_numbers[batch_id],
            "delivery_state": state,
            "delivered_quantity": quantity,
            "unit": unit,
            "delivered_on": delivered_on,
            "accepted_by": (decider_name or decider_username or "") if state == accepted else "",
            "inspected_by": inspector,
            "leads": leads.get(project_id, []),
            "usage_id": usage_id,
            "location": location or "",
            "used_quantity": used_quantity,
            "used_on": used_on,
            "installer": installer or "",
            "location_id": location_id,
        }
        for (
            delivery_id,
            project_id,
            project_name,
            jurisdiction,
            batch_id,
            state,
            quantity,
            unit,
            delivered_on,
            decider_name,
            decider_username,
            inspector,
            usage_id,
            location,
            used_quantity,
            used_on,
            installer,
            location_id,
        ) in rows
    ]


def notice_hits(*, notice: DefectNotice, user) -> list[dict]:
    """Every affected delivery and usage in every project ``user`` may see: one row per
    usage, and one per delivery nothing was used from yet. Each row carries the location,
    quantity and date, the supervisor who accepted the delivery, the contractor who
    installed it and the project's leads in office. Five queries whatever the size, read
    as plain values (no model instances: a recall touches thousands of rows)."""
    return notice_hit_dicts(notice_hit_list(notice=notice, user=user), notice=notice)


def notice_affected_projects(*, notice: DefectNotice, user) -> QuerySet[Project]:
    return projects_visible_to(user).filter(
        pk__in=notice_deliveries(notice=notice, user=user).values("project_id")
    )


def notice_affected_districts(*, notice: DefectNotice, user) -> list[str]:
    """The region codes of the projects ``notice`` affects, in one query: a notice over a
    common product touches a thousand projects in a handful of districts."""
    return list(
        notice_affected_projects(notice=notice, user=user)
        .order_by("jurisdiction_code")
        .values_list("jurisdiction_code", flat=True)
        .distinct()
    )


def delivery_photo_list(*, user, delivery: Delivery) -> QuerySet[DeliveryPhoto]:
    return (
        access.delivery_photos_visible_to(user)
        .filter(delivery=delivery)
        .select_related("stored_object", "delivery")
        .order_by("uploaded_at", "pk")
    )


def recall_action_list(*, notice: DefectNotice, user) -> QuerySet[RecallAction]:
    return (
        access.recall_actions_visible_to(user)
        .filter(notice=notice)
        .select_related("project", "opened_by", "closed_by")
        .prefetch_related(
            Prefetch("evidence", RecallEvidence.objects.select_related("stored_object"))
        )
        .order_by("project_id", "pk")
    )


# --- What the pages offer to choose from: only what the user may pick ---

_CONTRACTOR_ROLES = (Role.CONTRACTOR, Role.GENERAL_CONTRACTOR)


def delivery_filter(
    deliveries: QuerySet[Delivery],
    *,
    state: str = "",
    category: MaterialCategory | None = None,
    delivered_from: date | None = None,
    delivered_to: date | None = None,
) -> QuerySet[Delivery]:
    """``deliveries`` (from ``delivery_list``) narrowed as the list page's filters ask;
    ``state`` "blocked" means a sample failed its test, whatever the delivery's state."""
    if state == "blocked":
        deliveries = deliveries.filter(has_failed_test=True)
    elif state:
        deliveries = deliveries.filter(state=state)
    if category is not None:
        deliveries = deliveries.filter(batch__category=category)
    if delivered_from is not None:
        deliveries = deliveries.filter(delivered_on__gte=delivered_from)
    if delivered_to is not None:
        deliveries = deliveries.filter(delivered_on__lte=delivered_to)
    return deliveries


# A phone's select stays short: the archive holds tens of thousands of batches and makers.
NEWEST_SHARED_BATCHES = 50


def _project_batches(project: Project) -> QuerySet[Batch]:
    """The batches recorded for ``project`` or already delivered to it."""
    return Batch.objects.filter(
        Q(recorded_for=project)
        | Q(pk__in=Delivery.objects.filter(project=project).values("batch_id"))
    )


def batch_choices(*, user, project: Project) -> QuerySet[Batch]:
    """The batches a new delivery of ``project`` may be of: those recorded for it, those
    already delivered to it, and the newest an archive operator recorded for everyone. Any
    other batch of the same maker is recorded again as a new batch (the service refuses a
    duplicate batch number, naming it)."""
    shared = Batch.objects.filter(recorded_for__isnull=True).order_by("-pk")
    return (
        access.batches_visible_to(user)
        .filter(
            Q(pk__in=_project_batches(project).values("pk"))
            | Q(pk__in=shared.values("pk")[:NEWEST_SHARED_BATCHES])
        )
        .select_related("category", "manufacturer")
        .order_by("-pk")
    )


def manufacturer_choices(*, user, project: Project) -> QuerySet[Organization]:
    """The makers the select offers for a new batch of ``project``: the makers of the batches
    it offers (``batch_choices``), and makers registered but not used yet (no batch, no part
    in any project). Any other maker is named by its credit code
    (``manufacturer_by_credit_code``)."""
    supplying = Q(pk__in=batch_choices(user=user, project=project).values("manufacturer_id"))
    unused = ~Q(pk__in=Batch.objects.values("manufacturer_id")) & ~Q(
        pk__in=Participation.objects.values("organization_id")
    )
    return organizations_visible_to(user).filter(supplying | unused).order_by("name")


def manufacturer_by_credit_code(*, user, credit_code: str) -> Organization | None:
    """A maker the select does not offer, found by the code printed on its certificate."""
    return organizations_visible_to(user).filter(credit_code=credit_code.strip().upper()).first()


def contractor_staff(*, user, project: Project) -> QuerySet[Person]:
    """The people of ``project``'s contractor, who inspect deliveries and take samples."""
    contractors = Participation.objects.filter(project=project, role__in=_CONTRACTOR_ROLES).values(
        "organization_id"
    )
    return people_visible_to(user).filter(organization__in=contractors).order_by("name")


def witness_candidates(*, user, project: Project) -> QuerySet[Person]:
    """People with an account on ``project``: the witness is one of them (the service's
    ``witness_is_authorized`` decides which)."""
    members = Membership.objects.filter(project=project).values("user_id")
    return people_visible_to(user).filter(user__in=members).order_by("name")


def lab_choices(*, project: Project) -> QuerySet[Organization]:
    """The testing laboratories taking part in ``project``."""
    labs = Participation.objects.filter(project=project, role=Role.TESTING_LAB)
    return Organization.objects.filter(pk__in=labs.values("organization_id")).order_by("name")


def usable_deliveries(*, user, project: Project) -> QuerySet[Delivery]:
    """``project``'s accepted deliveries with material left to use (``used_quantity``
    annotated)."""
    return delivery_list(user=user, project=project).filter(
        state=Delivery.State.ACCEPTED, quantity__gt=F("used_quantity")
    )


def location_choices(*, user, project: Project) -> list[tuple[UnitWork, list[tuple]]]:
    """Each unit work of ``project`` with its locations in tree order, as (location id,
    name, depth), from one query per unit work."""
    return [
        (
            unit_work,
            [
                (location.pk, location.name, depth)
                for location, depth in locations_in_tree_order(unit_work=unit_work)
            ],
        )
        for unit_work in unit_works_visible_to(user).filter(project=project).order_by("pk")
    ]


_AcceptanceRecord = Usage._meta.get_field("acceptance_record").related_model


def acceptance_record_choices(*, user, project: Project) -> QuerySet:
    """The acceptance records of ``project`` a usage may name: any but the completion
    acceptance (the service checks the rest: unit work, dates)."""
    records = project_records_visible_to(user, _AcceptanceRecord.objects.filter(project=project))
    return records.exclude(level="completion").order_by("-date", "-pk")


def location_usage_list(*, user, location: Location) -> QuerySet[Usage]:
    """What was used at ``location``, newest first, with its delivery's batch."""
    return (
        access.usages_visible_to(user)
        .filter(location=location)
        .select_related("delivery__batch__category", "installer", "acceptance_record")
        .order_by("-used_on", "-pk")
    )


# --- A project's archive, as a regulator reads it ---

# A delivery's usages shown in the archive; its own page lists them all.
ARCHIVE_USAGES_PER_DELIVERY = 20


def delivery_archive(*, user, deliveries: QuerySet[Delivery]) -> QuerySet[Delivery]:
    """``deliveries`` (from ``delivery_list``, filtered) with what the archive shows of each,
    so a batch can be followed from delivery to where it went: who accepted it, its samples
    with their reports, its first ``ARCHIVE_USAGES_PER_DELIVERY`` usages with their
    locations (``archive_usages``) and how many there are (``usage_count``). Two queries
    for the prefetches, whatever the page's size."""
    samples = (
        access.samples_visible_to(user)
        .select_related("sampler", "witness", "testing_lab", "report")
        .order_by("pk")
    )
    usages = (
        access.usages_visible_to(user)
        .select_related("location", "installer", "acceptance_record")
        .order_by("used_on", "pk")
    )
    count = (
        Usage.objects.filter(delivery=OuterRef("pk"))
        .values("delivery")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        deliveries.select_related("decided_by__person")
        .annotate(usage_count=Coalesce(Subquery(count), 0))
        .prefetch_related(
            Prefetch("samples", queryset=samples, to_attr="archive_samples"),
            Prefetch(
                "usages",
                queryset=usages[:ARCHIVE_USAGES_PER_DELIVERY],
                to_attr="archive_usages",
            ),
        )
    )
