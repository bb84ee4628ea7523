"""The rule pages and the README table are generated from the rule modules and kept current."""

import subprocess
import sys
from pathlib import Path

from layerlint.analysis.rules import RULES

ROOT = Path(__file__).resolve().parents[2]


def test_every_rule_documents_itself():
    for rule in RULES:
        assert rule.CODE.startswith("LL") and rule.NAME and rule.SUMMARY
        assert "What" in (rule.__doc__ or ""), f"{rule.CODE} docstring must explain what goes wrong"


def test_rule_docs_and_readme_table_are_current():
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "generate_rule_docs.py"), "--check"],
        capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stderr
