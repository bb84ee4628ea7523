"""Precision run over pinned public code: what `layerlint check` reports, counted and listed.

Principle: an error must be true for the Keras the code targets and reachable. This script
runs `layerlint check --format json --fail-on hint` over corpus roots given on the command line
(CI cannot reach GitHub, so nothing is fetched here), prints the counts per corpus, rule and
severity, and writes every error and warning with its location and message to a file outside
the repository, for review by hand. With a verdicts file (our review, `docs/precision_verdicts.json`)
it prints the precision table and review rows of `docs/precision.md`.

Getting the pinned trees (never committed; the paths are examples; see docs/precision.md):

    # keras-team/keras-io examples + guides (+ its requirements.txt, the project's pins) at
    # upstream commit 274278c, through the fork chenmoneygithub/keras-io (the upstream is too big)
    git clone https://github.com/chenmoneygithub/keras-io kio && cd kio && git checkout 274278c
    git ls-tree -r --name-only HEAD examples guides | grep -E '\\.(py|ipynb)$' \\
        | xargs git archive HEAD requirements.txt | tar -x -C /work/corpora/keras-io
    # tensorflow/models official/ as released in tf-models-official 2.20.0 (wheel sha256 0bf173f9...)
    pip download --no-deps tf-models-official==2.20.0 -d /work/corpora/tf-models
    python -m zipfile -e /work/corpora/tf-models/tf_models_official-2.20.0-*.whl \\
        /work/corpora/tf-models/tree
    # tensorflow/docs site/en at commit 7c36502
    git clone https://github.com/tensorflow/docs && git -C docs archive 7c36502 site/en \\
        | tar -x -C /work/corpora/tf-docs
    # pytorch/examples' .py files at commit 77f55b9 (the torch rules' corpus)
    git clone https://github.com/pytorch/examples pte && git -C pte archive 77f55b9 \\
        $(git -C pte ls-tree -r --name-only 77f55b9 | grep -E '\\.py$') \\
        | tar -x -C /work/corpora/pytorch-examples

Running it (from the repository root, with the project's virtual environment):

    python -m bench.precision keras-io=/work/corpora/keras-io \\
        tf-models=/work/corpora/tf-models/tree/official tf-docs=/work/corpora/tf-docs/site/en \\
        pytorch-examples=/work/corpora/pytorch-examples --out /tmp/precision/run
    python -m bench.precision --findings /tmp/precision/run/findings.json \\
        --verdicts docs/precision_verdicts.json --markdown --write-docs docs/precision.md

Locations are relative to each corpus root: `path:line` for a .py file, `path:cell N:L` for a
notebook (the CLI's text format), and a verdict is keyed by corpus, location and code. A file the
CLI cannot read (two keras-io notebooks are not valid JSON) is left out and named in the output.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path

SEVERITIES = ("error", "warning", "information", "hint")
REVIEWED_SEVERITIES = ("error", "warning")
VERDICTS = {
    "true-reachable": "true and reachable",
    "true-unreachable": "true but nothing ever saves/runs/moves it",
    "other-keras": "only true on a Keras the code does not target",
    "false": "false",
}
_SKIPPED_DIRS = {".git", ".venv", "venv", "node_modules", "__pycache__", ".tox", "build", "dist",
                 ".ipynb_checkpoints", "site-packages"}
_UNREADABLE = re.compile(r"^layerlint: cannot check (.+?): ", re.MULTILINE)


def parse_corpus(argument: str) -> tuple[str, Path]:
    """`name=path` (or a bare path, named after its folder) as (name, path)."""
    name, sep, path = argument.partition("=")
    if not sep:
        return Path(argument).name, Path(argument)
    if not name or not path:
        raise argparse.ArgumentTypeError(f"expected NAME=PATH, got {argument!r}")
    return name, Path(path)


def corpus_files(root: Path) -> list[Path]:
    """The .py and .ipynb files under root, relative to it, in the CLI's order and skips."""
    return [path.relative_to(root) for path in sorted(root.rglob("*"))
            if path.suffix in (".py", ".ipynb") and path.is_file()
            and not _SKIPPED_DIRS & set(path.relative_to(root).parts[:-1])]


def location(record: dict) -> str:
    """`path:line`, or `path:cell N:L` for a notebook: the CLI's text-format location."""
    if "cell" in record:
        return f"{record['path']}:cell {record['cell']}:{record['cell_line']}"
    return f"{record['path']}:{record['line']}"


def verdict_key(corpus: str, record: dict) -> str:
    return f"{corpus}|{location(record)}|{record['code']}"


def run_layerlint(root: Path, files: Sequence[Path], python: str = sys.executable,
                  extra_args: Sequence[str] = ()) -> tuple[list[dict], list[str]]:
    """Findings of the files (relative to root) and the files the CLI could not read.

    The CLI reports the other files' findings past an unreadable file (a notebook that is not
    valid JSON) and exits 2, naming each such file on stderr. No files (a corpus path that holds
    no Python, a checkout that failed): nothing to run, nothing found.
    """
    if not files:
        return [], []
    command = [python, "-m", "layerlint", "check", "--format", "json", "--fail-on", "hint",
               "--no-cache", *extra_args, *(str(path) for path in files)]
    done = subprocess.run(command, cwd=root, capture_output=True, text=True, check=False)
    unreadable = _UNREADABLE.findall(done.stderr)
    if done.returncode in (0, 1) or (done.returncode == 2 and unreadable and done.stdout):
        return json.loads(done.stdout or "[]"), unreadable
    raise RuntimeError(f"layerlint failed in {root} (exit {done.returncode}):\n"
                       f"{done.stderr[-2000:]}")


def counts_by_rule(records: Iterable[dict]) -> dict[str, Counter]:
    """Severity counts per rule code, codes sorted."""
    table: dict[str, Counter] = {}
    for record in records:
        table.setdefault(record["code"], Counter())[record["severity"]] += 1
    return dict(sorted(table.items()))


def counts_table(findings: dict[str, list[dict]]) -> str:
    """Markdown: one row per corpus and rule, a column per severity, a total row per corpus."""
    lines = ["| corpus | rule | " + " | ".join(SEVERITIES) + " |",
             "|---|---|" + "--:|" * len(SEVERITIES)]
    for corpus, records in findings.items():
        for code, counts in counts_by_rule(records).items():
            lines.append(f"| {corpus} | {code} | " + " | ".join(str(counts[s]) for s in SEVERITIES)
                         + " |")
        total = Counter(record["severity"] for record in records)
        lines.append(f"| {corpus} | **all** | " + " | ".join(str(total[s]) for s in SEVERITIES)
                     + " |")
    return "\n".join(lines)


def reviewable(findings: dict[str, list[dict]]) -> list[tuple[str, dict]]:
    """(corpus, record) of every error and warning, in corpus then path order."""
    return [(corpus, record) for corpus, records in findings.items() for record in records
            if record["severity"] in REVIEWED_SEVERITIES]


def review_list(findings: dict[str, list[dict]]) -> str:
    """One line per error and warning: corpus, location, code, severity, message."""
    return "".join(f"{corpus}\t{location(record)}\t{record['code']}\t{record['severity']}\t"
                   f"{' '.join(record['message'].split())}\n"
                   for corpus, record in reviewable(findings))


def precision_rows(findings: dict[str, list[dict]], verdicts: dict[str, dict]) -> str:
    """The issue's table: per rule, errors+warnings reviewed and how many fall in each verdict.

    A current error or warning without a verdict counts as not reviewed (last column).
    """
    per_rule: dict[str, Counter] = {}
    for corpus, record in reviewable(findings):
        counts = per_rule.setdefault(record["code"], Counter())
        verdict = verdicts.get(verdict_key(corpus, record), {}).get("verdict")
        counts[verdict if verdict in VERDICTS else "unreviewed"] += 1
    header = ["rule", "reviewed", *VERDICTS.values(), "not reviewed"]
    lines = ["| " + " | ".join(header) + " |", "|---|" + "--:|" * (len(header) - 1)]
    total: Counter = Counter()
    for code, counts in sorted(per_rule.items()):
        total.update(counts)
        lines.append(_precision_row(code, counts))
    lines.append(_precision_row("**all**", total))
    return "\n".join(lines)


def _precision_row(label: str, counts: Counter) -> str:
    reviewed = sum(counts[verdict] for verdict in VERDICTS)
    cells = [label, str(reviewed), *(str(counts[verdict]) for verdict in VERDICTS),
             str(counts["unreviewed"])]
    return "| " + " | ".join(cells) + " |"


def review_rows(findings: dict[str, list[dict]], verdicts: dict[str, dict]) -> str:
    """Markdown rows of the current errors and warnings, grouped by rule, with our verdicts."""
    lines = ["| corpus | location | code | severity | verdict | reason |",
             "|---|---|---|---|---|---|"]
    ordered = sorted(reviewable(findings), key=lambda item: (item[1]["code"], item[0],
                                                             item[1]["path"], item[1]["line"]))
    for corpus, record in ordered:
        verdict = verdicts.get(verdict_key(corpus, record), {})
        reason = verdict.get("reason", "").replace("|", "\\|")
        lines.append(f"| {corpus} | `{location(record)}` | {record['code']} | {record['severity']} "
                     f"| {verdict.get('verdict', 'not reviewed')} | {reason} |")
    return "\n".join(lines)


def compare(baseline: dict[str, list[dict]], current: dict[str, list[dict]],
            verdicts: dict[str, dict]) -> str:
    """Markdown: the errors and warnings a run removed, added or re-graded against a baseline run.

    A removed or re-graded finding shows the baseline's verdict (was it a false positive?); an added
    one shows a verdict if the file has one, else "not reviewed".
    """
    def graded(findings: dict[str, list[dict]]) -> dict[str, tuple[str, dict]]:
        return {verdict_key(corpus, record): (record["severity"], record)
                for corpus, records in findings.items() for record in records}

    before, after = graded(baseline), graded(current)
    reviewed = set(REVIEWED_SEVERITIES)
    removed, added, regraded = [], [], []
    for key, (severity, _record) in before.items():
        now = after.get(key, ("absent", None))[0]
        if severity in reviewed and now not in reviewed:
            removed.append((key, f"{severity} -> {now}"))
        elif severity in reviewed and now != severity:
            regraded.append((key, f"{severity} -> {now}"))
    for key, (severity, record) in after.items():
        was = before.get(key, ("absent", None))[0]
        if severity in reviewed and was not in reviewed:
            added.append((key, f"{was} -> {severity}", record))

    def row(key: str, change: str, message: str = "") -> str:
        corpus, where, code = key.split("|")
        verdict = verdicts.get(key, {})
        cells = [corpus, f"`{where}`", code, change, verdict.get("verdict", "not reviewed"),
                 verdict.get("pattern", ""), " ".join(message.split())[:160]]
        return "| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |"

    header = ("| corpus | location | code | change | verdict | pattern | message |\n"
              "|---|---|---|---|---|---|---|")
    removed_patterns = Counter(verdicts.get(key, {}).get("pattern")
                               or verdicts.get(key, {}).get("verdict", "not reviewed") for key, _ in removed)
    lines = [f"{len(removed)} errors/warnings removed (or lowered to information/hint), {len(added)} added, "
             f"{len(regraded)} re-graded between error and warning.", "",
             "Removed, by baseline pattern (or verdict, for true findings): " + (", ".join(
                 f"{name} {count}" for name, count in removed_patterns.most_common()) or "-"), "",
             f"### Added ({len(added)})", "", header,
             *(row(key, change, record["message"]) for key, change, record in added), "",
             f"### Re-graded ({len(regraded)})", "", header,
             *(row(key, change, after[key][1]["message"]) for key, change in regraded), "",
             f"### Removed ({len(removed)})", "", header, *(row(key, change) for key, change in removed)]
    return "\n".join(lines)


_GENERATED = re.compile(r"(<!-- generated by [^\n]*: (?P<part>table|rows) -->\n)(?P<body>.*?)"
                        r"(\n<!-- end of generated )", re.DOTALL)


def update_docs(text: str, table: str, rows: str) -> str:
    """The page with the text between its `generated ...: table|rows` markers replaced."""
    parts = {"table": table, "rows": rows}
    replaced, count = _GENERATED.subn(
        lambda match: match.group(1) + parts[match.group("part")] + match.group(4), text)
    if count != 2:
        raise ValueError("expected one generated table and one generated rows block")
    return replaced


def _run(args: argparse.Namespace) -> dict[str, list[dict]]:
    findings: dict[str, list[dict]] = {}
    for name, root in args.corpora:
        files = corpus_files(root)
        records, unreadable = run_layerlint(root, files, extra_args=args.layerlint_args)
        findings[name] = records
        kinds = Counter(path.suffix for path in files)
        print(f"{name}: {root} ({kinds['.py']} .py, {kinds['.ipynb']} .ipynb; "
              f"{len(unreadable)} unreadable: {', '.join(unreadable) or '-'})")
    return findings


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpora", nargs="*", type=parse_corpus, metavar="NAME=PATH",
                        help="corpus roots to check")
    parser.add_argument("--findings", type=Path,
                        help="reuse the findings.json of an earlier run instead of running")
    parser.add_argument("--out", type=Path,
                        help="folder for findings.json and errors_warnings.tsv")
    parser.add_argument("--verdicts", type=Path, help="verdicts file (docs/precision_verdicts.json)")
    parser.add_argument("--markdown", action="store_true",
                        help="print the precision table and review rows (needs --verdicts)")
    parser.add_argument("--compare", type=Path, metavar="BASELINE",
                        help="print the errors/warnings that changed against the findings.json of BASELINE")
    parser.add_argument("--write-docs", type=Path, metavar="PAGE",
                        help="rewrite the generated blocks of PAGE (docs/precision.md); needs --verdicts")
    parser.add_argument("--layerlint-args", nargs=argparse.REMAINDER, default=[],
                        help="further arguments for `layerlint check`, such as --keras-version 3")
    args = parser.parse_args(argv)
    if bool(args.corpora) == bool(args.findings):
        parser.error("give corpus roots or --findings (one of them)")
    if (args.markdown or args.write_docs or args.compare) and not args.verdicts:
        parser.error("--markdown, --write-docs and --compare need --verdicts")

    findings = json.loads(args.findings.read_text(encoding="utf-8")) if args.findings else _run(args)
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "findings.json").write_text(json.dumps(findings, indent=1) + "\n",
                                                encoding="utf-8")
        (args.out / "errors_warnings.tsv").write_text(review_list(findings), encoding="utf-8")
    print(counts_table(findings))
    if args.verdicts:
        verdicts = json.loads(args.verdicts.read_text(encoding="utf-8"))
        table, rows = precision_rows(findings, verdicts), review_rows(findings, verdicts)
        if args.markdown:
            print(f"\n{table}\n\n{rows}")
        if args.compare:
            baseline = json.loads(args.compare.read_text(encoding="utf-8"))
            print("\n" + compare(baseline, findings, verdicts))
        if args.write_docs:
            page = args.write_docs.read_text(encoding="utf-8")
            args.write_docs.write_text(update_docs(page, table, rows), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
