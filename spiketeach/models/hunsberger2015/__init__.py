"""Hunsberger & Eliasmith (2015): soft-LIF rate networks trained with noise, run as spiking LIF.

Hunsberger E, Eliasmith C (2015). Spiking deep networks with LIF neurons. arXiv:1510.08829.

Modules: :mod:`.params` (paper/code defaults), :mod:`.rates` (LIF and soft-LIF rates and their
derivatives, numpy), :mod:`.equations` (Brian2 equation strings), :mod:`.network` (the Brian2
networks: Fig. 2's neurons and the converted spiking network). Training, noise measurement and the
inference protocol are in :mod:`spiketeach.protocols.hunsberger2015`. Facts and sources:
docs/papers/hunsberger2015.md.
"""

from __future__ import annotations

from spiketeach.core.formulations import choose_formulation

from .network import ConvertedNetwork, build_converted_network, check_layers
from .params import Hunsberger2015Params

__all__ = ["build", "UNSUPPORTED_DEVICES", "Hunsberger2015Params", "ConvertedNetwork",
           "check_layers"]

#: What a device does not run of this family, and why; the test suite's ``device`` fixture skips
#: a test marked ``family("hunsberger2015")`` on these devices (docs/devices.md has the table).
UNSUPPORTED_DEVICES = {
    "genn": "no genn formulation yet (the converted network is written for Brian2's own devices)",
    "cuda_standalone": "not run on a GPU yet",
}


def build(weights, biases, images, params: Hunsberger2015Params | None = None, *,
          formulation: str | None = None, **kwargs) -> ConvertedNetwork:
    """The spiking LIF network of trained weights presenting ``images``
    (:func:`.network.build_converted_network`); run ``result.network`` for ``result.duration``.

    ``formulation``: only "reference" exists (there is no learning to rewrite); on the genn
    device this raises, as :data:`UNSUPPORTED_DEVICES` says. ``weights`` and ``biases`` as one
    list of layers per network (e.g. networks trained with different seeds) build a batch of
    independent networks in one (:mod:`spiketeach.core.batch`), each presenting the shared
    ``images`` or its own (trials × n_images × n_inputs).
    """
    formulation = choose_formulation(formulation, "reference", offered=("reference",))
    if formulation != "reference":
        raise ValueError(f"hunsberger2015 has no {formulation!r} formulation: "
                         f"{UNSUPPORTED_DEVICES['genn']}")
    return build_converted_network(weights, biases, images, params, **kwargs)
