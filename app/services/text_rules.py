"""Rules on text that are the same wherever the text comes from (issue 13).

Bidirectional control characters (U+202A–U+202E embeddings and overrides, U+2066–U+2069 isolates, the marks
U+200E/U+200F) are invisible and reorder what is shown: ``lapRU202Efdp.exe`` reads as ``lapexe.pdf``. They are
refused in file names and titles, where a person relies on what they see."""
import re

BIDI_CONTROLS = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def has_bidi_control(text):
    return bool(text) and BIDI_CONTROLS.search(text) is not None


def is_digits(value):
    """A plain number in ASCII digits. ``str.isdigit`` alone is true for "²" or "٣", which ``int()`` then refuses
    (a 500 on bad input): every door that parses an id or a count from text uses this instead."""
    return isinstance(value, str) and value.isascii() and value.isdigit()
