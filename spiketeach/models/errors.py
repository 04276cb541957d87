"""Error populations: how the output error e = y − y* is carried by spiking cells.

Samadi, Lillicrap & Tweed (2017), §2.5: two populations of error neurons, one for positive and
one for negative errors. Output k and its target cell drive error cell k (positive) and
cell K + k (negative) one-to-one; each error cell emits 1 while the error has its sign, else 0.
Because y and y* are both 0/1 pulse trains, ``err_pos − err_neg = y − y*`` exactly, step by step.

(``e`` is Euler's number in Brian2 equations, so the error is called ``err``.)
"""

from __future__ import annotations

import numpy as np
from brian2 import Clock, NeuronGroup, Synapses

__all__ = ["SIGNED_ERROR_NEURONS", "signed_error_population", "connect_to_error_population"]

#: Two populations of 0/1 error cells in one group: ``polarity`` = +1 for the first K cells
#: (positive errors), −1 for the last K (negative errors).
SIGNED_ERROR_NEURONS = """
y : 1                                            # output pulse a_k, summed from the output layer
y_target : 1                                     # target pulse a*_k, summed from the target cells
err = clip(polarity * (y - y_target), 0, 1) : 1  # e± (§2.5): 1 while y − y* has this cell's sign
polarity : 1 (constant)                          # +1: positive-error cell, −1: negative-error cell
"""


def signed_error_population(n_outputs: int, clock: Clock, name: str = "error") -> NeuronGroup:
    """The two error populations (positive, then negative) for ``n_outputs`` outputs.

    Use ``group[:n_outputs]`` and ``group[n_outputs:]`` for the positive and negative populations.
    """
    group = NeuronGroup(2 * n_outputs, SIGNED_ERROR_NEURONS, clock=clock, name=name)
    group.polarity = np.r_[np.ones(n_outputs), -np.ones(n_outputs)]
    return group


def connect_to_error_population(source: NeuronGroup, error: NeuronGroup, variable: str,
                                name: str | None = None) -> Synapses:
    """One-to-one copies of ``source.a`` into ``error.<variable>`` of both error cells of each output."""
    k = len(source)
    if len(error) != 2 * k:
        raise ValueError(f"error population has {len(error)} cells; expected 2 x {k} outputs")
    syn = Synapses(source, error, f"{variable}_post = a_pre : 1 (summed)", clock=error.clock,
                   name=name or "to_error*")
    syn.connect(i=np.r_[np.arange(k), np.arange(k)], j=np.arange(2 * k))
    return syn
