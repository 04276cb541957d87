"""Huh & Sejnowski (2018): gradient descent for spiking networks with differentiable synapses.

Huh D, Sejnowski TJ (2018). Gradient descent for spiking neural networks. Advances in Neural
Information Processing Systems 31 (NeurIPS 2018), 1433-1443. arXiv:1706.04698.

Modules: :mod:`.params` (constants, each with its source or our reason), :mod:`.equations`
(Brian2 strings: the neuron, eq. 2's gated synapse, the gates), :mod:`.layers` and
:mod:`.spiking` (the Brian2 network, formulation "reference"), :mod:`.network` (its handle and
forward pass), :mod:`.dynamics` (the right-hand sides in numpy), :mod:`.discrete` (the same
forward-Euler network in numpy), :mod:`.objective` (the loss), :mod:`.adjoint` (the exact
gradient of the discretised network), :mod:`.optimizer` (Adam), :mod:`.weights` (U, W, b, O).
Tasks and the training loop: :mod:`spiketeach.protocols.huh2018`. Facts:
docs/papers/huh2018.md.
"""

from __future__ import annotations

from spiketeach.core.formulations import choose_formulation

from .adjoint import Gradient, backward, loss_and_gradient
from .discrete import Trajectory, simulate
from .network import Huh2018Network
from .objective import Objective
from .params import GATES, NEURONS, Huh2018Params
from .spiking import build_reference
from .weights import Weights, initial_weights

__all__ = ["build", "UNSUPPORTED_DEVICES", "Huh2018Params", "NEURONS", "GATES", "Weights",
           "initial_weights", "Objective", "Gradient", "Trajectory", "simulate", "backward",
           "loss_and_gradient", "Huh2018Network"]

#: What a device does not run of this family, and why (docs/devices.md has the table).
UNSUPPORTED_DEVICES = {
    "genn": "no genn formulation: every gradient step re-runs the network with new weights "
            "and inputs, and Brian2GeNN allows one run() per build (a rebuild per step); its "
            "inputs also read a TimedArray every step, which Brian2GeNN refuses outside "
            "run_regularly",
    "cuda_standalone": "not run on a GPU yet",
}


def build(weights, steps: int, params: Huh2018Params | None = None, *,
          formulation: str | None = None, **kwargs) -> Huh2018Network:
    """The Brian2 network (:func:`.spiking.build_reference`) for task trials of ``steps``
    steps; :meth:`~.Huh2018Network.forward` runs them. ``weights``: one :class:`Weights`, or a
    list of them — a batch of independent networks in one Brian2 network
    (:mod:`spiketeach.core.batch`), each giving what it gives alone; ``examples=k`` runs k task
    trials of each network side by side. Only "reference" exists (the learning is the numpy
    adjoint, so there is nothing in Brian2 to rewrite); on genn this raises."""
    formulation = choose_formulation(formulation, "reference", offered=("reference",))
    if formulation != "reference":
        raise ValueError(f"huh2018 has no {formulation!r} formulation: "
                         f"{UNSUPPORTED_DEVICES['genn']}")
    return build_reference(weights, steps, params, **kwargs)
