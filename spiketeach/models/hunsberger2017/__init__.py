"""Hunsberger & Eliasmith (COSYNE 2017 poster): spiking feedback alignment with population-coded
errors and alpha synapses.

Hunsberger E, Eliasmith C (2017). Biologically realistic supervised deep learning in spiking LIF
neurons. COSYNE 2017 poster. Notes: docs/papers/hunsberger2017.md.

Read the model in :mod:`~spiketeach.models.hunsberger2017.equations` (with the shared
:mod:`spiketeach.models.lif`, :mod:`spiketeach.models.alpha` and :mod:`spiketeach.models.nef`)
and :mod:`~spiketeach.models.hunsberger2017.params`; build it with :func:`build`:

* ``"fast"`` (default, ``HunsbergerParams.formulation``): event-driven exact weight updates and
  linked population inputs (:mod:`~spiketeach.models.hunsberger2017.spiking`);
* ``"reference"``: per-step weight updates and summed copies (same module), kept to prove the
  fast one equal (tests/models/hunsberger2017/test_network.py);
* ``"genn"``: :mod:`~spiketeach.models.hunsberger2017.genn` (always on the genn device).

A sequence of seeds builds a batch of independent trials in one network
(:mod:`spiketeach.core.batch`; "reference" and "fast"): trial k gives the spikes and weights of
the network built alone with the k-th seed (tests/models/hunsberger2017/test_batch.py).
"""

from __future__ import annotations

import numpy as np
from brian2 import ms

from spiketeach.core.formulations import choose_formulation
from spiketeach.models.hunsberger2017.network import FANetwork
from spiketeach.models.hunsberger2017.params import HunsbergerParams

__all__ = ["build", "UNSUPPORTED_DEVICES", "FANetwork", "HunsbergerParams"]


#: What a device does not run of this family, and why; the test suite's ``device`` fixture skips
#: a test marked ``family("hunsberger2017")`` on these devices (docs/devices.md has the whole table).
UNSUPPORTED_DEVICES = {
    "genn": "only the genn formulation, one run() per build (build() picks it on that device)",
    "cuda_standalone": ("generated and checked without a GPU (make test-cuda, which also "
                        "compiles it with nvcc); not run on a GPU since the fixes of issue 22 "
                        "(tests/core/test_cuda.py and benchmarks/gpu_check.py run it on one)"),
}


def build(schedule, *, formulation: str | None = None, params: HunsbergerParams | None = None,
          seed=0, weights=None, feedback_matrices=None, record_dt=5 * ms,
          record_hidden: bool = True) -> FANetwork:
    """Build the spiking FA network for a block of presentations of ``schedule``.

    ``formulation``: "reference", "fast" or "genn" (None: ``params.formulation``, and "genn" on
    the genn device). The other arguments are those of
    :func:`~spiketeach.models.hunsberger2017.spiking.build_fa_network`; a sequence of seeds
    builds a batch of independent trials in one network (:mod:`spiketeach.core.batch`;
    "reference" and "fast" only).
    """
    p = params or HunsbergerParams()
    p = p.replace(formulation=choose_formulation(formulation, p.formulation))
    if p.formulation == "genn" and np.ndim(seed):
        raise ValueError("the genn formulation builds one trial: pass one seed (a batch of "
                         "trials needs the reference or fast formulation)")
    options = dict(params=p, seed=seed, weights=weights, feedback_matrices=feedback_matrices,
                   record_dt=record_dt, record_hidden=record_hidden)
    if p.formulation == "genn":
        from spiketeach.models.hunsberger2017.genn import build_fa_network_genn
        return build_fa_network_genn(schedule, **options)
    from spiketeach.models.hunsberger2017.spiking import build_fa_network
    return build_fa_network(schedule, **options)
