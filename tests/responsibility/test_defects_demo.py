from io import StringIO

from django.core.management import call_command

from responsibility.models import DefectCase
from responsibility.trace import trace_collect


def test_the_demo_has_a_defect_case_whose_trace_reaches_work_material_and_leads(db):
    call_command("load_demo")
    call_command("load_demo_materials")
    out = StringIO()
    call_command("load_demo_defect_case", stdout=out)
    assert "trace.pdf" in out.getvalue()
    call_command("load_demo_defect_case", stdout=StringIO())  # idempotent

    case = DefectCase.objects.get()
    assert case.location.name == "2层"
    assert case.is_open
    data = trace_collect(case)
    assert data.usages
    assert any(record.is_accepted for record in data.records)
    assert any(data.record_photos.values())
    assert case.holds.filter(stored_object__legal_hold=True).exists()
