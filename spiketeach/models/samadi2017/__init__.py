"""Samadi, Lillicrap & Tweed (2017): broadcast alignment in networks of dynamic LIF neurons.

Samadi A, Lillicrap TP, Tweed DB (2017). Deep learning with dynamic spiking neurons and fixed
feedback weights. Neural Computation 29(3):578-602. Notes: docs/papers/samadi2017.md.

Read the model in :mod:`~spiketeach.models.samadi2017.equations` (the equation strings) and
:mod:`~spiketeach.models.samadi2017.params` (every constant, with its source); build it with
:func:`build`, which picks one of three formulations of the same model:

* ``"reference"`` (default): :mod:`~spiketeach.models.samadi2017.spiking` with every synapse
  updated every step (eqs. 2.1-2.13 literally);
* ``"fast"``: the same assembly with the exact rewrites of
  :mod:`~spiketeach.models.samadi2017.fast_input` and :mod:`~spiketeach.models.samadi2017.fast_pulse`
  (same spikes, weights to rounding; tests/models/samadi2017/test_fast_input.py);
* ``"genn"``: :mod:`~spiketeach.models.samadi2017.genn`, what Brian2GeNN accepts (always on the
  genn device).
"""

from __future__ import annotations

import numpy as np

from spiketeach.core.formulations import choose_formulation
from spiketeach.models.samadi2017.network import BANetwork
from spiketeach.models.samadi2017.params import SamadiParams

__all__ = ["build", "UNSUPPORTED_DEVICES", "BANetwork", "SamadiParams", "DEFAULT_FORMULATION"]

DEFAULT_FORMULATION = "reference"


#: What a device does not run of this family, and why; the test suite's ``device`` fixture skips
#: a test marked ``family("samadi2017")`` on these devices (docs/devices.md has the whole table).
UNSUPPORTED_DEVICES = {
    "genn": "only the genn formulation, one run() per build (build() picks it on that device)",
    "cuda_standalone": ("generated and checked without a GPU (make test-cuda, which also "
                        "compiles it with nvcc); not run on a GPU since the fixes of issue 22 "
                        "(tests/core/test_cuda.py and benchmarks/gpu_check.py run it on one)"),
}


def build(layer_sizes, schedule, *, formulation: str | None = None, params=None, seed=0,
          feedback: str = "broadcast", depth: int | None = None, weights=None, biases=None,
          feedback_weights=None, target_drive_high: float = 20.0,
          record_layers: bool = False) -> BANetwork:
    """Build the spiking broadcast-alignment network of ``layer_sizes`` for ``schedule``.

    ``formulation``: "reference", "fast" or "genn" (None: "genn" on the genn device, else
    "reference"). The other arguments are those of
    :func:`~spiketeach.models.samadi2017.spiking.build_ba_network`; a sequence of seeds builds
    a batch of independent trials in one network (:mod:`spiketeach.core.batch`; "reference"
    and "fast" only).
    """
    formulation = choose_formulation(formulation, DEFAULT_FORMULATION)
    if formulation == "genn" and np.ndim(seed):
        raise ValueError("the genn formulation builds one trial: pass one seed")
    options = dict(params=params, seed=seed, feedback=feedback, depth=depth, weights=weights,
                   biases=biases, feedback_weights=feedback_weights,
                   target_drive_high=target_drive_high, record_layers=record_layers)
    if formulation == "genn":
        from spiketeach.models.samadi2017.genn import build_ba_network_genn
        return build_ba_network_genn(layer_sizes, schedule, **options)
    from spiketeach.models.samadi2017.spiking import build_ba_network
    return build_ba_network(layer_sizes, schedule, plasticity=formulation, **options)
