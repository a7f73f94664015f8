"""Every login the demo creates, with what each may do: what `make run` and `load_demo` print
and the README's table shows. The accounts come from three places (projects/demo.py one per
role, responsibility/demo.py a login for each legal representative and lead who signs,
inspections/demo.py the contractor's quality inspector); tests/test_run_script.py checks this
list against the accounts a fresh demo holds."""

from __future__ import annotations

from projects.demo import DEMO_PASSWORD

# (username, who it is and what it may do), in the order a newcomer would try them.
DEMO_ACCOUNTS = [
    (
        "supervisor",
        "site supervisor 赵丽 (监理, both projects): records deliveries, samples, usages and"
        " inspection lots, accepts them",
    ),
    (
        "inspector",
        "contractor's quality inspector 钱振华 (质检员, both projects): self-checks, submits"
        " and signs inspection lots",
    ),
    (
        "contractor",
        "contractor's project manager 吴海涛 (项目经理): changes the project's records, signs"
        " as project manager",
    ),
    (
        "regulator",
        "regulator for Hangzhou 330100 (质量监督机构): reads every project there, oversight"
        " list, opens defect cases",
    ),
    ("owner", "owner's legal representative 周秀英 (建设单位法定代表人): signs its letter, reads"),
    (
        "designer",
        "design unit's project lead 刘思远: changes the project's records, signs as design lead",
    ),
    (
        "surveyor",
        "survey unit's project lead 陈立新: changes the project's records, signs as survey lead",
    ),
    ("survey-rep", "survey unit's legal representative 钱永康: signs its letter, reads"),
    ("design-rep", "design unit's legal representative 孙伟民: signs its letter, reads"),
    ("contractor-rep", "contractor's legal representative 郑国华: signs its letter, reads"),
    ("supervisor-rep", "supervision unit's legal representative 冯志远: signs its letter, reads"),
    (
        "owner-lead",
        "owner's project lead 王建国: changes the project's records, signs as owner's lead",
    ),
    (
        "supervisor-lead",
        "chief supervising engineer 张伟 (总监): changes the project's records, signs as chief"
        " supervising engineer",
    ),
    ("admin", "archive operator (staff): every project, the oversight list, /admin/"),
]


def demo_logins_lines() -> list[str]:
    """The accounts as aligned lines, the password said once above them."""
    width = max(len(username) for username, _ in DEMO_ACCOUNTS)
    return [f"Demo logins (password {DEMO_PASSWORD}):"] + [
        f"  {username.ljust(width)}  {does}" for username, does in DEMO_ACCOUNTS
    ]
