"""Neftci, Augustine, Paul & Detorakis (2017): event-driven random back-propagation (eRBP).

Neftci EO, Augustine C, Paul S, Detorakis G (2017). Event-driven random back-propagation:
enabling neuromorphic deep learning machines. Front. Neurosci. 11:324. Notes:
docs/papers/neftci2017.md.

Read the model in :mod:`~spiketeach.models.neftci2017.equations` and
:mod:`~spiketeach.models.neftci2017.params`; build it with :func:`build`
(:mod:`~spiketeach.models.neftci2017.spiking`): "fast" (default) updates at presynaptic spikes
as the code does, "reference" checks the same rule at every step for every synapse (tests prove
the two equal). Training in blocks: :mod:`spiketeach.protocols.neftci2017.training`.

A sequence of seeds builds a batch of independent trials in one network
(:mod:`spiketeach.core.batch`; "reference" and "fast"; their random numbers drawn per trial in
numpy, :mod:`~spiketeach.models.neftci2017.draws`): trial k gives the spikes and weights of the
network built alone with the k-th seed (tests/models/neftci2017/test_batch.py); its blocks run
with :mod:`spiketeach.protocols.neftci2017.batch`.
"""

from __future__ import annotations

from spiketeach.core.formulations import choose_formulation
from spiketeach.models.neftci2017.network import ERBPNetwork
from spiketeach.models.neftci2017.params import ERBPParams

__all__ = ["build", "UNSUPPORTED_DEVICES", "ERBPNetwork", "ERBPParams", "DEFAULT_FORMULATION"]

DEFAULT_FORMULATION = "fast"

#: What a device does not run of this family, and why; the test suite's ``device`` fixture skips
#: a test marked ``family("neftci2017")`` on these devices (docs/devices.md has the whole table).
UNSUPPORTED_DEVICES = {
    "genn": "no genn formulation yet (the rule reads post-synaptic state in on_pre pathways "
            "ordered before transmission)",
    "cuda_standalone": ("generated and checked without a GPU (make test-cuda, which also "
                        "compiles it with nvcc); not run on a GPU since the fixes of issue 22 "
                        "(tests/core/test_cuda.py and benchmarks/gpu_check.py run it on one)"),
}


def build(layer_sizes, n_presentations: int, *, formulation: str | None = None,
          params: ERBPParams | None = None, seed=0, weights=None,
          feedback_weights=None, record=(), name: str = "erbp") -> ERBPNetwork:
    """Build an eRBP network for blocks of ``n_presentations`` samples
    (:func:`~spiketeach.models.neftci2017.spiking.build_erbp_network`).

    ``formulation``: "fast" (default, event-driven) or "reference" (per step); there is no
    genn formulation: on the genn device this raises, as :data:`UNSUPPORTED_DEVICES` says.
    ``seed``: an int, or a sequence of seeds for a batch of trials (``weights`` and
    ``feedback_weights`` then one per trial).
    """
    formulation = choose_formulation(formulation, DEFAULT_FORMULATION,
                                     offered=("reference", "fast"))
    if formulation == "genn":
        raise ValueError(f"neftci2017 has no 'genn' formulation: {UNSUPPORTED_DEVICES['genn']}")
    from spiketeach.models.neftci2017.spiking import build_erbp_network
    return build_erbp_network(layer_sizes, n_presentations, params=params, seed=seed,
                              weights=weights, feedback_weights=feedback_weights, record=record,
                              formulation=formulation, name=name)
