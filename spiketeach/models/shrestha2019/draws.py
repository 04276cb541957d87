"""The random numbers one EMSTDP trial draws in a block, drawn in numpy (for batched trials).

A network built alone (:func:`spiketeach.models.shrestha2019.build` with one seed) draws its
random numbers inside the run, from the block's seed (``BlockRunner.run(seed=s)``): numpy's
global ``RandomState`` on the runtime device, the compiled ``std::mt19937`` on cpp_standalone
(one thread) — both MT19937 seeded as numpy's legacy integer seed, both making one double of
two 32-bit words the same way, so they draw the same numbers. With the shared-random encoding
(``encoding="shared"``, the authors' code) a block draws, at every step:

1. in the ``start`` slot, one number ``r_shared`` for the whole input layer;
2. in the ``groups`` slot, one number per output cell for the loss neurons' target spikes
   (eq. of §3.4: ``rand() < target_rate · label``; drawn in every step, the gates multiply
   afterwards), nothing else.

A batch of trials is ONE network, whose ``rand()`` would draw one stream for all its trials, so
a batch draws nothing itself: :func:`trial_draws` draws each trial's numbers from the trial's
block seed in that order, and the batch reads them from TimedArrays (one column block per trial;
:data:`~spiketeach.models.shrestha2019.equations.BATCH_SHARED_RANDOM`,
:data:`~spiketeach.models.shrestha2019.equations.BATCH_LOSS_INPUT`). Trial k of a batch then sees
the numbers the same trial alone draws (tests/models/shrestha2019/test_batch.py: the same spikes
and weights, on numpy and cpp_standalone). The Poisson encoding draws one number per input cell
and step (n_in × T per sample: too many to hand over); a batch refuses it.
"""

from __future__ import annotations

import numpy as np

__all__ = ["trial_draws", "target_spikes"]


def trial_draws(seed: int, n_steps: int, n_outputs: int) -> tuple[np.ndarray, np.ndarray]:
    """``(r_shared, u)`` of a block of ``n_steps`` steps seeded with ``seed``: the shared-random
    input number of every step (n_steps,) and the loss neurons' uniform numbers (n_steps,
    n_outputs), as a network with the shared encoding draws them alone."""
    seed = int(seed)
    if not 0 <= seed < 2 ** 31:
        raise ValueError(f"a block seed must lie in [0, 2**31), got {seed}")
    draws = np.random.RandomState(seed).random_sample((int(n_steps), 1 + int(n_outputs)))
    return draws[:, 0].copy(), draws[:, 1:].copy()


def target_spikes(u: np.ndarray, label_rows: np.ndarray, target_rate: float,
                  steps_per_row: int) -> np.ndarray:
    """The target spikes (0/1, n_steps × n_outputs) of the loss neurons: ``u < target_rate ·
    label`` with ``label_rows`` (one-hot, one row per sample) held for ``steps_per_row`` steps."""
    labels = np.repeat(np.asarray(label_rows, dtype=float), int(steps_per_row), axis=0)
    if labels.shape != np.shape(u):
        raise ValueError(f"labels of {labels.shape} steps x outputs for draws of {np.shape(u)}")
    return (np.asarray(u) < float(target_rate) * labels).astype(float)
