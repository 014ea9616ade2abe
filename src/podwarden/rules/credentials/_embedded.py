"""Named values inside a text: what a value is called where a script, a header or an
embedded configuration file gives it a name.

``named_values(text)`` yields each ``(name, value)`` it recognises: string leaves of an
embedded JSON document; ``name=value`` and ``name: value`` lines (properties, `.env`,
INI, YAML, `.pypirc`); `--flag=value` and `--flag value`; a MySQL client's `-pPASSWORD`;
`curl -u user:password`; `Authorization: Basic|Bearer|Token ...` headers; `--cookie` and
`Cookie:` session values; `?token=`-style query parameters; `.netrc` passwords; `.npmrc`
`_authToken`, `_auth` and `_password`.  The generic and hard-coded-password rules judge
the values whose name is secret.  Comment lines are skipped.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from podwarden.rules.credentials._memo import TextMemo
from podwarden.rules.credentials._pattern import LazyPattern, lazy
from podwarden.rules.credentials._text import b64decode_text, parse_json


class Named:
    """A value and the name a text gives it."""

    __slots__ = ("inner", "name", "value", "whole")

    def __init__(self, name: str, value: str, inner: str, whole: bool) -> None:
        #: what judges it (a secret-sounding name for the forms that imply one)
        self.name = name
        self.value = value
        #: the name to show in messages
        self.inner = inner
        #: the value ends its line or field (not a word of a sentence)
        self.whole = whole


_ASSIGN = lazy(
    r"""(?:^|[\s{,;(])["']?((?:--?)?[A-Za-z][A-Za-z0-9_.-]{1,60})["']?[ \t]*(?:=|:(?!//))[ \t]*"""
    r"""["']?([^\s"',;#}{]{1,512})""",
    re.M,
)
#: the MySQL and MariaDB clients, then their password flag with its value attached
#: (``-pS3cret``; ``-p`` alone prompts, ``-p$VAR`` is a reference)
_MYSQL = lazy(r"\b(?:mysql|mysqldump|mysqladmin|mysqlimport|mysqlcheck|mariadb|mariadb-dump)\b")
_MYSQL_FLAG = lazy(r"\s-p(?![$\s])")
_MYSQL_PASSWORD = lazy(r"\s-p(?![$\s])([^\s\"'`]{4,512})")
_FLAG_SPACE = lazy(r"(?:^|\s)(--?[A-Za-z][A-Za-z0-9-]{1,40})[ \t]+([^\s\"'-][^\s\"']{0,511})")
_CURL = lazy(r"\bcurl\b")
_CURL_FLAG = lazy(r"\s(?:-u|--user)")
_CURL_USER = lazy(r"\s(?:-u|--user)[ =]?[\"']?([^\s\"':$]+):([^\s\"']+)")
#: a shell command's extent: up to a newline, ``;``, ``|`` or ``&``
_COMMAND = lazy(r"[^\n;|&]+")
_AUTH_HEADER = lazy(r"\bAuthorization[\"']?\s*[:=]\s*[\"']?(Basic|Bearer|Token)\s+([A-Za-z0-9._~+/=-]{4,})", re.I)
_COOKIE = lazy(r"(?:--cookie|\s-b|\bCookie:)[ \t=]*[\"']?([^\"'\n]+)", re.I)
_COOKIE_PAIR = lazy(r"([A-Za-z0-9_.-]+)=([^;\s\"']+)")
_SESSION = lazy(r"sess|sid$|token|auth|jwt|remember", re.I)
_QUERY = lazy(r"[?&]([A-Za-z_][A-Za-z0-9_.-]{1,40})=([^&\s\"'#<>]+)")
_NETRC = lazy(r"\bmachine\s+\S+(?:\s+login\s+\S+)?\s+password\s+(\S+)")
_NPMRC = lazy(r":_(authToken|auth|password)\s*=\s*[\"']?([^\s\"']+)")
_END = lazy(r"[ \t]*(?:[\"'`]|[,;&}\])]|\s#|$)", re.M)
_COMMENT = ("#", "//", ";", "<!--", "*", "rem ")


def _json_leaves(data: Any, depth: int = 0) -> Iterator[tuple[str, str]]:
    """(name, value) of the string leaves of an embedded JSON document."""
    if depth > 32:
        return
    if isinstance(data, dict):
        pair = data.get("name") if "value" in data else None
        for k, v in data.items():
            if isinstance(v, str):
                yield (pair if k == "value" and isinstance(pair, str) else str(k)), v
            else:
                yield from _json_leaves(v, depth + 1)
    elif isinstance(data, list):
        previous = ""
        for v in data:
            if isinstance(v, str):
                yield previous if previous.startswith("-") else "", v
                previous = v
            else:
                previous = ""
                yield from _json_leaves(v, depth + 1)


def _commented(text: str, at: int) -> bool:
    line = text[text.rfind("\n", 0, at) + 1: at].lstrip().lower()
    return line.startswith(_COMMENT)


def _whole(text: str, end: int) -> bool:
    return _END.match(text, end) is not None


def _command_flags(text: str, command: LazyPattern, lead: LazyPattern, flag: LazyPattern
                   ) -> Iterator[re.Match[str]]:
    """Each ``flag`` that follows ``command`` within one shell command, as the regex
    ``command[^\\n;|&]*?flag`` finds them (the first after each command, not overlapping),
    in time linear in the text: where that regex read to the end of the line again from
    each of many commands on it, these searches only move forward.  ``lead`` is the start
    of ``flag``: it must stand within the command, ``flag``'s value may run past it."""
    pos = 0
    for extent in _COMMAND.finditer(text):
        pos, end = max(pos, extent.start()), extent.end()
        while (start := command.search(text, pos, end)) is not None:
            at, found = start.end(), None
            while found is None and (candidate := lead.search(text, at, end)) is not None:
                found = flag.match(text, candidate.start())
                at = candidate.start() + 1
            if found is None and text[end:end + 1] == "\n":
                found = flag.match(text, end)  # the flag's leading space may be the newline itself
            if found is None:
                break  # no flag after this command: none after a later one in this command either
            yield found
            pos = found.end()


def _named_values(text: str) -> tuple[Named, ...]:
    """Every named value of ``text`` (see the module documentation)."""
    data = parse_json(text) if text.lstrip()[:1] in ("{", "[") else None
    if data is not None:
        return tuple(Named(name, value, name, True) for name, value in _json_leaves(data) if name)
    found: list[Named] = []
    if "mysql" in text or "mariadb" in text:  # in each client's name (_MYSQL is case-sensitive)
        for match in _command_flags(text, _MYSQL, _MYSQL_FLAG, _MYSQL_PASSWORD):
            found.append(Named("password", match.group(1), "-p", True))
    low = text.lower()
    if "curl" in low:
        for match in _command_flags(text, _CURL, _CURL_FLAG, _CURL_USER):
            found.append(Named("password", match.group(2), "curl -u", True))
    if "authorization" in low:
        for match in _AUTH_HEADER.finditer(text):
            scheme, token = match.group(1).capitalize(), match.group(2)
            decoded = b64decode_text(token) if scheme == "Basic" else None
            if decoded and ":" in decoded:
                found.append(Named("password", decoded.partition(":")[2], "Authorization: Basic", True))
            else:
                found.append(Named("token", token, f"Authorization: {scheme}", True))
    if "cookie" in low or " -b" in text:
        for match in _COOKIE.finditer(text):
            for name, value in _COOKIE_PAIR.findall(match.group(1)):
                if _SESSION.search(name):
                    found.append(Named("session token", value, "cookie", True))
    if "machine" in low:
        for match in _NETRC.finditer(text):
            found.append(Named("password", match.group(1), "netrc password", True))
    if ":_" in text:
        for match in _NPMRC.finditer(text):
            field, value = match.group(1), match.group(2)
            decoded = b64decode_text(value) if field != "authToken" else None
            if field == "auth" and decoded and ":" in decoded:
                value = decoded.partition(":")[2]
            elif field == "password" and decoded:
                value = decoded
            found.append(Named("password" if field != "authToken" else "authToken", value, f"_{field}", True))
    if "?" in text or "&" in text:
        for match in _QUERY.finditer(text):
            found.append(Named(match.group(1), match.group(2), match.group(1), True))
    if "=" in text or ":" in text or "--" in text:
        for pattern in (_ASSIGN, _FLAG_SPACE):
            for match in pattern.finditer(text):
                if not _commented(text, match.start(1)):
                    name = match.group(1)
                    found.append(Named(name, match.group(2), name.lstrip("-"), _whole(text, match.end(2))))
    return tuple(found)


#: every named value of a text (see the module documentation), once per distinct text
named_values = TextMemo(_named_values)
