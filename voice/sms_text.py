"""Text-message shaping: GSM-7 only for English, segment counts."""

from __future__ import annotations

from dataclasses import dataclass

# The GSM 03.38 basic character set, and the extension table (each costs two septets).
GSM7_BASIC = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENDED = "^{}\\[~]|€\f"


@dataclass(frozen=True)
class SegmentInfo:
    encoding: str
    segments: int
    units: int


def is_gsm7(text: str) -> bool:
    return all(ch in GSM7_BASIC or ch in GSM7_EXTENDED for ch in text)


def segment_info(text: str) -> SegmentInfo:
    """How many SMS segments ``text`` takes (160/153 GSM-7 septets, 70/67 UCS-2 units)."""
    if is_gsm7(text):
        units = sum(2 if ch in GSM7_EXTENDED else 1 for ch in text)
        single, multi, encoding = 160, 153, "GSM-7"
    else:
        units = len(text.encode("utf-16-le")) // 2
        single, multi, encoding = 70, 67, "UCS-2"
    segments = 1 if units <= single else -(-units // multi)
    return SegmentInfo(encoding, segments, units)
