from typing import NoReturn

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import APIException, NotFound, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from ledger import selectors
from ledger.models import ENTRY_ORDER, LedgerEntry
from ledger.serializers import (
    ConsistencyProofSerializer,
    ConsistencyQuerySerializer,
    InclusionProofSerializer,
    LedgerCheckpointSerializer,
    LedgerEntrySerializer,
    ProofQuerySerializer,
)


def _refuse(field: str, message: str) -> NoReturn:
    raise ValidationError({field: [message]})


class LedgerDamagedError(APIException):
    status_code = status.HTTP_500_INTERNAL_SERVER_ERROR
    default_code = "ledger_damaged"

    def __init__(self):
        super().__init__(
            _(
                "The ledger is damaged, so no proof can be given. An operator should run"
                " `manage.py verify_archive`."
            )
        )


class CheckpointLatestView(APIView):
    @extend_schema(
        responses=LedgerCheckpointSerializer, summary=gettext_lazy("The latest signed checkpoint")
    )
    def get(self, request):
        checkpoint = selectors.checkpoint_latest()
        if checkpoint is None:
            raise NotFound(_("No checkpoint has been signed yet."))
        return Response(LedgerCheckpointSerializer(checkpoint).data)


class EntryListView(generics.ListAPIView):
    """The entries the caller may see (``selectors.entries_visible_to``): an entry names who
    wrote what when, so it follows the record's project."""

    serializer_class = LedgerEntrySerializer
    queryset = LedgerEntry.objects.none()  # for the schema and the filters' field types
    filterset_fields = ["record_type", "record_id"]

    def get_queryset(self):
        return selectors.entries_visible_to(self.request.user).order_by(*ENTRY_ORDER)


class EntryProofView(APIView):
    @extend_schema(
        parameters=[ProofQuerySerializer],
        responses=InclusionProofSerializer,
        summary=gettext_lazy("Inclusion proof of an entry in a signed checkpoint"),
    )
    def get(self, request, index: int):
        query = ProofQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        tree_size = query.validated_data.get("tree_size")
        if tree_size is None:
            checkpoint = selectors.checkpoint_latest()
            if checkpoint is None:
                _refuse(
                    "tree_size", _("No checkpoint has been signed yet, so nothing can be proved.")
                )
        else:
            checkpoint = selectors.checkpoint_of_size(tree_size)
            if checkpoint is None:
                _refuse(
                    "tree_size",
                    _(
                        "No checkpoint covers exactly %(size)s entries. Leave tree_size out to"
                        " use the latest checkpoint."
                    )
                    % {"size": tree_size},
                )
        if index >= checkpoint.tree_size:
            _refuse(
                "index",
                _(
                    "Entry #%(index)s is not in the checkpoint of %(size)s entries (#0 to"
                    " #%(last)s). Ask again after a later checkpoint is signed."
                )
                % {"index": index, "size": checkpoint.tree_size, "last": checkpoint.tree_size - 1},
            )
        entry = get_object_or_404(LedgerEntry, index=index)
        # The proof is public; the entry itself (who wrote what when) only for those who may
        # list it. A verifier holding the entry hashes it and checks it against leaf_hash.
        shown = selectors.entries_visible_to(request.user).filter(index=index).exists()
        try:
            path = selectors.inclusion_proof(index, checkpoint.tree_size)
        except selectors.LedgerDamaged as exc:
            raise LedgerDamagedError from exc
        data = {
            "index": index,
            "tree_size": checkpoint.tree_size,
            "leaf_hash": entry.leaf_hash,
            "path": [node.hex() for node in path],
            "root_hash": checkpoint.root_hash,
            "entry": entry if shown else None,
            "checkpoint": checkpoint,
        }
        return Response(InclusionProofSerializer(data).data)


class ConsistencyView(APIView):
    @extend_schema(
        parameters=[ConsistencyQuerySerializer],
        responses=ConsistencyProofSerializer,
        summary=gettext_lazy("Consistency proof between two tree sizes"),
    )
    def get(self, request):
        query = ConsistencyQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        first, second = query.validated_data["first"], query.validated_data["second"]
        size = LedgerEntry.objects.filter(index__isnull=False).count()
        if second > size:
            _refuse(
                "second",
                _("The ledger holds only %(size)s entries; ask for at most that.") % {"size": size},
            )
        try:
            data = {
                "first": first,
                "second": second,
                "first_root": selectors.tree_root(first).hex(),
                "second_root": selectors.tree_root(second).hex(),
                "proof": [node.hex() for node in selectors.consistency_proof(first, second)],
            }
        except selectors.LedgerDamaged as exc:
            raise LedgerDamagedError from exc
        return Response(ConsistencyProofSerializer(data).data)
