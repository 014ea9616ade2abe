"""Render ``docs/rules/`` from the registry: an index and one page per rule.

Examples come from the rule's own test fixtures (``tests/rules/<family>/<slug>/``) when
their directory is given, so every example in the docs is a tested file.
"""

from __future__ import annotations

from pathlib import Path

from podwarden.rules.api import Rule
from podwarden.rules.registry import Registry


def _versions(r: Rule) -> str:
    return ", ".join(f"v1.{v.since}+" for v in r.variants) if r.pss else "all"


def _fix(r: Rule) -> str:
    if r.fixer is None:
        return "none"
    return "safe" if r.fix_safe else "unsafe"


def index_page(registry: Registry) -> str:
    """``docs/rules/index.md``."""
    lines = [
        "# podwarden rules",
        "",
        "Generated from the rule modules by `make docs`; do not edit by hand.",
        "",
    ]
    for family in registry.families:
        lines += [f"## {family}", "", "| rule | title | severity | PSS level | versions | fix |",
                  "| --- | --- | --- | --- | --- | --- |"]
        for r in registry.rules.values():
            if r.family == family:
                lines.append(
                    f"| [`{r.id}`]({family}/{r.slug}.md) | {r.title} | {r.severity} | "
                    f"{r.pss or '-'} | {_versions(r)} | {_fix(r)} |"
                )
        lines.append("")
    return "\n".join(lines)


def rule_page(r: Rule, fixtures: Path | None = None) -> str:
    """One rule's page: metadata, the docstring body, and its first fixtures."""
    body = r.doc.strip().split("\n", 1)[1].strip() if "\n" in r.doc.strip() else ""
    lines = [
        f"# `{r.id}`: {r.title}",
        "",
        "| severity | PSS level | upstream check | versions | fix |",
        "| --- | --- | --- | --- | --- |",
        f"| {r.severity} | {r.pss or '-'} | {r.upstream_id or '-'} | {_versions(r)} | {_fix(r)} |",
        "",
        body,
        "",
    ]
    if r.covered_by:
        covering = ", ".join(f"`{c}`" for c in r.covered_by)
        lines += [f"Not reported when {covering} also run (they report the same hazard): "
                  "with `--level restricted` at a version that has them.", ""]
    if r.settings:
        keys = ", ".join(f"`{k}`" for k in r.settings)
        lines += [f"Settings (`.podwarden.yaml`, `rules: {{{r.id}: ...}}`): {keys}, and `severity`.", ""]
    if fixtures is not None:
        folder = fixtures / r.family / r.slug
        for prefix, title in (("fail-", "Example: reported"), ("pass-", "Example: accepted")):
            files = sorted(folder.glob(f"{prefix}*.yaml")) if folder.is_dir() else []
            files = [f for f in files if not f.name.endswith(".fixed.yaml")]
            if files:
                lines += [f"## {title}", "", f"`{files[0].name}`:", "", "```yaml",
                          files[0].read_text(encoding="utf-8").rstrip(), "```", ""]
    return "\n".join(lines)


def render(registry: Registry, fixtures: Path | None = None) -> dict[str, str]:
    """Relative path -> content for every page."""
    pages = {"index.md": index_page(registry)}
    for r in registry.rules.values():
        pages[f"{r.family}/{r.slug}.md"] = rule_page(r, fixtures)
    return pages


def write(registry: Registry, out: Path, fixtures: Path | None = None) -> list[Path]:
    """Write every page under ``out``; remove pages of rules that no longer exist."""
    pages = render(registry, fixtures)
    written = []
    for rel, content in pages.items():
        target = out / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content, encoding="utf-8")
        written.append(target)
    for stale in out.rglob("*.md"):
        if stale.relative_to(out).as_posix() not in pages:
            stale.unlink()
    return written
