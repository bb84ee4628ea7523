"""A module's save evidence built when a rule first reads it (`layerlint check` only).

The save evidence of a module (`save_evidence`, with what other project files do with its
classes, `project_evidence.with_project`) is read by a few rules, each only in a case it already
found (LL201 for a constructor argument that does not serialize, LL202 for a `tf.Variable` in a
layer, LL207 outside the Keras packages, LL208, LL302); on keras-hub's 816 files no rule reads
it at all, yet building it was ~13% of a check's CPU time. In a check each file is analysed
once (`block_memo.suspended`), so the engine gives the rules this stand-in, which builds the
evidence on the first read of any of its fields and answers every later read from it: the
rules see the same evidence and give the same findings. The editor keeps building the
evidence up front: it is part of every block's cache key there (`Evidence.signature`), and
a check's engine skips that cache (each block is analysed once).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from layerlint.analysis.model_uses import Evidence


class DeferredEvidence(Evidence):
    """`compute()`'s evidence, computed on the first read of a field. Only the fields are
    deferred; methods (`of`, `signature`, `weight_fates`) read them."""

    def __init__(self, compute: Callable[[], Evidence],
                 mentions: Callable[[tuple[str, ...]], bool] | None = None) -> None:
        # no field is set here
        object.__setattr__(self, "_compute", compute)
        object.__setattr__(self, "_built", None)
        object.__setattr__(self, "_mentions", mentions)

    def module_mentions(self, words: tuple[str, ...]) -> bool:
        """Whether the module's text holds one of `words` (True when not known), asked without
        building the evidence: a rule can tell it has nothing to look up (no use of this module
        saves a model unless its text says `save` or `Checkpoint`)."""
        mentions = object.__getattribute__(self, "_mentions")
        return mentions is None or mentions(words)

    def built(self) -> Evidence:
        """The evidence, built now if no field was read yet."""
        found: Evidence | None = object.__getattribute__(self, "_built")
        if found is None:
            found = object.__getattribute__(self, "_compute")()
            object.__setattr__(self, "_built", found)
            object.__setattr__(self, "_compute", None)
        return found

    @property
    def ready(self) -> bool:
        """Whether the evidence was built (a rule read it)."""
        return object.__getattribute__(self, "_built") is not None

    @property
    def uses(self) -> Any:
        return self.built().uses

    @property
    def reloads(self) -> Any:
        return self.built().reloads

    @property
    def constructions(self) -> Any:
        return self.built().constructions

    @property
    def given(self) -> Any:
        return self.built().given

    def __repr__(self) -> str:
        return f"DeferredEvidence({self.built()!r})"


__all__ = ["DeferredEvidence"]
