"""Writes docs/rules/<CODE>.md and the README's rules table from the rule modules themselves.

Usage: python scripts/generate_rule_docs.py [--check]
With --check nothing is written; the exit code is 1 when a page or the table is out of date.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from types import ModuleType

from layerlint.analysis.rules import RULES

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs" / "rules"
README = ROOT / "README.md"
FIXTURES = ROOT / "tests" / "fixtures"
TABLE_START = "<!-- rules-table:start -->"
TABLE_END = "<!-- rules-table:end -->"


def fixtures_for(code: str) -> list[Path]:
    pattern = re.compile(rf"#\s*expect:\s*{code}\b")
    return sorted(
        path for path in FIXTURES.rglob("*.py")
        if pattern.search(path.read_text(encoding="utf-8", errors="replace"))
    )


def _severity(rule: ModuleType) -> str:
    """`SEVERITY_BY_EVIDENCE` where a rule grades its findings, else the fixed severity."""
    return getattr(rule, "SEVERITY_BY_EVIDENCE", rule.SEVERITY.value)


def _sentence(text: str) -> str:
    text = text.strip()
    return text[:1].upper() + text[1:]


def rule_page(rule: ModuleType) -> str:
    doc = (rule.__doc__ or "").strip()
    title, _, body = doc.partition("\n")
    lines = [
        f"# {rule.CODE} {rule.NAME}",
        "",
        f"**{rule.SUMMARY}**",
        "",
        f"Severity: {_severity(rule)}. Quick-fix: {(rule.FIX or 'none').rstrip('.')}.",
        "",
        _sentence(title.split(":", 1)[-1] if ":" in title else title),
        "",
        body.strip(),
        "",
    ]
    examples = fixtures_for(rule.CODE)
    if examples:
        lines += [
            "## Examples checked under the real framework",
            "",
            "Each file runs in the test suite under TensorFlow/Keras or torch; its `# runtime:` "
            "header says what the framework does and `# expect:` marks what layerlint reports.",
            "",
            *[f"- [`{path.relative_to(ROOT)}`](../../{path.relative_to(ROOT)})" for path in examples],
            "",
        ]
    lines += [
        "## Silencing it",
        "",
        f"Add `# layerlint: ignore[{rule.CODE}]` to the reported line, or list `{rule.CODE}` under "
        "`ignore` in `[tool.layerlint]` of `pyproject.toml`.",
        "",
    ]
    return "\n".join(lines)


def rules_table() -> str:
    rows = [
        "| code | name | what goes wrong | severity | quick-fix |",
        "|---|---|---|---|---|",
    ]
    for rule in RULES:
        rows.append(
            f"| [{rule.CODE}](docs/rules/{rule.CODE}.md) | {rule.NAME} | {rule.SUMMARY} | "
            f"{_severity(rule)} | {rule.FIX or '-'} |"
        )
    return "\n".join(rows)


def expected_files() -> dict[Path, str]:
    files = {DOCS / f"{rule.CODE}.md": rule_page(rule) for rule in RULES}
    readme = README.read_text(encoding="utf-8")
    if TABLE_START in readme and TABLE_END in readme:
        head, rest = readme.split(TABLE_START, 1)
        _, tail = rest.split(TABLE_END, 1)
        files[README] = f"{head}{TABLE_START}\n{rules_table()}\n{TABLE_END}{tail}"
    return files


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    stale = []
    for path, text in expected_files().items():
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if current == text:
            continue
        stale.append(path)
        if not args.check:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
    known = {DOCS / f"{rule.CODE}.md" for rule in RULES}
    orphans = [path for path in DOCS.glob("LL*.md") if path not in known]
    for path in orphans:
        stale.append(path)
        if not args.check:
            path.unlink()
    if args.check and stale:
        names = ", ".join(str(path.relative_to(ROOT)) for path in stale)
        print(f"out of date: {names}; run python scripts/generate_rule_docs.py", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
