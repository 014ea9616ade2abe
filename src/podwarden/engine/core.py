"""The engine proper: select rules and stream sources through them (``evaluate`` runs the
rules on one object and places their violations).

Only the engine knows files and lines; rules know objects and paths, reporters only
format.  Files are read and evaluated one at a time (``iter_files``), a large file in parts,
so memory does not grow with the number of files; ``run`` collects everything for callers
that want it.  A line is looked up only for the paths that have findings.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from podwarden.engine.evaluate import Raised, Step, evaluate_into, plan_steps
from podwarden.engine.results import FileResult, Result, Selection
from podwarden.errors import InputError
from podwarden.load import yaml as yamlload
from podwarden.load.sources import HELM_TEMPLATE, Skipped, Source, expand
from podwarden.model.index import INDEX_KINDS, Index
from podwarden.model.objects import KubeObject
from podwarden.model.paths import FieldPath
from podwarden.rules.api import Context, Level, Rule, Severity
from podwarden.rules.registry import Active, Registry, default_registry

_LEVEL_RANK = {Level.PRIVILEGED: 0, Level.BASELINE: 1, Level.RESTRICTED: 2}
#: objects per part of a large file's result (see ``Engine.iter_scan``)
CHUNK_OBJECTS = 1000
#: files larger than this are scanned in the main process, part by part, even with ``-j``
LARGE_FILE = 2 * 1024 * 1024


class Engine:
    """Runs a selection of rules over sources."""

    def __init__(
        self, selection: Selection, registry: Registry | None = None, active: list[Active] | None = None
    ) -> None:
        """``active`` replaces the checks the selection would choose (the webhook runs the
        union of several selections in one pass); the selection still gives the settings."""
        self.registry = registry or default_registry()
        self.selection = selection
        if active is None:
            wanted = [a for a in self.registry.active(selection.level, selection.version)
                      if selection.wants(a.rule)]
            running = {a.rule.id for a in wanted}
            # one finding per hazard: a rule stays quiet where the rules covering it all run
            # (hardening's "drop ALL" under PSS restricted, say), or where they are PSS
            # checks the chosen --level leaves out on purpose; without the pss family it speaks
            active = [a for a in wanted if not self._covered(a.rule, running)]
        self.active: list[Active] = active
        #: one finding per hazard and field (see ``merge_hazards``); the webhook routes each
        #: rule's findings by its own mode first, then merges what it says
        self.merge_hazards = True
        self.rule_ids = frozenset(a.rule.id for a in active)
        self.pod_checks = [a for a in self.active if a.rule.target == "pod"]
        self.object_checks = [a for a in self.active if a.rule.target == "object"]
        #: the checks as the evaluation runs them: runs of checks sharing a pass folded
        self.pod_steps = plan_steps(self.pod_checks)
        self._by_kind: dict[str, list[Step]] = {}
        self.uses_index = selection.blast_radius or any(a.rule.uses_index for a in self.active)
        self.severities = {
            rule_id: Severity.parse(str(opts["severity"]))
            for rule_id, opts in selection.settings.items()
            if isinstance(opts, dict) and "severity" in opts
        }
        self.context = Context(
            selection.level, selection.version, selection.settings, None,
            known_rules=frozenset(self.registry.rules) | frozenset(self.registry.families),
        )

    def _covered(self, r: Rule, running: set[str]) -> bool:
        if not r.covered_by:
            return False
        for covering_id in r.covered_by:
            covering = self.registry.rules.get(covering_id)
            left_out_by_level = (covering is not None and covering.pss is not None
                                 and _LEVEL_RANK[covering.pss] > _LEVEL_RANK[self.selection.level]
                                 and self.selection.wants(covering))
            if covering_id not in running and not left_out_by_level:
                return False
        return True

    # -- running ------------------------------------------------------------------------

    def run(
        self,
        paths: Sequence[str],
        context_paths: Sequence[str] = (),
        progress: Callable[[int], None] | None = None,
        jobs: int | None = 1,
        skip_non_manifests: bool = False,
    ) -> Result:
        """Evaluate every source; objects of ``context_paths`` only feed the index."""
        result = Result()
        for n, fr in enumerate(self.iter_files(paths, context_paths, jobs, skip_non_manifests), 1):
            result.add(fr)
            if progress:
                progress(n)
        return result

    def iter_files(
        self, paths: Sequence[str], context_paths: Sequence[str] = (), jobs: int | None = 1,
        skip_non_manifests: bool = False,
    ) -> Iterator[FileResult]:
        """One FileResult per source, in a stable order whatever ``jobs`` is (None: one
        process per CPU when the files are many and large enough to pay for the workers).

        ``skip_non_manifests`` treats named files as a directory walk treats the files it
        meets: no Kubernetes object, or an unrendered Helm template, is a note, not an error
        (what a pre-commit hook handed every changed YAML file needs).
        """
        found = errors = False
        for fr in self._iter_files(paths, context_paths, jobs, skip_non_manifests):
            found = found or bool(fr.objects)
            errors = errors or bool(fr.errors)
            yield fr
        if not found and not errors and not skip_non_manifests:
            # a scan that read nothing must not pass a CI gate (an empty pipe, a wrong path)
            where = ", ".join(dict.fromkeys(paths)) or "-"
            yield FileResult(where, errors=[InputError(where, 0, "no Kubernetes objects found in the input")],
                             continued=True)

    def _iter_files(
        self, paths: Sequence[str], context_paths: Sequence[str], jobs: int | None, skip_non_manifests: bool,
    ) -> Iterator[FileResult]:
        sources: list[Source] = []
        for item in expand(paths):
            if isinstance(item, InputError):
                yield FileResult(item.file, errors=[item])
            elif isinstance(item, Skipped):
                yield FileResult(item.name, skipped=True, note="" if item.reason == HELM_TEMPLATE else item.reason)
            else:
                sources.append(Source(item.name, False) if skip_non_manifests else item)
        stdin: dict[str, bytes] = {}
        if any(s.name == "-" for s in sources):
            try:
                stdin["-"] = Source("-", True).read()
            except InputError as exc:
                yield FileResult("-", errors=[exc])
                sources = [s for s in sources if s.name != "-"]
        context_errors = self.context_problems(context_paths)
        if context_errors:
            yield FileResult(context_errors[0].file, errors=context_errors, continued=True)
        files = [s for s in sources if s.name != "-"]
        if jobs is None:
            jobs = auto_jobs(files)
        parallel = jobs > 1 and len(files) > 1
        # in one process, the bytes the index pass read are read again from memory (within
        # KEPT_BYTES), not from the disk: four system calls a file
        kept: dict[str, bytes] = {}
        if self.uses_index:
            extra = [s for s in expand(context_paths) if isinstance(s, Source)]
            self.context.index = self.build_index([*sources, *extra], stdin, None if parallel else kept)
            for name in {s.name for s in extra} - {s.name for s in sources}:
                kept.pop(name, None)  # a context file's: indexed, never scanned
        if parallel:
            yield from self._parallel(sources, stdin, jobs)
            return
        for source in sources:
            raw = stdin.get(source.name)
            yield from self.iter_scan(source, kept.pop(source.name, None) if raw is None else raw)

    @staticmethod
    def context_problems(context_paths: Sequence[str]) -> list[InputError]:
        """Why ``--context`` files cannot be used (missing, not text, not YAML): errors,
        never a silent empty index."""
        problems: list[InputError] = []
        for item in expand(context_paths):
            if isinstance(item, InputError):
                problems.append(item)
            elif isinstance(item, Source):
                try:
                    for _ in yamlload.iter_parse(yamlload.decode(item.read(), item.name), item.name):
                        pass
                except InputError as exc:
                    problems.append(exc)
        return problems

    def scan_file(self, source: Source, raw: bytes | None = None) -> FileResult:
        """Evaluate one source into one FileResult (a large file's parts joined)."""
        parts = list(self.iter_scan(source, raw, chunk_objects=0))
        return parts[0]

    def iter_scan(self, source: Source, raw: bytes | None = None,
                  chunk_objects: int = CHUNK_OBJECTS) -> Iterator[FileResult]:
        """Evaluate one source, yielding its result in parts of about ``chunk_objects``
        objects (0: one part), so that a file of many documents is never held whole:
        documents are parsed, evaluated and dropped one at a time.

        A file that cannot be read to its end gives its error and no findings, unless parts
        were yielded already (a file of more than ``chunk_objects`` objects)."""
        fr = FileResult(source.name)
        found_object = False
        try:
            data = raw if raw is not None else source.read()
            for doc in yamlload.iter_parse(yamlload.decode(data, source.name), source.name):
                found_object = self._scan_doc(doc, source.name, source.explicit, found_object, fr)
                if chunk_objects and len(fr.objects) >= chunk_objects:
                    yield fr
                    fr = FileResult(source.name, continued=True)
                del doc
        except InputError as exc:
            if not fr.continued:
                fr = FileResult(source.name)  # nothing yielded yet: the error alone, as for any file
            if not source.explicit and "Helm template" in exc.message:
                fr.skipped = True  # met in a walk (or told to skip): a template, not a manifest
            else:
                fr.errors.append(exc)
            yield fr
            return
        except (ValueError, RecursionError, MemoryError) as exc:
            # whatever the input does to the libraries, this file is an error, the run goes on
            fr = fr if fr.continued else FileResult(source.name)
            fr.errors.append(InputError(source.name, 0, f"could not be read ({type(exc).__name__})"))
            yield fr
            return
        fr.skipped = not found_object and not source.explicit and not fr.errors and not fr.continued
        _no_object_error(found_object, source.explicit, fr)
        yield fr

    def scan_docs(self, docs: Iterable[yamlload.Document], name: str, explicit: bool,
                  record: list[Raised] | None = None) -> FileResult:
        """What ``check`` reports on a file's already parsed documents (``fix`` parses them
        for its edits and asks the same questions, and takes with ``record`` every violation
        the rules raised, before suppression, with its object, check and target)."""
        fr = FileResult(name)
        found_object = False
        for doc in docs:
            found_object = self._scan_doc(doc, name, explicit, found_object, fr, record)
        _no_object_error(found_object, explicit, fr)
        return fr

    def _scan_doc(self, doc: yamlload.Document, name: str, explicit: bool, found_object: bool,
                  out: FileResult, record: list[Raised] | None = None) -> bool:
        """Evaluate a document's objects into ``out``; whether an object has been found."""
        for prefix, obj in yamlload.iter_objects(doc):
            problem = object_problem(obj)
            if problem:
                if explicit or found_object:
                    out.errors.append(InputError(name, doc.locate(prefix)[0], problem))
                continue
            found_object = True
            self.evaluate(KubeObject(obj, prefix), doc, name, out, record)
        return found_object

    def evaluate_object(self, data: dict[str, Any], file: str = "<object>") -> FileResult:
        """Evaluate one in-memory object (no file, no lines): what the admission webhook calls.

        Paths are exact; every line is 1.  Cross-resource rules see an empty index unless
        one was set on ``self.context``.
        """
        if self.uses_index and self.context.index is None:
            self.context.index = Index()
        out = FileResult(file)
        merge, self.merge_hazards = self.merge_hazards, False
        try:
            self.evaluate(KubeObject(data), yamlload.Document(0, data, None, 1), file, out)
        finally:
            self.merge_hazards = merge
        return out

    def evaluate_objects(self, objects: Iterable[tuple[str, dict[str, Any]]]) -> Result:
        """Evaluate in-memory objects, each with a source name (a live cluster's objects).

        When rules need it, the cross-resource index is built from all of them first.
        There are no files: every line is 0.  One FileResult per source name, in the
        order names first appear; each object's findings are in ``Result.objects``.
        """
        items = list(objects)
        if self.uses_index:
            index = Index()
            for name, data in items:
                if not object_problem(data):
                    index.add(KubeObject(data), name)
            self.context.index = index
        by_name: dict[str, FileResult] = {}
        for name, data in items:
            fr = by_name.setdefault(name, FileResult(name))
            problem = object_problem(data)
            if problem:
                fr.errors.append(InputError(name, 0, problem))
                continue
            self.evaluate(KubeObject(data), yamlload.Document(0, data, None, 0), name, fr)
        result = Result()
        for fr in by_name.values():
            result.add(fr)
        return result

    def scan_source(self, source: Source, result: Result, raw: bytes | None = None) -> None:
        """Evaluate one source into ``result``."""
        result.add(self.scan_file(source, raw))

    def evaluate(self, obj: KubeObject, doc: yamlload.Document, file: str, out: FileResult,
                 record: list[Raised] | None = None) -> None:
        """Run the active rules on one object and record its findings (and in ``record``,
        when given, every violation raised, in check order)."""
        evaluate_into(self, obj, doc, file, out, record)

    # -- helpers ------------------------------------------------------------------------

    def object_steps_for(self, kind: str) -> list[Step]:
        """Object-target checks that apply to a kind, as the evaluation runs them (computed
        once per kind)."""
        found = self._by_kind.get(kind)
        if found is None:
            found = self._by_kind[kind] = plan_steps(
                [a for a in self.object_checks if not a.rule.kinds or kind in a.rule.kinds])
        return found

    def build_index(self, sources: Iterable[Source], stdin: dict[str, bytes],
                    keep: dict[str, bytes] | None = None) -> Index:
        """Index the kinds cross-resource rules ask about; a byte search skips other files.
        In this process, whatever the jobs: the workers of the main pass start from it, and
        a pool of its own cost more than it saved (10k objects: 0.16 s here, 0.24 s with
        two workers; 100k: 1.6 s, 2.6 s), its objects pickled back for the index here.
        ``keep`` gets the bytes of the files read, up to KEPT_BYTES in all."""
        index = Index()
        room = KEPT_BYTES
        for source in sources:
            raw = stdin.get(source.name)
            if raw is None:
                try:
                    raw = source.read()
                except InputError:
                    continue  # the main pass reports it (a context file: ignored)
                if keep is not None and len(raw) <= room:
                    keep[source.name] = raw
                    room -= len(raw)
            for prefix, data in _indexed_objects(source.name, raw):
                index.add(KubeObject(data, prefix), source.name)
        return index

    def _parallel(self, sources: list[Source], stdin: dict[str, bytes], jobs: int) -> Iterator[FileResult]:
        """Scan files in worker processes; results come back in source order."""
        global _WORKER_ENGINE
        _WORKER_ENGINE = self
        # large files are scanned here, part by part, so that no worker holds a whole one
        here = {s for s in sources if s.name == "-" or _size(s.name) > LARGE_FILE}
        import multiprocessing  # only here: its import costs every short run

        ctx = multiprocessing.get_context("fork")
        with ctx.Pool(jobs) as pool:
            pending = [s for s in sources if s not in here]
            results = pool.imap(_scan_in_worker, pending, chunksize=batch_size(len(pending), jobs))
            for source in sources:
                if source in here:
                    yield from self.iter_scan(source, stdin.get(source.name))
                else:
                    yield next(results)


_WORKER_ENGINE: Engine | None = None
#: the bytes of files the index pass keeps for the main pass of one process (10k objects
#: are 11 MB: 2,201 files, four system calls each; the corpus's peak stays under 80 MiB)
KEPT_BYTES = 8 * 1024 * 1024
#: below this many files or bytes, starting worker processes costs more than it saves
#: (measured on 2 cores: 32 files/150 KB 1.24x the time of one process, 64/290 KB 0.94x,
#: 128/520 KB 0.87x, 512/2.3 MB 0.64x)
PARALLEL_BYTES = 256 * 1024
PARALLEL_FILES = 64


def usable_cpus() -> int:
    """The CPUs this process may run on (a container's limit), not the machine's."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def auto_jobs(files: Sequence[Source]) -> int:
    """Processes for a run of ``files`` when the user did not say: one per CPU when the
    files are many and large enough for the workers to pay for their start, else one."""
    cpus = usable_cpus()
    if cpus < 2 or len(files) < PARALLEL_FILES:
        return 1
    total = 0
    for source in files:
        total += _size(source.name)
        if total >= PARALLEL_BYTES:
            return cpus
    return 1


def _size(path: str) -> int:
    try:
        return os.stat(path).st_size
    except OSError:
        return 0


def _scan_in_worker(source: Source) -> FileResult:
    assert _WORKER_ENGINE is not None
    return _WORKER_ENGINE.scan_file(source)


def batch_size(items: int, jobs: int) -> int:
    """Files handed to a worker at a time: small enough that each gets several batches."""
    return max(1, min(8, items // (jobs * 4)))


def _indexed_objects(name: str, raw: bytes) -> list[tuple[FieldPath, dict[str, Any]]]:
    """The objects of the file ``name`` (its bytes ``raw``) whose kind the index keeps, in
    file order; only the documents that name such a kind are parsed (split as kubectl does,
    on '---' lines).  A file or document that cannot be read gives nothing here: the main
    pass reports it (context files: ignored)."""
    objects: list[tuple[FieldPath, dict[str, Any]]] = []
    try:
        if not _INDEX_KIND_PATTERN.search(raw) and not raw.startswith((b"\xff\xfe", b"\xfe\xff")):
            return objects
        text = yamlload.decode(raw, name)
    except InputError:
        return objects
    chunks = [text] if text.lstrip().startswith(("{", "[")) else split_documents(text)
    for chunk in chunks:
        if not _INDEX_KIND_TEXT.search(chunk):
            continue
        try:
            docs = yamlload.parse(chunk, name)
        except InputError:
            continue
        for doc in docs:
            for prefix, data in yamlload.iter_objects(doc):
                if not object_problem(data):
                    objects.append((prefix, data))
    return objects


_INDEX_KIND_PATTERN = re.compile(
    rb"""kind["']?\s*:\s*["']?(?:""" + b"|".join(k.encode() for k in sorted(INDEX_KINDS)) + rb")\b"
)
_INDEX_KIND_TEXT = re.compile(_INDEX_KIND_PATTERN.pattern.decode())
#: a '---' line after the first: led by a literal, which the regex engine searches fast
_LATER_SEPARATOR = re.compile(r"\n---[^\n]*")


def split_documents(text: str) -> list[str]:
    r"""``text`` split on its '---' lines (the lines dropped, the newlines around them kept):
    ``re.split(r"^---[^\n]*$", text, flags=re.M)``, 7 times as fast."""
    chunks: list[str] = []
    start = 0
    if text.startswith("---"):
        chunks.append("")
        end = text.find("\n")
        start = len(text) if end < 0 else end
    for separator in _LATER_SEPARATOR.finditer(text, start):
        chunks.append(text[start:separator.start() + 1])
        start = separator.end()
    chunks.append(text[start:])
    return chunks


def _no_object_error(found_object: bool, explicit: bool, fr: FileResult) -> None:
    if not found_object and explicit and not fr.errors and not fr.continued:
        # named on the command line and empty (a failed `helm template > out.yaml`)
        fr.errors.append(InputError(fr.path, 0, "no Kubernetes objects in this file"))


def object_problem(data: Any) -> str:
    """Why a document is not a Kubernetes object, or '' when it is one."""
    if not isinstance(data, dict):
        shape = "a list" if isinstance(data, list) else f"a {type(data).__name__}"
        return f"not a Kubernetes object: the document is {shape}, not a mapping"
    api_version, kind = data.get("apiVersion"), data.get("kind")
    if not api_version or not kind:
        missing = [k for k, v in (("apiVersion", api_version), ("kind", kind)) if not v]
        return f"not a Kubernetes object: no {' or '.join(missing)}"
    if not isinstance(api_version, str) or not isinstance(kind, str):
        return "not a Kubernetes object: apiVersion and kind must be strings"
    meta = data.get("metadata")
    if meta is not None and not isinstance(meta, dict):
        return "metadata must be a mapping"
    for key in ("name", "namespace", "generateName"):
        value = meta.get(key) if meta else None
        if value is not None and not isinstance(value, str):
            return f"metadata.{key} must be a string"  # the API refuses it; reports named it as Python wrote it
    if kind.endswith("List") and not isinstance(data.get("items", []), list | None):
        # the API refuses it; read as one object of an unknown kind, its items went unchecked
        return f"a {kind} whose items are not a list"
    return ""
