"""Spoken prompts (session.VoicePort) through Qt's text-to-speech, when an engine exists.

The runner calls `speak` from whatever thread dispatched the event; QTextToSpeech must be used
on the thread it lives on, so the call is re-emitted as a queued signal. Voice is on in elderly
mode (or always, if configured); with no usable engine the terminal is simply silent.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, Signal

from kiosk.ui.texts import VOICE, pick

log = logging.getLogger(__name__)

# Qt ships a "mock" engine for its own tests; it must never be mistaken for a real voice.
PREFERRED_ENGINES = ("speechd", "flite", "sapi", "winrt", "darwin", "android")


def choose_engine(available: list[str], wanted: str | None = None) -> str | None:
    """The engine to use: the one asked for if present, else the first real one."""
    if wanted is not None:
        return wanted if wanted in available else None
    for name in PREFERRED_ENGINES:
        if name in available:
            return name
    return None


class VoicePrompts(QObject):
    """Implements session.VoicePort. Construct on the GUI thread."""

    _say = Signal(str, str)

    def __init__(self, *, always: bool = False, engine: str | None = None,
                 elderly: Callable[[], bool] | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.always = always
        self._elderly = elderly or (lambda: False)
        # The last prompts said, as (prompt key, language): for the attendant and for tests.
        self.spoken: deque[tuple[str, str]] = deque(maxlen=50)
        self._tts = None
        try:
            from PySide6.QtTextToSpeech import QTextToSpeech

            name = choose_engine(list(QTextToSpeech.availableEngines()), engine)
            if name is not None:
                self._tts = QTextToSpeech(name, self)
                if self._tts.state() == QTextToSpeech.State.Error:
                    log.info("text-to-speech engine %s is not usable: silent", name)
                    self._tts = None
        except ImportError:  # an install without QtTextToSpeech: silent
            self._tts = None
        self._say.connect(self._speak_now, Qt.ConnectionType.QueuedConnection)

    @property
    def available(self) -> bool:
        return self._tts is not None

    def bind_elderly(self, elderly: Callable[[], bool]) -> None:
        """Where to learn whether elderly mode is on (e.g. lambda: runner.state.elderly)."""
        self._elderly = elderly

    def speak(self, prompt: str, language: str) -> None:
        if prompt not in VOICE:
            log.warning("no voice text for prompt %r", prompt)
            return
        if not (self.always or self._elderly()):
            return
        self._say.emit(prompt, language)

    def text_for(self, prompt: str, language: str) -> str:
        return pick(VOICE[prompt], language)

    def _speak_now(self, prompt: str, language: str) -> None:
        self.spoken.append((prompt, language))
        if self._tts is None:
            return
        from PySide6.QtCore import QLocale

        locale = QLocale(QLocale.Language.Chinese if language == "zh" else QLocale.Language.English)
        if self._tts.locale() != locale and locale in self._tts.availableLocales():
            self._tts.setLocale(locale)
        self._tts.stop()  # a new prompt replaces the old one: the screen has moved on
        self._tts.say(self.text_for(prompt, language))

    def stop(self) -> None:
        if self._tts is not None:
            self._tts.stop()
