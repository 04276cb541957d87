"""The handle of a built Hunsberger & Eliasmith network: :class:`FANetwork` (state by stable
keys, weights, block runner), its initial weights, :func:`network_arguments` and
:func:`draw_trial`, where every formulation starts.

A network may hold a batch of independent trials (:mod:`spiketeach.core.batch`, built with one
seed per trial): every group then holds the trials' cells one trial after the other, every
projection is block-diagonal, and :attr:`FANetwork.draws` holds what each trial's seed drew
(weights, feedback matrices, encoder gains, population codes).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from brian2 import Clock, EventMonitor, Network, NeuronGroup, StateMonitor, Synapses, TimedArray

from spiketeach.core.batch import TrialBatch
from spiketeach.core.handle import HandleMixin
from spiketeach.core.runner import BlockRunner
from spiketeach.core.schedule import PresentationSchedule
from spiketeach.models.hunsberger2017.params import ERROR_ROUTINGS, HunsbergerParams
from spiketeach.models.lif import gain_bias, lif_rate
from spiketeach.models.nef import PopulationCode, make_population_code

__all__ = ["FANetwork", "TrialDraw", "draw_trial", "initial_weights"]


@dataclass(frozen=True)
class TrialDraw:
    """What one trial's seed draws for a build: the initial forward weights (n_post × n_pre),
    the feedback matrices B_l (10 × n_hidden), the input encoder's gains and the population
    codes of the output and error populations."""

    seed: int
    weights: list
    feedback_matrices: list
    encoder_gain: np.ndarray
    output_code: PopulationCode
    error_codes: list


def draw_trial(p: HunsbergerParams, seed: int, weights=None, feedback_matrices=None) -> TrialDraw:
    """The draws of one trial, in the order every formulation makes them: the weights and
    feedback matrices (:func:`network_arguments`), then from ``default_rng([seed, 2])`` the
    encoder's max rates, the output population's code and each error population's code."""
    W0, B0 = network_arguments(p, seed, weights, feedback_matrices)
    n_in, *hid, n_out = (int(n) for n in p.sizes)
    rng = np.random.default_rng([seed, 2])
    tau_rc, tau_ref = float(p.tau_rc), float(p.tau_ref)
    enc_gain, _ = gain_bias(rng.uniform(*p.max_rates, size=2 * n_in), np.zeros(2 * n_in),
                            tau_rc, tau_ref)
    out_code = make_population_code(n_out, p.nef, p.output_intercepts, rng)
    n_err = len(hid) + 1 if p.error_routing == "layerwise" else 1
    err_codes = [make_population_code(n_out, p.nef, p.error_intercepts, rng) for _ in range(n_err)]
    return TrialDraw(int(seed), [w.copy() for w in W0], B0, enc_gain, out_code, err_codes)

@dataclass
class FANetwork(HandleMixin):
    """A built network and handles to its parts (a
    :class:`~spiketeach.core.handle.NetworkHandle`)."""

    net: Network
    params: HunsbergerParams
    schedule: PresentationSchedule
    clock: Clock
    encoder: NeuronGroup
    hidden: list[NeuronGroup]
    out_node: NeuronGroup                # 10-D input u = W_out a_2 (alpha-filtered)
    output: NeuronGroup                  # output population
    y_node: NeuronGroup                  # decoded output y, target y* (filtered) and y - y*
    target: NeuronGroup
    errors: list[NeuronGroup]            # error populations (E, then E2, E1 for layerwise)
    error_nodes: list[NeuronGroup]       # their decoded values
    forward: list[Synapses]              # encoder->h1, h1->h2, h2->out_node
    feedback: list[Synapses]             # onto hidden layer 0, 1, ...
    stimulus: TimedArray
    target_values: TimedArray
    learning_gate: TimedArray
    record_gate: TimedArray
    y_monitor: StateMonitor | None
    e_monitor: StateMonitor | None       # decoded error of the first error population
    hidden_events: list[EventMonitor]
    #: what each trial's seed drew (one entry: a single trial)
    draws: list[TrialDraw]
    _runner: BlockRunner | None = field(default=None, repr=False)

    @property
    def trials(self) -> int:
        """Independent trials in this network (:mod:`spiketeach.core.batch`)."""
        return len(self.draws)

    @property
    def batch(self) -> TrialBatch:
        return TrialBatch(self.trials)

    @property
    def seeds(self) -> list[int]:
        return [d.seed for d in self.draws]

    def _draw(self, trial: int | None, what: str) -> TrialDraw:
        return self.draws[self._trial(trial, what)]

    def _trial(self, trial: int | None, what: str) -> int:
        if trial is None:
            if self.trials != 1:
                raise ValueError(f"{what}: this network holds {self.trials} trials: pass trial= "
                                 f"0..{self.trials - 1} (or read .draws[trial])")
            trial = 0
        if not 0 <= trial < self.trials:
            raise ValueError(f"{what}: trial {trial} outside 0..{self.trials - 1}")
        return int(trial)

    # one trial's draws (a batch: pass through .draws[trial])
    @property
    def output_code(self) -> PopulationCode:
        return self._draw(None, "output_code").output_code

    @property
    def error_codes(self) -> list[PopulationCode]:
        return self._draw(None, "error_codes").error_codes

    @property
    def encoder_gain(self) -> np.ndarray:
        return self._draw(None, "encoder_gain").encoder_gain

    @property
    def feedback_matrices(self) -> list[np.ndarray]:
        return self._draw(None, "feedback_matrices").feedback_matrices

    @property
    def initial_weights(self) -> list[np.ndarray]:
        """The forward weights it was built with."""
        return self._draw(None, "initial_weights").weights

    @property
    def duration(self):
        """Length of one block."""
        return self.schedule.duration

    def weights(self, trial: int | None = None) -> list[np.ndarray]:
        """Forward weight matrices (n_post × n_pre) as they are now (of trial ``trial`` of a
        batch)."""
        k = self._trial(trial, "weights")
        out = []
        for syn in self.forward:
            w = self.batch.split(np.asarray(syn.w[:]), syn.name)[k]
            n_pre, n_post = len(syn.source) // self.trials, len(syn.target) // self.trials
            out.append(w.reshape(n_pre, n_post).T.copy())
        return out

    def state_views(self) -> dict:
        """Learned variables by a stable key (for checkpoints and re-runs)."""
        return {f"forward{k}.w": syn.w for k, syn in enumerate(self.forward)}

    def initial_state(self, seed) -> dict[str, np.ndarray]:
        """The forward weights this build would start from with ``seed`` (as
        :func:`initial_weights` draws them), by the keys of :meth:`state_views`. A batch takes
        one seed per trial (an int: every trial from that seed). The rest of what a seed draws
        (feedback matrices, population codes) stays the build's."""
        if self.trials > 1 or np.ndim(seed):
            seeds = [int(seed)] * self.trials if np.ndim(seed) == 0 else [int(s) for s in seed]
            if len(seeds) != self.trials:
                raise ValueError(f"this network holds {self.trials} trials; got {len(seeds)} seeds")
            return self.batch.stack_states([self._initial_state(s) for s in seeds])
        return self._initial_state(int(seed))

    def _initial_state(self, seed: int) -> dict[str, np.ndarray]:
        W, _ = initial_weights(self.params, seed)
        return {f"forward{k}.w": w.T.ravel() for k, w in enumerate(W)}  # pre-major order

    # --- the rate model of this spiking network (the original's "rate-based test error") ---
    def encoder_activity(self, x: np.ndarray, trial: int | None = None) -> np.ndarray:
        """Closed-form activities (amplitude × rate) of the on/off input encoder for inputs x
        (of trial ``trial`` of a batch)."""
        p = self.params
        j = np.hstack([x, -x]) * self._draw(trial, "encoder_activity").encoder_gain + 1.0
        return p.amplitude * lif_rate(j, float(p.tau_rc), float(p.tau_ref))

    def rate_forward(self, x: np.ndarray, weights: list[np.ndarray] | None = None,
                     trial: int | None = None) -> dict:
        """Rate-model pass through the network with ``weights`` (default: the current ones):
        hidden activities and the decoded output (of trial ``trial`` of a batch: its encoder
        and output code)."""
        p = self.params
        draw = self._draw(trial, "rate_forward")
        W = weights if weights is not None else self.weights(trial)
        a = self.encoder_activity(np.atleast_2d(x), trial)
        hidden = []
        for Wl in W[:-1]:
            a = p.amplitude * lif_rate(1.0 + a @ Wl.T, float(p.tau_rc), float(p.tau_ref))
            hidden.append(a)
        u = a @ W[-1].T
        return {"hidden": hidden, "u": u, "y": draw.output_code.decode(u)}

def initial_weights(params: HunsbergerParams, seed: int) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Forward weights N(0, w_init_std^2) (encoder->h1 is 80 × 60) and feedback matrices B_l
    (n_out × n_hidden_l, N(0, feedback_std^2)), from ``seed``."""
    rng = np.random.default_rng([seed, 1])
    n_in, *hid, n_out = params.sizes
    pre = [2 * n_in, *hid]
    post = [*hid, n_out]
    W = [rng.normal(0, params.w_init_std, size=(b, a)) for a, b in zip(pre, post)]
    B = [rng.normal(0, params.feedback_std, size=(n_out, n)) for n in hid]
    return W, B


def network_arguments(p: HunsbergerParams, seed: int, weights=None, feedback_matrices=None):
    """Check a build's parameters and draw what is not given; every formulation starts here.

    Returns the initial forward weights (n_post x n_pre) and feedback matrices (10 x n_hidden):
    ``weights`` and ``feedback_matrices`` where given (shapes checked), else drawn from ``seed``.
    """
    if p.error_routing not in ERROR_ROUTINGS:
        raise ValueError(f"unknown error_routing {p.error_routing!r}; choose one of {ERROR_ROUTINGS}")
    if len(p.sizes) < 3:
        raise ValueError("the network needs at least one hidden layer")
    W0, B0 = initial_weights(p, seed)
    if weights is not None:
        if [np.shape(w) for w in weights] != [w.shape for w in W0]:
            raise ValueError(f"weights must have shapes {[w.shape for w in W0]}")
        W0 = [np.asarray(w, dtype=float) for w in weights]
    if feedback_matrices is not None:
        if [np.shape(b) for b in feedback_matrices] != [b.shape for b in B0]:
            raise ValueError(f"feedback_matrices must have shapes {[b.shape for b in B0]}")
        B0 = [np.asarray(b, dtype=float) for b in feedback_matrices]
    return W0, B0
