"""Block splitting and per-block parsing (analysis/source.py)."""

from layerlint.analysis.source import split_blocks


def test_each_top_level_statement_is_a_block_with_its_start_line():
    text = "import os\n\n\nclass A:\n    x = 1\n\n\ndef f():\n    return 2\n"
    blocks = split_blocks(text)
    assert [block.start_line for block in blocks] == [1, 4, 8]
    assert all(block.tree is not None for block in blocks)
    assert "".join(block.text for block in blocks) == text


def test_decorators_stay_with_their_definition():
    text = "@dataclass\n@other\nclass A:\n    x: int\n"
    blocks = split_blocks(text)
    assert len(blocks) == 1
    assert blocks[0].tree is not None


def test_statement_spanning_a_column_zero_line_is_joined():
    text = 'model = Sequential([\n    Dense(3),\n])\nDOC = """\ntext at column zero\n"""\n'
    blocks = split_blocks(text)
    assert all(block.tree is not None for block in blocks)
    assert [block.start_line for block in blocks] == [1, 4]


def test_a_broken_block_does_not_hide_the_others():
    text = "class A:\n    def call(self, x):\n        return x +\n\nclass B:\n    y = 2\n"
    blocks = split_blocks(text)
    assert blocks[0].tree is None and blocks[0].error is not None
    assert blocks[1].tree is not None and blocks[1].start_line == 5


def test_else_and_except_continue_a_top_level_statement():
    text = "try:\n    import a\nexcept ImportError:\n    a = None\nif a:\n    b = 1\nelse:\n    b = 2\n"
    blocks = split_blocks(text)
    assert [block.start_line for block in blocks] == [1, 5]
    assert all(block.tree is not None for block in blocks)


def test_code_examples_inside_a_long_docstring_are_not_blocks():
    example_lines = "".join(f"layer_{n} = Dense({n})\n" for n in range(12))
    text = f'"""A guide.\n\n```python\n{example_lines}model.save("m.keras")\n```\n"""\n\nimport keras\n'
    blocks = split_blocks(text)
    assert [block.start_line for block in blocks] == [1, text.splitlines().index("import keras") + 1]
    assert all(block.tree is not None for block in blocks)
