"""Protocols of the brendel2020 family: inputs, learning in Brian2, evaluation of weight snapshots
(:mod:`.learning`)."""

from .learning import evaluate, fano_cv, learn, smoothed_noise, snapshot_steps

__all__ = ["smoothed_noise", "learn", "evaluate", "fano_cv", "snapshot_steps"]
