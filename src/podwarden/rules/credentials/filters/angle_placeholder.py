"""Bracketed placeholders.

`<your-key>`, `<PASSWORD>`, `[client-secret]` and `{token}` stand for a value the reader
must supply; the brackets are the tell.
"""


from podwarden.rules.credentials._leaf import Candidate
from podwarden.rules.credentials._pattern import lazy

_BRACKETED = lazy(r"<[^<>]{1,80}>|^\[[^\[\]]{1,80}\]$|^\{[A-Za-z0-9 _.-]{1,80}\}$")


def applies(c: Candidate) -> bool:
    return _BRACKETED.search(c.value) is not None
