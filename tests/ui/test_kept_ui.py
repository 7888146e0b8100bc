"""The screens of a night when printing fails, offscreen: the kept code shown large, collecting
with the same card from the attract screen, the list of all services, another service."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QPushButton
from ui_harness import choose_service

from kiosk.flow import Screen


def _to_result(kiosk) -> None:  # noqa: ANN001
    w = kiosk.window
    kiosk.click(w.pages[Screen.ATTRACT])
    kiosk.wait_screen(Screen.HOME)
    kiosk.click(kiosk.find(QPushButton, "Category_real_estate"))
    kiosk.wait_screen(Screen.SERVICE_LIST)
    choose_service(kiosk, w.pages[Screen.SERVICE_LIST].list, "real_estate.registration_info")
    kiosk.wait_screen(Screen.RESULT)


def test_a_failed_print_shows_the_kept_code_large_and_collect_prints_it(kiosk, shots_dir):
    w = kiosk.window
    kiosk.certificates.fail, kiosk.certificates.fail_code = True, "K7Q2-9XHD-M4PA-3RTW"
    _to_result(kiosk)
    kiosk.click(kiosk.find(QPushButton, "Print"))
    kiosk.wait_screen(Screen.PRINT_KEPT)
    code = kiosk.find(QLabel, "KeptCode")
    assert code.text() == "K7Q2-9XHD-M4PA-3RTW" and code.property("role") == "code"
    page = w.pages[Screen.PRINT_KEPT]
    assert "凭条" in page.slip.text() and "缺纸" in page.message.text()
    assert kiosk.find(QPushButton, "KeptRetry").isVisible()
    spoken = page.prompt(kiosk.state)
    assert "K 7 Q 2" in spoken and "K7Q2" not in spoken  # read one character at a time
    kiosk.shot(shots_dir, "kept_zh")
    kiosk.click(kiosk.find(QPushButton, "BarLanguage"))
    kiosk.qtbot.waitUntil(lambda: "did not print" in page.title.text())
    kiosk.shot(shots_dir, "kept_en")
    kiosk.click(kiosk.find(QPushButton, "KeptFinish"))
    kiosk.wait_screen(Screen.ATTRACT)
    assert page.code.text() == ""  # wiped with the session

    kiosk.card.hold = True
    kiosk.click(kiosk.find(QPushButton, "AttractCollect"))
    kiosk.wait_screen(Screen.PLACE_CARD)
    assert kiosk.state.collecting
    place = w.pages[Screen.PLACE_CARD]
    assert "同一张身份证" in place.title.text() or "same ID card" in place.title.text()
    assert "12345" in kiosk.find(QLabel, "NoCardHint").text()
    kiosk.shot(shots_dir, "collect_card")
    kiosk.card.present()
    kiosk.wait_screen(Screen.DONE)
    assert "K7Q2-9XHD-M4PA-3RTW" in w.pages[Screen.DONE].code.text()


def test_done_offers_another_service_without_a_second_card(kiosk, shots_dir):
    _to_result(kiosk)
    kiosk.click(kiosk.find(QPushButton, "Print"))
    kiosk.wait_screen(Screen.DONE)
    kiosk.shot(shots_dir, "done_another")
    kiosk.click(kiosk.find(QPushButton, "DoneAnother"))
    kiosk.wait_screen(Screen.HOME)
    assert kiosk.state.person is not None and kiosk.state.token
    kiosk.click(kiosk.find(QPushButton, "Category_housing_fund"))
    kiosk.wait_screen(Screen.SERVICE_LIST)
    kiosk.card.armed = False
    choose_service(kiosk, kiosk.window.pages[Screen.SERVICE_LIST].list,
                   "housing_fund.account_info")
    kiosk.wait_screen(Screen.RESULT)
    assert not kiosk.card.armed  # no second card


def test_all_services_lists_enabled_services_with_hours_and_phone(kiosk, catalog, shots_dir):
    w = kiosk.window
    kiosk.click(kiosk.find(QPushButton, "AttractAllServices"))
    kiosk.wait_screen(Screen.ALL_SERVICES)
    page = w.pages[Screen.ALL_SERVICES]
    texts = [page.list.item(i).text() for i in range(page.list.count())]
    rows = [text for text in texts if "\n" in text]
    assert len(rows) == len(catalog.enabled())
    electricity = next(r for r in rows if r.startswith("电费余额查询"))
    assert "国网平顶山供电公司" in electricity and "95598" in electricity
    assert "全天24小时" in electricity
    kiosk.shot(shots_dir, "all_services_zh")
    kiosk.click(kiosk.find(QPushButton, "BarLanguage"))
    kiosk.qtbot.waitUntil(lambda: page.list.item(1).text().startswith("Electricity")
                          or "Enquiries" in page.list.item(1).text())
    kiosk.shot(shots_dir, "all_services_en")
    kiosk.card.hold = True
    item = next(page.list.item(i) for i in range(page.list.count())
                if "\n" in page.list.item(i).text())
    rect = page.list.visualItemRect(item)
    from PySide6.QtCore import Qt

    kiosk.qtbot.mouseClick(page.list.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    kiosk.wait_screen(Screen.PLACE_CARD)


def test_home_offers_collect_and_the_list_too(kiosk):
    kiosk.click(kiosk.window.pages[Screen.ATTRACT])
    kiosk.wait_screen(Screen.HOME)
    kiosk.click(kiosk.find(QPushButton, "HomeAllServices"))
    kiosk.wait_screen(Screen.ALL_SERVICES)
    kiosk.click(kiosk.find(QPushButton, "BarHome"))
    kiosk.wait_screen(Screen.HOME)
    kiosk.card.hold = True
    kiosk.click(kiosk.find(QPushButton, "HomeCollect"))
    kiosk.wait_screen(Screen.PLACE_CARD)
    assert kiosk.state.collecting


def test_all_services_with_every_service_switched_off_says_where_to_go(kiosk, catalog):
    from services_catalog.catalog import Catalog

    saved = Catalog(list(catalog.services), list(catalog.problems))
    catalog.replace_with(Catalog([s.model_copy(update={"enabled": False})
                                  for s in catalog.services]))
    try:
        kiosk.click(kiosk.find(QPushButton, "AttractAllServices"))
        kiosk.wait_screen(Screen.ALL_SERVICES)
        page = kiosk.window.pages[Screen.ALL_SERVICES]
        assert page.list.count() == 0
        assert "12345" in page.note.text() and "人工窗口" in page.note.text()
    finally:
        catalog.replace_with(saved)
