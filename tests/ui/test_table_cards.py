"""Result tables: a table where it fits on a landscape panel, one card per row elsewhere.

The card tests drive the real window through a real session runner and read what the labels on
screen say, so they fail if a column is dropped, reordered, or formatted differently from the
certificate (services_catalog.presentation).
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from PySide6.QtWidgets import QApplication, QLabel, QTableView
from ui_harness import PERSON, Kiosk

from kiosk.flow import Screen, SessionState
from kiosk.ui import theme
from kiosk.ui.screens.result import ResultPage
from kiosk.ui.screens.result_table import RowCard
from kiosk.ui.table_layout import (
    TableMode,
    card_lines,
    cards_per_line,
    choose_mode,
)
from services_catalog.model import QueryResult, ResultColumn
from services_catalog.presentation import format_value

# Real-estate rows as the back-end sends them: long certificate numbers and addresses.
PROPERTIES = [
    {"cert_no": "豫(2019)平顶山市不动产权第0012345号",
     "location": "新华区建设路中段锦绣花园3号楼2单元1402室", "usage": "成套住宅",
     "area": 118.56, "right_type": "国有建设用地使用权/房屋所有权",
     "registered_on": "2019-07-16", "status": "现势"},
    {"cert_no": "豫(2021)平顶山市不动产权第0034567号",
     "location": "新华区建设路中段锦绣花园地下车库B-086", "usage": "车位",
     "area": "13.2", "right_type": "国有建设用地使用权/房屋所有权",
     "registered_on": "20210302", "status": "抵押"},
]


def _columns(catalog, service_id: str, key: str) -> list[ResultColumn]:
    spec = next(f for f in catalog.get(service_id).result_fields if f.key == key)
    return list(spec.columns)


# ---- the pure decisions -------------------------------------------------------------------

def test_portrait_always_gets_cards_landscape_only_when_too_wide():
    assert choose_mode(600, 1700, portrait=True) is TableMode.CARDS
    assert choose_mode(1600, 1700, portrait=False) is TableMode.TABLE
    assert choose_mode(1701, 1700, portrait=False) is TableMode.CARDS
    with pytest.raises(ValueError):
        choose_mode(-1, 100, portrait=False)


def test_cards_sit_one_to_a_line_in_portrait_and_two_on_a_wide_panel():
    assert cards_per_line(1700, portrait=True) == 1
    assert cards_per_line(1700, portrait=False) == 2
    assert cards_per_line(5000, portrait=False) == 2
    assert cards_per_line(700, portrait=False) == 1


def test_card_lines_keep_column_order_and_the_certificate_formatting(catalog):
    columns = _columns(catalog, "real_estate.registration_info", "properties")
    lines = card_lines(columns, PROPERTIES[1], "en")
    assert [line.key for line in lines] == [c.key for c in columns]
    assert [line.label for line in lines] == [c.label_en for c in columns]
    by_key = {line.key: line.value for line in lines}
    assert by_key["area"] == "13.20 m²" == format_value("13.2", "area", "en")
    assert by_key["registered_on"] == "2021-03-02"  # 20210302 as many back-ends send it
    zh = {line.key: line.value for line in card_lines(columns, PROPERTIES[1], "zh")}
    assert zh["area"] == "13.20 平方米" and zh["registered_on"] == "2021年3月2日"


def test_a_missing_or_malformed_value_shows_as_a_dash_not_as_a_guess(catalog):
    columns = _columns(catalog, "real_estate.registration_info", "properties")
    row = dict(PROPERTIES[0], area="about a hundred", status=None)
    by_key = {line.key: line.value for line in card_lines(columns, row, "zh")}
    assert by_key["area"] == "—" and by_key["status"] == "—"
    assert by_key["cert_no"] == "豫(2019)平顶山市不动产权第0012345号"


# ---- the screen -----------------------------------------------------------------------------

def _show(kiosk: Kiosk, catalog, service_id: str, tables: dict, *, language: str = "zh",
          elderly: bool = False, values: dict | None = None) -> ResultPage:
    """Put a result on the real window the way the session does, and let it lay out."""
    service = catalog.get(service_id)
    result = QueryResult(service_id, values or {}, tables, data_as_of="2024-06-30")
    w = kiosk.window
    w.setStyleSheet(theme.stylesheet(elderly=elderly))
    page = w.pages[Screen.RESULT]
    assert isinstance(page, ResultPage)
    page.clear()
    page.show_state(SessionState(token="t", screen=Screen.RESULT, person=PERSON,
                                 service=service, result=result, language=language,
                                 elderly=elderly))
    w.stack.setCurrentWidget(page)
    QApplication.processEvents()
    return page


def _texts_on_screen(card: RowCard) -> dict[str, str]:
    """What the value labels of one card show, by column key."""
    shown = {}
    for label in card.findChildren(QLabel):
        name = label.objectName()
        if name.startswith("CardValue_"):
            assert label.isVisible()
            shown[name.removeprefix("CardValue_")] = label.text()
    return shown


@pytest.mark.parametrize("language", ["zh", "en"])
def test_portrait_result_shows_every_column_of_every_row_as_a_card(portrait_kiosk, catalog,
                                                                   language, shots_dir):
    page = _show(portrait_kiosk, catalog, "real_estate.registration_info",
                 {"properties": PROPERTIES}, language=language, values={"property_count": 2})
    section = page.tables["properties"]
    assert section.mode is TableMode.CARDS
    assert not section.table.isVisible()  # no sideways-scrolling table on a portrait panel
    assert section.cards is not None and section.cards.isVisible()
    columns = _columns(catalog, "real_estate.registration_info", "properties")
    assert len(section.cards.cards) == len(PROPERTIES)
    for number, (card, row) in enumerate(zip(section.cards.cards, PROPERTIES, strict=True), 1):
        expected = {c.key: format_value(row[c.key], c.format, language) for c in columns}
        assert _texts_on_screen(card) == expected
        labels = [label.text() for label in card.labels]
        assert labels == [c.label_zh if language == "zh" else c.label_en for c in columns]
        assert str(number) in card.heading.text() and str(len(PROPERTIES)) in card.heading.text()
    # Nothing is wider than the panel: the answer scrolls downwards only.
    assert page.scroll_area.horizontalScrollBar().maximum() == 0
    assert page.content.minimumSizeHint().width() <= page.scroll_area.viewport().width()
    portrait_kiosk.shot(shots_dir, f"25_portrait_cards_{language}")


def test_a_table_that_fits_a_landscape_panel_stays_a_table(kiosk, catalog):
    rows = [{"insurance": "基本养老保险", "status": "正常参保", "since": "2010-07-01",
             "base": "6500"}]
    service = catalog.get("social_insurance.enrollment_status")
    key = next(f.key for f in service.result_fields if f.format == "table")
    columns = next(f.columns for f in service.result_fields if f.key == key)
    rows = [{c.key: v for c, v in zip(columns, rows[0].values(), strict=True)}]
    page = _show(kiosk, catalog, service.id, {key: rows})
    section = page.tables[key]
    assert section.mode is TableMode.TABLE
    assert section.table.isVisible() and section.cards is None
    assert section.natural_width() <= section.width()
    table = kiosk.find(QTableView, f"Table_{key}")
    assert table.model().index(0, 3).data() == "¥6,500.00"


def test_a_table_too_wide_for_landscape_becomes_cards_two_to_a_line(kiosk, catalog, shots_dir):
    page = _show(kiosk, catalog, "real_estate.registration_info", {"properties": PROPERTIES * 2},
                 elderly=True)
    section = page.tables["properties"]
    assert section.natural_width() > page.table_width()
    assert section.mode is TableMode.CARDS and not section.table.isVisible()
    assert section.cards is not None and section.cards.per_line == 2
    first, second, third = section.cards.cards[:3]
    assert first.y() == second.y() < third.y() and first.x() < second.x()
    assert page.scroll_area.horizontalScrollBar().maximum() == 0
    kiosk.shot(shots_dir, "26_landscape_elderly_cards")


def test_elderly_labels_wrap_within_the_card_and_values_keep_their_room(portrait_kiosk,
                                                                         catalog):
    page = _show(portrait_kiosk, catalog, "real_estate.registration_info",
                 {"properties": PROPERTIES}, language="en", elderly=True)
    card = page.tables["properties"].cards.cards[0]
    assert card.labels[0].font().pixelSize() == round(30 * theme.ELDERLY_SCALE)
    for label in card.labels:
        # the label column is at most 40% of the card, and a label that fits is not broken
        assert label.width() <= 0.4 * card.width()
        if label.fontMetrics().horizontalAdvance(label.text()) < label.width():
            assert label.heightForWidth(label.width()) < 1.5 * label.fontMetrics().height()
    for label in card.findChildren(QLabel):
        # every label is tall enough for its wrapped text: nothing is cut off
        assert label.height() >= label.heightForWidth(label.width()) - 1


def test_switching_language_or_text_size_rebuilds_the_cards(portrait_kiosk, catalog):
    page = _show(portrait_kiosk, catalog, "real_estate.registration_info",
                 {"properties": PROPERTIES})
    service = catalog.get("real_estate.registration_info")
    state = SessionState(token="t", screen=Screen.RESULT, person=PERSON, service=service,
                         result=QueryResult(service.id, {}, {"properties": PROPERTIES}))
    page.show_state(replace(state, language="en"))
    QApplication.processEvents()
    card = page.tables["properties"].cards.cards[0]
    assert _texts_on_screen(card)["area"] == "118.56 m²"
    page.clear()
    assert page.tables == {} and page.values == {}


@pytest.mark.parametrize("size", [(1920, 1080), (1080, 1920)], ids=["landscape", "portrait"])
def test_wide_table_never_needs_sideways_room_in_any_text_size(qtbot, catalog, size):
    kiosk = Kiosk(qtbot, catalog, size)
    try:
        for elderly in (False, True):
            for language in ("zh", "en"):
                page = _show(kiosk, catalog, "real_estate.registration_info",
                             {"properties": PROPERTIES}, language=language, elderly=elderly,
                             values={"property_count": 2})
                where = f"{language} elderly={elderly} {size}"
                assert page.tables["properties"].mode is TableMode.CARDS, where
                assert page.minimumSizeHint().width() <= kiosk.window.stack.width(), where
                assert page.scroll_area.horizontalScrollBar().maximum() == 0, where
                for card in page.tables["properties"].cards.cards:
                    assert card.geometry().right() < page.content.width(), where
    finally:
        kiosk.window.close()
