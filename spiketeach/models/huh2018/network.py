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

from spiketeach.core.batch import TrialBatch
from spiketeach.core.handle import HandleMixin
from spiketeach.core.runner import BlockRunner

from .discrete import Trajectory
from .params import Huh2018Params
from .weights import Weights, check_inputs, initial_weights

__all__ = ["Huh2018Network", "STATE_KEYS", "check_batch_weights"]

#: state key -> the weight array it holds
STATE_KEYS = {"input.u": "U", "recurrent.w": "W", "neurons.b": "b", "readout.w_o": "O"}


def check_batch_weights(weights, trials: int | None = None) -> list[Weights]:
    """The weights of a batch (a sequence of :class:`.Weights`, one per trial, all of one
    size) as a list; a ValueError naming the problem otherwise (``trials``: the number the
    batch was built for)."""
    if isinstance(weights, Weights) or not hasattr(weights, "__len__"):
        raise ValueError(f"a batch takes one Weights per trial (a list), got "
                         f"{type(weights).__name__}")
    weights = list(weights)
    if not weights:
        raise ValueError("a batch needs the weights of at least one trial, got an empty list")
    if trials is not None and len(weights) != trials:
        raise ValueError(f"this network holds a batch of {trials} trials; got weights for "
                         f"{len(weights)}")
    for k, w in enumerate(weights):
        if not isinstance(w, Weights):
            raise ValueError(f"the weights of trial {k} must be a Weights (U, W, b, O), got "
                             f"{type(w).__name__}")
        if (w.n, w.n_in, w.n_out) != (weights[0].n, weights[0].n_in, weights[0].n_out):
            raise ValueError(f"the weights of trial {k} are for {w.n} neurons, {w.n_in} inputs, "
                             f"{w.n_out} outputs; trial 0's for {weights[0].n}, "
                             f"{weights[0].n_in}, {weights[0].n_out}: a batch holds networks "
                             "of one size")
    return weights


@dataclass
class Huh2018Network(HandleMixin):
    """The Brian2 objects of one network, or of a batch of networks (see
    :func:`.spiking.build_reference`): ``trials`` independent networks (issue 23's trials)
    times ``examples`` task trials each, side by side in the groups, trial-major."""

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
    #: independent networks in these groups, each with its own weights and inputs
    trials: int = 1
    #: task trials each network runs side by side in one forward pass (its minibatch)
    examples: int = 1
    #: built from a sequence of weights: :meth:`forward` takes one Weights per trial
    is_batch: bool = False

    @property
    def copies(self) -> int:
        """Copies of the network in the groups: ``trials x examples``."""
        return self.trials * self.examples

    @property
    def batch(self) -> TrialBatch:
        """The layout of the trials (the state of a batch splits into theirs)."""
        return TrialBatch(self.trials)

    @property
    def n(self) -> int:
        return len(self.neurons) // self.copies

    @property
    def n_in(self) -> int:
        return len(self.inputs) // self.copies

    @property
    def n_out(self) -> int:
        return len(self.readout) // self.copies

    def state_views(self) -> dict[str, object]:
        return {"input.u": self.input_synapses.u, "recurrent.w": self.recurrent.w,
                "neurons.b": self.neurons.b, "readout.w_o": self.readout_synapses.w_o}

    def _one_copy(self, state: dict[str, np.ndarray], copy: int) -> Weights:
        n, n_in, n_out = self.n, self.n_in, self.n_out
        layout = TrialBatch(self.copies)
        part = {key: layout.split(state[key], key)[copy] for key in STATE_KEYS}
        return Weights(U=np.reshape(part["input.u"], (n_in, n)).T,
                       W=np.reshape(part["recurrent.w"], (n, n)).T,
                       b=np.asarray(part["neurons.b"], float),
                       O=np.reshape(part["readout.w_o"], (n, n_out)).T)

    def weights_from_state(self, state: dict[str, np.ndarray]):
        """The :class:`.Weights` a state (flat synapse arrays, pre-major, copy after copy)
        stands for; a batch: one per trial."""
        trials = [self._one_copy(state, k * self.examples) for k in range(self.trials)]
        return trials if self.is_batch else trials[0]

    def _check_size(self, weights: Weights, what: str = "weights") -> None:
        if (weights.n, weights.n_in, weights.n_out) != (self.n, self.n_in, self.n_out):
            raise ValueError(f"{what} are for {weights.n} neurons, {weights.n_in} inputs, "
                             f"{weights.n_out} outputs; the network was built for {self.n}, "
                             f"{self.n_in}, {self.n_out}")

    def _trial_weights(self, weights) -> list[Weights]:
        if self.is_batch:
            weights = check_batch_weights(weights, self.trials)
        elif not isinstance(weights, Weights):
            raise ValueError(f"this network holds one trial: pass one Weights, got "
                             f"{type(weights).__name__} (build with a list of Weights for a "
                             "batch)")
        else:
            weights = [weights]
        for k, w in enumerate(weights):
            self._check_size(w, f"the weights of trial {k}" if self.is_batch else "weights")
        return weights

    def state_of(self, weights) -> dict[str, np.ndarray]:
        """The state (flat synapse arrays) that sets ``weights`` (a batch: one per trial)."""
        copies = [w for w in self._trial_weights(weights) for _ in range(self.examples)]
        layout = TrialBatch(self.copies)
        return {key: layout.stack([getattr(w, name).T.ravel() if name != "b" else w.b
                                   for w in copies])
                for key, name in STATE_KEYS.items()}

    def initial_state(self, seed) -> dict[str, np.ndarray]:
        """The state of random initial weights from ``seed`` (a batch: one seed per trial,
        or one for all)."""
        seeds = [seed] * self.trials if np.ndim(seed) == 0 else list(seed)
        if len(seeds) != self.trials:
            raise ValueError(f"this network holds {self.trials} trials; got {len(seeds)} seeds")
        weights = [initial_weights(self.n_in, self.n, self.n_out, self.params,
                                   np.random.default_rng(int(s))) for s in seeds]
        return self.state_of(weights if self.is_batch else weights[0])

    def weights(self) -> list[np.ndarray]:
        """[U, W, O] as they are now, each (n_post x n_pre); a batch: (trials x n_post x n_pre)."""
        w = self.weights_from_state(self.get_state())
        if not self.is_batch:
            return [w.U, w.W, w.O]
        return [np.stack([getattr(t, name) for t in w]) for name in ("U", "W", "O")]

    def _trial_inputs(self, x, weights: list[Weights]) -> list[np.ndarray]:
        if not self.is_batch:
            xs = [check_inputs(x, weights[0])]
        else:
            x = np.asarray(x, dtype=float)
            if x.ndim != 4 or len(x) != self.trials:
                raise ValueError(f"the inputs of a batch of {self.trials} trials must be (trials "
                                 f"x examples x steps x n_in) = ({self.trials} x examples x "
                                 f"{self.steps} x {self.n_in}), got shape {x.shape}")
            xs = [check_inputs(xk, w) for xk, w in zip(x, weights)]
        if xs[0].shape[1] != self.steps:
            raise ValueError(f"the Brian2 network runs one trial of {self.steps} steps per copy "
                             f"(its build); got inputs of shape {np.shape(x)}")
        return xs

    def forward(self, weights, x, v0=None):
        """Run the network with ``weights`` on inputs ``x`` (examples x steps x n_in, or steps x
        n_in for one; ``steps`` as built) and return the recorded states (as
        :func:`.discrete.simulate`). ``examples`` of them run side by side per Brian2 run (the
        build's ``examples``; the last run padded with silent copies).

        A batch (built from a list of weights): ``weights`` one per trial, ``x`` (trials x
        examples x steps x n_in); returns one :class:`.Trajectory` per trial, each what the
        trial's network alone returns for its inputs."""
        weights = self._trial_weights(weights)
        xs = self._trial_inputs(x, weights)
        m, E, n = xs[0].shape[0], self.examples, self.n
        v_init = np.broadcast_to(self.params.theta0 if v0 is None else np.asarray(v0, float),
                                 (n,))
        layout = TrialBatch(self.copies)
        pairs = self.state_pairs(self.state_of(weights if self.is_batch else weights[0]))
        pairs += [(getattr(self.neurons, self.voltage), layout.tile(v_init)),
                  (self.neurons.s, np.zeros(self.copies * n))]
        runs = []
        for start in range(0, m, E):
            chunk = [xk[start:start + E] for xk in xs]
            used = chunk[0].shape[0]
            pad = np.zeros((E - used,) + chunk[0].shape[1:])
            columns = layout.columns([example for c in chunk
                                      for example in np.concatenate([c, pad])])
            self.runner.run(pairs, timed_arrays={self.stimulus: columns})
            runs.append((self._recorded(), used))
        trajectories = []
        for k in range(self.trials):
            parts = [tuple(None if a is None else a[:, k, :used] for a in arrays)
                     for arrays, used in runs]
            v, s, reset = (None if parts[0][i] is None else
                           np.concatenate([p[i] for p in parts], axis=1) for i in range(3))
            trajectories.append(Trajectory(v, s, reset, self.params.dt))
        return trajectories if self.is_batch else trajectories[0]

    def _recorded(self) -> tuple:
        """v, s and the QIF's resets of the last run, as (steps x trials x examples x n)."""
        shape = (self.steps, self.trials, self.examples, self.n)
        v = np.array(getattr(self.states, self.voltage)[:], float).T
        s = np.array(self.states.s_[:], float).T
        reset = None
        if self.params.neuron == "qif":
            # a reset at the end of step n leaves v_n+1 == v_reset; a value of exactly v_reset
            # reached by integration has probability zero
            reset = np.zeros(v.shape, dtype=bool)
            reset[:-1] = v[1:] == self.params.v_reset
            reset[-1] = np.asarray(getattr(self.neurons, self.voltage)[:], float) \
                == self.params.v_reset
            reset = reset.reshape(shape)
        return v.reshape(shape), s.reshape(shape), reset

    def readout_trace(self) -> np.ndarray:
        """o_n = O s_n of the last Brian2 run (steps x n_out; copies side by side: steps x
        copies·n_out, copy-major)."""
        return np.array(self.output.o[:], float).T
