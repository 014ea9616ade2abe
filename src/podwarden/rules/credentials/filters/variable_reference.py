"""References to variables and templates.

`${VAR}`, `$(VAR)` (Kubernetes' own env expansion), `$VAR` and `$secret.key` (Argo CD's
references to its Secret), `` `command` `` substitutions, `{{ .Values.x }}` (Helm, Go
templates), `%VAR%`, `#{VAR}#`, `@VAR@` and `__VAR__` are filled in elsewhere: the
manifest names where the secret comes from, it does not hold it.
"""


from podwarden.rules.credentials._leaf import Candidate
from podwarden.rules.credentials._pattern import lazy

_REFERENCE = lazy(
    r"\$\{[^}]*\}|\$\([^)]*\)|\{\{.*?\}\}|^\$[A-Za-z_][A-Za-z0-9_.:-]*$|^`|%[A-Za-z_][A-Za-z0-9_]*%"
    r"|#\{[^}]*\}|@[A-Za-z_][A-Za-z0-9_]*@|^__[A-Za-z0-9_]+__$|\$\{\{"
)


def applies(c: Candidate) -> bool:
    return _REFERENCE.search(c.value) is not None
