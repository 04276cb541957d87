"""Bourdoukan & Denève (2015): a spike-coding network learns a linear dynamical system with local
rules, fast connections learning balance and slow connections learning to cancel the fed-back
error.

Bourdoukan R, Denève S (2015). Enforcing balance allows local supervised learning in spiking
recurrent networks. NIPS 28, pp. 982-990. Built on Boerlin, Machens & Denève (2013), PLOS Comput
Biol 9(11):e1003258, and the rules of Brendel et al. (2020), PLOS Comput Biol 16(3):e1007692.

Modules: :mod:`.params`, :mod:`.equations`, :mod:`.network` (Brian2), :mod:`.reference` (numpy,
the same step). Protocol: :mod:`spiketeach.protocols.bourdoukan2015`. Facts:
docs/papers/bourdoukan2015.md; decisions: docs/families/bourdoukan2015.md.
"""

from __future__ import annotations

from spiketeach.core.formulations import choose_formulation

from .network import (
    DynamicsNetwork,
    Weights,
    build_network,
    check_weights,
    circle_decoder,
    draw_noise,
    initial_weights,
    optimal_weights,
    thresholds,
)
from .params import DEFAULT, OSCILLATOR, Bourdoukan2015Params

__all__ = ["build", "UNSUPPORTED_DEVICES", "Bourdoukan2015Params", "DEFAULT", "OSCILLATOR",
           "DynamicsNetwork", "Weights", "build_network", "check_weights", "circle_decoder",
           "draw_noise", "initial_weights", "optimal_weights", "thresholds"]

#: What a device does not run of this family, and why (docs/devices.md has the table).
UNSUPPORTED_DEVICES = {
    "genn": "no genn formulation (custom candidate events, several summed variables per group)",
    "cuda_standalone": "not run on a GPU yet",
}


def build(weights: Weights, stimulus, params: Bourdoukan2015Params | None = None, *,
          formulation: str | None = None, **kwargs) -> DynamicsNetwork:
    """The Brian2 network (:func:`.network.build_network`); ``result.run()`` runs the whole
    stimulus. Only the "reference" formulation exists. A sequence of ``Weights`` (with
    per-trial stimuli and, noise on, per-trial noise drawn in numpy: :func:`.network.draw_noise`)
    builds a batch of independent trials in one network (:mod:`spiketeach.core.batch`)."""
    formulation = choose_formulation(formulation, "reference", offered=("reference",))
    if formulation != "reference":
        raise ValueError(f"bourdoukan2015 has no {formulation!r} formulation: "
                         f"{UNSUPPORTED_DEVICES['genn']}")
    return build_network(weights, stimulus, params, **kwargs)
