"""An exact, cheaper formulation of a learning projection whose input is constant per presentation.

The straightforward formulation of eqs. 2.1 and 2.13 (:data:`~spiketeach.models.synapses.FORWARD_SYNAPSE`
with :data:`~spiketeach.models.plasticity.WEIGHT_UPDATE`) re-sums the drive and updates every
weight every 0.25 ms step: O(N_in·N_out) per step, 784 000 synapses for MNIST's first layer.

The graded input layer holds its activities a_j constant during a presentation, so the updates
can be kept per cell and applied to the synapses once per presentation, exactly. With, for each
cell i and t steps into the presentation,

    m_i(t) = mu m_i(t−1) + iota_i(t)        M_i(t) = Σ_{s≤t} m_i(s)
    S(t)   = Σ_{s=1..t} mu^s               P(t)   = mu^t

eq. 2.13 (DW ← mu DW − iota a, W ← W + DW) gives

    W_ij(t)  = W_ij(0) + S(t) DW_ij(0) − a_j M_i(t)
    DW_ij(t) = P(t) DW_ij(0) − a_j m_i(t)
    v_ff,i(t) = Σ_j W_ij(t) a_j = v0_i + S(t) u_i − |a|² M_i(t),

with v0_i = Σ_j W_ij(0) a_j and u_i = Σ_j DW_ij(0) a_j summed ONCE per presentation. Per step
the cost is O(N_out). At each presentation boundary the synapses fold W and DW (O(N_in·N_out)
once), before the input group loads the next image, and the per-cell accumulators restart.

The sums are computed by an auxiliary group ``<layer>_input_sums`` on a clock whose dt is the
presentation (summed variables update on their target's clock); it and the layer see each
other's variables through linked variables. Equivalence with the straightforward formulation is
tested in ``tests/test_fast_input.py``.
"""

from __future__ import annotations

import numpy as np
from brian2 import Clock, NeuronGroup, Synapses

from .synapses import check_weight_matrix, dense_indices

__all__ = ["with_fast_drive", "loaded_input_group", "FAST_DRIVE", "FAST_ACCUMULATE", "FAST_RESTART", "INPUT_SUMS", "FAST_SYNAPSE", "FAST_FOLD",
           "LOADED_INPUT", "LOAD_INPUT", "fast_input_projection", "fold_weights"]

#: Replaces ``v_ff : 1`` in the layer's equations: the drive of eq. 2.1 from per-presentation sums.
FAST_DRIVE = """
v_ff = v0 + S*u - a2*M : 1        # = Σ_j W_ij(t) a_j exactly (see module docstring)
v0 : 1 (linked)                   # Σ_j W_ij(0) a_j, summed at the presentation's start
u : 1 (linked)                    # Σ_j DW_ij(0) a_j
a2 : 1 (linked)                   # Σ_j a_j²
m : 1                             # mu m + iota: the per-cell part of DW
M : 1                             # Σ m: the per-cell part of W − W(0) − S DW(0)
S : 1                             # Σ_{s=1..t} mu^s
P : 1                             # mu^t
"""

#: Run by the layer every step, where the straightforward formulation runs eq. 2.13 per synapse.
FAST_ACCUMULATE = """
m = mu*m + iota
M += m
S = mu*(1 + S)
P = mu*P
"""

#: Run by the layer at each presentation boundary, after the synapses have folded.
FAST_RESTART = """
m = 0
M = 0
S = 0
P = 1
"""

#: The auxiliary group that holds the per-presentation sums.
INPUT_SUMS = """
v0 : 1
u : 1
a2 : 1
m : 1 (linked)
M : 1 (linked)
S : 1 (linked)
P : 1 (linked)
"""

#: The forward synapses: the same variables as the straightforward ones, summed once per presentation.
FAST_SYNAPSE = """
w : 1                            # forward weight W_ij (as of the presentation's start)
DW : 1                           # last weight change (as of the presentation's start)
v0_post = w * a_pre : 1 (summed)
u_post = DW * a_pre : 1 (summed)
a2_post = a_pre**2 : 1 (summed)
"""

#: Applies a whole presentation of eq. 2.13 to the synapses (``a_pre`` is still the old image).
FAST_FOLD = """
w += S_post*DW - a_pre*M_post
DW = P_post*DW - a_pre*m_post
"""

#: Input layer whose activity is a stored variable, loaded every step after the fold.
LOADED_INPUT = """
a : 1                            # real-valued input activity, loaded from stimulus(t, i)
"""
LOAD_INPUT = "a = stimulus(t, i)"


def with_fast_drive(equations: str) -> str:
    """``equations`` with the ``v_ff : 1`` parameter line replaced by :data:`FAST_DRIVE`."""
    lines = equations.splitlines()
    hits = [k for k, line in enumerate(lines) if line.strip().startswith("v_ff : 1")]
    if len(hits) != 1:
        raise ValueError("the neuron equations need exactly one 'v_ff : 1' line to replace")
    return "\n".join(lines[: hits[0]] + FAST_DRIVE.strip("\n").splitlines() + lines[hits[0] + 1:]) + "\n"


def loaded_input_group(stimulus, clock: Clock, name: str = "input") -> NeuronGroup:
    """Graded input whose activity is a stored variable, loaded from ``stimulus`` every step
    AFTER the fast projection has folded the previous presentation (order 2 of 'start')."""
    group = NeuronGroup(stimulus.values.shape[1], LOADED_INPUT, namespace={"stimulus": stimulus},
                        clock=clock, name=name)
    group.run_regularly(LOAD_INPUT, when="start", order=2, name=f"{name}_load")
    return group


def fast_input_projection(inp: NeuronGroup, layer: NeuronGroup, W: np.ndarray,
                          presentation, namespace: dict, name: str) -> tuple[Synapses, NeuronGroup]:
    """Presentation-clocked forward synapses from ``inp`` (built with :data:`LOADED_INPUT`) to
    ``layer`` (built with :data:`FAST_DRIVE` in place of ``v_ff : 1``).

    Returns the synapses and the auxiliary sum group; both must be added to the network.
    """
    W = check_weight_matrix(W, inp, layer)
    slow = Clock(dt=presentation, name=f"{name}_presentation_clock")
    # the sums must be ready before the layer integrates in the same step
    sums = NeuronGroup(len(layer), INPUT_SUMS, clock=slow, order=-10, name=f"{name}_input_sums")
    for var in ("m", "M", "S", "P"):
        setattr(sums, var, _linked(layer, var))
    for var in ("v0", "u", "a2"):
        setattr(layer, var, _linked(sums, var))
    syn = Synapses(inp, sums, FAST_SYNAPSE, clock=slow, namespace=namespace, name=name)
    i, j = dense_indices(len(inp), len(layer))
    syn.connect(i=i, j=j)
    syn.w = W.T.ravel()
    # boundary order in the 'start' slot: fold (0), restart the accumulators (1), load input (2)
    syn.run_regularly(FAST_FOLD, clock=slow, when="start", order=0, name=f"{name}_fold")
    layer.run_regularly(FAST_RESTART, clock=slow, when="start", order=1, name=f"{layer.name}_restart")
    layer.P = 1.0
    return syn, sums


def _linked(group, var):
    from brian2 import linked_var
    return linked_var(group, var)


def fold_weights(w: np.ndarray, DW: np.ndarray, a: np.ndarray, m: np.ndarray, M: np.ndarray,
                 S: np.ndarray) -> np.ndarray:
    """The current weights (synapse order, pre-major) of a fast projection, in numpy."""
    n_pre, n_post = len(a), len(m)
    w = np.asarray(w).reshape(n_pre, n_post)
    DW = np.asarray(DW).reshape(n_pre, n_post)
    return (w + S[None, :] * DW - np.outer(a, M)).ravel()
