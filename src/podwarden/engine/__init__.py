"""The engine: select rules, stream sources through them, turn violations into findings.

``core`` runs the rules over sources (``evaluate`` over one object), ``results`` holds what a run produces, ``hazards``
merges findings of one hazard at one field, ``suppression`` reads the ignore annotations.
"""

from podwarden.engine.core import (
    CHUNK_OBJECTS,
    LARGE_FILE,
    Engine,
    auto_jobs,
    batch_size,
    object_problem,
    usable_cpus,
)
from podwarden.engine.evaluate import Raised
from podwarden.engine.hazards import merge_hazards
from podwarden.engine.results import FileResult, Finding, ObjectResult, Result, Selection, Suppressed
from podwarden.engine.suppression import (
    IGNORE_ANNOTATION,
    IGNORE_REASON_ANNOTATION,
    Ignore,
    ignores_of,
    suppressed_by,
)

__all__ = [
    "CHUNK_OBJECTS",
    "IGNORE_ANNOTATION",
    "IGNORE_REASON_ANNOTATION",
    "LARGE_FILE",
    "Engine",
    "FileResult",
    "Finding",
    "Ignore",
    "ObjectResult",
    "Raised",
    "Result",
    "Selection",
    "Suppressed",
    "auto_jobs",
    "batch_size",
    "ignores_of",
    "merge_hazards",
    "object_problem",
    "suppressed_by",
    "usable_cpus",
]
