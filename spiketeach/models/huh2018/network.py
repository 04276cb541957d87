"""The handle of one built Brian2 network: its state by stable keys and its forward pass.

Huh D, Sejnowski TJ (2018). Gradient descent for spiking neural networks. NeurIPS 31.

A :class:`Huh2018Network` is built once (:mod:`.spiking`) for a number of steps and re-run for
every forward pass with new weights and inputs through its :class:`BlockRunner` (on
cpp_standalone: the same compiled binary, with ``run_args``). :meth:`Huh2018Network.forward`
returns the recorded states as a :class:`.discrete.Trajectory`, which :func:`.adjoint.backward`
turns into the gradient, as it does for the numpy forward pass.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from brian2 import Network, NeuronGroup, StateMonitor, Synapses, TimedArray

from spiketeach.core.handle import HandleMixin
from spiketeach.core.runner import BlockRunner

from .discrete import Trajectory
from .params import Huh2018Params
from .weights import Weights, check_inputs, initial_weights

__all__ = ["Huh2018Network", "STATE_KEYS"]

#: state key -> the weight array it holds
STATE_KEYS = {"input.u": "U", "recurrent.w": "W", "neurons.b": "b", "readout.w_o": "O"}


@dataclass
class Huh2018Network(HandleMixin):
    """The Brian2 objects of one network (see :func:`.spiking.build_reference`)."""

    net: Network
    neurons: NeuronGroup
    inputs: NeuronGroup
    input_synapses: Synapses
    recurrent: Synapses
    readout: NeuronGroup
    readout_synapses: Synapses
    states: StateMonitor
    output: StateMonitor
    stimulus: TimedArray
    duration: object
    params: Huh2018Params
    steps: int
    voltage: str
    _runner: BlockRunner | None = field(default=None, repr=False)

    @property
    def n(self) -> int:
        return len(self.neurons)

    @property
    def n_in(self) -> int:
        return len(self.inputs)

    @property
    def n_out(self) -> int:
        return len(self.readout)

    def state_views(self) -> dict[str, object]:
        return {"input.u": self.input_synapses.u, "recurrent.w": self.recurrent.w,
                "neurons.b": self.neurons.b, "readout.w_o": self.readout_synapses.w_o}

    def weights_from_state(self, state: dict[str, np.ndarray]) -> Weights:
        """The :class:`.Weights` a state (flat synapse arrays, pre-major) stands for."""
        n, n_in, n_out = self.n, self.n_in, self.n_out
        return Weights(U=np.reshape(state["input.u"], (n_in, n)).T,
                       W=np.reshape(state["recurrent.w"], (n, n)).T,
                       b=np.asarray(state["neurons.b"], float),
                       O=np.reshape(state["readout.w_o"], (n, n_out)).T)

    def state_of(self, weights: Weights) -> dict[str, np.ndarray]:
        """The state (flat synapse arrays) that sets ``weights``."""
        if (weights.n, weights.n_in, weights.n_out) != (self.n, self.n_in, self.n_out):
            raise ValueError(f"weights are for {weights.n} neurons, {weights.n_in} inputs, "
                             f"{weights.n_out} outputs; the network was built for {self.n}, "
                             f"{self.n_in}, {self.n_out}")
        return {key: getattr(weights, name).T.ravel() if name != "b" else weights.b
                for key, name in STATE_KEYS.items()}

    def initial_state(self, seed: int) -> dict[str, np.ndarray]:
        return self.state_of(initial_weights(self.n_in, self.n, self.n_out, self.params,
                                             np.random.default_rng(seed)))

    def weights(self) -> list[np.ndarray]:
        """[U, W, O] as they are now, each (n_post x n_pre)."""
        w = self.weights_from_state(self.get_state())
        return [w.U, w.W, w.O]

    def forward(self, weights: Weights, x, v0=None) -> Trajectory:
        """Run one trial with ``weights`` on inputs ``x`` (steps x n_in, the number of steps the
        network was built for) and return the recorded states (as :func:`.discrete.simulate`)."""
        x = check_inputs(x, weights)
        if x.shape[0] != 1 or x.shape[1] != self.steps:
            raise ValueError(f"the Brian2 network runs one trial of {self.steps} steps "
                             f"(its build); got inputs of shape {x.shape}")
        v_init = np.broadcast_to(self.params.theta0 if v0 is None else np.asarray(v0, float),
                                 (self.n,)).copy()
        pairs = self.state_pairs(self.state_of(weights))
        pairs += [(getattr(self.neurons, self.voltage), v_init),
                  (self.neurons.s, np.zeros(self.n))]
        self.runner.run(pairs, timed_arrays={self.stimulus: x[0]})
        v = np.array(getattr(self.states, self.voltage)[:], float).T[:, None, :]
        s = np.array(self.states.s_[:], float).T[:, None, :]
        reset = None
        if self.params.neuron == "qif":
            # a reset at the end of step n leaves v_n+1 == v_reset; a value of exactly v_reset
            # reached by integration has probability zero
            nxt = np.concatenate([v[1:], v[-1:] * 0 + np.nan])
            reset = nxt == self.params.v_reset
            reset[-1] = np.asarray(getattr(self.neurons, self.voltage)[:], float) \
                == self.params.v_reset
        return Trajectory(v, s, reset, self.params.dt)

    def readout_trace(self) -> np.ndarray:
        """o_n = O s_n of the last forward pass (steps x n_out)."""
        return np.array(self.output.o[:], float).T
