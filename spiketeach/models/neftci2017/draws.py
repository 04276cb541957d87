"""The random numbers one eRBP trial draws in a block, drawn in numpy (for batched trials).

A network built alone (:func:`spiketeach.models.neftci2017.build` with one seed) draws its random
numbers inside the run, from the block's seed (``BlockRunner.run(seed=s)``): numpy's global
``RandomState`` on the runtime (numpy) device, the compiled MT19937 on cpp_standalone (one
thread) — the same numbers (tests/models/neftci2017/test_batch.py runs both). Without soma noise
and peRBP it draws, at every step, in the ``thresholds`` slot: one uniform number per input unit
(``rand() < hazard · dt``, drawn for every unit, refractory or not), then one per label unit (the
thresholder of ``<name>_input`` sorts before that of ``<name>_labels``).

A batch of trials is ONE network, whose ``rand()`` would draw one stream for all its trials, so
a batch draws nothing itself: :func:`trial_draws` draws each trial's numbers from the trial's
block seed in the same order, and the batch reads them from TimedArrays
(:data:`~spiketeach.models.neftci2017.equations.DRAWN_INPUT_THRESHOLD`). They take 8 bytes per
input and label unit and step, per trial: a 16-8-3 trial 0.4 MB per 250 ms digit at 0.1 ms
steps, a 784-200-10 trial 16 MB per digit — batches suit small networks.

What a batch cannot draw this way, because how many numbers the trial alone draws depends on its
own spikes: the soma noise (a ``PoissonInput`` onto ``v``, which is not integrated while a cell
is refractory, so Brian2 draws only for the cells that are not) and peRBP's ``rand()`` at
presynaptic spikes. A batch refuses both.
"""

from __future__ import annotations

import numpy as np

__all__ = ["trial_draws"]


def trial_draws(seed: int, n_steps: int, n_inputs: int, n_classes: int
                ) -> tuple[np.ndarray, np.ndarray]:
    """``(inputs, labels)``: the uniform numbers of the input units (n_steps × n_inputs) and of
    the label units (n_steps × n_classes) that a network alone draws in a block of ``n_steps``
    steps seeded with ``seed``."""
    seed = int(seed)
    if not 0 <= seed < 2 ** 31:
        raise ValueError(f"a block seed must lie in [0, 2**31), got {seed}")
    # rand(n_inputs) then rand(n_classes) at every step: one stream, row after row
    u = np.random.RandomState(seed).random_sample((int(n_steps), int(n_inputs) + int(n_classes)))
    return u[:, :n_inputs].copy(), u[:, n_inputs:].copy()
