"""The text of a letter or pledge: its template filled with the project's records.

The documents are Chinese legal texts whatever the reader's language, so the labels here
are fixed Chinese, not translations.
"""

from __future__ import annotations

from projects.models import LeadTenure, Person, Role

ROLE_NAMES = {
    Role.OWNER: "建设单位",
    Role.SURVEY: "勘察单位",
    Role.DESIGN: "设计单位",
    Role.CONTRACTOR: "施工单位",
    Role.SUPERVISOR: "监理单位",
    Role.GENERAL_CONTRACTOR: "工程总承包单位",
    Role.DRAWING_REVIEW: "施工图审查机构",
    Role.TESTING_LAB: "检测机构",
    Role.READY_MIX: "预拌混凝土供应单位",
    Role.MATERIAL_SUPPLIER: "材料供应单位",
}
LEAD_TITLES = {
    Role.CONTRACTOR: "项目经理",
    Role.SUPERVISOR: "总监理工程师",
}
Q = Person.PracticeQualification
QUALIFICATION_NAMES = {
    Q.REGISTERED_CONSTRUCTOR: "注册建造师",
    Q.REGISTERED_SUPERVISING_ENGINEER: "注册监理工程师",
    Q.REGISTERED_STRUCTURAL_ENGINEER: "注册结构工程师",
    Q.REGISTERED_ARCHITECT: "注册建筑师",
    Q.REGISTERED_GEOTECHNICAL_ENGINEER: "注册土木工程师（岩土）",
    Q.OTHER: "其他",
    Q.NONE: "无",
}


# ruff: noqa: E501 (the wording is kept as one line per paragraph)
# Version 1 of the wording. Never edited: new wording is a new version in a new migration.
LETTER = """{organization}（统一社会信用代码：{credit_code}）法定代表人{legal_representative}，现授权{person}（身份证号：{id_number}；执业资格：{qualification}；注册证书编号：{cert_no}）自{start_date}起担任{project}（地址：{address}；单位工程：{unit_works}）{role}{lead_title}，全面负责本单位在该工程的质量管理工作。

被授权人应当按照国家法律法规、工程建设强制性标准和合同约定履行职责，在该工程设计使用年限（{design_life}）内依法对工程质量承担终身责任。

本授权书自签署之日起生效。

授权单位：{organization}
法定代表人：{legal_representative}
被授权人：{person}"""

PLEDGE = """本人{person}（身份证号：{id_number}；执业资格：{qualification}；注册证书编号：{cert_no}）受{organization}法定代表人{legal_representative}授权，自{start_date}起担任{project}（地址：{address}；单位工程：{unit_works}）{role}{lead_title}。

本人郑重承诺：严格遵守《建筑法》《建设工程质量管理条例》等法律法规和工程建设强制性标准，依法履行{lead_title}职责，对该工程在设计使用年限（{design_life}）内的工程质量承担终身责任；如违反上述承诺，愿依法接受处罚。

承诺人：{person}
所在单位：{organization}"""

TEMPLATES_V1 = {
    "letter": ("法定代表人授权书", LETTER),
    "pledge": ("工程质量终身责任承诺书", PLEDGE),
}


def template_current(kind: str):
    """The newest template of ``kind`` (version 1 is restored if a test run emptied the table)."""
    from responsibility.models import DocumentTemplate

    template = DocumentTemplate.objects.filter(kind=kind).order_by("-version").first()
    if template is None:
        title, body = TEMPLATES_V1[kind]
        template, _ = DocumentTemplate.objects.get_or_create(
            kind=kind, version=1, defaults={"title": title, "body": body}
        )
    return template


def document_text(*, template, tenure: LeadTenure) -> str:
    project = tenure.project
    organization = tenure.participation.organization
    person = tenure.person
    unit_works = list(project.unit_works.all())
    lives = sorted({u.design_service_life_years for u in unit_works})
    representative = organization.legal_representative
    values = {
        "project": project.name,
        "address": project.address or "—",
        "unit_works": "、".join(u.name for u in unit_works) or "（单位工程待登记）",
        "design_life": "、".join(f"{life}年" for life in lives) or "（待定）",
        "organization": organization.name,
        "credit_code": organization.credit_code,
        "role": ROLE_NAMES.get(tenure.role, tenure.role),
        "lead_title": LEAD_TITLES.get(tenure.role, "项目负责人"),
        "person": person.name,
        "id_number": person.id_number_masked,
        "qualification": QUALIFICATION_NAMES.get(person.practice_qualification, "无"),
        "cert_no": person.practice_cert_no or "—",
        "legal_representative": representative.name if representative else "（未登记）",
        "start_date": f"{tenure.start_date:%Y年%m月%d日}",
    }
    return template.body.format_map(values)
