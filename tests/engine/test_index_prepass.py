"""The index pre-pass splits files into documents as kubectl does, on '---' lines."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from podwarden.engine.core import split_documents

SEPARATOR = re.compile(r"^---[^\n]*$", re.M)

#: text made of the pieces that matter to a split: separators anywhere, partial ones, line ends
_PIECES = st.sampled_from(["---", "--", "-", "\n", "\r\n", "a: 1", " ", "--- # c", "x---", "|\n  t\n", "\n---\n"])


@given(st.lists(_PIECES, max_size=30).map("".join))
def test_split_is_the_multiline_regex_split(text: str) -> None:
    assert split_documents(text) == SEPARATOR.split(text)


def test_split_keeps_the_newlines_around_a_separator() -> None:
    text = "a: |\n  keep\n---\nb: 2\n--- # two\n---"
    assert split_documents(text) == ["a: |\n  keep\n", "\nb: 2\n", "\n", ""]
    assert split_documents("---\n---\n") == ["", "\n", "\n"]
    assert split_documents("") == [""]
