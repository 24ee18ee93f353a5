"""Text-message shaping: GSM-7 only for English, segment counts, replies cut to fit.

A GSM-7 segment holds 160 septets (153 when the message is split), a UCS-2 segment 70 units
(67 when split). One character outside GSM-7 switches the whole message to UCS-2, more than
doubling what the customer pays for a long reply, so typographic characters (curly quotes,
dashes, ellipses, odd spaces) are replaced by their plain GSM-7 forms first.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Iterable, List

# The GSM 03.38 basic character set, and the extension table (each costs two septets).
GSM7_BASIC = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENDED = "^{}\\[~]|€\f"
_GSM7 = frozenset(GSM7_BASIC + GSM7_EXTENDED)

GSM7_SINGLE, GSM7_MULTI = 160, 153
UCS2_SINGLE, UCS2_MULTI = 70, 67
MAX_REPLY_SEGMENTS = 3

# Characters English text picks up from word processors and templates, in plain GSM-7.
TRANSLITERATIONS = {
    **dict.fromkeys("\u2018\u2019\u201a\u201b\u2032\u00b4`\u2039\u203a", "'"),
    **dict.fromkeys("\u201c\u201d\u201e\u201f\u2033\u00ab\u00bb", '"'),
    **dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212", "-"),
    **dict.fromkeys("\u00a0\u2002\u2003\u2007\u2009\u200a\u202f\u205f\u3000\t", " "),
    **dict.fromkeys("\u200b\u200c\u200d\u2060\ufeff\u00ad", ""),
    **dict.fromkeys("\u2022\u00b7\u2027", "*"),
    "\u2026": "...",
    "\u00d7": "x",
    "\u00f7": "/",
    "\u2122": "(TM)",
    "\u00a9": "(C)",
    "\u00ae": "(R)",
    "\u00bd": "1/2",
    "\u00bc": "1/4",
    "\u00be": "3/4",
    "\u2192": "->",
    "\u2190": "<-",
    "\u00a2": "c",
    "\u2116": "No.",
    "\u00ba": "o",
    "\u00aa": "a",
}


@dataclass(frozen=True)
class SegmentInfo:
    encoding: str
    segments: int
    units: int


@dataclass(frozen=True)
class ShapedSms:
    """A reply ready to send: its text, and what it costs."""

    text: str
    info: SegmentInfo
    cut: bool = False


def is_gsm7(text: str) -> bool:
    """Every character of ``text`` is in the GSM-7 alphabet (basic or extension)."""
    return all(ch in _GSM7 for ch in text)


def _costs(text: str) -> tuple[str, List[int]]:
    """The encoding ``text`` needs and each character's cost in that encoding's units."""
    if is_gsm7(text):
        return "GSM-7", [2 if ch in GSM7_EXTENDED else 1 for ch in text]
    return "UCS-2", [len(ch.encode("utf-16-le")) // 2 for ch in text]


def _count_segments(costs: List[int], single: int, multi: int) -> int:
    """Segments for these character costs; a character is never split between two segments."""
    if sum(costs) <= single:
        return 1
    segments, used = 1, 0
    for cost in costs:
        if used + cost > multi:
            segments, used = segments + 1, 0
        used += cost
    return segments


def segment_info(text: str) -> SegmentInfo:
    """How many SMS segments ``text`` takes (160/153 GSM-7 septets, 70/67 UCS-2 units)."""
    encoding, costs = _costs(text)
    single, multi = (GSM7_SINGLE, GSM7_MULTI) if encoding == "GSM-7" else (UCS2_SINGLE, UCS2_MULTI)
    return SegmentInfo(encoding, _count_segments(costs, single, multi), sum(costs))


def to_gsm7(text: str) -> str:
    """``text`` with characters that would force UCS-2 replaced by GSM-7 look-alikes.

    Accented letters outside GSM-7 lose their accent ("á" -> "a"); letters GSM-7 has keep
    theirs ("é"). What has no GSM-7 form (another script, emoji) is kept: the customer's
    language needs it, and the message is then sent, and counted, as UCS-2.
    """
    text = text.replace("\r\n", "\n")
    out: List[str] = []
    for ch in text:
        if ch in _GSM7:
            out.append(ch)
        elif ch in TRANSLITERATIONS:
            out.append(TRANSLITERATIONS[ch])
        else:
            plain = "".join(
                c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c)
            )
            out.append(plain if plain and is_gsm7(plain) else ch)
    return "".join(out)


def fit(text: str, ending: str, max_segments: int = MAX_REPLY_SEGMENTS) -> ShapedSms:
    """``text`` cut at a word (or line) boundary so that, with ``ending``, it fits.

    ``ending`` tells the reader the message was cut (e.g. "... (cut short)"). A text with no
    space in its second half is cut mid-word rather than losing half of it.
    """
    info = segment_info(text)
    if info.segments <= max_segments:
        return ShapedSms(text, info)
    low, high = 0, len(text)  # the longest prefix that fits with the ending
    while low < high:
        middle = (low + high + 1) // 2
        if segment_info(text[:middle] + ending).segments <= max_segments:
            low = middle
        else:
            high = middle - 1
    boundary = max(text.rfind(" ", 0, low + 1), text.rfind("\n", 0, low + 1))
    keep = boundary if boundary >= low // 2 else low
    candidate = text[:keep].rstrip(" \n,;:-") + ending
    return ShapedSms(candidate, segment_info(candidate), cut=True)


def shape_reply(
    texts: Iterable[str], ending: str, max_segments: int = MAX_REPLY_SEGMENTS
) -> ShapedSms:
    """One SMS from a turn's messages: joined by lines, GSM-7 where possible, cut to fit."""
    joined = "\n".join(t.strip() for t in texts if t and t.strip())
    return fit(to_gsm7(joined), to_gsm7(ending), max_segments)
