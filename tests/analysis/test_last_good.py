"""The last good findings of a block that no longer parses: remembered without fixes, moved
with the block, dropped where they no longer fit its text."""

from layerlint.analysis import caches
from layerlint.analysis.last_good import block_header, last_good_findings, remember_good_findings
from layerlint.analysis.source import Block
from layerlint.findings import Finding, Related, Severity, Span
from layerlint.fix_requests import SplitLayer

TEXT = "class Net:\n    def call(self, x):\n        return self.bn(self.bn(x))\n"


def _finding(line: int, related_line: int | None = None) -> Finding:
    related = (Related(Span(related_line, 1, related_line, 5), "first call"),) if related_line else ()
    return Finding("LL101", "stateful-layer-reused", Severity.WARNING, Span(line, 16, line, 23),
                   "bn is called twice", related, (SplitLayer(
        title="Split bn", scope="variable", class_name=None, function_name=None, name="bn",
        new_names=("bn_1", "bn_2"), definition_line=2, call_sites=((3, 16), (3, 24))),))


def setup_function():
    caches.clear()


def test_a_block_is_known_by_its_first_line():
    assert block_header(Block(4, TEXT, None)) == "class Net:"


def test_remembered_findings_come_back_without_fixes_and_follow_the_block_down():
    remember_good_findings("m.py", Block(1, TEXT, None), 0, [_finding(3)])
    moved = "# a comment added above\n\n" + TEXT
    (finding,) = last_good_findings("m.py", Block(3, TEXT, None), 0, moved)
    assert finding.span.line == 5 and finding.fixes == ()


def test_nothing_is_remembered_without_a_path_or_for_another_ordinal():
    remember_good_findings(None, Block(1, TEXT, None), 0, [_finding(3)])
    assert last_good_findings(None, Block(1, TEXT, None), 0, TEXT) == []
    remember_good_findings("m.py", Block(1, TEXT, None), 0, [_finding(3)])
    assert last_good_findings("m.py", Block(1, TEXT, None), 1, TEXT) == []


def test_a_finding_past_the_shortened_block_is_dropped_and_so_are_related_places_gone():
    remember_good_findings("m.py", Block(1, TEXT, None), 0, [_finding(3, related_line=40)])
    half_typed = "class Net:\n    def call(self, x):\n        return self.bn(self.bn(x))"
    (finding,) = last_good_findings("m.py", Block(1, half_typed, None), 0, half_typed)
    assert finding.related == ()
    shorter = "class Net:\n    def call(self, x):\n"
    assert last_good_findings("m.py", Block(1, shorter, None), 0, shorter) == []


def test_a_block_that_parses_with_no_findings_forgets_what_it_had():
    remember_good_findings("m.py", Block(1, TEXT, None), 0, [_finding(3)])
    remember_good_findings("m.py", Block(1, TEXT, None), 0, [])
    assert last_good_findings("m.py", Block(1, TEXT, None), 0, TEXT) == []


def test_related_places_are_kept_while_they_fit_the_module_inside_the_block_or_outside():
    """A related place on the block's own lines is judged by those lines; one elsewhere by the
    module's: kept while its columns fit, dropped once the module no longer reaches it."""
    module = "import keras\n\n" + TEXT + "\nclass Other:\n    pass\n"
    block = Block(3, TEXT, None)
    inside, below, beyond = (_finding(5, related_line=line) for line in (4, 8, 9))
    remember_good_findings("m.py", block, 0, [inside, below, beyond])
    kept = last_good_findings("m.py", block, 0, module)
    assert [[item.span.line for item in finding.related] for finding in kept] == [[4], [8], []]
    narrow = module.replace("    pass\n", "  \n")  # line 8 now ends before column 5
    kept = last_good_findings("m.py", block, 0, narrow)
    assert [[item.span.line for item in finding.related] for finding in kept] == [[4], [], []]
