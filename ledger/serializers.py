from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from ledger.models import Checkpoint, LedgerEntry


class LedgerCheckpointSerializer(serializers.ModelSerializer):
    body = serializers.CharField(read_only=True, help_text=_("the exact signed text"))
    note = serializers.CharField(
        read_only=True, help_text=_("the body with a C2SP signed-note signature line")
    )
    witnessed_note = serializers.SerializerMethodField(
        help_text=_("the note with the witnesses' cosignature lines (C2SP tlog-cosignature)")
    )
    cosignatures = serializers.SerializerMethodField()

    def get_witnessed_note(self, checkpoint) -> str:
        return checkpoint.witnessed_note(self._cosignatures(checkpoint))

    def get_cosignatures(self, checkpoint) -> list[dict]:
        return [
            {"witness": c.witness, "public_key": c.public_key, "cosigned_at": c.cosigned_at}
            for c in self._cosignatures(checkpoint)
        ]

    def _cosignatures(self, checkpoint):
        return sorted(checkpoint.cosignatures.all(), key=lambda c: c.witness)

    class Meta:
        model = Checkpoint
        fields = [
            "origin",
            "tree_size",
            "root_hash",
            "signed_at",
            "key_id",
            "public_key",
            "signature",
            "body",
            "note",
            "witnessed_note",
            "cosignatures",
        ]


class LedgerEntrySerializer(serializers.ModelSerializer):
    class Meta:
        model = LedgerEntry
        fields = [
            "index",
            "record_type",
            "record_id",
            "action",
            "content_hash",
            "actor",
            "actor_id",
            "recorded_at",
            "leaf_hash",
        ]


class ProofQuerySerializer(serializers.Serializer):
    tree_size = serializers.IntegerField(
        min_value=1,
        required=False,
        help_text=_("size of a signed checkpoint; the latest checkpoint when left out"),
    )


class ConsistencyQuerySerializer(serializers.Serializer):
    first = serializers.IntegerField(min_value=1, help_text=_("the smaller tree size"))
    second = serializers.IntegerField(min_value=1, help_text=_("the larger tree size"))

    def validate(self, attrs):
        if attrs["first"] > attrs["second"]:
            raise serializers.ValidationError(
                _("“first” must not be larger than “second”: a log only grows.")
            )
        return attrs


class InclusionProofSerializer(serializers.Serializer):
    index = serializers.IntegerField()
    tree_size = serializers.IntegerField()
    leaf_hash = serializers.CharField()
    path = serializers.ListField(child=serializers.CharField(), help_text=_("hex, leaf first"))
    root_hash = serializers.CharField()
    entry = LedgerEntrySerializer(
        allow_null=True,
        help_text=_("the entry, for those who may list it; null for everyone else"),
    )
    checkpoint = LedgerCheckpointSerializer()


class ConsistencyProofSerializer(serializers.Serializer):
    first = serializers.IntegerField()
    second = serializers.IntegerField()
    first_root = serializers.CharField()
    second_root = serializers.CharField()
    proof = serializers.ListField(child=serializers.CharField(), help_text=_("hex"))
