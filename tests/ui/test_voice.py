"""The terminal's voice: espeak-ng really makes speech in Mandarin and English, every screen
has something to say in both languages, "read aloud" reads what is shown (never a full ID
number), and speech never holds up the GUI thread."""

from __future__ import annotations

import re
import subprocess
import threading
from dataclasses import replace

import pytest
from PySide6.QtWidgets import QLabel, QPushButton
from test_layout import states
from ui_harness import FakeAudit, FakeCard, FakeCertificates, FakeClock, FakeFace, FakeQuery

from kiosk import flow
from kiosk.flow import Screen
from kiosk.session import SessionRunner
from kiosk.ui import espeak
from kiosk.ui.spoken import result_summary, spell_code, without_id_numbers
from kiosk.ui.texts import SCREEN_PROMPTS, VOICE
from kiosk.ui.voice import VoicePrompts
from services_catalog.model import QueryResult

CJK = re.compile(r"[\u4e00-\u9fff]")
SPEECH_RMS_FLOOR = 300.0  # 16-bit samples; espeak-ng's speech is in the thousands


def test_wav_stats_tells_silence_from_sound():
    rate = 22050
    header = b"RIFF" + b"\xff\xff\xff\x7f" + b"WAVEfmt " + (16).to_bytes(4, "little") + \
        (1).to_bytes(2, "little") + (1).to_bytes(2, "little") + rate.to_bytes(4, "little") + \
        (rate * 2).to_bytes(4, "little") + (2).to_bytes(2, "little") + \
        (16).to_bytes(2, "little") + b"data" + b"\xff\xff\xff\x7f"
    silence = espeak.wav_stats(header + b"\x00\x00" * rate)
    assert silence.duration_s == pytest.approx(1.0) and silence.rms == 0
    loud = espeak.wav_stats(header + (4000).to_bytes(2, "little", signed=True) * rate)
    assert loud.rms == pytest.approx(4000)
    with pytest.raises(ValueError):
        espeak.wav_stats(b"not a wav")


@pytest.mark.parametrize(("language", "prompt"), [("zh", "welcome"), ("en", "welcome"),
                                                  ("zh", "more_time"), ("en", "more_time")])
def test_espeak_renders_speech_not_silence(language, prompt):
    assert espeak.binary(), "espeak-ng is missing: run scripts/install-system-deps.sh"
    text = VOICE[prompt][0 if language == "zh" else 1]
    stats = espeak.wav_stats(espeak.render_wav(text, language))
    assert stats.rms > SPEECH_RMS_FLOOR, f"{language}: silent ({stats.rms:.0f})"
    # Plausible for the text: Mandarin about 3-8 syllables a second, English 1.5-5 words.
    if language == "zh":
        syllables = len(CJK.findall(text))
        assert syllables / 8 < stats.duration_s < syllables / 2, stats
    else:
        words = len(text.split())
        assert words / 5 < stats.duration_s < words / 1.2, stats
    slow = espeak.wav_stats(espeak.render_wav(text, language, slow=True))
    assert slow.duration_s > stats.duration_s  # large-text mode speaks more slowly


def test_the_mandarin_voice_is_not_spelling_out_characters():
    """A voice without Mandarin reads hanzi as "Chinese letter": far longer than speech."""
    text = "请将身份证放在读卡区。"
    zh = espeak.wav_stats(espeak.render_wav(text, "zh"))
    en_voice_reading_hanzi = espeak.wav_stats(espeak.render_wav(text, "en"))
    assert zh.duration_s < en_voice_reading_hanzi.duration_s


def test_every_screen_has_a_prompt_in_both_languages(qtbot, catalog):
    from ui_harness import Kiosk

    for screen in Screen:
        zh, en = SCREEN_PROMPTS[screen.value]
        assert CJK.search(zh), screen
        assert en.strip() and not CJK.search(en), screen
    kiosk = Kiosk(qtbot, catalog, (1920, 1080))
    try:
        for screen, state in states(catalog).items():
            page = kiosk.window.pages[screen]
            for language in ("zh", "en"):
                shown = replace(state, screen=screen, language=language)
                page.show_state(shown)
                for said in (page.prompt(shown), page.read_aloud(shown)):
                    assert said.strip(), f"{screen.name} {language}"
                    assert bool(CJK.search(said)) == (language == "zh") or \
                        screen is Screen.RESULT, f"{screen.name} {language}: {said}"
    finally:
        kiosk.window.close()


def test_summaries_never_speak_an_id_number_in_full(catalog):
    assert without_id_numbers("证件号 410402198805201238 已核验") == \
        "证件号 4104**********1238 已核验"
    assert spell_code("K7Q2-9XHD", "en") == "K 7 Q 2, 9 X H D"
    service = next(s for s in catalog.services
                   if any(f.format == "text" for f in s.result_fields))
    field = next(f for f in service.result_fields if f.format == "text")
    result = QueryResult(service.id, {field.key: "持有人 11010519491231002X"})
    for language in ("zh", "en"):
        said = result_summary(service, result, language)
        assert "11010519491231002X" not in said and "1101**********002X" in said
    nothing = result_summary(service, QueryResult(service.id, record_found=False), "zh")
    assert "未查询到相关记录" in nothing


def make_window(qtbot, catalog, voice):
    from kiosk.ui.main_window import MainWindow

    clock = FakeClock()
    runner = SessionRunner(card=FakeCard(), face=FakeFace(), query=FakeQuery(),
                           certificates=FakeCertificates(), audit=FakeAudit(), voice=voice,
                           clock=clock)
    window = MainWindow(runner, catalog, hall_name_zh="厅", hall_name_en="Hall",
                        hall_phone="0379-12345", terminal_id="T", demo=True, voice=voice,
                        tick_ms=3_600_000)
    qtbot.addWidget(window)
    window.resize(1920, 1080)
    window.show()
    return window, runner, clock


def test_read_aloud_reads_the_screen_then_guides_the_rest_of_the_session(qtbot, catalog):
    voice = VoicePrompts(engine="mock")
    window, runner, _ = make_window(qtbot, catalog, voice)
    try:
        qtbot.mouseClick(window.pages[Screen.ATTRACT].read, _left())
        qtbot.waitUntil(lambda: runner.state.screen is Screen.HOME and runner.state.voice)
        qtbot.waitUntil(lambda: any("请选择业务类别" in t for t in voice.texts))
        assert "房产" in voice.texts[-1]  # the categories are named
        runner.dispatch(flow.ChooseCategory(catalog.services[0].category))
        # voice is on for this session: the next screen announces itself
        qtbot.waitUntil(lambda: any("请选择要办理的业务" in t for t in voice.texts))
        voice.texts.clear()
        qtbot.mouseClick(window.bar.read_button, _left())
        qtbot.waitUntil(lambda: any(catalog.services[0].name_zh in t for t in voice.texts))
        runner.dispatch(flow.SetLanguage("en"))
        qtbot.mouseClick(window.bar.read_button, _left())
        qtbot.waitUntil(lambda: any(catalog.services[0].name_en in t for t in voice.texts))
        runner.dispatch(flow.Finish())
        qtbot.waitUntil(lambda: window.current_page() is window.pages[Screen.ATTRACT])
        assert not voice.texts  # forgotten with the session
        runner.dispatch(flow.Touch())
        qtbot.wait(30)
        assert not runner.state.voice and not voice.texts  # the next citizen starts quiet
    finally:
        window.close()


def test_errors_are_read_aloud_with_what_to_do_next(qtbot, catalog):
    voice = VoicePrompts(engine="mock")
    window, runner, _ = make_window(qtbot, catalog, voice)
    try:
        runner.dispatch(flow.Touch())
        state = replace(states(catalog)[Screen.ERROR], screen=Screen.ERROR,
                        token=runner.state.token)
        page = window.pages[Screen.ERROR]
        page.show_state(state)
        said = page.read_aloud(state)
        assert state.message is not None and state.message.zh in said
        assert page.next_step.text() in said
    finally:
        window.close()


def test_idle_warning_is_spoken_even_with_voice_off(qtbot, catalog):
    voice = VoicePrompts(engine="mock")
    window, runner, clock = make_window(qtbot, catalog, voice)
    try:
        runner.dispatch(flow.Touch())
        qtbot.waitUntil(lambda: runner.state.screen is Screen.HOME)
        assert not voice.texts  # normal mode, nobody asked: quiet
        clock.now += runner.timeouts.idle_s - runner.timeouts.warning_s
        window._tick()
        assert window.more_time.isVisible()
        qtbot.waitUntil(lambda: any("还需要更多时间" in t for t in voice.texts))
        assert window.more_time.keep.minimumHeight() >= 0  # exists; its size is the QSS's
        assert window.findChild(QPushButton, "MoreTime").isVisible()
    finally:
        window.close()


def test_speech_runs_off_the_gui_thread_and_is_cut_by_the_next(monkeypatch):
    started = threading.Event()
    processes: list[subprocess.Popen] = []
    real_popen = subprocess.Popen

    def slow_engine(*args, **kwargs):  # a "voice" that speaks for a minute
        process = real_popen(["sleep", "60"], stdin=subprocess.PIPE,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        processes.append(process)
        started.set()
        return process

    monkeypatch.setattr(espeak.subprocess, "Popen", slow_engine)
    speaker = espeak.Speaker()
    try:
        speaker.say("一段很长的话", "zh")  # returns at once: the worker speaks
        assert started.wait(10)
        assert processes[0].poll() is None
        speaker.say("下一句", "zh")  # the screen moved on: the first is cut
        assert processes[0].wait(10) is not None
        speaker.stop()
    finally:
        speaker.close()
        for process in processes:
            if process.poll() is None:
                process.kill()
            process.wait()


def _left():
    from PySide6.QtCore import Qt

    return Qt.MouseButton.LeftButton


def test_language_and_large_text_from_the_attract_screen_last_the_session(kiosk):
    w = kiosk.window
    attract = w.pages[Screen.ATTRACT]
    kiosk.click(attract.language)  # the touch starts the session, the button sets English
    kiosk.qtbot.waitUntil(lambda: kiosk.state.screen is Screen.HOME
                          and kiosk.state.language == "en")
    kiosk.runner.dispatch(flow.Finish())
    kiosk.wait_screen(Screen.ATTRACT)
    assert kiosk.state.language == "zh"  # the next citizen starts afresh
    kiosk.click(attract.elderly)
    kiosk.qtbot.waitUntil(lambda: kiosk.state.elderly)
    kiosk.wait_screen(Screen.HOME)
    kiosk.click(w.bar.language_button)
    kiosk.qtbot.waitUntil(lambda: kiosk.state.language == "en")
    kiosk.click(kiosk.find(QPushButton, "Category_pension"))
    kiosk.wait_screen(Screen.SERVICE_LIST)
    kiosk.click(w.bar.home_button)
    kiosk.wait_screen(Screen.HOME)
    assert kiosk.state.elderly and kiosk.state.language == "en" and kiosk.state.token


def test_help_explains_the_categories_and_the_phones(kiosk):
    w = kiosk.window
    kiosk.runner.dispatch(flow.Touch())
    kiosk.wait_screen(Screen.HOME)
    for language, words in (("zh", ("不动产登记中心", "住房管理部门", "0379-12345", "12345")),
                            ("en", ("legal title", "housing office", "0379-12345", "12345"))):
        kiosk.runner.dispatch(flow.SetLanguage(language))
        kiosk.qtbot.waitUntil(lambda lang=language: kiosk.state.language == lang)
        kiosk.click(w.bar.help_button)
        shown = " ".join(label.text() for label in w.help.findChildren(QLabel))
        for word in words:
            assert word in shown, (language, word)
        assert len(w.help.categories) == 7 and all(c.text() for c in w.help.categories.values())
        kiosk.click(w.help.staff)  # Call staff: no way to reach staff here, so the phone
        assert "0379-12345" in w.help.staff_note.text()
        kiosk.click(w.help.close_button)


def test_the_kept_code_is_spoken_even_with_voice_off(qtbot, catalog):
    """A print that fails leaves the citizen a code: said aloud whoever looks away."""
    voice = VoicePrompts(engine="mock")
    window, runner, _ = make_window(qtbot, catalog, voice)
    try:
        runner.dispatch(flow.Touch())
        qtbot.waitUntil(lambda: runner.state.screen is Screen.HOME)
        assert not voice.texts  # normal mode, nobody asked: quiet
        runner._state = replace(states(catalog)[Screen.PRINT_KEPT], screen=Screen.PRINT_KEPT,
                                token=runner.state.token)
        window.sync()
        assert window.current_page() is window.pages[Screen.PRINT_KEPT], voice.texts
        qtbot.waitUntil(lambda: any("K 7 Q 2" in t for t in voice.texts))
    finally:
        window.close()
