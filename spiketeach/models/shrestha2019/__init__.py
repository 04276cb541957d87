"""Shrestha, Fang, Wu & Qiu: error-modulated STDP (EMSTDP) in networks of IF neurons.

Shrestha A, Fang H, Wu Q, Qiu Q (2019). In-hardware learning of multilayer spiking neural
networks on a neuromorphic processor (EMSTDP). Notes: docs/papers/shrestha2019.md.

Read the model in :mod:`~spiketeach.models.shrestha2019.equations` and
:mod:`~spiketeach.models.shrestha2019.params`; build it with :func:`build`:

* ``"fast"`` (default): only on/off changes of the input cells are delivered and only the active
  pre cells update (:mod:`~spiketeach.models.shrestha2019.spiking`);
* ``"reference"``: every input spike delivered, every synapse updated at every window end (same
  module; tests/models/shrestha2019/test_emstdp.py proves the two equal);
* ``"genn"``: :mod:`~spiketeach.models.shrestha2019.genn` (always on the genn device).
"""

from __future__ import annotations

import numpy as np

from spiketeach.core.formulations import choose_formulation
from spiketeach.models.shrestha2019.network import EMSTDPNetwork
from spiketeach.models.shrestha2019.params import EMSTDPParams

__all__ = ["build", "UNSUPPORTED_DEVICES", "EMSTDPNetwork", "EMSTDPParams", "DEFAULT_FORMULATION"]

DEFAULT_FORMULATION = "fast"


#: What a device does not run of this family, and why; the test suite's ``device`` fixture skips
#: a test marked ``family("shrestha2019")`` on these devices (docs/devices.md has the whole table).
UNSUPPORTED_DEVICES = {
    "genn": "only the genn formulation, one run() per build (build() picks it on that device)",
    "cuda_standalone": ("generated and checked without a GPU (make test-cuda, which also "
                        "compiles it with nvcc); not run on a GPU since the fixes of issue 22 "
                        "(tests/core/test_cuda.py and benchmarks/gpu_check.py run it on one)"),
}


def build(layer_sizes, n_presentations: int, *, formulation: str | None = None,
          params: EMSTDPParams | None = None, feedback: str = "symmetric", seed=0,
          weights=None, feedback_weights=None, record_counts: str = "output",
          record_spikes: bool = False, name: str = "emstdp") -> EMSTDPNetwork:
    """Build an EMSTDP network for blocks of ``n_presentations`` samples.

    ``formulation``: "reference", "fast" or "genn" (None: "genn" on the genn device, else
    "fast"). The other arguments are those of
    :func:`~spiketeach.models.shrestha2019.spiking.build_emstdp_network`; a sequence of seeds
    builds a batch of independent trials in one network (:mod:`spiketeach.core.batch`;
    "reference" and "fast", the shared-random encoding; run its blocks with
    :mod:`spiketeach.protocols.shrestha2019.batch`).
    """
    formulation = choose_formulation(formulation, DEFAULT_FORMULATION)
    if formulation == "genn" and np.ndim(seed):
        raise ValueError("the genn formulation builds one trial: pass one seed")
    options = dict(params=params, feedback=feedback, seed=seed, weights=weights,
                   feedback_weights=feedback_weights, record_counts=record_counts,
                   record_spikes=record_spikes, name=name)
    if formulation == "genn":
        from spiketeach.models.shrestha2019.genn import build_emstdp_network_genn
        return build_emstdp_network_genn(layer_sizes, n_presentations, **options)
    from spiketeach.models.shrestha2019.spiking import build_emstdp_network
    return build_emstdp_network(layer_sizes, n_presentations, formulation=formulation, **options)
