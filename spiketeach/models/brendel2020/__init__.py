"""Brendel et al. (2020) / Bourdoukan et al. (2012): spike-coding networks that learn balance.

Brendel W, Bourdoukan R, Vertechi P, Machens CK, Denève S (2020). Learning to represent signals
spike by spike. PLOS Comput Biol 16(3):e1007692. Bourdoukan R, Barrett DGT, Machens CK, Denève S
(2012). Learning optimal spike-based representations. NIPS 25.

Modules: :mod:`.params` (the supplement's table and the authors' code values), :mod:`.equations`
(Brian2 strings), :mod:`.network` (the Brian2 network, the one-spike-per-step rule, both learning
rules, the optimal weights), :mod:`.reference` (the same step in numpy, the authors' loop);
the E/I network of Fig. 4 (Dale's law): :mod:`.layers` (Brian2) and :mod:`.reference_ei` (numpy),
built with :func:`build_ei`.
Learning protocols: :mod:`spiketeach.protocols.brendel2020`. Facts: docs/papers/brendel2020.md.
"""

from __future__ import annotations

from spiketeach.core.formulations import choose_formulation

from .layers import (
    EINetwork,
    EIWeights,
    build_ei_network,
    check_ei_weights,
    dale_violations,
    initial_ei_weights,
)
from .network import (
    SpikeCodingNetwork,
    build_network,
    check_weights,
    initial_weights,
    optimal_thresholds,
    optimal_weights,
)
from .params import CODE, EI_CODE, EI_TABLE, TABLE, Brendel2020EIParams, Brendel2020Params

__all__ = ["build", "UNSUPPORTED_DEVICES", "Brendel2020Params", "TABLE", "CODE",
           "SpikeCodingNetwork", "build_network", "check_weights", "optimal_weights",
           "optimal_thresholds", "initial_weights", "build_ei", "Brendel2020EIParams", "EI_TABLE",
           "EI_CODE", "EINetwork", "EIWeights", "build_ei_network", "check_ei_weights",
           "dale_violations", "initial_ei_weights"]

#: What a device does not run of this family, and why (docs/devices.md has the table).
UNSUPPORTED_DEVICES = {
    "genn": "no genn formulation (the one-spike rule moves a summed variable's updater, which "
            "Brian2GeNN does not schedule)",
    "cuda_standalone": "not run on a GPU yet",
}


def build(F, omega, stimulus, params: Brendel2020Params | None = None, *,
          formulation: str | None = None, **kwargs) -> SpikeCodingNetwork:
    """The Brian2 network (:func:`.network.build_network`); run ``result.network`` for
    ``result.duration``. Only the "reference" formulation exists."""
    formulation = choose_formulation(formulation, "reference", offered=("reference",))
    if formulation != "reference":
        raise ValueError(f"brendel2020 has no {formulation!r} formulation: "
                         f"{UNSUPPORTED_DEVICES['genn']}")
    return build_network(F, omega, stimulus, params, **kwargs)


def build_ei(weights: EIWeights, stimulus, params: Brendel2020EIParams | None = None, *,
             formulation: str | None = None, **kwargs) -> EINetwork:
    """The E/I network of Fig. 4 (:func:`.layers.build_ei_network`); ``result.run()`` runs the
    whole stimulus. Only the "reference" formulation exists."""
    formulation = choose_formulation(formulation, "reference", offered=("reference",))
    if formulation != "reference":
        raise ValueError(f"brendel2020 has no {formulation!r} formulation: "
                         f"{UNSUPPORTED_DEVICES['genn']}")
    return build_ei_network(weights, stimulus, params, **kwargs)
