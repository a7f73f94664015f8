"""Demo acceptance records with generated photos for the demo project (load_demo).

Part of the building, from the foundation's concealed works up to the unit work: accepted
inspection lots with photos, one lot returned and resubmitted, an accepted sub-item, a
submitted main-structure division and the unit work in self-check; the photo of the lot
left waiting was taken days before its date, so the archive flags it. The demo project stays
under supervision (the projects demo pins that), so no completion acceptance is run here.
"""

from __future__ import annotations

import datetime
import io
import random

from django.contrib.auth import get_user_model
from PIL import Image, ImageDraw, TiffImagePlugin

from inspections import services
from inspections.models import AcceptanceRecord
from projects import services as project_services
from projects.demo import DEMO_PASSWORD
from projects.models import Membership, Project, Role
from projects.validators import id_number_check_char

INSPECTOR_USERNAME = "inspector"
RECORD_DAY = datetime.date(2025, 9, 16)
SITE = (30.188512, 120.201436)


def _rational(value: float, scale: int = 10000) -> TiffImagePlugin.IFDRational:
    return TiffImagePlugin.IFDRational(round(value * scale), scale)


def photo_exif(*, day: datetime.date = RECORD_DAY, minute: int = 0, gps=SITE) -> Image.Exif:
    """EXIF as a phone writes it: time with offset, GPS with accuracy, make and model."""
    exif = Image.Exif()
    exif[0x010F] = "HUAWEI"
    exif[0x0110] = "Mate 60 Pro"
    main = exif.get_ifd(0x8769)
    main[0x9003] = f"{day:%Y:%m:%d} 09:{minute % 60:02d}:00"
    main[0x9011] = "+08:00"
    location = exif.get_ifd(0x8825)
    for ref_tag, tag, value, positive in ((1, 2, gps[0], "N"), (3, 4, gps[1], "E")):
        degrees = int(abs(value))
        minutes = int((abs(value) - degrees) * 60)
        seconds = (abs(value) - degrees - minutes / 60) * 3600
        location[ref_tag] = positive
        location[tag] = (_rational(degrees, 1), _rational(minutes, 1), _rational(seconds))
    location[0x1F] = _rational(4.0, 1)
    return exif


def site_photo(caption: str, *, seed: int, day: datetime.date = RECORD_DAY) -> io.BytesIO:
    """A photo-like JPEG of rebar and formwork, with EXIF time (on ``day``) and GPS."""
    rng = random.Random(seed)
    image = Image.new("RGB", (1200, 900), (rng.randint(120, 160), 130, 120))
    draw = ImageDraw.Draw(image)
    for x in range(0, 1200, rng.randint(40, 70)):
        draw.line([(x, 0), (x + rng.randint(-30, 30), 900)], fill=(70, 55, 45), width=9)
    for y in range(0, 900, rng.randint(90, 140)):
        draw.line([(0, y), (1200, y + rng.randint(-10, 10))], fill=(90, 70, 50), width=6)
    noise = Image.effect_noise((1200, 900), 18).convert("RGB")
    image = Image.blend(image, noise, 0.15)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=88, exif=photo_exif(day=day, minute=seed))
    out.seek(0)
    out.name = f"IMG_2025{seed:04d}.jpg"
    return out


def _inspector(project: Project, admin):
    """A contractor quality inspector, who signs inspection lots with the supervisor."""
    user = get_user_model().objects.create_user(username=INSPECTOR_USERNAME, password=DEMO_PASSWORD)
    organization = project.participations.get(role=Role.CONTRACTOR).organization
    project_services.person_create(
        name="钱振华",
        id_number="33010619920305162" + id_number_check_char("33010619920305162"),
        phone="13957100088",
        organization=organization,
        user=user,
        actor=admin,
    )
    project_services.membership_create(
        user=user,
        project=project,
        role=Membership.Role.SITE_SUPERVISOR,
        organization=organization,
        actor=admin,
    )
    return user


def demo_inspections_load(*, project: Project) -> bool:
    """Add the demo records; does nothing (returns False) if the project already has some."""
    if AcceptanceRecord.objects.filter(project=project).exists():
        return False
    User = get_user_model()  # noqa: N806
    admin = User.objects.get(username="admin")
    supervisor = User.objects.get(username="supervisor")
    inspector = _inspector(project, admin)
    unit_work = project.unit_works.get()
    floor2 = unit_work.locations.get(kind="floor", name="2层")
    wall = unit_work.locations.get(name="2层 Q3 剪力墙")

    def record(level, title, parent=None, **extra):
        return services.record_create(
            project=project,
            unit_work=unit_work,
            level=level,
            parent=parent,
            title=title,
            date=RECORD_DAY,
            actor=supervisor,
            **extra,
        )

    def accept(target, photos=()):
        for seed, caption in photos:
            services.photo_ingest(
                subject=target,
                fileobj=site_photo(caption, seed=seed),
                actor=supervisor,
                caption=caption,
                location=wall,
            )
        services.record_submit(record=target, actor=inspector)
        for signer in (supervisor, inspector):
            services.record_sign(record=target, user=signer, password=DEMO_PASSWORD)
        services.record_accept(record=target, actor=supervisor)

    unit = record("unit", "3号楼单位工程")
    division = record("division", "主体结构分部工程", unit, division_kind="main_structure")
    sub_item = record("sub_item", "钢筋分项工程", division)
    concealed = record(
        "concealed",
        "2层剪力墙钢筋隐蔽工程验收",
        sub_item,
        locations=[floor2, wall],
        result="钢筋品种、规格、数量、间距及锚固长度符合设计要求",
    )
    accept(concealed, photos=[(1, "Q3 剪力墙竖向钢筋"), (2, "拉结筋与箍筋")])
    lot = record(
        "inspection_lot",
        "2层剪力墙钢筋安装检验批",
        sub_item,
        locations=[wall],
        concealed_works=[concealed],
        result="主控项目全部合格，一般项目合格率 92%",
    )
    services.photo_ingest(
        subject=lot,
        fileobj=site_photo("间距复核", seed=3),
        actor=supervisor,
        caption="钢筋间距复核",
        location=wall,
    )
    services.record_submit(record=lot, actor=inspector)
    services.record_sign(record=lot, user=supervisor, password=DEMO_PASSWORD)
    services.record_return(
        record=lot,
        reasons="Q3 墙体水平筋间距局部超差（实测 230 mm，设计 200 mm），整改后复验。",
        actor=supervisor,
    )
    services.record_update(record=lot, result="水平筋已整改，复验合格", actor=inspector)
    accept(lot, photos=[(4, "整改后水平筋间距")])
    accept(sub_item)
    # Work left open, so the supervisor's "my work" is not empty after make run: the
    # formwork of the next floor, its lot submitted with a photo, waiting for sign-off.
    formwork = record("sub_item", "模板分项工程", division)
    floor3 = unit_work.locations.filter(kind="floor", name="3层").first()
    waiting = record(
        "inspection_lot",
        "3层剪力墙模板安装检验批",
        formwork,
        locations=[floor3] if floor3 else [],
        result="主控项目全部合格，一般项目合格率 95%",
    )
    # Its photo was taken twelve days before the lot's date (a photo of another day sent
    # again): the archive flags it, and a regulator sees the flag beside it.
    services.photo_ingest(
        subject=waiting,
        fileobj=site_photo("3层剪力墙模板", seed=5, day=RECORD_DAY - datetime.timedelta(days=12)),
        actor=supervisor,
        caption="3层剪力墙模板支撑",
    )
    services.record_submit(record=waiting, actor=inspector)
    services.record_submit(record=division, actor=inspector)
    return True
