"""Acceptance records on a phone, as the site supervisor (alice) and the contractor's quality
inspector (quinn) do them: a new inspection lot through to acceptance, and a lot returned
with reasons, put right and accepted in its second round. Each page passes axe-core, fits a
360 px screen and breaks no Content-Security-Policy rule; each step is checked against what
the archive then holds."""

from playwright.sync_api import expect

from inspections import services
from inspections.models import AcceptanceRecord, AcceptanceRound, Photo, SignOff
from ledger.models import LedgerEntry
from storage import gateway
from tests.browser import MARKS, previews_made
from tests.conftest import PASSWORD
from tests.inspections.photos import jpeg
from tests.pages import assert_page_ok, phone, screenshot

pytestmark = MARKS


def shot(page, name):
    screenshot(page, name)


def accepted(record, *signers, actor):
    record = services.record_submit(record=record, actor=actor)
    for signer in signers:
        services.record_sign(record=record, user=signer, password=PASSWORD)
    return services.record_accept(record=record, actor=actor)


def node(page, record):
    return page.locator(f'.record-tree .node[data-record="{record.pk}"]')


def test_journey_3_a_new_lot_with_three_photos_is_signed_and_accepted_and_rolls_up(
    live_server, browser, project, tree, floor, alice, quinn
):
    accepted(tree["lot"], alice, quinn, actor=alice)  # the sub-item's other lot is done
    sub_item = tree["sub_item"]
    base = live_server.url
    tree_url = f"{base}/projects/{project.pk}/unit-works/{floor.unit_work_id}/records/"

    # The tree: the sub-item waits for nothing under it yet.
    page = phone(browser, live_server, alice)
    page.goto(tree_url)
    expect(page.locator("h1")).to_contain_text("验收记录")
    expect(node(page, tree["lot"]).locator(".badge")).to_have_text("已验收")
    expect(node(page, sub_item).locator(".blockers")).not_to_contain_text("下级")
    assert_page_ok(page)
    shot(page, "record-tree")

    # A new inspection lot under the sub-item, at a location of the unit work.
    node(page, sub_item).get_by_role("link", name="在其下新增记录").click()
    expect(page.locator("h1")).to_have_text("新建验收记录")
    expect(page.locator("#id_parent")).to_have_value(str(sub_item.pk))
    expect(page.locator("#id_level")).to_have_value("inspection_lot")
    expect(page.locator("#id_division_kind")).to_be_hidden()  # only for (sub-)divisions
    assert_page_ok(page)
    page.select_option("#id_location", str(floor.pk))
    page.fill("#id_title", "2层梁钢筋安装检验批")
    page.fill("#id_date", "2025-06-12")
    shot(page, "record-create")
    page.get_by_role("button", name="创建").click()
    expect(page.locator(".message.success")).to_be_visible()
    lot = AcceptanceRecord.objects.get(title="2层梁钢筋安装检验批")
    assert (lot.parent_id, lot.created_by, list(lot.locations.all())) == (
        sub_item.pk,
        alice,
        [floor],
    )
    expect(page.locator("#state .badge")).to_have_text("施工单位自检")
    assert_page_ok(page)

    # Self-check, then three photos taken with the camera, one at a time.
    page.fill("#id_result", "主控项目全部合格，一般项目合格率95%")
    page.get_by_role("button", name="保存自检").click()
    expect(page.locator(".message.success")).to_have_text("自检已保存。")
    lot.refresh_from_db()
    assert lot.result == "主控项目全部合格，一般项目合格率95%"
    assert list(lot.locations.all()) == [floor]  # kept: ticked on the self-check form
    for number in range(3):
        page.set_input_files(
            "#camera",
            [
                {
                    "name": f"beam-{number}.jpg",
                    "mimeType": "image/jpeg",
                    "buffer": jpeg((640 + number, 480)),
                }
            ],
        )
        expect(page.locator("#uploads .file[data-status=accepted]")).to_have_count(number + 1)
    previews_made(page)  # the job worker makes the previews
    expect(page.locator("#photo-list img")).to_have_count(3)
    photos = Photo.objects.filter(subject_id=lot.pk, project=project)
    assert photos.count() == 3
    for photo in photos:
        for stored in (photo.original, photo.preview, photo.thumbnail):
            assert gateway.stat(stored.bucket, stored.key).size == stored.size
    assert LedgerEntry.objects.filter(record_type__endswith="photo", action="create").count() == 3
    assert_page_ok(page)
    shot(page, "record-photos")

    # Submitted: the sub-item now waits for it.
    page.get_by_role("button", name="报验").click()
    expect(page.locator("#state .badge")).to_have_text("已报验")
    page.goto(tree_url)
    expect(node(page, sub_item).locator(".blockers")).to_contain_text("2层梁钢筋安装检验批")
    expect(node(page, lot).locator(".blockers")).to_contain_text("专业监理工程师")

    # The quality inspector signs with their password; a wrong one first.
    inspector = phone(browser, live_server, quinn)
    inspector.goto(f"{base}/projects/{project.pk}/acceptance-records/{lot.pk}/")
    shown = inspector.locator("#content-hash").inner_text()
    assert shown == services.record_content_sha256(lot)
    inspector.fill("#id_password", "not-my-password")
    inspector.get_by_role("button", name="输入密码签字").click()
    expect(inspector.locator("#sign")).to_contain_text("密码不正确。")
    assert not SignOff.objects.filter(record=lot).exists()
    assert_page_ok(inspector)
    inspector.fill("#id_password", PASSWORD)
    inspector.get_by_role("button", name="输入密码签字").click()
    expect(inspector.locator(".message.success")).to_have_text("您的签字已记录。")
    evidence = inspector.locator('.sign-off[data-capacity="quality_inspector"]')
    expect(evidence).to_contain_text("钱质检")
    expect(evidence).to_contain_text(shown)
    sign_off = SignOff.objects.get(record=lot, capacity="quality_inspector")
    assert (sign_off.user, sign_off.content_sha256) == (quinn, shown)
    assert LedgerEntry.objects.filter(
        record_type__endswith="signoff", record_id=str(sign_off.pk), action="sign"
    ).exists()
    assert_page_ok(inspector)
    shot(inspector, "record-sign")

    # The supervisor signs too, and accepts.
    page.goto(f"{base}/projects/{project.pk}/acceptance-records/{lot.pk}/")
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="输入密码签字").click()
    expect(page.locator(".message.success")).to_have_text("您的签字已记录。")
    page.get_by_role("button", name="验收通过").click()
    expect(page.locator("#state .badge")).to_have_text("已验收")
    expect(page.locator("#upload-form")).to_have_count(0)
    expect(page.locator("#no-upload")).to_be_visible()
    lot.refresh_from_db()
    assert lot.state == AcceptanceRecord.State.ACCEPTED
    assert lot.rounds.get().outcome == AcceptanceRound.Outcome.ACCEPTED
    assert_page_ok(page)

    # The parent's roll-up: nothing under the sub-item is open any more.
    page.goto(tree_url)
    expect(node(page, lot).locator(".badge")).to_have_text("已验收")
    expect(node(page, sub_item).locator(".blockers")).not_to_contain_text("2层梁钢筋安装检验批")
    assert_page_ok(page)


def test_journey_4_a_returned_lot_is_put_right_resubmitted_and_accepted_in_round_two(
    live_server, browser, project, tree, alice, quinn
):
    lot = services.record_update(record=tree["lot"], actor=quinn, result="合格")
    lot = services.record_submit(record=lot, actor=quinn)
    url = f"{live_server.url}/projects/{project.pk}/acceptance-records/{lot.pk}/"

    # The supervisor returns it; without reasons first.
    page = phone(browser, live_server, alice)
    page.goto(url)
    assert_page_ok(page)
    page.get_by_role("button", name="按以上意见退回").click()
    expect(page.locator("#decide .errorlist")).to_contain_text("请说明退回原因")
    page.fill("#id_reasons", "柱箍筋间距超差，3处大于规范允许偏差")
    page.get_by_role("button", name="按以上意见退回").click()
    expect(page.locator("#state .badge")).to_have_text("已退回")
    first = lot.rounds.get(number=1)
    assert (first.outcome, first.reasons, first.decided_by) == (
        AcceptanceRound.Outcome.RETURNED,
        "柱箍筋间距超差，3处大于规范允许偏差",
        alice,
    )

    # The contractor sees the reasons, puts it right and submits again.
    contractor = phone(browser, live_server, quinn)
    contractor.goto(url)
    expect(contractor.locator("#returned")).to_contain_text("柱箍筋间距超差")
    assert_page_ok(contractor)
    shot(contractor, "record-returned")
    contractor.fill("#id_result", "箍筋已返工，复查合格")
    contractor.get_by_role("button", name="保存自检").click()
    expect(contractor.locator(".message.success")).to_be_visible()
    contractor.get_by_role("button", name="重新报验").click()
    expect(contractor.locator("#state .badge")).to_have_text("已报验")
    expect(contractor.locator("#returned")).to_have_count(0)
    contractor.fill("#id_password", PASSWORD)
    contractor.get_by_role("button", name="输入密码签字").click()
    expect(contractor.locator(".message.success")).to_have_text("您的签字已记录。")

    # The supervisor signs and accepts; both rounds stay on the page.
    page.goto(url)
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="输入密码签字").click()
    page.get_by_role("button", name="验收通过").click()
    expect(page.locator("#state .badge")).to_have_text("已验收")
    rounds = page.locator("#rounds .round")
    expect(rounds).to_have_count(2)
    expect(page.locator('.round[data-round="1"]')).to_contain_text("已退回")
    expect(page.locator('.round[data-round="1"]')).to_contain_text("柱箍筋间距超差")
    expect(page.locator('.round[data-round="2"]')).to_contain_text("已验收")
    expect(page.locator('.round[data-round="2"] .sign-off')).to_have_count(2)
    assert_page_ok(page)
    shot(page, "record-accepted")
    lot.refresh_from_db()
    assert (lot.state, lot.round) == (AcceptanceRecord.State.ACCEPTED, 2)
    assert list(lot.rounds.values_list("number", "outcome")) == [
        (1, "returned"),
        (2, "accepted"),
    ]
    assert SignOff.objects.filter(record=lot, round=2).count() == 2
    assert (
        LedgerEntry.objects.filter(record_type__endswith="acceptanceround", action="state").count()
        == 2
    )
