"""Finding and loading the CJK TrueType font embedded in every certificate.

ReportLab embeds TrueType outlines only (Noto CJK is CFF-based and cannot be embedded by it),
so the default is WenQuanYi Zen Hei from Debian's fonts-wqy-zenhei, read as face 0 of its TTC.
pyHanko's OpenType engine wants a single-face file, so `single_face_ttf` extracts that face
once into a cache directory with fontTools.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path

from printing.errors import FontNotFound

# Searched in order when no path is configured.
DEFAULT_FONT_PATHS: tuple[Path, ...] = (
    Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"),
    Path("/usr/share/fonts/wqy-zenhei/wqy-zenhei.ttc"),
    Path("/usr/local/share/fonts/wqy-zenhei.ttc"),
)
FONT_PATH_ENV = "GOV_KIOSK_CJK_FONT"
DEBIAN_PACKAGE = "fonts-wqy-zenhei"
REPORTLAB_FONT_NAME = "KioskCJK"

_lock = threading.Lock()
_registered: dict[tuple[str, int], str] = {}


@dataclass(frozen=True)
class CjkFont:
    """A TrueType font file (or one face of a collection) with CJK glyphs."""

    path: Path
    subfont_index: int = 0

    @property
    def is_collection(self) -> bool:
        return self.path.suffix.lower() == ".ttc"


def find_cjk_font(path: Path | str | None = None, subfont_index: int = 0) -> CjkFont:
    """Return the configured font, else $GOV_KIOSK_CJK_FONT, else the first default present.

    Raises FontNotFound naming what was tried and the Debian package that provides the default.
    """
    if path is not None:
        candidates: tuple[Path, ...] = (Path(path).expanduser(),)
    elif os.environ.get(FONT_PATH_ENV):
        candidates = (Path(os.environ[FONT_PATH_ENV]).expanduser(),)
    else:
        candidates = DEFAULT_FONT_PATHS
    for candidate in candidates:
        if candidate.is_file():
            return CjkFont(candidate, subfont_index)
    tried = ", ".join(str(c) for c in candidates)
    raise FontNotFound(
        f"no CJK TrueType font found (tried {tried}); install the Debian package "
        f"{DEBIAN_PACKAGE} (apt-get install {DEBIAN_PACKAGE}) or configure a .ttf/.ttc path"
    )


def register_reportlab_font(font: CjkFont) -> str:
    """Register the font with ReportLab once per process and return its ReportLab name.

    Parsing the 17 MB collection takes a noticeable fraction of a second, so it is cached.
    """
    key = (str(font.path), font.subfont_index)
    with _lock:
        name = _registered.get(key)
        if name is not None:
            return name
        from reportlab.pdfbase import pdfmetrics
        from reportlab.pdfbase.ttfonts import TTFError, TTFont

        name = (
            REPORTLAB_FONT_NAME if not _registered else f"{REPORTLAB_FONT_NAME}{len(_registered)}"
        )
        try:
            tt = TTFont(name, str(font.path), subfontIndex=font.subfont_index)
        except (TTFError, OSError) as exc:
            raise FontNotFound(f"{font.path}: not a usable TrueType font ({exc})") from None
        pdfmetrics.registerFont(tt)
        _registered[key] = name
        return name


def single_face_ttf(font: CjkFont, cache_dir: Path) -> Path:
    """A single-face .ttf of `font` for pyHanko stamps, extracted into `cache_dir` once."""
    if not font.is_collection:
        return font.path
    target = cache_dir / f"{font.path.stem}-{font.subfont_index}.ttf"
    source_mtime = font.path.stat().st_mtime
    if target.is_file() and target.stat().st_mtime >= source_mtime:
        return target
    from fontTools.ttLib import TTCollection

    cache_dir.mkdir(parents=True, exist_ok=True)
    collection = TTCollection(str(font.path), lazy=True)
    try:
        face = collection.fonts[font.subfont_index]
    except IndexError:
        raise FontNotFound(f"{font.path}: has no face {font.subfont_index}") from None
    # Write beside the target and rename, so a concurrent reader never sees half a file.
    tmp = target.with_suffix(f".{os.getpid()}.tmp")
    face.save(str(tmp))
    os.replace(tmp, target)
    return target
