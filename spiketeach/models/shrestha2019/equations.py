"""Error-modulated STDP (EMSTDP) of Shrestha, Fang, Wu & Qiu (2019), as Brian2 equation strings.

Shrestha A, Fang H, Wu Q, Qiu Q (2019). Approximating back-propagation for a biologically
plausible local learning rule in spiking neural networks. ICONS '19.

Everything runs in discrete time, dt = 1 ms = one step, on ONE clock. A sample is shown for a
window of ``T`` steps (200 in the paper, 100 in the authors' code):

* **phase 1** (steps 0 … T/2 − 1): the forward network alone; each cell counts its spikes ``h1``
  (the paper's h);
* **phase 2** (steps T/2 … T − 1): the error circuit is on; error spikes push the forward cells
  (eq. 13) and their spikes are counted in ``h2`` (the paper's ĥ);
* at the last step of the window (custom event ``wend``, after the resets) the forward synapses
  apply eq. 12 themselves: ΔW = η (ĥ_post − h_post) h_pre (paper), or the authors' RMSprop
  form of the same product (``update="rmsprop"``).

Cells (one :class:`~brian2.NeuronGroup` per layer, equations :data:`IF_NEURON` and, for learning
layers, :data:`ERROR_CHANNELS`):

* the **forward IF cell** of eq. 1: U(t) = Σ_j w_ij s_j(t−1) + b + U(t−1); spike when U ≥ θ,
  then U = 0. Input spikes of step t are collected in ``I_ff`` by the synapses and integrated at
  step t+1 (the one-step delay per layer of the authors' code); no leak, no refractory period,
  everything fresh at the start of each window;
* the cell's **error neuron in two channels** (eq. 9): a positive channel ``Up`` that integrates
  the signed error input and a negative channel ``Un`` that integrates its negative; each is a
  bias-free IF unit with threshold θ_e that emits an error spike (events ``err_pos`` /
  ``err_neg``) and a spike of either channel resets both, so Up = −Un and the pair counts the
  signed input linearly (one spike per θ_e). For the OUTPUT layer the channels are the
  **loss-derivative neurons** of §3.4: E(t) = w_L ŝ(t) − w_L s(t) + E(t−1) with the target
  spike train ŝ (rate ``target_rate`` for the correct class, 0 otherwise) and threshold θ_L;
* the error spike drives its own forward cell one-to-one with weight ±γθ (eq. 13, ``I_err``).

Error neurons and their forward cell live in the same group because the symmetric feedback must
use the forward weights themselves: the forward synapses carry the error back through extra
post-triggered pathways (``Ie_pre += w`` on ``err_pos``), so the error network's weights ARE the
transposed forward weights, kept in step by construction. Feedback alignment (``"fa"``: fixed
random B from each layer's error to the layer below) and direct feedback alignment (``"dfa"``:
fixed random B from the output error to every hidden layer) add their own synapses.

Choices where the paper is silent follow the authors' code zmeidd/EMSTDP (see
``docs/papers/shrestha2019.md``); :class:`EMSTDPParams` offers the code's choices where
they differ from the paper (``T``, shared-random input encoding, no target spike train,
RMSprop). Print or edit the equation strings below; :func:`spiketeach.models.shrestha2019.build` assembles them.

The network is built in one of two formulations of the same model (``formulation=``):
"reference" is what is described above; "fast" (the default) delivers only on/off
switches of the input cells into a held drive, updates from the active pre cells with
RMSprop's decay kept lazily, and uses one signed error event per cell (see the comment
above :data:`FAST_INPUT_NEURON`; tests/models/shrestha2019/test_emstdp.py checks that both give the same
spikes and weights).

**One clock.** Everything the formulations depend on runs on the network's one clock (dt), and
the position in the window is integer arithmetic on that clock's step counter:
k = ``t_in_timesteps`` mod T, window = ``t_in_timesteps`` div T (:data:`WINDOW_CLOCK`). The fast
input cells load a window's pixels on the event ``wstart`` (k = 0, :data:`WINDOW_START`), in the
``start`` slot of that step. Exact by construction: k and the window index are integers, so
"the load happens at step 0 of every window" holds for any block length. (Earlier the load ran
on a second clock of period T·dt. Brian2's cpp_standalone scheduler treats two clocks as ticking
together only if their float times n·(T·dt) and (n·T)·dt agree to 1e−14 s; from t ≈ 64 s they
differ by one ulp (1.4e−14 s) at some ticks, the window clock then runs after step 0 of the
window instead of before it, and fast and reference drifted apart at windows 641, 646, 651, …
of 1000-window blocks at T = 100; T = 50 from window 1282, T = 200 from 323. The runtime
device compares times relative to dt and never showed it.) The TimedArrays (stimulus, label,
learn_gate) are read with the float time t of the one clock in both formulations; Brian2 rounds
t/dt_array to the nearest 1/K of a row (K ≥ 8 T) before taking the row, so the row is the
window index while float time is within T/(2K) ≥ 1/16 of a step of n·dt (relative error
≈ 1e−16 per step: exact far beyond any block). tests/models/shrestha2019/test_long_blocks.py
checks the arithmetic over 1100 windows and fast = reference over blocks past the old drift
point on cpp_standalone.
"""

from __future__ import annotations

__all__ = ["WINDOW_CLOCK", "WINDOW_START", "INPUT_NEURON", "INPUT_THRESHOLD", "IF_NEURON", "IF_THRESHOLD", "IF_RESET", "COUNT_CODE", "ERROR_CHANNELS", "ERROR_EVENTS", "ERROR_RESETS", "LOSS_INPUT", "ERROR_INPUT", "WINDOW_END", "WEIGHT_UPDATE", "WEIGHT_CLIP", "BATCH_RESET", "FORWARD_MODEL", "FAST_INPUT_NEURON", "FAST_INPUT_SPIKE", "FAST_INPUT_LOAD", "FAST_INPUT_CODE", "LEARN_PRE", "LEARN_PRE_COUNT", "LEARN_PRE_DECAY", "LEARN_PRE_ACTIVE", "LEARN_PRE_EVENT", "FAST_WEIGHT_ACCUMULATE", "FAST_WEIGHT_UPDATE", "FAST_WEIGHT_CLIP", "FAST_BATCH_RESET", "FAST_ERROR_EVENTS", "FAST_ERROR_SIGN", "FAST_ERROR_RESETS", "CODE_TIMING_CHANNELS", "ERROR_PUSH_DELAY", "GATE_COUNT_CODE", "ERROR_EVENTS_CODE", "ERROR_RESETS_CODE", "FAST_ERROR_EVENTS_CODE", "FAST_ERROR_RESETS_CODE", "BATCH_RANDOM_CELL", "BATCH_SHARED_RANDOM", "BATCH_LOSS_INPUT"]

# --------------------------------------------------------------------------------------------
# Equations
# --------------------------------------------------------------------------------------------
#: Position in the window (shared by all cells): step index k = 0 … T−1 and the phase flag,
#: from the clock's integer step counter ``t_in_timesteps`` (never from the float time t: see
#: "One clock" in the module docstring).
WINDOW_CLOCK = """
kstep = t_in_timesteps % T_steps : integer (shared)    # step within the sample window
phase2 = int(kstep >= T_half) : integer (shared)       # 0: forward phase, 1: error phase
win = t_in_timesteps // T_steps : integer (shared)     # sample (window) index in the block
bend = int((win + 1) % batch_size == 0) : integer (shared)  # last window of a batch
"""

#: the first step of a window (event of the fast formulation's input cells, detected in the
#: ``start`` slot of that step, on the network's one clock)
WINDOW_START = {"wstart": "kstep == 0"}

#: Input cells (§4): Bernoulli spikes with probability ∝ pixel intensity, counted in phase 1.
#: ``stimulus(t, i)`` holds one image (values in [0, 1]) per presentation; ``r_shared`` is the
#: one random number per step of the code's shared encoding.
INPUT_NEURON = WINDOW_CLOCK + """
p_spike = max_rate * stimulus(t, i) : 1                 # spike probability per step
h1 : 1                                                  # spikes in phase 1 (h_pre of eq. 12)
r_shared : 1 (shared)                                   # shared-random encoding (code)
"""

INPUT_THRESHOLD = {"poisson": "rand() < p_spike", "shared": "r_shared < p_spike"}

#: Forward IF cell, eq. 1: U(t) = Σ w s_pre(t−1) + b + U(t−1); spike at U ≥ θ; U → 0.
IF_NEURON = WINDOW_CLOCK + """
U : 1                          # membrane potential (eq. 1)
I_ff : 1                       # Σ_j w_ij s_j, added by the forward synapses during this step
I_err : 1                      # ±γθ per error spike of this cell's error neurons (eq. 13)
b : 1                          # bias (0 in paper and code)
h1 : 1                         # spike count in phase 1 (h)
h2 : 1                         # spike count in phase 2 (ĥ)
theta : 1 (shared, constant)   # firing threshold θ_l = n_l σ(w_l) β_l (§4)
"""

IF_THRESHOLD = "U >= theta"

IF_RESET = """
U = 0
h1 += 1 - phase2
h2 += phase2
s_last = 1
"""

#: the counts of ``count_window="code"``: h over steps c1_first … c1_last, ĥ from c2_first on
COUNT_CODE = {"h1 += 1 - phase2": "h1 += int(kstep >= c1_first and kstep <= c1_last)",
              "h2 += phase2": "h2 += int(kstep >= c2_first)",
              "on * (1 - phase2)": "on * int(kstep >= c1_first and kstep <= c1_last)",
              "h1 += dflip * (T_half - kstep) * int(kstep < T_half)":
              "h1 += dflip * (c1_last + 1 - clip(kstep, c1_first, T_steps)) * int(kstep <= c1_last)"}

#: Error neuron of each forward cell in two channels (eq. 9), plus the one-to-one drive of
#: eq. 13. ``Ie`` is the signed error input of this step (feedback synapses, or the loss).
ERROR_CHANNELS = """
Ie : 1                             # signed error input collected during this step
Up : 1                             # positive channel: bias-free IF unit integrating +Ie
Un : 1                             # negative channel: bias-free IF unit integrating −Ie
theta_e : 1 (shared, constant)     # error threshold (θ_e hidden, θ_L output)
gamma : 1 (shared, constant)       # eq. 13: an error spike moves U by γθ
gated : 1 (shared, constant)       # 1: derivative gate (error spikes only if h1 > 0)
n_err_pos : 1                      # error spikes in this window (for analysis)
n_err_neg : 1
s_last : 1                         # 1 if the forward cell spiked in the previous step
"""

ERROR_EVENTS = {
    "err_pos": "Up >= theta_e and (gated == 0 or h1 > 0)",
    "err_neg": "Un >= theta_e and (gated == 0 or h1 > 0)",
}

ERROR_RESETS = {
    "err_pos": "Up = 0\nUn = 0\nI_err += gamma * theta\nn_err_pos += 1",
    "err_neg": "Up = 0\nUn = 0\nI_err -= gamma * theta\nn_err_neg += 1",
}

#: ``timing="code"`` (EMSTDP_algo.py; the paper is silent): the push of an error spike of step s
#: is added to U after the threshold test of step s + 1 (``U_o[t] += scale·θ·sdelta[t−1]`` after
#: ``output_spikes[t]``), so it first counts at step s + 2: the resets put it into
#: ``I_err_next``, which becomes ``I_err`` one step later (:data:`ERROR_PUSH_DELAY`); the
#: derivative gate reads ``hg``, the spikes in steps 0 … T/2 − 2 (``hidden_spikes[0:twin]``,
#: twin = T/2 − 1) instead of h.
CODE_TIMING_CHANNELS = """
I_err_next : 1                     # pushes of this step's error spikes, in I_err one step later
hg : 1                             # spikes in steps 0 … T/2 − 2 (the code's derivative gate)
"""

#: (the integration's ``I_err = 0`` becomes this: the pushes of the previous step move on)
ERROR_PUSH_DELAY = """
I_err = (1 - fresh) * I_err_next
I_err_next = 0
hg = (1 - fresh) * hg
"""

#: the gate's count, added to :data:`IF_RESET`
GATE_COUNT_CODE = "hg += int(kstep <= g_last)"

ERROR_EVENTS_CODE = {
    "err_pos": "Up >= theta_e and (gated == 0 or hg > 0)",
    "err_neg": "Un >= theta_e and (gated == 0 or hg > 0)",
}

ERROR_RESETS_CODE = {
    "err_pos": "Up = 0\nUn = 0\nI_err_next += gamma * theta\nn_err_pos += 1",
    "err_neg": "Up = 0\nUn = 0\nI_err_next -= gamma * theta\nn_err_neg += 1",
}

#: §3.4, loss-derivative neurons of the output layer: E(t) = w_L ŝ(t) − w_L s(t) + E(t−1),
#: on in phase 2 of learning presentations. ŝ: target spikes, rate ``target_rate`` for the
#: correct class (``label(t, i)`` = 1), none for the others; s: this cell's spike at t − 1.
LOSS_INPUT = ("Ie = learn_gate(t) * phase2 * w_L * "
              "(int(rand() < target_rate * label(t, i)) - s_last)")

#: hidden layers: ``Ie`` is summed by the feedback synapses
ERROR_INPUT = ""

#: end of the window (after the resets of its last step): the synapses apply eq. 12
WINDOW_END = {"wend": "kstep == T_steps - 1"}

#: Eq. 12 at the end of the window, run by the forward synapses on the post cell's ``wend``
#: event. ``learn_gate(t)`` is 0 on test presentations.
WEIGHT_UPDATE = {
    "sgd": """
    Dacc += learn_gate(t) * (h2_post - h1_post) * h1_pre
    w_new = w + bend_post * eta * Dacc / batch_size
    """,
    "rmsprop": """
    Dacc += learn_gate(t) * (h2_post - h1_post) * h1_pre
    D = bend_post * Dacc / batch_steps
    v = v + bend_post * learn_gate(t) * 0.1 * (D**2 - v)
    w_new = w + bend_post * learn_gate(t) * eta * D / sqrt(v + 1e-8)
    """,
}

#: (``batch_steps`` is a float constant: with the integer ``batch_size * T_half`` Brian2 hoists
#: ``bend_post / (batch_size * T_half)`` out of the loop as ``1.0f*bend_post/(...)``, which C++
#: computes in single precision: D off by 2e−8 on cpp_standalone)
#: the code clips every weight to [−w_max, w_max] after each update (training windows only)
WEIGHT_CLIP = {True: "w = w + bend_post * learn_gate(t) * (clip(w_new, -w_max, w_max) - w)",
               False: "w = w_new"}

#: the sum of a batch starts again after its update
BATCH_RESET = "Dacc = (1 - bend_post) * Dacc"

#: forward synapse: event-driven delivery of spikes into the post cell's I_ff
FORWARD_MODEL = """
w : 1                          # forward weight
v : 1                          # RMSprop running mean of the squared update (code)
Dacc : 1                       # (ĥ − h) h_pre summed over the windows of this batch
eta : 1 (shared, constant)     # learning rate (eq. 12)
"""

# --------------------------------------------------------------------------------------------
# The fast formulation (same model, less work per step)
# --------------------------------------------------------------------------------------------
#
# Two rewrites, exact up to the order of floating-point sums, checked against the reference
# formulation above by tests/models/shrestha2019/test_emstdp.py (same spikes, weights to 1e-12):
#
# 1. Input drive by changes. The drive of a first-layer cell, Σ_j w_ij s_j(t), is kept in
#    ``I_in`` from step to step; an input cell signals only when it switches on or off
#    (``dflip`` = s_j(t) − s_j(t−1), event ``flip``), and its synapses add w·dflip. A pixel of
#    intensity p switches with probability 2p(1 − p) per step (shared or Poisson encoding), so
#    on MNIST ≈ 29 input cells signal per step instead of the ≈ 102 that spike.
# 2. Updates from the pre side. (ĥ − h) h_pre is 0 for every synapse whose pre cell was silent
#    in phase 1 (≈ 81 % of MNIST pixels), so the window-end update is run by the pre cells that
#    were active (event ``lend``), over their own synapses only. RMSprop decays v of EVERY
#    synapse by 0.9 per update; that is kept lazily: the pre group holds S = 0.9^n for the n
#    updates so far in this block, the synapse holds v/S, and v = S·(v/S) is written back into
#    every synapse at the end of the block (all pre cells signal ``lend`` then).
#: input cells of the fast formulation: no spikes, on/off changes and phase-1 counts
FAST_INPUT_NEURON = WINDOW_CLOCK + """
p_spike : 1                                             # spike probability per step (window)
on : 1                                                  # 1: the cell spikes at this step
dflip : 1                                               # on(t) − on(t−1)
h1 : 1                                                  # spikes in phase 1 (h_pre of eq. 12)
r_shared : 1 (shared)                                   # shared-random encoding (code)
"""

FAST_INPUT_SPIKE = {"poisson": "int(rand() < p_spike)", "shared": "int(r_shared < p_spike)"}

#: the pixel intensities of the window that starts, loaded on ``wstart`` (the TimedArray holds
#: one row per sample); with the shared encoding the phase-1 count restarts here too
FAST_INPUT_LOAD = {"poisson": "p_spike = max_rate * stimulus(t, i)",
                   "shared": "p_spike = max_rate * stimulus(t, i)\nh1 = 0"}

FAST_INPUT_CODE = """
fresh = int(kstep == 0)
dflip = (1 - fresh) * on
on = {spike}
dflip = on - dflip
h1 = (1 - fresh) * h1 + on * (1 - phase2)
"""

#: pre cells of a projection that learns from the pre side
LEARN_PRE = """
wact : 1                                                # last window with phase-1 spikes
S : 1 (shared)                                          # 0.9^(RMSprop updates in this block)
blend = int(win == n_windows - 1) : integer (shared)    # last window of the block
n_upd : integer (shared)                                # learning updates so far in this block
"""

#: counts the learning updates (a scalar statement in the ``end`` slot, after the update)
LEARN_PRE_COUNT = "n_upd += int(learn_gate(t) > 0) * bend * int(kstep == T_steps - 1)"

#: the RMSprop decay of this window's update (a scalar statement: runs before the cells)
LEARN_PRE_DECAY = "S = S * (1 - 0.1 * learn_gate(t) * bend * int(kstep == T_steps - 1))\n"

#: a cell that signals ``lacc`` notes the window (``wact``, −batch_size − 1 at the block start)
LEARN_PRE_ACTIVE = "wact = win"

#: the pre cell's window end: ``lacc`` when it was active in this window (its synapses add
#: (ĥ − h) h_pre to the batch sum), ``lapply`` at the end of a batch in which it was active
#: (the update), at the end of the block (every cell: write v back), and at the block's first
#: learning update (every cell: the reference clips EVERY weight at every update, which changes
#: only weights outside [−w_max, w_max], i.e. initial ones, N(0, 3/n) with small n; after one
#: clip all are inside and a silent pre cell's synapses are left exactly as they are)
LEARN_PRE_EVENT = {"lacc": "kstep == T_steps - 1 and h1 > 0",
                   "lapply": "kstep == T_steps - 1 and bend > 0 and "
                             "(h1 > 0 or win - wact < batch_size or blend > 0 or "
                             "(n_upd == 0 and learn_gate(t) > 0))"}

#: eq. 12 from the pre side: the batch sum every window, the update at the end of the batch
#: (v holds v/S during a block, see above)
FAST_WEIGHT_ACCUMULATE = "Dacc += learn_gate(t) * (h2_post - h1_post) * h1_pre"

FAST_WEIGHT_UPDATE = {
    "sgd": """
    w_new = w + eta * Dacc / batch_size
    """,
    "rmsprop": """
    D = Dacc / batch_steps
    v = v + learn_gate(t) * 0.1 * D**2 / S_pre
    w_new = w + learn_gate(t) * eta * D / sqrt(S_pre * v + 1e-8)
    """,
}

FAST_WEIGHT_CLIP = {True: "w = w + learn_gate(t) * (clip(w_new, -w_max, w_max) - w)",
                    False: "w = w_new"}

FAST_BATCH_RESET = {"sgd": "Dacc = 0",
                    "rmsprop": "Dacc = 0\nv = v * (1 - blend_pre) + blend_pre * S_pre * v"}

#: 3. One error event per cell instead of one per channel: the channel that crossed gives the
#:    sign (``esign``), and the feedback synapses carry ±w as w·esign (half the thresholders,
#:    resetters and feedback pathways per step).
FAST_ERROR_EVENTS = {"err": "(Up >= theta_e or Un >= theta_e) and (gated == 0 or h1 > 0)"}

#: (``esign`` is set in the groups slot, before the feedback synapses read it)
FAST_ERROR_SIGN = "esign = int(Up >= theta_e) - int(Un >= theta_e)"

FAST_ERROR_RESETS = {"err": """Up = 0
Un = 0
I_err += esign * gamma * theta
n_err_pos += int(esign > 0)
n_err_neg += int(esign < 0)"""}

#: the fast formulation's signed error event and its reset with ``timing="code"`` (see
#: :data:`CODE_TIMING_CHANNELS`)
FAST_ERROR_EVENTS_CODE = {"err": "(Up >= theta_e or Un >= theta_e) and (gated == 0 or hg > 0)"}

FAST_ERROR_RESETS_CODE = {"err": """Up = 0
Un = 0
I_err_next += esign * gamma * theta
n_err_pos += int(esign > 0)
n_err_neg += int(esign < 0)"""}


# --------------------------------------------------------------------------------------------
# Batched trials (spiketeach.core.batch)
# --------------------------------------------------------------------------------------------
#
# A batch of N trials is ONE network, and Brian2 draws one stream of random numbers for it:
# ``rand()`` would give trial k other numbers than the trial alone draws. So a batch draws none:
# each trial's numbers are drawn in numpy from the trial's block seed, in the order its own
# network draws them (:mod:`~spiketeach.models.shrestha2019.draws`), and read from TimedArrays
# with one column (block) per trial. The shared-random input numbers live in a group of one
# cell per trial, which the input cells read through linked variables (``r_shared`` and the
# fast form's ``r_prev`` become ``(linked)``): per step N reads of the TimedArray, not N × n_in.

#: one cell per trial of a batch: the trial's shared-random number of this step and the last
#: step's (2 at a window start: all off)
BATCH_RANDOM_CELL = WINDOW_CLOCK + """
r_shared : 1                                            # this step's number (the trial's)
r_prev : 1                                              # the previous step's
"""

#: the trial's numbers of this step (``shared_random``: a TimedArray of one column per trial and
#: one row per step), in the ``start`` slot as a trial alone draws ``r_shared = rand()``
BATCH_SHARED_RANDOM = """
r_prev = r_shared * int(kstep != 0) + 2.0 * int(kstep == 0)
r_shared = shared_random(t, i)
"""

#: :data:`LOSS_INPUT` with the target spikes drawn per trial (``target_spike``: a TimedArray of
#: 0/1, one row per step, the trials' output columns one block after the other)
BATCH_LOSS_INPUT = ("Ie = learn_gate(t) * phase2 * w_L * "
                    "(target_spike(t, i) - s_last)")
