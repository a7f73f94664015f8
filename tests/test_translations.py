"""Words with two Chinese meanings, and catalogues that do not overrule each other.

Django merges every app's catalogue into one: a msgid translated in two catalogues shows
the first app's translation everywhere (the materials' unit of measure read as 单体, a
building, because projects comes first in INSTALLED_APPS). One English word with two
meanings therefore takes a message context (pgettext), and these tests read each catalogue
back through Django to prove no entry is shadowed by another app's.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from django.template import engines
from django.utils import translation
from django.utils.translation import gettext, ngettext, npgettext, pgettext

from inspections.models import AcceptanceRecord, AcceptanceRound
from ledger.models import LedgerEntry
from materials.models import Delivery, MaterialCategory, RecallAction
from materials.models import TestReport as LaboratoryReport
from projects.models import AuditEvent, Location
from responsibility.models import DefectCase, ResponsibilityDocument

ROOT = Path(__file__).resolve().parent.parent
CATALOGUES = sorted(
    path
    for path in ROOT.glob("**/locale/zh_Hans/LC_MESSAGES/django.po")
    if ".venv" not in path.parts
)


def _entries(path: Path):
    """(msgctxt, msgid, msgid_plural, msgstr) of each translated, non-fuzzy entry."""
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        if "#, fuzzy" in block:
            continue
        fields, key = {}, None
        for line in block.splitlines():
            match = re.match(r"(msgctxt|msgid_plural|msgid|msgstr(?:\[0\])?) (\".*\")$", line)
            if match:
                key = match.group(1).replace("[0]", "")
                fields[key] = ast.literal_eval(match.group(2))
            elif line.startswith('"') and key:
                fields[key] += ast.literal_eval(line)
        if fields.get("msgid") and fields.get("msgstr"):
            yield (
                fields.get("msgctxt"),
                fields["msgid"],
                fields.get("msgid_plural"),
                fields["msgstr"],
            )


def _seen(context, msgid, plural):
    if plural:
        if context:
            return npgettext(context, msgid, plural, 1)
        return ngettext(msgid, plural, 1)
    return pgettext(context, msgid) if context else gettext(msgid)


def test_the_catalogues_are_found():
    apps = {path.relative_to(ROOT).parts[0] for path in CATALOGUES}
    assert {"locale", "projects", "materials", "inspections", "responsibility"} <= apps


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: str(p.relative_to(ROOT).parts[0]))
def test_every_translation_in_a_catalogue_is_what_a_reader_sees(path):
    with translation.override("zh-hans"):
        shadowed = [
            f"{context + ' | ' if context else ''}{msgid!r}: {msgstr} in {path.parts[-4]}, "
            f"but {_seen(context, msgid, plural)} is shown"
            for context, msgid, plural, msgstr in _entries(path)
            if _seen(context, msgid, plural) != msgstr
        ]
    assert not shadowed, (
        "another catalogue translates the same msgid differently; give the word a message "
        "context (pgettext) where the meanings differ, or one wording where they do not:\n"
        + "\n".join(shadowed)
    )


def _label(model, field: str) -> str:
    return str(model._meta.get_field(field).verbose_name)


@pytest.mark.parametrize(
    ("first", "first_zh", "second", "second_zh"),
    [
        # "unit": a unit of measure (tonnes, metres) / a building of a unit work
        (lambda: _label(Delivery, "unit"), "计量单位", lambda: Location.Kind.UNIT.label, "单体"),
        (lambda: _label(MaterialCategory, "unit"), "计量单位", None, None),
        # "pending": a delivery awaiting inspection / a round awaiting a decision
        (
            lambda: Delivery.State.PENDING.label,
            "待检",
            lambda: AcceptanceRound.Outcome.PENDING.label,
            "待定",
        ),
        # "result": a laboratory's test conclusion / an acceptance conclusion
        (
            lambda: _label(LaboratoryReport, "result"),
            "检测结论",
            lambda: _label(AcceptanceRecord, "result"),
            "验收结论",
        ),
        # "parent": the location above / the record above
        (
            lambda: _label(Location, "parent"),
            "上级部位",
            lambda: _label(AcceptanceRecord, "parent"),
            "上级记录",
        ),
        # "action": what was done in the audit log / a recall's remedy
        (
            lambda: _label(AuditEvent, "action"),
            "操作",
            lambda: _label(RecallAction, "kind"),
            "处置措施",
        ),
        # "decided at": a delivery accepted or rejected / a round decided
        (
            lambda: _label(Delivery, "decided_at"),
            "验收或拒收时间",
            lambda: _label(AcceptanceRound, "decided_at"),
            "决定时间",
        ),
        # a recall action is opened and closed; a defect case is filed (立案) and closed (结案)
        (
            lambda: _label(RecallAction, "opened_by"),
            "发起人",
            lambda: _label(DefectCase, "opened_by"),
            "立案人",
        ),
        (
            lambda: _label(RecallAction, "closed_at"),
            "关闭时间",
            lambda: _label(DefectCase, "closed_at"),
            "结案时间",
        ),
        (
            lambda: _label(RecallAction, "description"),
            "说明",
            lambda: _label(DefectCase, "description"),
            "缺陷描述",
        ),
        # "signed": a ledger event (the act) / a document's status (the state)
        (
            lambda: LedgerEntry.Action.SIGN.label,
            "签署",
            lambda: ResponsibilityDocument.Status.SIGNED.label,
            "已签署",
        ),
        (
            lambda: LedgerEntry.Action.CREATE.label,
            "创建",
            lambda: pgettext("bucket", "created"),
            "已创建",
        ),
    ],
)
def test_one_english_word_reads_as_two_chinese_words_by_its_meaning(
    first, first_zh, second, second_zh
):
    with translation.override("zh-hans"):
        assert first() == first_zh
        if second is not None:
            assert second() == second_zh
    with translation.override("en"):
        assert first() != first_zh


def test_a_template_names_the_context_and_reads_the_unit_of_measure():
    template = engines["django"].from_string(
        "{% load i18n %}{% translate 'unit' context 'unit of measure' %}"
        "|{% translate 'unit' context 'location kind' %}"
    )
    with translation.override("zh-hans"):
        assert template.render({}) == "计量单位|单体"
    with translation.override("en"):
        assert template.render({}) == "unit|unit"
