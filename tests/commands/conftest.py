"""Every `layerlint check` test gets its own cache folder, so no test reads another's results
and nothing is written into the repository."""

import pytest


@pytest.fixture(autouse=True)
def _private_check_cache(tmp_path_factory, monkeypatch):
    monkeypatch.setenv("LAYERLINT_CACHE_DIR", str(tmp_path_factory.mktemp("layerlint_cache")))
