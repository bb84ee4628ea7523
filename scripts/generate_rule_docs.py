"""Writes docs/rules/<CODE>.md and the README's rules table from the rule records (`Rule`).

Every page has the same sections: what goes wrong (the framework's own message), example, fix,
fix safety, when to ignore it.

Usage: python scripts/generate_rule_docs.py [--check]
With --check nothing is written; the exit code is 1 when a page or the table is out of date.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from layerlint.analysis.rules import RULES, Rule

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


def _sentence(text: str) -> str:
    text = text.strip()
    return text[:1].upper() + text[1:]


def _fix_safety(rule: Rule) -> str:
    if rule.fix_safety is None:
        return "No quick-fix, so nothing to apply unattended."
    if rule.fix_safety == "safe":
        how = ("**Safe**: `layerlint check --fix` and the editor's `source.fixAll.layerlint` "
               "apply it.")
    else:
        how = ("**Unsafe**: the editor offers it as a quick-fix; `layerlint check --fix` applies "
               "it only with `--unsafe-fixes`, and `source.fixAll.layerlint` never does.")
    return f"{how} {rule.docs.fix_safety}"


def rule_page(rule: Rule) -> str:
    title, _, body = rule.docs.what_goes_wrong.strip().partition("\n")
    quick_fix = (rule.fix_title or "none").rstrip(".")
    lines = [
        f"# {rule.code} {rule.name}",
        "",
        f"**{rule.summary}**",
        "",
        f"Severity: {rule.severity_text}. Quick-fix: {quick_fix}.",
        "",
        "## What goes wrong",
        "",
        _sentence(title.split(":", 1)[-1] if ":" in title else title),
        "",
        body.strip(),
        "",
        "## Example",
        "",
        "```python",
        rule.docs.example.rstrip("\n"),
        "```",
        "",
    ]
    examples = fixtures_for(rule.code)
    if examples:
        lines += [
            "Programs checked under the real framework: each file runs in the test suite under "
            "TensorFlow/Keras or torch; its `# runtime:` header says what the framework does and "
            "`# expect:` marks what layerlint reports.",
            "",
            *[f"- [`{path.relative_to(ROOT)}`](../../{path.relative_to(ROOT)})" for path in examples],
            "",
        ]
    lines += [
        "## Fix",
        "",
        rule.docs.fix,
        "",
        "## Fix safety",
        "",
        _fix_safety(rule),
        "",
        "## When to ignore it",
        "",
        rule.docs.when_to_ignore,
        "",
        f"Add `# layerlint: ignore[{rule.code}]` to the reported line, or list `{rule.code}` under "
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
        fix = f"{rule.fix_title.rstrip('.')} ({rule.fix_safety})" if rule.fix_title else "-"
        rows.append(
            f"| [{rule.code}](docs/rules/{rule.code}.md) | {rule.name} | {rule.summary} | "
            f"{rule.severity_text} | {fix} |"
        )
    return "\n".join(rows)


def expected_files() -> dict[Path, str]:
    files = {DOCS / f"{rule.code}.md": rule_page(rule) for rule in RULES}
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
    known = {DOCS / f"{rule.code}.md" for rule in RULES}
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
