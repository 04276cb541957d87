"""An exact, cheaper formulation of a learning projection whose input is constant per presentation.

The straightforward formulation of eqs. 2.1 and 2.13 (:data:`~spiketeach.models.samadi2017.equations.FORWARD_SYNAPSE`
with :data:`~spiketeach.models.samadi2017.equations.WEIGHT_UPDATE`) re-sums the drive and updates every
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
the cost is O(N_out): the layer updates its accumulators and its drive ``v_ff`` (a stored value,
as in the straightforward form, where the synapses sum it) in the same pass as its teaching signal
and bias (:func:`fast_layer_learning_code`).

At each presentation boundary ONE pass over the synapses (:data:`FAST_FOLD`) folds the presentation that ended into W and DW and, in the same pass, sums
v0, u and |a|² for the image that starts: the input layer keeps the previous image in ``a_prev``
for the fold. The pass is a synaptic pathway on the input's ``fold`` event
(:data:`FOLD_EVENT`), so it skips the inputs that were 0 in the image that starts, in the one
that ended and in the one before: their synapses change by S·DW alone, and DW = μ^T DW_prev with
μ^T = 0.9^400 ≈ 5e-19 since the input was last on, a change 18 orders of magnitude below the
synapse's last real update (it is dropped; DW keeps its tiny value instead of shrinking further).
With presentations so short that μ^T exceeds :data:`SKIP_SILENT_MAX_DECAY`, nothing is skipped.
On MNIST this skips about two thirds of the 784 000 synapses. Order in the ``start`` slot of a
boundary: load the image (0), detect the ``fold`` event and clear the sums (1), fold and sum
(2), restart the accumulators and set the drive (3). (Earlier versions folded every synapse, and
before that folded in one pass and summed in three more, through an auxiliary group with summed
variables and linked variables: four passes over 784 000 synapses per presentation.)

**One clock.** "A presentation boundary" is the step whose integer counter ``t_in_timesteps`` is
a multiple of the presentation's length in steps (``presentation_steps``): the events
:data:`PRESENTATION_START` / :data:`PRESENTATION_RESTART` of the input and the layers, detected
in the ``start`` slot of that step on the network's one clock, run the boundary code. Exact by
construction: integer arithmetic, for any block length. (Earlier the boundary code ran on a
second clock of period ``presentation``. cpp_standalone treats two clocks as ticking together
only if their float times n·presentation and (400 n)·dt agree to 1e−14 s; from t ≈ 64 s they
differ by one ulp at some ticks (presentations 641, 646, 651, …), the boundary code then ran
after the presentation's first step, and in a 700-presentation block the two formulations'
spikes parted at t = 65.1 s. The runtime device compares times relative to dt and never
showed it.) The cost: the input and the learning layers test the shared condition once per
cell and step.

Equivalence with the straightforward formulation is tested in ``tests/models/samadi2017/test_fast_input.py``
(over a 1100-presentation block on cpp_standalone, past the point where the second clock drifted:
``test_fast_equals_reference_over_a_long_block_on_cpp_standalone``).
"""

from __future__ import annotations

import numpy as np
from brian2 import Clock, NeuronGroup, Synapses

from spiketeach.core.batch import TrialBatch
from spiketeach.core.connectivity import check_weight_matrix

__all__ = ["FAST_DRIVE", "FAST_ACCUMULATE", "FAST_CLEAR_SUMS", "FAST_RESTART", "FAST_SYNAPSE", "FAST_FOLD", "LOADED_INPUT", "LOAD_INPUT", "PRESENTATION_START", "PRESENTATION_RESTART", "FOLD_EVENT", "FOLD_EVERY_INPUT", "SKIP_SILENT_MAX_DECAY", "with_fast_drive", "presentation_events", "loaded_input_group", "fast_input_projection", "fold_weights"]

#: Added to the layer's equations (whose ``v_ff : 1`` stays a stored value): the per-presentation
#: sums, written by the fold, and the per-cell accumulators.
FAST_DRIVE = """
v0 : 1                            # Σ_j W_ij(0) a_j, summed at the presentation's start
u : 1                             # Σ_j DW_ij(0) a_j
a2 : 1                            # Σ_j a_j²
m : 1                             # mu m + iota: the per-cell part of DW
M : 1                             # Σ m: the per-cell part of W − W(0) − S DW(0)
S : 1                             # Σ_{s=1..t} mu^s
P : 1                             # mu^t
"""

#: Run by the layer every step (in its learning pass, after the bias update), where the
#: straightforward formulation runs eq. 2.13 per synapse; then the drive of the next step,
#: = Σ_j W_ij(t) a_j exactly (see the module docstring).
FAST_ACCUMULATE = """
m = mu*m + iota
M += m
S = mu*(1 + S)
P = mu*P
v_ff = v0 + S*u - a2*M
"""

#: Run by the layer at each presentation boundary, before the fold sums into it.
FAST_CLEAR_SUMS = """
v0 = 0
u = 0
a2 = 0
"""

#: Run by the layer at each presentation boundary, after the fold: a new presentation starts
#: (S = M = 0, so the drive is v0).
FAST_RESTART = """
m = 0
M = 0
S = 0
P = 1
v_ff = v0
"""

#: The forward synapses: the same variables as the straightforward ones.
FAST_SYNAPSE = """
w : 1                            # forward weight W_ij (as of the presentation's start)
DW : 1                           # last weight change (as of the presentation's start)
"""

#: Once per presentation, one pass: apply the presentation that ended (image ``a_prev``) to the
#: synapses (eq. 2.13 in closed form), then sum the new image's drive terms with the new values.
FAST_FOLD = """
w += S_post*DW - a_prev_pre*M_post
DW = P_post*DW - a_prev_pre*m_post
v0_post += w*a_pre
u_post += DW*a_pre
a2_post += a_pre**2
"""

#: Input layer whose activity is a stored variable, loaded once per presentation.
LOADED_INPUT = """
a : 1                            # real-valued input activity, loaded from stimulus(t, i)
a_prev : 1                       # the previous presentation's activity (for the fold)
a_prev2 : 1                      # the one before: its synapses' DW still counts in the fold
"""

LOAD_INPUT = """
a_prev2 = a_prev
a_prev = a
a = stimulus(t, i)
"""

#: The first step of a presentation (``presentation_steps`` steps each), from the clock's integer
#: step counter: the input loads its image, a layer clears its per-presentation sums.
PRESENTATION_START = {"pstart": "t_in_timesteps % presentation_steps == 0"}

#: The same step, a second event (a group runs one code per event): the layer restarts its
#: accumulators after the fold.
PRESENTATION_RESTART = {"prestart": "t_in_timesteps % presentation_steps == 0"}

#: The input's synapses are folded at a boundary if they had or have input in the last two
#: presentations or the one that starts (see the module docstring).
FOLD_EVENT = {"fold": "t_in_timesteps % presentation_steps == 0 and "
                      "(a != 0 or a_prev != 0 or a_prev2 != 0)"}

#: ...with presentations too short to skip silent inputs
FOLD_EVERY_INPUT = {"fold": "t_in_timesteps % presentation_steps == 0"}

#: ...valid while mu^(steps per presentation) is negligible: above this, every synapse is folded
SKIP_SILENT_MAX_DECAY = 1e-15

def with_fast_drive(equations: str) -> str:
    """``equations`` (with a stored ``v_ff : 1``) plus the variables of :data:`FAST_DRIVE`."""
    if sum(line.strip().startswith("v_ff : 1") for line in equations.splitlines()) != 1:
        raise ValueError("the neuron equations need exactly one 'v_ff : 1' line (the stored drive)")
    return equations.rstrip("\n") + "\n" + FAST_DRIVE.strip("\n") + "\n"

def presentation_events(group: NeuronGroup, restart: bool = True) -> None:
    """Detect the presentation events of ``group`` (built with :data:`PRESENTATION_START` and,
    if ``restart``, :data:`PRESENTATION_RESTART` among its events, and ``presentation_steps`` in
    its namespace) in the ``start`` slot: ``pstart`` at order 0, before the sums are cleared
    (1); ``prestart`` before the accumulators restart (3)."""
    for event in ("pstart", "prestart") if restart else ("pstart",):
        if event not in group.events:
            raise ValueError(f"{group.name} has no {event!r} event: build it with "
                             "fast_input.PRESENTATION_START and PRESENTATION_RESTART")
        group.thresholder[event].when = "start"
        group.thresholder[event].order = 0

def loaded_input_group(stimulus, clock: Clock, presentation_steps: int, name: str = "input",
                       presentation_decay: float = 1.0) -> NeuronGroup:
    """Graded input whose activity is a stored variable, loaded from ``stimulus`` at each
    presentation boundary (every ``presentation_steps`` steps of ``clock``, the network's one
    clock: event ``pstart``), first in the 'start' slot; then its ``fold`` event
    (:data:`FOLD_EVENT`). ``presentation_decay`` is mu^(steps per presentation): if it is
    above :data:`SKIP_SILENT_MAX_DECAY` (short presentations), or not given, no input is
    skipped."""
    events = dict(PRESENTATION_START)
    events |= (FOLD_EVENT if presentation_decay <= SKIP_SILENT_MAX_DECAY else FOLD_EVERY_INPUT)
    group = NeuronGroup(stimulus.values.shape[1], LOADED_INPUT, events=events,
                        namespace={"stimulus": stimulus,
                                   "presentation_steps": int(presentation_steps)},
                        clock=clock, name=name)
    group.thresholder["pstart"].when = "start"
    group.thresholder["pstart"].order = -1
    group.run_on_event("pstart", LOAD_INPUT, when="start", order=0)
    group.thresholder["fold"].when = "start"
    group.thresholder["fold"].order = 1
    return group

def fast_input_projection(inp: NeuronGroup, layer: NeuronGroup, W: np.ndarray,
                          namespace: dict, name: str, trials: int = 1) -> Synapses:
    """Forward synapses from ``inp`` (a :func:`loaded_input_group`) to ``layer`` (built with
    :func:`with_fast_drive` and the events :data:`PRESENTATION_START`,
    :data:`PRESENTATION_RESTART`), folded at each presentation boundary. If the layer learns it
    must also run :data:`FAST_ACCUMULATE` every step, after its teaching signal."""
    W = check_weight_matrix(W, inp, layer, trials)
    batch = TrialBatch(trials)  # (every block gets W: trials x the groups' cells per trial)
    if "fold" not in inp.events or "pstart" not in inp.events or inp.clock is not layer.clock:
        raise ValueError(f"{inp.name} must be a loaded_input_group on {layer.name}'s clock")
    presentation_events(layer)
    syn = Synapses(inp, layer, FAST_SYNAPSE, on_pre={"fold": FAST_FOLD},
                   on_event={"fold": "fold"}, clock=layer.clock, namespace=namespace, name=name)
    i, j = batch.dense_indices(W.shape[1], W.shape[0])
    syn.connect(i=i, j=j)
    syn.w = batch.tile(W.T.ravel())
    # boundary order in the 'start' slot: load input (0), fold event and clear sums (1),
    # fold (2), restart (3)
    layer.run_on_event("pstart", FAST_CLEAR_SUMS, when="start", order=1)
    syn.fold.when = "start"
    syn.fold.order = 2
    layer.run_on_event("prestart", FAST_RESTART, when="start", order=3)
    layer.P = 1.0
    return syn

def fold_weights(w: np.ndarray, DW: np.ndarray, a: np.ndarray, m: np.ndarray, M: np.ndarray,
                 S: np.ndarray) -> np.ndarray:
    """The current weights (synapse order, pre-major) of a fast projection, in numpy."""
    n_pre, n_post = len(a), len(m)
    w = np.asarray(w).reshape(n_pre, n_post)
    DW = np.asarray(DW).reshape(n_pre, n_post)
    return (w + S[None, :] * DW - np.outer(a, M)).ravel()
