"""The home screen (category grid and search) and the service list of one category."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QEvent,
    QModelIndex,
    QPersistentModelIndex,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QBoxLayout,
    QGridLayout,
    QHBoxLayout,
    QLineEdit,
    QListView,
    QPushButton,
    QScroller,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from kiosk import flow
from kiosk.ui import theme
from kiosk.ui.keyboard import OnScreenKeyboard
from kiosk.ui.screens.base import CatalogView, Page, UiContext
from kiosk.ui.spoken import joined, services_summary
from kiosk.ui.texts import pick, t, wrap_label
from kiosk.ui.widgets import make_button, make_label
from services_catalog.catalog import closed_until
from services_catalog.model import CATEGORY_NAMES, AuthMethod, Category, Service

ServiceRole = Qt.ItemDataRole.UserRole + 1
_Index = QModelIndex | QPersistentModelIndex
_ROOT = QModelIndex()  # the invisible root of a flat model


def search_phrases(catalog: CatalogView) -> list[str]:
    """Words the pinyin keyboard offers first here: categories, service names, keywords."""
    phrases = [zh for zh, _ in CATEGORY_NAMES.values()]
    for service in catalog.enabled():
        phrases.append(service.name_zh)
        phrases.extend(service.keywords)
    return phrases


def service_summary(service: Service, language: str, now: datetime | None = None) -> str:
    """Two lines for a list row: the name, then agency, what it needs, and whether it prints."""
    name = service.name_zh if language == "zh" else service.name_en
    agency = service.agency_zh if language == "zh" else service.agency_en
    parts = [agency, t("needs_face" if service.auth is AuthMethod.CARD_FACE else "needs_card",
                       language)]
    if service.printable:
        parts.append(t("can_print", language))
    opens_at = closed_until(service, now or datetime.now())
    if opens_at:
        parts = [t("closed_until", language, opens_at=opens_at)]
    return f"{name}\n{' · '.join(parts)}"



class ServiceListModel(QAbstractListModel):
    """Services as big two-line rows."""

    def __init__(self, clock: Callable[[], datetime] = datetime.now) -> None:
        super().__init__()
        self._services: list[Service] = []
        self._language = "zh"
        self._clock = clock  # rows say "closed now" by the terminal's wall clock

    def set_services(self, services: Sequence[Service], language: str) -> None:
        self.beginResetModel()
        self._services = list(services)
        self._language = language
        self.endResetModel()

    def rowCount(self, parent: _Index = _ROOT) -> int:  # noqa: N802 (Qt naming)
        return 0 if parent.isValid() else len(self._services)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._services):
            return None
        service = self._services[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return service_summary(service, self._language, self._clock())
        if role == ServiceRole:
            return service
        return None

    def service_at(self, row: int) -> Service:
        return self._services[row]


class ServiceListView(QListView):
    """A list of services that scrolls by finger and chooses a service on tap."""

    chosen = Signal(object)

    def __init__(self, clock: Callable[[], datetime] = datetime.now) -> None:
        super().__init__()
        self.model_ = ServiceListModel(clock)
        self.setModel(self.model_)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setWordWrap(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setUniformItemSizes(False)  # a long name wraps onto a third line
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        QScroller.grabGesture(self.viewport(), QScroller.ScrollerGestureType.TouchGesture)
        self.clicked.connect(lambda index: self.chosen.emit(self.model_.service_at(index.row())))


class TapLineEdit(QLineEdit):
    """A text field that tells its screen when it is touched (to bring up the keyboard)."""

    tapped = Signal()

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        # No Cut/Copy/Paste menu on a long press: the on-screen keyboard is the only input.
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.NoContextMenu)

    def mousePressEvent(self, event: Any) -> None:  # noqa: N802
        super().mousePressEvent(event)
        self.tapped.emit()

    def event(self, event: QEvent) -> bool:
        handled = super().event(event)
        if event.type() in (QEvent.Type.Polish, QEvent.Type.StyleChange,
                            QEvent.Type.PaletteChange):
            # The stylesheet draws a hint in the text colour at half strength (3.5:1 on
            # white); Qt's QSS cannot set it, so the palette does, after every restyle.
            palette = self.palette()
            hint = QColor(theme.PLACEHOLDER_COLOR)
            if palette.color(QPalette.ColorRole.PlaceholderText) != hint:
                palette.setColor(QPalette.ColorRole.PlaceholderText, hint)
                self.setPalette(palette)
        return handled


class CurrentPageStack(QStackedWidget):
    """A stack that asks for the room of the page it shows, not of its biggest page: the
    category grid needs less height than the search with its keyboard."""

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt naming)
        current = self.currentWidget()
        return current.sizeHint() if current is not None else super().sizeHint()

    def minimumSizeHint(self) -> QSize:  # noqa: N802
        current = self.currentWidget()
        return current.minimumSizeHint() if current is not None else super().minimumSizeHint()


class HomePage(Page):
    def __init__(self, ctx: UiContext) -> None:
        super().__init__(ctx)
        self.language = "zh"
        self.title = make_label("", "title")
        self.search = TapLineEdit()
        self.search.setObjectName("Search")
        self.search.tapped.connect(self.open_search)
        self.search.textChanged.connect(self._refresh_results)
        self.close_search = make_button("", on_click=self.end_search, name="CloseSearch")
        self.close_search.setMaximumWidth(260)
        # Shown once a card was read: Home keeps the citizen signed in, so leaving is explicit.
        self.finish = make_button("", on_click=lambda: self.ctx.dispatch(flow.Finish()),
                                  name="HomeFinish")
        self.finish.setMaximumWidth(360)
        self.finish.hide()
        search_row = QHBoxLayout()
        search_row.addWidget(self.search, 1)
        search_row.addWidget(self.close_search)
        search_row.addWidget(self.finish)

        self.grid_box = QWidget()
        self.grid = QGridLayout(self.grid_box)
        self.grid.setSpacing(24)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.category_buttons: dict[Category, QPushButton] = {}
        for category in Category:
            button = make_button("", "category",
                                 lambda c=category: self.ctx.dispatch(flow.ChooseCategory(c)),
                                 name=f"Category_{category.value}")
            # Equal columns whatever the label's length (labels wrap instead).
            button.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Expanding)
            button.setMinimumHeight(160)
            self.category_buttons[category] = button
        self._columns = 0

        self.results_box = QWidget()
        results = QVBoxLayout(self.results_box)
        results.setContentsMargins(0, 0, 0, 0)
        self.results_label = make_label("", "hint")
        self.results = ServiceListView(self.ctx.wall_clock)
        self.results.chosen.connect(lambda s: self.ctx.dispatch(flow.ChooseService(s)))
        self.keyboard = OnScreenKeyboard()
        self.keyboard.set_mode("search")
        self.keyboard.attach(self.search)
        self.keyboard.connect_to_target()
        self.keyboard.set_phrases(search_phrases(self.ctx.catalog))
        # Letters being composed search too: "bdc" finds by initials before any choice.
        self.keyboard.composing_changed.connect(lambda _letters: self._refresh_results())
        self.keyboard.hide_requested.connect(self.keyboard.hide)
        # Landscape: results beside the keyboard; portrait: above it (see resizeEvent).
        # The keyboard takes the full height beside (or below) the results and their label.
        found = QVBoxLayout()
        found.addWidget(self.results_label)
        found.addWidget(self.results, 1)
        self.results_split = QBoxLayout(QBoxLayout.Direction.LeftToRight)
        self.results_split.addLayout(found, 1)
        self.results_split.addWidget(self.keyboard, 1)
        results.addLayout(self.results_split, 1)

        self.switch = CurrentPageStack()
        self.switch.addWidget(self.grid_box)
        self.switch.addWidget(self.results_box)

        self.body.addWidget(self.title)
        # Also here, not only on the attract screen: a touch anywhere there lands on Home.
        self.collect = make_button("", on_click=lambda: self.ctx.dispatch(flow.StartCollect()),
                                   name="HomeCollect")
        self.all_services = make_button(
            "", on_click=lambda: self.ctx.dispatch(flow.ShowAllServices()),
            name="HomeAllServices")
        self.extras = QWidget()
        extras = QHBoxLayout(self.extras)
        extras.setContentsMargins(0, 0, 0, 0)
        extras.setSpacing(24)
        extras.addWidget(self.collect)
        extras.addWidget(self.all_services)
        self.body.addLayout(search_row)
        self.body.addWidget(self.switch, 1)
        self.body.addWidget(self.extras)
        self.close_search.hide()
        self._layout_grid()

    def _layout_grid(self) -> None:
        self.results_split.setDirection(QBoxLayout.Direction.TopToBottom if self.portrait()
                                        else QBoxLayout.Direction.LeftToRight)
        columns = 2 if self.portrait() else 4
        if columns == self._columns:
            return
        self._columns = columns
        for button in self.category_buttons.values():
            self.grid.removeWidget(button)
        for column in range(4):
            self.grid.setColumnStretch(column, 1 if column < columns else 0)
        for i, category in enumerate(Category):
            self.grid.addWidget(self.category_buttons[category], i // columns, i % columns)

    def resizeEvent(self, event: Any) -> None:  # noqa: N802
        super().resizeEvent(event)
        self._layout_grid()

    def show_state(self, state: flow.SessionState) -> None:
        language = state.language
        self.finish.setVisible(state.person is not None)
        if language == self.language and self.title.text():
            return
        self.language = language
        self.finish.setText(t("finish_session", language))
        self.collect.setText(t("collect", language))
        self.all_services.setText(t("all_services", language))
        self.title.setText(t("home_title", language))
        self.search.setPlaceholderText(t("search_hint", language))
        self.close_search.setText(t("close", language))
        self.keyboard.set_language(language)
        self.keyboard.set_pinyin(language == "zh")  # English searches type letters
        for category, button in self.category_buttons.items():
            button.setText(wrap_label(pick(CATEGORY_NAMES[category], language)))
        self._refresh_results()

    def open_search(self) -> None:
        self.keyboard.show()
        self.title.hide()  # room for the keyboard; the search box says what it is
        self.extras.hide()
        self.switch.setCurrentWidget(self.results_box)
        self.switch.updateGeometry()
        self.close_search.show()
        self._refresh_results()

    def end_search(self) -> None:
        self.keyboard.forget()
        self.title.show()
        self.extras.show()
        self.search.clear()
        self.switch.setCurrentWidget(self.grid_box)
        self.switch.updateGeometry()
        self.close_search.hide()

    def _refresh_results(self) -> None:
        text = (self.search.text() + self.keyboard.composing()).strip()
        found = [s for s in self.ctx.catalog.search(text) if s.enabled] if text else []
        self.results.model_.set_services(found, self.language)
        if not text:
            self.results_label.setText(t("search_hint", self.language))
        elif not found:
            self.results_label.setText(t("no_search_results", self.language))
        else:
            self.results_label.setText(f"{t('search_results', self.language)} ({len(found)})")

    def read_aloud(self, state: flow.SessionState) -> str:
        if self.switch.currentWidget() is self.results_box:
            model = self.results.model_
            names = [model.service_at(row).name_zh if state.language == "zh"
                     else model.service_at(row).name_en for row in range(model.rowCount())]
            return services_summary(self.results_label.text(), names, state.language)
        names = [pick(CATEGORY_NAMES[c], state.language) for c in self.category_buttons]
        listed = ("、" if state.language == "zh" else ", ").join(names)
        return joined([self.prompt(state), listed], state.language)

    def clear(self) -> None:
        self.end_search()
        self.finish.hide()
        self.results.model_.set_services([], self.language)


class ServiceListPage(Page):
    def __init__(self, ctx: UiContext) -> None:
        super().__init__(ctx)
        self.title = make_label("", "title")
        self.empty = make_label("", "body")
        self.list = ServiceListView(self.ctx.wall_clock)
        self.list.chosen.connect(lambda s: self.ctx.dispatch(flow.ChooseService(s)))
        self.body.addWidget(self.title)
        self.body.addWidget(self.empty)
        self.body.addWidget(self.list, 1)
        self._key: tuple[Category | None, str] | None = None

    def show_state(self, state: flow.SessionState) -> None:
        key = (state.category, state.language)
        if key == self._key:
            return
        self._key = key
        language = state.language
        if state.category is None:
            services: list[Service] = []
            name = ""
        else:
            services = [s for s in self.ctx.catalog.in_category(state.category) if s.enabled]
            name = pick(CATEGORY_NAMES[state.category], language)
        self.title.setText(t("service_list_title", language, category=name))
        self.list.model_.set_services(services, language)
        self.empty.setText(t("no_services", language))
        self.empty.setVisible(not services)
        self.list.setVisible(bool(services))

    def read_aloud(self, state: flow.SessionState) -> str:
        model = self.list.model_
        names = [model.service_at(row).name_zh if state.language == "zh"
                 else model.service_at(row).name_en for row in range(model.rowCount())]
        return services_summary(self.title.text(), names, state.language)

    def clear(self) -> None:
        self._key = None
        self.list.model_.set_services([], "zh")
        self.list.scrollToTop()
