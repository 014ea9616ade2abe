"""Code expressions.

`os.environ["TOKEN"]`, `os.getenv("API_KEY")`, `process.env.SECRET`,
`System.getenv(...)`, `config.get(...)`: in a script or program kept in a ConfigMap, the
right-hand side of `token=...` is often code that reads the secret at run time, not the
secret.
"""


from podwarden.rules.credentials._leaf import Candidate
from podwarden.rules.credentials._pattern import lazy

_CODE = lazy(r"^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*[(\[]|^(?:process\.env|os\.environ|"
                   r"System\.getenv|Environment\.GetEnvironmentVariable|self\.|this\.)")


def applies(c: Candidate) -> bool:
    return _CODE.match(c.value.strip()) is not None
