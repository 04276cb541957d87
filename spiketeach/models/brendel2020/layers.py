"""The E/I network of Brendel et al. (2020), Fig. 4: Brian2 builder, weights and their checks.

Brendel W, Bourdoukan R, Vertechi P, Machens CK, Denève S (2020). Learning to represent signals
spike by spike. PLOS Comput Biol 16(3):e1007692, section "Learning in E/I networks" and SI
section 5 (Alg. 2); the authors' ``Figure4/Learning.m``.

300 excitatory neurons code a 3-D input with the 20-neuron network's rules; 75 inhibitory neurons,
driven only by E spikes, learn to code the E population (E->I with the feedforward rule) and to
cancel the E voltages (I->E, I->I with the recurrent rule). Dale's law: every update is clipped at
zero. One spike per step *per population*, as the code: E chooses first, its spike reaches the
I voltages in the same step, I chooses; all other jumps arrive at the next step.

Build with :func:`build_ei_network` (or the family's :func:`~spiketeach.models.brendel2020.build_ei`);
:mod:`.reference_ei` is the same step in numpy, which the tests prove equal.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from brian2 import (
    Hz,
    Network,
    NeuronGroup,
    SpikeMonitor,
    StateMonitor,
    Synapses,
    TimedArray,
    second,
)

import spiketeach.models.brendel2020.equations as eq
from spiketeach.core.connectivity import dense_indices
from spiketeach.models import spike_coding as sc

from .params import Brendel2020EIParams

__all__ = ["EIWeights", "check_ei_weights", "initial_ei_weights", "EINetwork",
           "build_ei_network", "dale_violations"]

#: pathway name -> (post population, pre population) of its weight matrix (post x pre)
PATHWAYS = {"ee": ("e", "e"), "ei": ("i", "e"), "ie": ("e", "i"), "ii": ("i", "i")}


@dataclass
class EIWeights:
    """The E/I network's weights, each post x pre: ``F`` (n_e x J, input->E), ``ee`` (E->E,
    n_e x n_e), ``ei`` (E->I, n_i x n_e), ``ie`` (I->E, n_e x n_i), ``ii`` (I->I, n_i x n_i)."""

    F: np.ndarray
    ee: np.ndarray
    ei: np.ndarray
    ie: np.ndarray
    ii: np.ndarray

    def copy(self) -> "EIWeights":
        return EIWeights(*(np.array(a, float) for a in self.as_tuple()))

    def as_tuple(self):
        return self.F, self.ee, self.ei, self.ie, self.ii

    def omega(self) -> np.ndarray:
        """All recurrent weights as one (n_e + n_i) square matrix, E neurons first."""
        return np.block([[self.ee, self.ie], [self.ei, self.ii]])


def dale_violations(w: EIWeights, tol: float = 0.0) -> dict[str, int]:
    """How many weights break Dale's law (or the sign of a reset) per pathway: E->E off the
    diagonal and E->I must be >= 0; I->E, I->I <= 0; both autapses (resets) < 0."""
    ee_off = w.ee[~np.eye(w.ee.shape[0], dtype=bool)]
    return {"ee": int(np.sum(ee_off < -tol)), "ei": int(np.sum(w.ei < -tol)),
            "ie": int(np.sum(w.ie > tol)), "ii": int(np.sum(w.ii > tol)),
            "resets": int(np.sum(np.diag(w.ee) >= 0) + np.sum(np.diag(w.ii) >= 0))}


def check_ei_weights(w: EIWeights, n_inputs: int | None = None) -> EIWeights:
    """``w`` as float arrays, or a ValueError naming the first problem (shape, NaN, sign)."""
    arrays = {k: np.asarray(v, dtype=float) for k, v in zip(("F", "ee", "ei", "ie", "ii"),
                                                            w.as_tuple())}
    F = arrays["F"]
    if F.ndim != 2:
        raise ValueError(f"F must be 2-D (E neurons x inputs), got shape {F.shape}")
    n_e, J = F.shape
    if n_inputs is not None and J != n_inputs:
        raise ValueError(f"F has {J} inputs, the parameters say n_inputs = {n_inputs}")
    ii = arrays["ii"]
    if ii.ndim != 2 or ii.shape[0] != ii.shape[1]:
        raise ValueError(f"ii (I->I) must be square, got shape {ii.shape}")
    n = {"e": n_e, "i": ii.shape[0]}
    for name, (post, pre) in PATHWAYS.items():
        want = (n[post], n[pre])
        if arrays[name].shape != want:
            raise ValueError(f"{name} ({pre.upper()}->{post.upper()}) must be {want[0]} x "
                             f"{want[1]} (post x pre) to match F ({n_e} E neurons) and ii "
                             f"({n['i']} I neurons), got shape {arrays[name].shape}")
    for name, a in arrays.items():
        if not np.all(np.isfinite(a)):
            raise ValueError(f"{name} contains NaN or inf")
    out = EIWeights(**arrays)
    bad = {k: v for k, v in dale_violations(out).items() if v}
    if bad:
        raise ValueError(f"weights break Dale's law or have a non-negative reset: {bad} "
                         f"(E->E off-diagonal and E->I >= 0, I->E and I->I <= 0, autapses < 0)")
    return out


def initial_ei_weights(params: Brendel2020EIParams, rng: np.random.Generator) -> EIWeights:
    """The network before learning, as the authors' script draws it: random F rows of norm
    gamma; E->E zero but the fixed autapse; I->I zero but the reset; E->I w_ei from E neuron k to
    I neuron k mod n_i (stacked identities, 4 E per I for 300/75); I->E -w_ie_abs on the same
    pairs."""
    p = params
    F = rng.standard_normal((p.n_e, p.n_inputs))
    F *= p.gamma / np.linalg.norm(F, axis=1, keepdims=True)
    ee = -p.w_ee_autapse_abs * np.eye(p.n_e)
    ii = -p.w_ii_abs * np.eye(p.n_i)
    ei = np.zeros((p.n_i, p.n_e))
    ei[np.arange(p.n_e) % p.n_i, np.arange(p.n_e)] = p.w_ei
    ie = -p.w_ie_abs / p.w_ei * ei.T if p.w_ei > 0 else np.zeros((p.n_e, p.n_i))
    return EIWeights(F, ee, ei, ie, ii)


@dataclass
class EINetwork:
    """The Brian2 objects of one E/I network; :meth:`run` runs the whole stimulus."""

    network: Network
    exc: NeuronGroup
    inh: NeuronGroup
    inputs: NeuronGroup
    synapses: dict
    spikes_e: SpikeMonitor
    spikes_i: SpikeMonitor
    states: tuple | None
    weights_monitor: dict | None
    duration: object
    params: Brendel2020EIParams

    def run(self) -> None:
        """Run the whole stimulus (on a standalone device: generate, compile and run)."""
        sc.run_whole(self.network, self.duration)

    def weights(self) -> EIWeights:
        """The weights now."""
        out = {}
        for name, syn in self.synapses.items():
            post, pre = ("e", None) if name == "F" else PATHWAYS[name]
            rows = len(self.exc) if post == "e" else len(self.inh)
            cols = len(syn.source)
            W = np.zeros((rows, cols))
            W[syn.j[:], syn.i[:]] = (syn.F[:] if name == "F" else syn.w[:])
            out[name] = W
        return EIWeights(**out)

    def spike_matrices(self, n_steps: int) -> tuple[np.ndarray, np.ndarray]:
        """E and I spikes as (n_steps x n) 0/1 arrays."""
        dt = self.params.dt
        return (sc.spike_matrix(self.spikes_e, n_steps, len(self.exc), dt),
                sc.spike_matrix(self.spikes_i, n_steps, len(self.inh), dt))


def _population(n, equations, reset, T, params, sigma_v, dt, name):
    p = params
    g = NeuronGroup(n, equations, threshold=eq.THRESHOLD, reset=reset, refractory=eq.REFRACTORY,
                    events={"candidate": eq.CANDIDATE}, method="euler", dt=dt, name=name)
    g.T = T
    sc.set_noise(g, lam=p.lam, sigma_v=sigma_v, sigma_threshold=p.sigma_threshold, dt=p.dt)
    g.ref_steps = p.refractory_steps
    return g


def _within(group, W, learn_code, params, mu, learn, dt, name):
    """All-to-all synapses of a population onto itself: learning at the presynaptic spike
    (synapses slot), the jump at the next step (before the threshold), the one-spike count at
    candidate events."""
    n = len(group)
    syn = Synapses(group, group, eq.RECURRENT_SAME,
                   on_pre={"learn": learn_code, "jump": eq.ON_PRE_JUMP_EI,
                           "count": eq.ON_CANDIDATE},
                   on_event={"learn": "spike", "jump": "spike", "count": "candidate"},
                   dt=dt, name=name)
    i, j = dense_indices(n, n)
    syn.connect(i=i, j=j)
    syn.w = W.T.ravel()
    syn.delta = (i == j).astype(float)
    syn.beta, syn.mu = params.beta, mu
    syn.eps_rec = params.eps_rec if learn else 0.0
    syn.w_autapse = -params.w_ee_autapse_abs
    return syn


def build_ei_network(weights: EIWeights, stimulus, params: Brendel2020EIParams | None = None, *,
                     learn: bool = False, record_states: bool = False,
                     record_weights_every: int | None = None, name: str = "ei") -> EINetwork:
    """The E/I network with ``weights`` driven by ``stimulus`` (n_steps x J input c in 1/s, one
    row per step of ``params.dt``). ``learn``: all five rules on (else their rates are 0).
    ``record_states``: V and r of both populations and the signal x every step (step's end).
    ``record_weights_every``: every pathway's weights every that many steps.
    """
    p = params or Brendel2020EIParams()
    w = check_ei_weights(weights, p.n_inputs)
    n_e, n_i = w.ee.shape[0], w.ii.shape[0]
    stimulus = sc.check_stimulus(stimulus, p.n_inputs)
    dt = p.dt * second

    ta = TimedArray(stimulus * Hz, dt=dt, name=f"{name}_stimulus")
    inputs = NeuronGroup(p.n_inputs, eq.INPUT, method="euler", dt=dt, order=-2,
                         namespace={"stimulus": ta}, name=f"{name}_inputs")
    inputs.lam, inputs.lam_ff = p.lam * Hz, p.lam_ff * Hz
    exc = _population(n_e, eq.NEURON_E, eq.RESET_E, p.threshold_e, p, p.sigma_v_e, dt,
                      f"{name}_exc")
    exc.lam_ei = p.lam_ei * Hz
    inh = _population(n_i, eq.NEURON_I, eq.RESET_I, p.threshold_i, p, p.sigma_v_i, dt,
                      f"{name}_inh")

    ff = Synapses(inputs, exc, eq.FEEDFORWARD, on_post=eq.ON_POST_FEEDFORWARD, dt=dt,
                  namespace={"stimulus": ta}, name=f"{name}_ff")
    i, j = dense_indices(p.n_inputs, n_e)
    ff.connect(i=i, j=j)
    ff.F = w.F.T.ravel()
    ff.alpha = p.alpha
    ff.eps_ff = p.eps_ff if learn else 0.0

    ee = _within(exc, w.ee, eq.ON_PRE_LEARN_EE, p, p.mu_e, learn, dt, f"{name}_ee")
    ii = _within(inh, w.ii, eq.ON_PRE_LEARN_II, p, p.mu_i, learn, dt, f"{name}_ii")
    ie = Synapses(inh, exc, eq.RECURRENT_CROSS,
                  on_pre={"learn": eq.ON_PRE_LEARN_IE, "jump": eq.ON_PRE_JUMP_EI}, dt=dt,
                  name=f"{name}_ie")
    i, j = dense_indices(n_i, n_e)
    ie.connect(i=i, j=j)
    ie.w = w.ie.T.ravel()
    ie.beta, ie.mu = p.beta, p.mu_e
    ie.eps_rec = p.eps_rec if learn else 0.0
    ei = Synapses(exc, inh, eq.EXCITATION_TO_I, on_pre={"jump": eq.ON_PRE_JUMP_EI},
                  on_post={"learn": eq.ON_POST_LEARN_EI}, dt=dt, name=f"{name}_ei")
    i, j = dense_indices(n_e, n_i)
    ei.connect(i=i, j=j)
    ei.w = w.ei.T.ravel()
    ei.eps_ff = p.eps_ff if learn else 0.0

    # The step, in the thresholds slot: last step's E and I spikes jump onto E and I (their
    # spike spaces still hold last step), E draws its noise, its candidates count larger
    # margins, the one nobody beats fires;
    # this step's E spike jumps onto I; then I does the same. The rules run in the synapses
    # slot with this step's voltages; the resets (r += 1) after them.
    schedule = [(ee.jump, -10), (ie.jump, -10), (ii.jump, -10)]
    noise_e = exc.run_regularly(eq.THRESHOLD_NOISE_EI, when="thresholds", name=f"{name}_noise_e")
    noise_i = inh.run_regularly(eq.THRESHOLD_NOISE_EI, when="thresholds", name=f"{name}_noise_i")
    schedule += [(noise_e, -5), (exc.thresholder["candidate"], -4), (ee.count, -3),
                 (exc.thresholder["spike"], -1), (ei.jump, 1), (noise_i, 2),
                 (inh.thresholder["candidate"], 3), (ii.count, 4), (inh.thresholder["spike"], 5)]
    for obj, order in schedule:
        obj.when, obj.order = "thresholds", order

    spikes_e = SpikeMonitor(exc, name=f"{name}_spikes_e")
    spikes_i = SpikeMonitor(inh, name=f"{name}_spikes_i")
    syns = {"F": ff, "ee": ee, "ei": ei, "ie": ie, "ii": ii}
    objects = [inputs, exc, inh, noise_e, noise_i, *syns.values(), spikes_e, spikes_i]
    states = wmon = None
    if record_states:
        states = (StateMonitor(exc, ["V", "r"], record=True, when="end", name=f"{name}_st_e"),
                  StateMonitor(inh, ["V", "r"], record=True, when="end", name=f"{name}_st_i"),
                  StateMonitor(inputs, ["x"], record=True, when="end", name=f"{name}_st_x"))
        objects += list(states)
    if record_weights_every:
        every = int(record_weights_every) * dt
        wmon = {k: StateMonitor(s, "F" if k == "F" else "w", record=True, dt=every, when="end",
                                name=f"{name}_wmon_{k}") for k, s in syns.items()}
        objects += list(wmon.values())
    net = Network(*objects, name=f"{name}_network")
    return EINetwork(net, exc, inh, inputs, syns, spikes_e, spikes_i, states, wmon,
                     stimulus.shape[0] * dt, p)
