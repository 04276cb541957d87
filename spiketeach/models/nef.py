"""Population-coded (NEF) values, e.g. the output error of Hunsberger & Eliasmith (2017).

A D-dimensional value v is represented by N LIF neurons with unit encoders e_n, gains g_n and
biases b_n (input current J_n = g_n e_n·v + b_n, so both signs of every dimension are carried by
positive spike trains) and read out by least-squares decoders d_n::

    v_hat(t) = sum_n d_n (alpha * spikes_n)(t)

Encoders are on/off pairs along the axes (±e_d, the original code's choice) or random unit vectors.
Gains and biases come from intercepts and max rates (Nengo's LIF.gain_bias). Decoders minimise
||A D - X||² + P (reg max A)² ||D||² over evaluation points X (Nengo's LstsqL2, reg = 0.1),
with A the closed-form activities (amplitude × rate). With on/off encoders every neuron sees one
dimension only, so the population is D independent 1-D populations and each dimension is solved
over x_d ~ U(-1, 1) (as Nengo's EnsembleArray; sampling the 10-D ball instead would fit only
|x_d| ≲ 0.3). Random encoders are solved over points uniform in the unit ball.

In Brian2 the decoded value lives in a small "value node" group (D units with
:data:`~spiketeach.models.alpha.ALPHA_TARGET`: the decoders are the weights of event-driven alpha
synapses into it), and each population reads its input value through summed synapses
``s_in_post = enc * value_pre`` (N synapses for on/off encoders, N·D for random ones).

With on/off encoders each neuron reads ONE dimension, so the summed synapses are a copy; the fast
formulation replaces them by linked variables (``population_group(..., linked=...)``): no synapses
and no per-step summing. Summed variables are updated at the start of the ``groups`` slot, before
the source's state updater; the linked input is stored into ``s_in`` at that same point (a
``run_regularly`` at order -1), so the input is the same number in both forms.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from brian2 import Clock, NeuronGroup, Synapses, linked_var

from spiketeach.models.alpha import ALPHA_TARGET, alpha_projection
from spiketeach.models.lif import LIFParams, gain_bias, lif_group, lif_namespace, lif_rate

__all__ = ["PopulationCode", "make_population_code", "trial_codes", "population_group", "value_node",
           "encode_from", "decode_into"]


@dataclass(frozen=True)
class NEFParams:
    """The constants of a population code (defaults: the poster code's; Nengo's NEF)."""

    #: the neurons of every population
    lif: LIFParams = field(default_factory=LIFParams)
    #: neurons per represented dimension
    n_per_dim: int = 40
    #: max rates at |x| = 1, drawn uniformly (Hz)
    max_rates: tuple = (100.0, 120.0)
    #: "onoff" (+-e_d) or "random" (unit vectors)
    encoders: str = "onoff"
    #: L2 regularisation of the least-squares decoders, relative to the max activity
    decoder_reg: float = 0.1
    #: current injected into a gated population while learning is off
    inhibition: float = 20.0


@dataclass
class PopulationCode:
    """Encoders (N × D), gains, biases and decoders (N × D) of one population."""

    encoders: np.ndarray
    gains: np.ndarray
    biases: np.ndarray
    decoders: np.ndarray
    amplitude: float
    tau_rc: float
    tau_ref: float

    @property
    def n(self) -> int:
        return self.encoders.shape[0]

    @property
    def dims(self) -> int:
        return self.encoders.shape[1]

    def currents(self, values: np.ndarray) -> np.ndarray:
        """Input currents J (points × N) for represented values (points × D)."""
        return np.atleast_2d(values) @ self.encoders.T * self.gains + self.biases

    def activities(self, values: np.ndarray) -> np.ndarray:
        """Closed-form activities amplitude × rate (points × N)."""
        return self.amplitude * lif_rate(self.currents(values), self.tau_rc, self.tau_ref)

    def decode(self, values: np.ndarray) -> np.ndarray:
        """The rate-model estimate of ``values`` (points × D)."""
        return self.activities(values) @ self.decoders


def _encoders(kind: str, dims: int, n_per_dim: int, rng: np.random.Generator) -> np.ndarray:
    n = dims * n_per_dim
    if kind == "onoff":
        enc = np.zeros((n, dims))
        for d in range(dims):
            block = slice(d * n_per_dim, (d + 1) * n_per_dim)
            enc[block, d] = np.where(np.arange(n_per_dim) < n_per_dim // 2, 1.0, -1.0)
        return enc
    if kind == "random":
        enc = rng.standard_normal((n, dims))
        return enc / np.linalg.norm(enc, axis=1, keepdims=True)
    raise ValueError(f"unknown encoders {kind!r}; choose 'onoff' or 'random'")


def _lstsq(A: np.ndarray, X: np.ndarray, reg: float) -> np.ndarray:
    sigma = reg * A.max()
    G = A.T @ A + A.shape[0] * sigma ** 2 * np.eye(A.shape[1])
    return np.linalg.solve(G, A.T @ X)


def make_population_code(dims: int, params: NEFParams, intercepts: tuple,
                         rng: np.random.Generator, *, encoders: str | None = None,
                         n_eval: int = 1000) -> PopulationCode:
    """Encoders, gains, biases and least-squares decoders of a ``dims``-D population."""
    kind = encoders or params.encoders
    tau_rc, tau_ref = float(params.lif.tau_rc), float(params.lif.tau_ref)
    enc = _encoders(kind, dims, params.n_per_dim, rng)
    n = enc.shape[0]
    max_rates = rng.uniform(*params.max_rates, size=n)
    icpt = rng.uniform(*intercepts, size=n)
    gains, biases = gain_bias(max_rates, icpt, tau_rc, tau_ref)
    code = PopulationCode(enc, gains, biases, np.zeros((n, dims)), params.lif.amplitude, tau_rc, tau_ref)
    if kind == "onoff":
        x = np.linspace(-1, 1, n_eval)
        for d in range(dims):
            idx = np.flatnonzero(enc[:, d] != 0)
            A = params.lif.amplitude * lif_rate(np.outer(x, enc[idx, d]) * gains[idx] + biases[idx],
                                            tau_rc, tau_ref)
            code.decoders[idx, d] = _lstsq(A, x[:, None], params.decoder_reg)[:, 0]
    else:
        pts = rng.standard_normal((n_eval, dims))
        pts /= np.linalg.norm(pts, axis=1, keepdims=True)
        pts *= rng.uniform(0, 1, size=(n_eval, 1)) ** (1.0 / dims)
        code.decoders = _lstsq(code.activities(pts), pts, params.decoder_reg)
    return code


def trial_codes(code) -> list[PopulationCode]:
    """``code`` (one :class:`PopulationCode`, or a sequence of one per trial of a batch,
    :mod:`spiketeach.core.batch`) as a list of codes of one size and dimension."""
    codes = [code] if isinstance(code, PopulationCode) else list(code)
    if not codes:
        raise ValueError("no population code given")
    shapes = {(c.n, c.dims) for c in codes}
    if len(shapes) > 1:
        raise ValueError(f"the trials' population codes differ in (neurons, dims): {sorted(shapes)}")
    return codes


def population_group(code, params: NEFParams, clock: Clock, *,
                     gated: bool = False, namespace: dict | None = None,
                     name: str | None = None, linked: dict | None = None,
                     linked_value: str | None = None) -> NeuronGroup:
    """LIF neurons of a population; input ``s_in`` is summed from :func:`encode_from`, or read
    from linked variables.

    ``code``: a :class:`PopulationCode`, or one per trial (a batch: trial k's neurons are the
    k-th block and read the k-th block of the linked groups).
    ``gated``: subtract ``inhibition`` from every neuron's current while ``learning_gate(t)`` is 0
    (the original switches learning off by silencing the error population with -20).
    ``linked``: ``{name: (group, variable)}`` (on/off encoders only): each neuron links ``name``
    to ``group.variable`` of its own dimension, and ``s_in = enc * (linked_value)`` (an
    expression of those names; default: the one name) is stored at the start of the LIF update.
    """
    codes = trial_codes(code)
    if gated:
        extra = "s = s_in - inhibition * (1 - learning_gate(t)) / gain : 1\n"
    else:
        extra = "s = s_in : 1\n"
    if linked:
        if any(np.any(np.count_nonzero(c.encoders, axis=1) != 1) for c in codes):
            raise ValueError("linked inputs need one non-zero encoder entry per neuron (on/off)")
        value = linked_value or next(iter(linked))
        extra += "enc : 1 (constant)\n" + "".join(f"{k} : 1 (linked)\n" for k in linked)
    extra += "s_in : 1\n"
    ns = {"inhibition": params.inhibition} | (namespace or {})
    group = lif_group(sum(c.n for c in codes), params.lif, clock, extra_equations=extra,
                      namespace=ns, name=name)
    if linked:
        # s_in is stored once per step exactly where a summed variable would be updated (groups
        # slot, before the state updaters); the LIF update and the reset (which needs J) use it.
        # (A separate loop: the gathers through the link indices would keep the LIF loop from
        # being vectorised.)
        group.run_regularly(f"s_in = enc * ({value})", when="groups", order=-1,
                            name=f"{group.name}_input")
    group.gain = np.concatenate([c.gains for c in codes])
    group.bias = np.concatenate([c.biases for c in codes])
    if linked:
        enc, index = [], []
        for k, c in enumerate(codes):
            j, dims = np.nonzero(c.encoders)  # j: neuron (all of them, in order), dims: its axis
            enc.append(c.encoders[j, dims])
            index.append(dims + k * c.dims)  # trial k reads trial k's block of the source
        group.enc = np.concatenate(enc)
        for k, (source, variable) in linked.items():
            setattr(group, k, linked_var(source, variable, index=np.concatenate(index)))
    return group


def value_node(dims: int, params: NEFParams, clock: Clock, *, extra_equations: str = "",
               namespace: dict | None = None, name: str | None = None,
               events: dict | None = None) -> NeuronGroup:
    """``dims`` units holding an alpha-filtered decoded value ``s`` (``events``: custom events;
    a batch of N trials of a D-dimensional value has N·D units)."""
    return NeuronGroup(dims, ALPHA_TARGET + extra_equations, method="exact",
                       namespace=lif_namespace(params.lif) | (namespace or {}), clock=clock,
                       name=name or "node*", events=dict(events or {}))


def decode_into(population: NeuronGroup, code, node: NeuronGroup,
                name: str | None = None) -> Synapses:
    """Event-driven alpha synapses with the decoders as weights: node.s = decoded value
    (``code``: one per trial for a batch)."""
    codes = trial_codes(code)
    if len(codes) == 1:
        return alpha_projection(population, node, codes[0].decoders.T,
                                mask=codes[0].decoders.T != 0, namespace=dict(node.namespace),
                                name=name)
    return alpha_projection(population, node, [c.decoders.T for c in codes],
                            mask=[c.decoders.T != 0 for c in codes],
                            namespace=dict(node.namespace), name=name, trials=len(codes))


def encode_from(node: NeuronGroup, variable: str, population: NeuronGroup, code,
                name: str | None = None) -> Synapses:
    """Summed synapses ``s_in = encoders · node.<variable>`` (only non-zero encoder entries;
    ``code``: one per trial for a batch, each trial's block connected to its own)."""
    codes = trial_codes(code)
    syn = Synapses(node, population, f"enc : 1 (constant)\ns_in_post = enc * {variable}_pre : 1 (summed)",
                   clock=population.clock, namespace=dict(node.namespace), name=name or "encode*")
    pre, post, enc = [], [], []
    for k, c in enumerate(codes):
        j, i = np.nonzero(c.encoders)  # j: neuron, i: dimension
        pre.append(i + k * c.dims)
        post.append(j + k * c.n)
        enc.append(c.encoders[j, i])
    syn.connect(i=np.concatenate(pre), j=np.concatenate(post))
    syn.enc = np.concatenate(enc)
    return syn
