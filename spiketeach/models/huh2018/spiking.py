"""The "reference" formulation: the network of :mod:`.equations` as Brian2 groups and synapses.

Huh D, Sejnowski TJ (2018). Gradient descent for spiking neural networks. NeurIPS 31.

Neurons (state v or theta, trace s, gate g, current I), input units reading a TimedArray, dense
input (U), recurrent (W, on s) and readout (O) synapses whose sums are updated every step before
the neurons' Euler step, and monitors of v and s (at the start of each step) and of o. This is
the same discretised system as :mod:`.discrete` (tests/models/huh2018/test_network.py compares
them on runtime and cpp_standalone). A list of weights builds a batch of independent networks in
the same groups (:mod:`spiketeach.core.batch`), ``examples`` copies of each for its minibatch.
There is no "fast" formulation: the network has no
learning in Brian2 to rewrite (the gradient is computed in numpy, :mod:`.adjoint`).
"""

from __future__ import annotations

import numpy as np
from brian2 import Network, StateMonitor, TimedArray, second

import spiketeach.models.huh2018.equations as eq
from spiketeach.core.batch import TrialBatch
from spiketeach.core.clocks import step_clock

from .layers import dense_synapses, inputs, neurons, readout, voltage_name
from .network import Huh2018Network, check_batch_weights
from .params import Huh2018Params
from .weights import Weights

__all__ = ["build_reference"]


def build_reference(weights, steps: int, params: Huh2018Params | None = None, *,
                    name: str = "huh", examples: int = 1) -> Huh2018Network:
    """The Brian2 network for task trials of ``steps`` steps, built with ``weights`` (change
    them, and the inputs, per forward pass through :meth:`.Huh2018Network.forward`).

    ``weights``: one :class:`.Weights` (one network, today's build), or a sequence of them: a
    batch of independent networks (issue 23's *trials*, :mod:`spiketeach.core.batch`), each
    with its own weights and inputs, in one Brian2 network. ``examples``: task trials each
    network runs side by side in one forward pass (its minibatch; copies with the same
    weights). The groups hold ``len(weights) x examples`` copies, trial-major (copy
    ``k examples + e`` is example e of trial k); synapses are block-diagonal and every copy has
    its own columns of the input's TimedArray, so each copy computes what the network alone
    computes (tests/models/huh2018/test_huh2018_batch.py).
    """
    params = params or Huh2018Params()
    if int(steps) != steps or steps < 1:
        raise ValueError(f"steps must be a positive integer, got {steps!r}")
    steps = int(steps)
    if int(examples) != examples or examples < 1:
        raise ValueError(f"examples must be a positive integer, got {examples!r}")
    examples = int(examples)
    is_batch = not isinstance(weights, Weights)
    trial_weights = check_batch_weights(weights) if is_batch else [weights]
    first = trial_weights[0]
    copies = [w for w in trial_weights for _ in range(examples)]
    layout = TrialBatch(len(copies))
    clock = step_clock(params.dt * second, f"{name}_clock")
    stimulus = TimedArray(np.zeros((steps, layout.cells(first.n_in))), dt=params.dt * second,
                          name=f"{name}_stimulus")
    cells = neurons(layout.cells(first.n), params, clock, f"{name}_neurons")
    cells.b = layout.stack([w.b for w in copies])
    voltage = voltage_name(params)
    setattr(cells, voltage, params.theta0)
    units = inputs(stimulus, clock, f"{name}_inputs")
    syn_in = dense_synapses(units, cells, eq.INPUT_SYNAPSE, "u", [w.U for w in copies], clock,
                            f"{name}_input_synapses", namespace={"stimulus": stimulus})
    syn_rec = dense_synapses(cells, cells, eq.RECURRENT_SYNAPSE, "w", [w.W for w in copies],
                             clock, f"{name}_recurrent")
    out = readout(layout.cells(first.n_out), clock, f"{name}_readout")
    syn_out = dense_synapses(cells, out, eq.READOUT_SYNAPSE, "w_o", [w.O for w in copies], clock,
                             f"{name}_readout_synapses")
    states = StateMonitor(cells, [voltage, "s"], record=True, when="start", clock=clock,
                          name=f"{name}_states")
    output = StateMonitor(out, "o", record=True, when="end", clock=clock, name=f"{name}_output")
    net = Network(units, cells, syn_in, syn_rec, out, syn_out, states, output,
                  name=f"{name}_network")
    return Huh2018Network(net, cells, units, syn_in, syn_rec, out, syn_out, states, output,
                          stimulus, steps * params.dt * second, params, steps, voltage,
                          trials=len(trial_weights), examples=examples, is_batch=is_batch)
