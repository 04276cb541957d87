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

__all__ = ["SIGNED_ERROR_NEURONS", "ERROR_CHANGE", "ERROR_CHANGE_EVENT", "ERROR_CHANGE_RESET",
           "ERROR_REMEMBER", "signed_error_population", "connect_to_error_population"]

#: Two populations of 0/1 error cells in one group: ``polarity`` = +1 for the first K cells
#: (positive errors), −1 for the last K (negative errors).
SIGNED_ERROR_NEURONS = """
y : 1                                            # output pulse a_k, summed from the output layer
y_target : 1                                     # target pulse a*_k, summed from the target cells
err = clip(polarity * (y - y_target), 0, 1) : 1  # e± (§2.5): 1 while y − y* has this cell's sign
polarity : 1 (constant)                          # +1: positive-error cell, −1: negative-error cell
"""


#: Event-driven error signalling. The per-step feedback sum (FEEDBACK_SYNAPSE) reads the error
#: of the previous step (summed variables are updated before the error cells' own inputs), so
#: the event-driven form passes on ``err_last``, the err at the end of the previous step. An error
#: cell emits an ``err_change`` event in each step in which ``err_last`` differs from the value
#: it last passed on; feedback synapses then update the teaching input by B (err_last − err_sent)
#: only when an error cell switches on or off (a few times per presentation) instead of
#: re-summing B·err over every synapse every step.
ERROR_CHANGE = """
err_last : 1                                     # err at the end of the previous step
err_sent : 1                                     # err_last as last passed on to feedback synapses
"""
ERROR_CHANGE_EVENT = "err_last != err_sent"
ERROR_CHANGE_RESET = "err_sent = err_last"
ERROR_REMEMBER = "err_last = err"


def signed_error_population(n_outputs: int, clock: Clock, name: str = "error", *,
                            change_events: bool = False) -> NeuronGroup:
    """The two error populations (positive, then negative) for ``n_outputs`` outputs.

    Use ``group[:n_outputs]`` and ``group[n_outputs:]`` for the positive and negative populations.
    With ``change_events`` the cells also emit the ``err_change`` event
    (:data:`ERROR_CHANGE_EVENT`) for event-driven feedback synapses.
    """
    if change_events:
        group = NeuronGroup(2 * n_outputs, SIGNED_ERROR_NEURONS + ERROR_CHANGE, clock=clock,
                            name=name, events={"err_change": ERROR_CHANGE_EVENT})
        # resets run after the synapses (which read err_sent) within the same step
        group.run_on_event("err_change", ERROR_CHANGE_RESET)
        group.run_regularly(ERROR_REMEMBER, when="end", name=f"{name}_remember")
    else:
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
