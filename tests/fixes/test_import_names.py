"""Adding the import line a fix needs (spelling names is tests/syntax/test_name_spelling.py)."""

import pytest

from layerlint.fixes.import_names import add_import


@pytest.mark.parametrize("source, expected", [
    ('"""Doc."""\nfrom __future__ import annotations\nimport os\n\nx = 1\n',
     '"""Doc."""\nfrom __future__ import annotations\nimport os\nimport torch\n\nx = 1\n'),
    ('"""Doc."""\n\nx = 1\n', '"""Doc."""\nimport torch\n\nx = 1\n'),
    ("x = 1\n", "import torch\nx = 1\n"),
    ("import os", "import os\nimport torch\n"),  # no newline at the end of the file
    ("import os\r\n\r\nx = 1\r\n", "import os\r\nimport torch\r\n\r\nx = 1\r\n"),
    # imports after the first code are left where they are
    ("import os\nx = 1\nimport sys\n", "import os\nimport torch\nx = 1\nimport sys\n"),
])
def test_add_import_goes_below_the_leading_imports(source, expected):
    assert add_import(source, "import torch") == expected


def test_add_import_of_nothing_changes_nothing():
    assert add_import("x = 1\n", None) == "x = 1\n"
