"""The language server (`layerlint serve`): a thin pygls layer over `layerlint.analysis`.

`server.py` builds the server and registers every feature module in one list; each feature
module converts between LSP and the analysis core, and none holds analysis logic.
"""
