"""SMS shaping: GSM-7 transliteration, segment counting, cutting long replies to three segments."""

from __future__ import annotations

import pytest

from assistant.messaging.sms_text import (
    GSM7_EXTENDED,
    is_gsm7,
    segment_info,
    shape_reply,
    to_gsm7,
)

ENDING = "... (cut short)"


@pytest.mark.parametrize(
    "text, segments, encoding",
    [
        ("", 1, "GSM-7"),
        ("x" * 160, 1, "GSM-7"),
        ("x" * 161, 2, "GSM-7"),
        ("x" * 306, 2, "GSM-7"),
        ("x" * 307, 3, "GSM-7"),
        ("x" * 459, 3, "GSM-7"),
        ("x" * 460, 4, "GSM-7"),
        ("\u20ac" * 80, 1, "GSM-7"),  # the euro sign costs two septets
        ("\u20ac" * 81, 2, "GSM-7"),
        ("x" * 70 + "\u2019", 2, "UCS-2"),
        ("\u2019" * 70, 1, "UCS-2"),
    ],
)
def test_segment_counts(text: str, segments: int, encoding: str) -> None:
    info = segment_info(text)
    assert (info.segments, info.encoding) == (segments, encoding)


def test_an_escape_pair_is_never_split_between_segments() -> None:
    text = "x" * 152 + "{" + "x" * 10  # the brace would straddle septets 153 and 154
    assert segment_info(text).units == 164
    assert segment_info(text).segments == 2
    assert segment_info("x" * 152 + "{" * 77).segments == 3


@pytest.mark.parametrize(
    "text, plain",
    [
        ("It\u2019s", "It's"),
        ("\u201cYes\u201d", '"Yes"'),
        ("8am\u20138pm \u2014 daily", "8am-8pm - daily"),
        ("Wait\u2026", "Wait..."),
        ("$1,250.00\u00a0today", "$1,250.00 today"),
        ("10:30\u202fAM", "10:30 AM"),
        ("zero\u200bwidth", "zerowidth"),
        ("\u2022 item", "* item"),
        ("Jos\u00e9 and Zo\u00eb", "Jos\u00e9 and Zoe"),  # é is GSM-7, ë is not
        ("Fran\u00e7ois", "Francois"),
        ("line\r\nbreak", "line\nbreak"),
    ],
)
def test_typographic_characters_become_gsm7(text: str, plain: str) -> None:
    assert to_gsm7(text) == plain
    assert is_gsm7(to_gsm7(text))


def test_what_has_no_gsm7_form_is_kept_as_ucs2() -> None:
    shaped = shape_reply(["Payee \u674e\u660e added."], ENDING)
    assert "\u674e\u660e" in shaped.text
    assert shaped.info.encoding == "UCS-2"


def test_a_turn_is_joined_into_one_text_by_lines() -> None:
    shaped = shape_reply(["Thanks, PIN accepted.", "  Checking: $310.00 ", "", None], ENDING)
    assert shaped.text == "Thanks, PIN accepted.\nChecking: $310.00"
    assert (shaped.info.segments, shaped.info.encoding, shaped.cut) == (1, "GSM-7", False)


def test_a_long_reply_is_cut_at_a_word_with_an_ending() -> None:
    words = " ".join(f"word{n}" for n in range(200))
    shaped = shape_reply([words], ENDING)
    assert shaped.cut is True
    assert shaped.text.endswith(ENDING)
    assert shaped.info.segments == 3
    kept = shaped.text[: -len(ENDING)]
    assert words.startswith(kept) and words[len(kept)] == " "  # cut between two words
    assert len(shaped.text) > 440  # nearly all of the three segments is used


def test_a_long_reply_in_ucs2_is_cut_to_three_ucs2_segments() -> None:
    shaped = shape_reply(["\u674e " * 300], ENDING)
    assert shaped.info.encoding == "UCS-2"
    assert shaped.info.segments == 3


def test_a_reply_without_spaces_is_cut_mid_word_rather_than_emptied() -> None:
    shaped = shape_reply(["x" * 1000], ENDING)
    assert shaped.info.segments == 3
    assert shaped.text.startswith("x" * 400)


def test_extension_characters_count_double_when_cutting() -> None:
    shaped = shape_reply([("[a] " * 200)], ENDING)
    assert shaped.info.segments == 3
    assert sum(ch in GSM7_EXTENDED for ch in shaped.text) > 0
