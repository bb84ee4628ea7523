"""The shape domain: display, rank, and broadcasting."""

from layerlint.analysis.shapes.domain import BATCH, Shape, ShapeError, Symbol, broadcast, same_dim


def test_display_prints_batch_and_unknown_as_none():
    assert Shape.of(BATCH, 29, 29, 6).display() == "(None, 29, 29, 6)"
    assert Shape.of(None, 3).display() == "(None, 3)"
    assert Shape.of(BATCH).display() == "(None,)"
    assert Shape.of().display() == "()"
    assert Shape.unknown().display() == "(unknown)"


def test_rank_and_known():
    assert Shape.of(BATCH, 4).rank == 2
    assert Shape.of(BATCH, 4).known
    assert not Shape.of(BATCH, 4).fully_known
    assert Shape.of(2, 4).fully_known
    assert Shape.unknown().rank is None
    assert not Shape.unknown().known


def test_shapes_are_values():
    assert Shape.of(BATCH, 3) == Shape((Symbol("batch"), 3))
    assert hash(Shape.of(1, 2)) == hash(Shape.of(1, 2))
    assert ShapeError("expected ndim=3, found ndim=4", "keras").framework == "keras"


def test_broadcast_numpy_rules():
    assert broadcast(Shape.of(BATCH, 4, 1), Shape.of(5)) == Shape.of(BATCH, 4, 5)
    assert broadcast(Shape.of(BATCH, 1), Shape.of(BATCH, 8)) == Shape.of(BATCH, 8)
    assert broadcast(Shape.of(3, 4), Shape.of(4)) == Shape.of(3, 4)


def test_broadcast_mismatch_is_an_error():
    result = broadcast(Shape.of(BATCH, 32), Shape.of(BATCH, 128))
    assert isinstance(result, ShapeError)
    assert "(None, 32) and (None, 128)" in result.message


def test_broadcast_unknowns_never_guess():
    assert broadcast(Shape.unknown(), Shape.of(3)) == Shape.unknown()
    # An unknown dim against 5 is 1 or 5 (result 5) or a crash.
    assert broadcast(Shape.of(None, 5), Shape.of(3, None)) == Shape.of(3, 5)
    # An unknown dim against a 1 stays unknown.
    assert broadcast(Shape.of(None), Shape.of(1)) == Shape.of(None)
    assert broadcast(Shape.of(Symbol("a")), Shape.of(Symbol("b"))) == Shape.of(None)


def test_same_dim():
    assert same_dim(3, 3) is True
    assert same_dim(3, 4) is False
    assert same_dim(BATCH, BATCH) is True
    assert same_dim(None, 3) is None
    assert same_dim(BATCH, 3) is None
