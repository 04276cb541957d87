"""Protocols of the brendel2020 family: inputs, learning in Brian2, evaluation of weight snapshots
(:mod:`.learning` for the 20-neuron network, :mod:`.ei` for the E/I network)."""

from .ei import evaluate_ei, fano_cv_ei, learn_ei
from .learning import evaluate, fano_cv, learn, smoothed_noise, snapshot_steps

__all__ = ["smoothed_noise", "learn", "evaluate", "fano_cv", "snapshot_steps", "learn_ei",
           "evaluate_ei", "fano_cv_ei"]
