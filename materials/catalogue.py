"""The key-material categories the archive ships with, installed by
``material_catalogue_install`` and then edited by operators in the admin.

Retest items follow the usual acceptance standards (GB 50411, GB 50204, GB 50208 …).
"""

from __future__ import annotations

# code, name, unit, witness sampling, structural, CCC, retest items
CATALOGUE = [
    ("cable", "电线电缆", "m", True, False, True, "导体电阻；绝缘层厚度；护套厚度"),
    ("insulation", "保温材料", "m2", True, False, False, "导热系数；密度；压缩强度；燃烧性能"),
    ("cement", "水泥", "t", True, True, False, "强度；安定性；凝结时间"),
    ("rebar", "钢筋", "t", True, True, False, "屈服强度；抗拉强度；伸长率；重量偏差；弯曲性能"),
    (
        "waterproofing",
        "防水材料",
        "m2",
        True,
        False,
        False,
        "拉力；延伸率；低温柔性；不透水性；耐热度",
    ),
    (
        "windows_doors",
        "建筑外门窗",
        "set",
        True,
        False,
        False,
        "气密性；水密性；抗风压性能；传热系数",
    ),
    ("ready_mix", "预拌混凝土", "m3", True, True, False, "坍落度；抗压强度；抗渗等级"),
    ("mortar", "预拌砂浆", "t", True, False, False, "抗压强度；稠度；保水率"),
    ("blocks", "砌块", "piece", True, True, False, "抗压强度；干密度"),
    ("admixtures", "外加剂", "t", True, False, False, "减水率；凝结时间差；抗压强度比"),
]
