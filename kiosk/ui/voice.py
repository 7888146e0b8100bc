"""The terminal's voice (session.VoicePort, and the screens' "read aloud").

espeak-ng speaks when it is installed (scripts/install-system-deps.sh installs it, with its
Mandarin voice); otherwise Qt's text-to-speech engine if one is usable; with neither the
terminal is silent and says so in the log. Calls may come from any thread: they are re-emitted
as a queued signal, and the engine then works on its own thread, so the GUI never waits for
speech.

Automatic prompts (a screen's guidance when it appears) are spoken while voice is wanted:
large-text mode, a citizen who pressed "read aloud" in this session, or a terminal configured
to always speak. A prompt asked for (the read-aloud button, the idle warning) is always said.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal

from kiosk.ui import espeak
from kiosk.ui.texts import VOICE, pick

log = logging.getLogger(__name__)

# Qt ships a "mock" engine for its own tests; it must never be mistaken for a real voice.
PREFERRED_ENGINES = ("speechd", "flite", "sapi", "winrt", "darwin", "android")


def choose_engine(available: list[str], wanted: str | None = None) -> str | None:
    """The Qt engine to use: the one asked for if present, else the first real one."""
    if wanted is not None:
        return wanted if wanted in available else None
    for name in PREFERRED_ENGINES:
        if name in available:
            return name
    return None


class _QtEngine:
    """QTextToSpeech behind the same two calls as espeak.Speaker (GUI thread only)."""

    def __init__(self, tts: Any) -> None:
        self._tts = tts

    def say(self, text: str, language: str, *, slow: bool = False) -> None:
        from PySide6.QtCore import QLocale

        locale = QLocale(QLocale.Language.Chinese if language == "zh" else QLocale.Language.English)
        if self._tts.locale() != locale and locale in self._tts.availableLocales():
            self._tts.setLocale(locale)
        self._tts.setRate(-0.3 if slow else 0.0)
        self._tts.stop()
        self._tts.say(text)

    def stop(self) -> None:
        self._tts.stop()


def _qt_engine(name: str | None, parent: QObject) -> _QtEngine | None:
    try:
        from PySide6.QtTextToSpeech import QTextToSpeech
    except ImportError:  # an install without QtTextToSpeech
        return None
    chosen = choose_engine(list(QTextToSpeech.availableEngines()), name)
    if chosen is None:
        return None
    tts = QTextToSpeech(chosen, parent)
    if tts.state() == QTextToSpeech.State.Error:
        log.info("text-to-speech engine %s is not usable", chosen)
        return None
    return _QtEngine(tts)


class VoicePrompts(QObject):
    """Implements session.VoicePort. Construct on the GUI thread.

    `engine`: None picks espeak-ng, else a real Qt engine; a Qt engine's name ("mock" in
    tests) forces that one.
    """

    _say = Signal(str, str, str)

    def __init__(self, *, always: bool = False, engine: str | None = None,
                 wanted: Callable[[], bool] | None = None, slow: Callable[[], bool] | None = None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.always = always
        self._wanted = wanted or (lambda: False)
        self._slow = slow or (lambda: False)
        # The last things said, as (prompt key or "text", language): for tests. In memory
        # only, and forgotten with the session (a read-aloud result is personal).
        self.spoken: deque[tuple[str, str]] = deque(maxlen=50)
        self.texts: deque[str] = deque(maxlen=50)
        self._engine: Any = None
        if engine is None and espeak.Speaker.available():
            self._engine = espeak.Speaker()
        else:
            self._engine = _qt_engine(engine, self)
        if self._engine is None:
            log.warning("no speech engine (install espeak-ng): the terminal is silent")
        self._say.connect(self._speak_now, Qt.ConnectionType.QueuedConnection)

    @property
    def available(self) -> bool:
        return self._engine is not None

    def bind_session(self, wanted: Callable[[], bool], slow: Callable[[], bool]) -> None:
        """Where to learn whether the citizen wants voice, and slower speech."""
        self._wanted = wanted
        self._slow = slow

    def on(self) -> bool:
        return self.always or self._wanted()

    # ---- session.VoicePort: a prompt key from the flow ----------------------------------
    def speak(self, prompt: str, language: str) -> None:
        if prompt not in VOICE:
            log.warning("no voice text for prompt %r", prompt)
            return
        if self.on():
            self._say.emit(prompt, pick(VOICE[prompt], language), language)

    def text_for(self, prompt: str, language: str) -> str:
        return pick(VOICE[prompt], language)

    # ---- the screens ----------------------------------------------------------------------
    def announce(self, text: str, language: str) -> None:
        """A screen's guidance as it appears: only while voice is wanted."""
        if text and self.on():
            self._say.emit("text", text, language)

    def say(self, text: str, language: str) -> None:
        """Asked for (read aloud, the idle warning): always said."""
        if text:
            self._say.emit("text", text, language)

    def _speak_now(self, key: str, text: str, language: str) -> None:
        self.spoken.append((key, language))
        self.texts.append(text)
        if self._engine is not None:
            self._engine.say(text, language, slow=self._slow())

    def stop(self) -> None:
        if self._engine is not None:
            self._engine.stop()

    def forget(self) -> None:
        """The session ended: stop talking and drop what was said."""
        self.stop()
        self.spoken.clear()
        self.texts.clear()
