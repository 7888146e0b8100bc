"""Speech through espeak-ng: Mandarin with its `cmn` voice, English with `en`. No Qt.

The text goes to espeak-ng on its standard input, never on the command line (a result summary
must not show in the process list), and nothing is written to disk: espeak-ng plays through
its own audio output, or renders a WAV into memory (`render_wav`, used by the tests and by
`kiosk-admin`-style checks to prove the voice makes sound, not silence).

`Speaker` runs every utterance on one worker thread, so the GUI never waits for speech; a new
utterance cuts the one playing (the screen has moved on).
"""

from __future__ import annotations

import io
import logging
import queue
import shutil
import struct
import subprocess
import threading
from dataclasses import dataclass

log = logging.getLogger(__name__)

VOICES = {"zh": "cmn", "en": "en"}
NORMAL_RATE = 165  # words per minute (espeak-ng's default is 175)
SLOW_RATE = 125  # large-text mode: slower speech for citizens who need it
SPEAK_TIMEOUT_S = 60.0  # no prompt is this long; a hung engine must not hold the worker


def binary() -> str | None:
    return shutil.which("espeak-ng")


def command(language: str, *, slow: bool = False, to_wav: bool = False) -> list[str]:
    """The espeak-ng command line for `language` (text comes on stdin)."""
    exe = binary() or "espeak-ng"
    args = [exe, "-v", VOICES.get(language, VOICES["zh"]),
            "-s", str(SLOW_RATE if slow else NORMAL_RATE)]
    if to_wav:
        args.append("--stdout")
    return args


def render_wav(text: str, language: str, *, slow: bool = False) -> bytes:
    """The utterance as WAV bytes, in memory."""
    done = subprocess.run(command(language, slow=slow, to_wav=True), input=text.encode(),
                          capture_output=True, timeout=SPEAK_TIMEOUT_S, check=True)
    return done.stdout


@dataclass(frozen=True)
class WavStats:
    duration_s: float
    rms: float  # of 16-bit samples, 0..32767
    sample_rate: int


def wav_stats(wav: bytes) -> WavStats:
    """Duration and loudness of a 16-bit mono WAV. espeak-ng's --stdout header carries a
    placeholder length (it streams), so the data is measured, not the header believed."""
    if wav[:4] != b"RIFF" or wav[8:12] != b"WAVE":
        raise ValueError("not a WAV stream")
    stream = io.BytesIO(wav)
    stream.seek(12)
    rate, width, data = 0, 0, b""
    while True:
        head = stream.read(8)
        if len(head) < 8:
            break
        chunk, size = struct.unpack("<4sI", head)
        if chunk == b"fmt ":
            fmt = stream.read(size)
            _, channels, rate = struct.unpack("<HHI", fmt[:8])
            width = struct.unpack("<H", fmt[14:16])[0] // 8
            if channels != 1 or width != 2:
                raise ValueError("expected 16-bit mono")
        elif chunk == b"data":
            data = stream.read()  # to the end: the size field is a placeholder
            break
        else:
            stream.seek(size, io.SEEK_CUR)
    if not rate:
        raise ValueError("WAV stream without a format chunk")
    count = len(data) // 2
    if count == 0:
        return WavStats(0.0, 0.0, rate)
    samples = struct.unpack(f"<{count}h", data[: count * 2])
    rms = (sum(s * s for s in samples) / count) ** 0.5
    return WavStats(count / rate, rms, rate)


class Speaker:
    """Plays utterances one at a time on a worker thread; `say` returns at once."""

    def __init__(self) -> None:
        self._queue: queue.Queue[tuple[int, str, str, bool] | None] = queue.Queue()
        self._lock = threading.Lock()
        self._generation = 0  # bumped by every say/stop: older utterances are dropped
        self._process: subprocess.Popen[bytes] | None = None
        self._worker = threading.Thread(target=self._run, name="voice", daemon=True)
        self._worker.start()

    @staticmethod
    def available() -> bool:
        return binary() is not None

    def say(self, text: str, language: str, *, slow: bool = False) -> None:
        generation = self.stop()
        self._queue.put((generation, text, language, slow))

    def stop(self) -> int:
        with self._lock:
            self._generation += 1
            generation = self._generation
        self._drain()
        self._cut()
        return generation

    def close(self) -> None:
        self.stop()
        self._queue.put(None)

    def _drain(self) -> None:
        try:
            while True:
                self._queue.get_nowait()
        except queue.Empty:
            pass

    def _cut(self) -> None:
        with self._lock:
            if self._process is not None and self._process.poll() is None:
                self._process.terminate()

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            generation, text, language, slow = item
            if generation != self._generation:
                continue
            try:
                process = subprocess.Popen(command(language, slow=slow), stdin=subprocess.PIPE,
                                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            except OSError as exc:
                log.warning("espeak-ng could not start: %s", exc)
                continue
            with self._lock:
                self._process = process
                if generation != self._generation:  # cut while starting
                    process.terminate()
            try:
                process.communicate(text.encode(), timeout=SPEAK_TIMEOUT_S)
            except (subprocess.TimeoutExpired, BrokenPipeError):
                process.kill()
                process.wait()
            with self._lock:
                self._process = None
