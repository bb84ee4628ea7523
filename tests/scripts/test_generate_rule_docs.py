"""The rule pages and the README table are generated from the rule records and kept current;
every page has the same sections."""

import re
import subprocess
import sys
from pathlib import Path

from layerlint.analysis.rules import RULES

ROOT = Path(__file__).resolve().parents[2]
SECTIONS = ["What goes wrong", "Example", "Fix", "Fix safety", "When to ignore it"]


def test_rule_docs_and_readme_table_are_current():
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "generate_rule_docs.py"), "--check"],
        capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stderr


def test_every_page_has_the_same_sections_and_states_its_fix_safety():
    for rule in RULES:
        page = (ROOT / "docs" / "rules" / f"{rule.code}.md").read_text(encoding="utf-8")
        assert re.findall(r"^## (.+)$", page, flags=re.MULTILINE) == SECTIONS, rule.code
        safety = page.split("## Fix safety\n", 1)[1].split("\n## ", 1)[0]
        expected = {"safe": "**Safe**", "unsafe": "**Unsafe**", None: "No quick-fix"}[rule.fix_safety]
        assert expected in safety, rule.code
        assert f"```python\n{rule.docs.example}```" in page
