"""Masked and patterned values.

`xxxxxxxx`, `********`, `ghp_xxxxxxxxxxxxxxxxxxxx`, `00000000`, `abcdefgh`, `12345678`,
`1234-abcd-...`: a run of one character, consecutive characters making up half the value
(at least six), or two runs of four, mark a mask or a made-up value; real keys and
generated passwords practically never contain one. (`Password$123456` is a weak password,
not a placeholder: its run is less than half of it.) The body of validated private-key
armor is exempt: DER and OpenSSH structures hold zero bytes, so real keys show runs
like `AAAAAAAA`; so are well-known default passwords (`123456`, `qwerty`), which
`credentials/hard-coded-password` reports.
"""


from podwarden.rules.credentials._leaf import Candidate
from podwarden.rules.credentials._pattern import lazy

_RUN = lazy(r"(.)\1{5,}")
_KEYBOARD = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
#: four consecutive ASCII letters or digits (lower-case): where none is, no run is that long
_FOUR = lazy("|".join(s[i : i + 4] for s in ("0123456789", "abcdefghijklmnopqrstuvwxyz") for i in range(len(s) - 3)))


def _ascending_runs(low: str) -> list[int]:
    """Lengths of the maximal runs of consecutive letters or digits (``abcd``, ``3456``)."""
    runs, start = [], 0
    for i in range(1, len(low) + 1):
        if i < len(low) and low[i].isalnum() and low[i - 1].isalnum() and ord(low[i]) == ord(low[i - 1]) + 1:
            continue
        runs.append(i - start)
        start = i
    return runs


def applies(c: Candidate) -> bool:
    value = c.value.strip()
    if not value or c.armored or c.weak_default:
        return False  # emptiness is the empty_value filter's business; armor decides itself
    if _RUN.search(value) or value.strip("*x#•.-_") == "" or len(set(value)) <= 2:
        return True
    low = value.lower()
    longest = max(6, (len(low) + 1) // 2)
    # only runs of four or more count (``longest`` is six or more): an ASCII value has
    # one only where ``_FOUR`` is found (a search, not a loop in Python over each character)
    runs = _ascending_runs(low) if not low.isascii() or _FOUR.search(low) else [0]
    if max(runs) >= longest or any(row[i : i + longest] in low for row in _KEYBOARD
                                   for i in range(len(row) - longest + 1)):
        return True
    return sum(1 for r in runs if r >= 4) >= 2
