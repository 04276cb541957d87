"""The handle of a built Hunsberger & Eliasmith network: :class:`FANetwork` (state by stable
keys, weights, block runner), its initial weights and :func:`network_arguments`, where every
formulation starts.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from brian2 import Clock, EventMonitor, Network, NeuronGroup, StateMonitor, Synapses, TimedArray

from spiketeach.core.handle import HandleMixin
from spiketeach.core.runner import BlockRunner
from spiketeach.core.schedule import PresentationSchedule
from spiketeach.models.hunsberger2017.params import ERROR_ROUTINGS, HunsbergerParams
from spiketeach.models.lif import lif_rate
from spiketeach.models.nef import PopulationCode

__all__ = ["FANetwork", "initial_weights"]

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
    output_code: PopulationCode
    error_codes: list[PopulationCode]
    encoder_gain: np.ndarray
    stimulus: TimedArray
    target_values: TimedArray
    learning_gate: TimedArray
    record_gate: TimedArray
    y_monitor: StateMonitor | None
    e_monitor: StateMonitor | None       # decoded error of the first error population
    hidden_events: list[EventMonitor]
    feedback_matrices: list[np.ndarray]
    initial_weights: list[np.ndarray]    # the forward weights it was built with
    _runner: BlockRunner | None = field(default=None, repr=False)

    @property
    def duration(self):
        """Length of one block."""
        return self.schedule.duration

    def weights(self) -> list[np.ndarray]:
        """Forward weight matrices (n_post × n_pre) as they are now."""
        out = []
        for syn in self.forward:
            n_pre, n_post = len(syn.source), len(syn.target)
            out.append(np.asarray(syn.w[:]).reshape(n_pre, n_post).T.copy())
        return out

    def state_views(self) -> dict:
        """Learned variables by a stable key (for checkpoints and re-runs)."""
        return {f"forward{k}.w": syn.w for k, syn in enumerate(self.forward)}

    def initial_state(self, seed: int) -> dict[str, np.ndarray]:
        """The forward weights this build would start from with ``seed`` (as
        :func:`initial_weights` draws them), by the keys of :meth:`state_views`."""
        W, _ = initial_weights(self.params, seed)
        return {f"forward{k}.w": w.T.ravel() for k, w in enumerate(W)}  # pre-major order

    # --- the rate model of this spiking network (the original's "rate-based test error") ---
    def encoder_activity(self, x: np.ndarray) -> np.ndarray:
        """Closed-form activities (amplitude × rate) of the on/off input encoder for inputs x."""
        p = self.params
        j = np.hstack([x, -x]) * self.encoder_gain + 1.0
        return p.amplitude * lif_rate(j, float(p.tau_rc), float(p.tau_ref))

    def rate_forward(self, x: np.ndarray, weights: list[np.ndarray] | None = None) -> dict:
        """Rate-model pass through the network with ``weights`` (default: the current ones):
        hidden activities and the decoded output."""
        p = self.params
        W = weights if weights is not None else self.weights()
        a = self.encoder_activity(np.atleast_2d(x))
        hidden = []
        for Wl in W[:-1]:
            a = p.amplitude * lif_rate(1.0 + a @ Wl.T, float(p.tau_rc), float(p.tau_ref))
            hidden.append(a)
        u = a @ W[-1].T
        return {"hidden": hidden, "u": u, "y": self.output_code.decode(u)}

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
