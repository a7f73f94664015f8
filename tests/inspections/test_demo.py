from io import StringIO

from django.core.management import call_command

from inspections.models import AcceptanceRecord, AcceptanceRound, Photo
from projects.models import Project


def test_the_demo_has_acceptance_records_with_photos_and_a_resubmitted_lot(db):
    call_command("load_demo", stdout=StringIO())
    project = Project.objects.get()
    states = dict(AcceptanceRecord.objects.filter(project=project).values_list("title", "state"))
    assert states == {
        "3号楼单位工程": "self_check",
        "主体结构分部工程": "submitted",
        "钢筋分项工程": "accepted",
        "2层剪力墙钢筋隐蔽工程验收": "accepted",
        "2层剪力墙钢筋安装检验批": "accepted",
        # left open for the supervisor's my work
        "模板分项工程": "self_check",
        "3层剪力墙模板安装检验批": "submitted",
    }
    lot = AcceptanceRecord.objects.get(title="2层剪力墙钢筋安装检验批")
    assert list(AcceptanceRound.objects.filter(record=lot).values_list("outcome", flat=True)) == [
        "returned",
        "accepted",
    ]
    photo = Photo.objects.filter(project=project).first()
    assert Photo.objects.filter(project=project).count() == 5
    assert photo.latitude is not None
    assert photo.captured_at is not None
    assert photo.flags == []
    flagged = Photo.objects.filter(project=project).exclude(flags=[])
    assert [p.caption for p in flagged] == ["3层剪力墙模板支撑"]
    assert flagged.get().flags == ["captured_far_from_date"]

    counts = AcceptanceRecord.objects.count(), Photo.objects.count()
    call_command("load_demo", stdout=StringIO())
    assert (AcceptanceRecord.objects.count(), Photo.objects.count()) == counts
