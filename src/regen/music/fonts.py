"""Fonts for the text of regen's music figures (lyrics under notes, titles): the default family with a
CJK fallback, and nothing a font cannot draw.

matplotlib's default DejaVu Sans has no Chinese, Japanese or Korean glyphs: lyrics in them would come
out as boxes, with a "Glyph ... missing from font(s)" warning per character. `figure_fonts()` is a
matplotlib rc context whose font family is the default one followed by an installed CJK family
(Noto Sans CJK from Debian's fonts-noto-cjk, Source Han Sans, WenQuanYi, Droid Sans Fallback), looked
up among the system's font files, so a font installed after matplotlib built its font cache is found
too. `drawable(text)` drops the characters no family of that context can draw (every CJK character
when no CJK font is installed); the first time it drops any, it says so in one line on stderr.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

CJK_FONT_FILES = ("notosanscjk", "notoserifcjk", "sourcehansans", "sourcehanserif", "wqy-", "droidsansfallback",
                  "notosanssc", "notosanstc", "notosansjp", "notosanskr")
"""Lower-case starts of the file names of fonts with CJK glyphs, in order of preference."""
PROBE = 0x4E00
"""一, a character every CJK font draws."""


def _preference(path: str) -> tuple[int, bool, str]:
    """Sort key: the earlier a name in `CJK_FONT_FILES`, then regular weights, first."""
    name = Path(path).name.lower()
    rank = next((k for k, start in enumerate(CJK_FONT_FILES) if name.startswith(start)), len(CJK_FONT_FILES))
    return rank, "regular" not in name, name


@lru_cache(maxsize=1)
def _default_font() -> tuple[str, frozenset[int]]:
    """(family, code points) of the font matplotlib draws text with by default."""
    from matplotlib import font_manager
    from matplotlib.ft2font import FT2Font

    font = FT2Font(font_manager.findfont(font_manager.FontProperties()))
    return font.family_name, frozenset(font.get_charmap())


@lru_cache(maxsize=1)
def cjk_font() -> tuple[str, frozenset[int]] | None:
    """(family, code points) of an installed font with CJK glyphs, registered with matplotlib; None when
    there is none."""
    from matplotlib import font_manager
    from matplotlib.ft2font import FT2Font

    candidates = [p for p in font_manager.findSystemFonts() if _preference(p)[0] < len(CJK_FONT_FILES)]
    for path in sorted(candidates, key=_preference):
        try:
            font = FT2Font(path)
            charmap = frozenset(font.get_charmap())
        except (OSError, RuntimeError, ValueError):
            continue
        if PROBE in charmap:
            if not any(Path(entry.fname) == Path(path) for entry in font_manager.fontManager.ttflist):
                font_manager.fontManager.addfont(path)
            return font.family_name, charmap
    return None


def default_family() -> str:
    """The default family alone: for bold Latin labels (a CJK font may have no bold face to fall back on)."""
    return _default_font()[0]


def families() -> list[str]:
    """The font family list of the figures: the default family, then the CJK one when installed."""
    fallback = cjk_font()
    return [default_family(), *([fallback[0]] if fallback else [])]


@lru_cache(maxsize=1)
def _say_left_out() -> None:
    print("note: the figures leave out characters no installed font draws; for Chinese, Japanese and Korean "
          "lyrics install a CJK font (Debian: apt-get install fonts-noto-cjk)", file=sys.stderr, flush=True)


def drawable(text: str) -> str:
    """`text` without the characters no font of `families()` can draw (whitespace is kept)."""
    fallback = cjk_font()
    known = _default_font()[1] | (fallback[1] if fallback else frozenset())
    kept = "".join(ch for ch in text if ch.isspace() or ord(ch) in known)
    if kept != text:
        _say_left_out()
    return kept


@contextmanager
def figure_fonts() -> Iterator[None]:
    """A matplotlib rc context that draws text in `families()` (build and save the figure inside it)."""
    import matplotlib

    with matplotlib.rc_context({"font.family": families()}):
        yield
