"""Placeholder words.

Values such as `changeme`, `changeit`, `example`, `your-password-here`, `replace_me`,
`dummy`, `redacted`, a bare `password` / `secret` / `token`, or a capitalised stand-in
word such as `nvapi-NVKEY`, `sk-YOUR_TOKEN`, `MY_SECRET`, or words that describe the
value (`shhhh! it's a github secret`) are documentation, not credentials. A well-known
default password given as a value to a password (`POSTGRES_PASSWORD: postgres`,
`ADMIN_PASSWORD: changeme`) is not a stand-in but the weakest credential there is:
`credentials/hard-coded-password` marks it and this filter lets it through.
"""

import re

from podwarden.rules.credentials._leaf import Candidate
from podwarden.rules.credentials._pattern import lazy

#: anywhere in the value (lower-case, separators removed)
_CONTAINED = ("changeme", "changeit", "example", "placeholder", "replaceme", "replacewith",
              "yourpassword", "yoursecret", "yourtoken", "yourkey", "yourapikey", "insertyour",
              "dummy", "redacted", "notasecret", "notreal", "fakepassword", "fakesecret",
              "fakekey", "faketoken", "samplekey", "samplepassword", "putyour", "enteryour",
              "mysecretpassword", "supersecret", "secretpassword", "testpass", "testsecret",
              "testtoken", "testuser", "tokenhere", "keyhere", "secrethere")
#: the whole value
_WHOLE = frozenset({
    "password", "passwd", "pass", "secret", "token", "apikey", "key", "privatekey",
    "clientsecret", "accesskey", "secretkey", "test", "testing", "admin", "root", "user",
    "username", "none", "null", "nil", "undefined", "default", "todo", "tbd", "fixme",
    "secretvalue", "tokenvalue", "mypassword", "mysecret", "mytoken", "password123",
    "password1", "admin123", "letmein", "hidden", "masked", "unset", "empty", "sample",
})


#: an all-capitals segment naming what belongs there (``NVKEY``, ``YOUR_TOKEN``)
_STAND_IN = lazy(r"(?:^|[^A-Za-z0-9])[A-Z_]*(?:KEY|TOKEN|SECRET|PASSWORD|PASSWD|PASS|PWD)[A-Z_]*(?:$|[^A-Za-z0-9])")


#: a phrase that talks about the secret instead of being one
_DESCRIBES = lazy(r"\s.*\b(?:secret|password|token|key|passphrase)\b|\b(?:secret|password|token|key)\b.*\s", re.I)


def applies(c: Candidate) -> bool:
    if c.weak_default:
        return False
    if _STAND_IN.search(c.value) or _DESCRIBES.search(c.value.strip()):
        return True
    norm = re.sub(r"[^a-z0-9]", "", c.value.lower())
    return norm in _WHOLE or any(word in norm for word in _CONTAINED)
