"""Error-modulated STDP (EMSTDP) of Shrestha, Fang, Wu & Qiu (2019), as Brian2 equations.

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
``../shared/papers/shrestha2019.md``); :class:`EMSTDPParams` offers the code's choices where
they differ from the paper (``T``, shared-random input encoding, no target spike train,
RMSprop). Print or edit the equation strings below.

The network is built in one of two formulations of the same model (``formulation=``):
"reference" is what is described above; "fast" (the default) delivers only on/off
switches of the input cells into a held drive, updates from the active pre cells with
RMSprop's decay kept lazily, and uses one signed error event per cell (see the comment
above :data:`FAST_INPUT_NEURON`; tests/test_emstdp.py checks that both give the same
spikes and weights).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace

import numpy as np
from brian2 import (Clock, EventMonitor, Network, NeuronGroup, SpikeMonitor, Synapses,
                    TimedArray, ms)

from ..devices import BlockRunner
from .synapses import dense_indices

__all__ = ["EMSTDPParams", "FEEDBACK", "INPUT_NEURON", "IF_NEURON", "ERROR_CHANNELS",
           "LOSS_INPUT", "ERROR_INPUT", "integration_code", "if_layer", "input_layer", "fast_input_layer", "FORMULATIONS",
           "emstdp_projection", "fixed_feedback", "thresholds", "error_thresholds",
           "initial_weights", "feedback_matrices", "EMSTDPNetwork", "built_state", "build_emstdp_network",
           "paper_params", "code_params", "CODE_THRESHOLD_RATIOS", "code_threshold_ratios",
           "recorded_counts"]

#: symmetric weights (the error goes back through W^T), feedback alignment, direct FA
FEEDBACK = ("symmetric", "fa", "dfa")


@dataclass(frozen=True)
class EMSTDPParams:
    """Constants of the model. Defaults: the paper where it gives a value, else the authors' code.

    Window and time
        T : steps per sample (§4: 200; code: 100). Phase 1 = first T/2 steps, phase 2 = the rest.
        dt_ms : one step in ms (1 ms; eq. 1 is a discrete-time update).
    Input (§4)
        encoding : "poisson" — each pixel spikes independently with probability p·max_rate per
        step (paper: Poisson spike trains ∝ intensity); "shared" — one uniform number per step
        shared by all pixels, a pixel spikes if it is below p·max_rate (the code).
        max_rate : spike probability per step of a white pixel (code: fr = 1).
    Initialisation (§4)
        weight_scale : w ~ N(0, weight_scale / n_l) (code: variance 3/n_l).
        hidden_ratio, output_ratio : θ_l = n_l σ(w_l) β_l with β_l = ratio / (2 × divisor); the
        divisor is L+1−m for hidden layer m of L (code, Init_Threshold) and 1 for the output.
    Error circuit (§3.4, eqs. 9, 13)
        loss : "target" — loss-derivative neurons driven by a target spike train of rate
        ``target_rate`` (paper: 0.2 → θ_L = 1/0.2 = 5); "code" — the correct class's target
        fires every step and θ_L = ε = 3 (EMSTDP_main.py: no explicit target train; +1 per
        silent step of the correct class, −1 per spike of the others).
        w_L : weight of target and output spikes onto the loss neurons (1).
        theta_L : loss-neuron threshold; None = 1 / target_rate ("target") or 3 ("code").
        gamma : error → forward weight in units of the layer's threshold (eq. 13; code: 1.0).
        error_ratio : scales the hidden error thresholds θ_e (code: the hidden ratio).
        derivative_gate : hidden error spikes only for cells that fired in phase 1 (code dr=1;
        never with DFA).
    Learning (eq. 12)
        update : "sgd" — w += η (ĥ − h) h_pre (eq. 12); "rmsprop" — the code's
        D = (ĥ − h) h_pre / (T/2), v ← 0.9 v + 0.1 D², w += η D / √(v + 1e−8).
        batch : samples per update (paper: 1, eq. 12 after every sample; code: 10). The
        products (ĥ − h) h_pre of ``batch`` consecutive windows are summed in the synapse and
        their mean is applied at the last window of the batch (RMSprop then sees the batch
        mean, as in the code). Blocks hold whole batches.
        eta : learning rate per update. 1e−5 with batch 1: the code's η = 1e−4 acts once per
        batch of 10 (EMSTDP_main.py); with one RMSprop update per sample, 1e−4 drifts the
        weights 10× faster per sample and training degrades after ≈ 2000 MNIST samples
        (measured, T = 200).
        w_max : weights clipped to [−w_max, w_max] after every update (code: 1; None: no clip).
        count_window : which steps the counts h and ĥ cover. "half": h over phase 1
        (steps 0 … T/2 − 1), ĥ over phase 2 (T/2 … T − 1), normaliser T/2. "code": the
        code's windows, h over steps 2 … T/2 and ĥ over T/2 + 1 … T − 1 (T/2 − 1 steps each,
        also the normaliser; EMSTDP_algo.py). Each layer adds one step of delay, so with
        "half" the output integrates input in only T/2 − 2 steps of phase 1 against T/2 of
        phase 2 (a hidden cell: T/2 − 1 against T/2): ĥ − h is biased upwards by about
        two steps' worth of the output's rate even without error; the code's windows
        are both fully driven.
    """

    T: int = 200
    dt_ms: float = 1.0
    encoding: str = "poisson"
    max_rate: float = 1.0
    weight_scale: float = 3.0
    hidden_ratio: float = 0.5
    output_ratio: float = 0.1
    loss: str = "target"
    target_rate: float = 0.2
    w_L: float = 1.0
    theta_L: float | None = None
    gamma: float = 1.0
    error_ratio: float | None = None
    derivative_gate: bool = True
    update: str = "rmsprop"
    eta: float = 1e-5
    w_max: float | None = 1.0
    bias: float = 0.0
    batch: int = 1
    count_window: str = "half"

    def __post_init__(self):
        if self.T < 4 or self.T % 2:
            raise ValueError(f"T must be an even number of steps >= 4, got {self.T}")
        if self.encoding not in ("poisson", "shared"):
            raise ValueError(f"encoding must be 'poisson' or 'shared', got {self.encoding!r}")
        if self.loss not in ("target", "code"):
            raise ValueError(f"loss must be 'target' or 'code', got {self.loss!r}")
        if self.count_window not in ("half", "code"):
            raise ValueError(f"count_window must be 'half' or 'code', got {self.count_window!r}")
        if self.update not in ("sgd", "rmsprop"):
            raise ValueError(f"update must be 'sgd' or 'rmsprop', got {self.update!r}")
        if int(self.batch) != self.batch or self.batch < 1:
            raise ValueError(f"batch must be a whole number >= 1, got {self.batch}")
        if not 0 < self.target_rate <= 1 or not 0 < self.max_rate <= 1:
            raise ValueError("target_rate and max_rate are probabilities per step in (0, 1]")

    @property
    def dt(self):
        return self.dt_ms * ms

    @property
    def T_half(self) -> int:
        return self.T // 2

    @property
    def window(self):
        return self.T * self.dt

    @property
    def count_steps(self) -> int:
        """Steps each count covers (the normaliser of the RMSprop update)."""
        return self.T_half if self.count_window == "half" else self.T_half - 1

    @property
    def loss_threshold(self) -> float:
        if self.theta_L is not None:
            return float(self.theta_L)
        return 3.0 if self.loss == "code" else 1.0 / self.target_rate

    @property
    def loss_target_rate(self) -> float:
        return 1.0 if self.loss == "code" else self.target_rate

    def as_dict(self) -> dict:
        d = asdict(self)
        d["theta_L_effective"] = self.loss_threshold
        return d


def paper_params(**changes) -> EMSTDPParams:
    """The paper's choices (T = 200, Poisson input, target train of rate 0.2, θ_L = 5)."""
    return replace(EMSTDPParams(), **changes)


#: Threshold ratios (hidden, output) of the authors' code per hidden-layer configuration
#: (β_l = ratio / (2 × divisor), see :func:`thresholds`). EMSTDP_main.py, 784-[100]-10: hidden
#: 0.5, output 0.1. EMSTDP_disGridSearch.py, hidden [500] and [500, 500]: hidden 0.2 or 0.4
#: (grid), output 1.0 (../shared/papers/shrestha2019.md, "Thresholds"). For [500, 500] we use
#: 0.2 / 1.0: with the driver's 0.5 / 0.1 the output cells saturate (every output at ≈ 0.74
#: spikes/step after one pass with DFA: ties, chance accuracy), and in a pilot (2000 MNIST
#: images, SW, T = 100) hidden 0.2 reached 56 % test accuracy and hidden 0.4 29 %, no layer
#: saturated (mean output rate 0.17 spikes/step). [500] keeps the driver's 0.5 / 0.1, with which
#: the 784-500-10 rows were run (they learn: 86 % after 2 passes).
CODE_THRESHOLD_RATIOS = {(100,): (0.5, 0.1), (500,): (0.5, 0.1), (500, 500): (0.2, 1.0)}


def code_threshold_ratios(layer_sizes) -> tuple[float, float]:
    """(hidden_ratio, output_ratio) for [n_in, *hidden, n_out] from
    :data:`CODE_THRESHOLD_RATIOS` (the driver's 0.5 / 0.1 for configurations not listed)."""
    return CODE_THRESHOLD_RATIOS.get(tuple(int(n) for n in layer_sizes[1:-1]), (0.5, 0.1))


def code_params(**changes) -> EMSTDPParams:
    """The authors' code's choices (T = 100, shared-random input, no target train, ε = 3,
    RMSprop on the mean of batches of 10 samples with η = 1e−4, EMSTDP_main.py)."""
    return replace(EMSTDPParams(T=100, encoding="shared", loss="code", eta=1e-4, batch=10),
                   **changes)


# --------------------------------------------------------------------------------------------
# Equations
# --------------------------------------------------------------------------------------------

#: Position in the window (shared by all cells): step index k = 0 … T−1 and the phase flag.
WINDOW_CLOCK = """
kstep = timestep(t, dt) % T_steps : integer (shared)   # step within the sample window
phase2 = int(kstep >= T_half) : integer (shared)       # 0: forward phase, 1: error phase
win = timestep(t, dt) // T_steps : integer (shared)    # sample (window) index in the block
bend = int((win + 1) % batch_size == 0) : integer (shared)  # last window of a batch
"""

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


def counted(code: str, params: "EMSTDPParams") -> str:
    """``code`` with the counting statements of ``params.count_window``."""
    if params.count_window == "half":
        return code
    for old, new in COUNT_CODE.items():
        code = code.replace(old, new)
    return code

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

#: §3.4, loss-derivative neurons of the output layer: E(t) = w_L ŝ(t) − w_L s(t) + E(t−1),
#: on in phase 2 of learning presentations. ŝ: target spikes, rate ``target_rate`` for the
#: correct class (``label(t, i)`` = 1), none for the others; s: this cell's spike at t − 1.
LOSS_INPUT = ("Ie = learn_gate(t) * phase2 * w_L * "
              "(int(rand() < target_rate * label(t, i)) - s_last)")
#: hidden layers: ``Ie`` is summed by the feedback synapses
ERROR_INPUT = ""

#: end of the window (after the resets of its last step): the synapses apply eq. 12
WINDOW_END = {"wend": "kstep == T_steps - 1"}


def integration_code(error: bool, loss: bool = False, *, held_input: bool = False,
                     pre_learning: str | None = None) -> str:
    """The per-step update of a layer, run in the ``groups`` slot (eq. 1 and eq. 9).

    At the first step of each window everything restarts from zero (state is fresh per sample,
    and input that arrived in the last step of the previous sample is dropped).

    Fast formulation: ``held_input`` — the input drive ``I_in`` is kept from step to step (the
    input synapses add only its changes) instead of being summed anew; ``pre_learning`` (the
    update rule) — the cell is the pre cell of a learning projection that updates from the pre
    side (:data:`LEARN_PRE`).
    """
    code = ""
    if pre_learning == "rmsprop":
        code += LEARN_PRE_DECAY
    code += """
    fresh = int(kstep == 0)
    U = (1 - fresh) * (U + I_ff + I_err) + b
    I_ff = 0
    I_err = 0
    h1 = (1 - fresh) * h1
    h2 = (1 - fresh) * h2
    """
    if held_input:
        # a held sum of on/off changes leaves a rounding residue where the reference sum is
        # exactly 0 (no input on, e.g. r > every pixel): restore the 0, which matters when an
        # error push of exactly γθ meets U = 0
        code = code.replace("U = (1 - fresh) * (U + I_ff + I_err) + b",
                            "I_in = I_in * int(abs(I_in) > 1e-12)\n"
                            "U = (1 - fresh) * (U + I_in + I_ff + I_err) + b")
        code += "\nI_in = (1 - fresh) * I_in\n"

    if error:
        if loss:
            code += "\n" + LOSS_INPUT + "\n"
        code += """
    Up = (1 - fresh) * (Up + Ie)
    Un = (1 - fresh) * (Un - Ie)
    Ie = 0
    s_last = 0
    n_err_pos = (1 - fresh) * n_err_pos
    n_err_neg = (1 - fresh) * n_err_neg
    """
    return "\n".join(line.strip() for line in code.strip().splitlines() if line.strip())


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
# formulation above by tests/test_emstdp.py (same spikes, weights to 1e-12):
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
"""
#: the RMSprop decay of this window's update (a scalar statement: runs before the cells)
LEARN_PRE_DECAY = "S = S * (1 - 0.1 * learn_gate(t) * bend * int(kstep == T_steps - 1))\n"
#: a cell that signals ``lacc`` notes the window (``wact``, −batch_size − 1 at the block start)
LEARN_PRE_ACTIVE = "wact = win"
#: the pre cell's window end: ``lacc`` when it was active in this window (its synapses add
#: (ĥ − h) h_pre to the batch sum), ``lapply`` at the end of a batch in which it was active
#: (the update) or at the end of the block (every cell: write v back)
LEARN_PRE_EVENT = {"lacc": "kstep == T_steps - 1 and h1 > 0",
                   "lapply": "kstep == T_steps - 1 and bend > 0 and "
                             "(h1 > 0 or win - wact < batch_size or blend > 0)"}

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

#: the formulations :func:`build_emstdp_network` offers (same model)
FORMULATIONS = ("reference", "fast")


def _namespace(params: EMSTDPParams, extra: dict | None = None) -> dict:
    ns = {"T_steps": params.T, "T_half": params.T_half, "max_rate": params.max_rate,
          "w_L": params.w_L, "target_rate": params.loss_target_rate,
          "batch_size": int(params.batch), "batch_steps": float(params.batch * params.count_steps),
          "c1_first": 2, "c1_last": params.T_half, "c2_first": params.T_half + 1}
    if params.w_max is not None:
        ns["w_max"] = float(params.w_max)
    return ns | (extra or {})


def _clean(code: str) -> str:
    return "\n".join(line.strip() for line in code.strip().splitlines() if line.strip())


# --------------------------------------------------------------------------------------------
# Builders
# --------------------------------------------------------------------------------------------

def input_layer(stimulus: TimedArray, params: EMSTDPParams, clock: Clock, namespace: dict,
                name: str = "input") -> NeuronGroup:
    """Input cells spiking with probability p·max_rate per step (§4), counting phase-1 spikes."""
    n = stimulus.values.shape[1]
    group = NeuronGroup(n, INPUT_NEURON, threshold=INPUT_THRESHOLD[params.encoding],
                        reset=counted("h1 += 1 - phase2", params), clock=clock,
                        namespace=namespace, name=name)
    group.run_regularly("h1 = int(kstep != 0) * h1", when="groups", name=f"{name}_fresh")
    if params.encoding == "shared":
        group.run_regularly("r_shared = rand()", when="start", name=f"{name}_shared_random")
    return group


def fast_input_layer(stimulus: TimedArray, params: EMSTDPParams, clock: Clock, namespace: dict,
                     *, learning: bool = True, name: str = "input") -> NeuronGroup:
    """Input cells of the fast formulation: the same spikes as :func:`input_layer` (same random
    numbers, drawn in the same order), signalled only as on/off changes (event ``flip``), and
    the pre-side window end of the first projection (event ``lend``) when it ``learning``."""
    n = stimulus.values.shape[1]
    eqs = FAST_INPUT_NEURON + (LEARN_PRE if learning else "")
    decay = LEARN_PRE_DECAY if learning and params.update == "rmsprop" else ""
    shared = params.encoding == "shared"
    if shared:
        # a cell is on iff r(t) < p: it switches iff r(t−1) and r(t) lie on both sides of p,
        # which the thresholder sees from the two shared numbers alone (no per-cell state);
        # only switching cells update dflip and h1 (= Σ over phase-1 steps of on, written as
        # +(T/2 − k) when switching on at step k < T/2 and −(T/2 − k) when switching off)
        eqs += "r_prev : 1 (shared)  # r of the previous step (2 at a window start: all off)\n"
        events = {"flip": "int(r_shared < p_spike) != int(r_prev < p_spike)"}
        load = "p_spike = max_rate * stimulus(t, i)\nh1 = 0"
    else:
        events = {"flip": "dflip != 0"}
        load = "p_spike = max_rate * stimulus(t, i)"
    if learning:
        events |= LEARN_PRE_EVENT
    group = NeuronGroup(n, eqs, threshold=None, events=events, clock=clock, namespace=namespace,
                        name=name)
    # the pixel intensities once per window (the TimedArray holds one row per sample)
    group.run_regularly(load, dt=params.window, when="start", name=f"{name}_load")
    if shared:
        group.run_regularly(_clean(decay + """
        r_prev = r_shared * int(kstep != 0) + 2.0 * int(kstep == 0)
        r_shared = rand()"""), when="start", name=f"{name}_shared_random")
        group.run_on_event("flip", counted(_clean("""
        dflip = int(r_shared < p_spike) - int(r_prev < p_spike)
        h1 += dflip * (T_half - kstep) * int(kstep < T_half)"""), params), when="after_thresholds",
                           order=1)
    else:
        # in the thresholds slot, where the reference input draws its Poisson numbers
        code = counted(decay + FAST_INPUT_CODE.format(spike=FAST_INPUT_SPIKE[params.encoding]),
                       params)
        group.run_regularly(_clean(code), when="thresholds", order=-1, name=f"{name}_update")
    if learning:
        group.S = 1.0
        group.wact = -params.batch - 1
        group.run_on_event("lacc", LEARN_PRE_ACTIVE, when="end")
    return group


def if_layer(n: int, theta: float, params: EMSTDPParams, clock: Clock, namespace: dict, *,
             error: bool = True, loss: bool = False, theta_e: float = 1.0,
             gated: bool = False, held_input: bool = False, pre_learning: bool = False,
             window_end: bool = True, signed_error: bool = False,
             name: str = "layer*") -> NeuronGroup:
    """A layer of discrete-time IF cells (eq. 1), with their two-channel error neurons.

    Parameters
    ----------
    theta : float
        The layer's firing threshold θ_l.
    error, loss : bool
        Add the error neurons (eq. 9); for the output layer as loss-derivative neurons (§3.4).
    theta_e : float
        Error threshold (θ_e, or θ_L for the loss neurons).
    gated : bool
        Derivative gate: error spikes only for cells that fired in phase 1.
    held_input, pre_learning : bool
        Fast formulation: the input drive ``I_in`` is held and changed by the input synapses;
        the cell updates its outgoing synapses at the window end (event ``lend``).
    window_end : bool
        The ``wend`` event (needed by post-side learning and by count monitors).
    signed_error : bool
        Fast formulation: one error event ``err`` with the sign in ``esign``.
    """
    eqs = IF_NEURON + (ERROR_CHANNELS if error else "s_last : 1\n")
    if held_input:
        eqs += "I_in : 1  # input drive of this step, held and changed by the input synapses\n"
    if pre_learning:
        eqs += LEARN_PRE
    events = dict(WINDOW_END) if window_end else {}
    if error:
        events |= FAST_ERROR_EVENTS if signed_error else ERROR_EVENTS
        eqs += "esign : 1  # sign of this step's error spike (fast formulation)\n" if signed_error else ""
    if pre_learning:
        events |= LEARN_PRE_EVENT
    group = NeuronGroup(n, eqs, threshold=IF_THRESHOLD, reset=counted(_clean(IF_RESET), params),
                        events=events,
                        clock=clock, namespace=namespace, name=name)
    code = integration_code(error, loss, held_input=held_input,
                            pre_learning=params.update if pre_learning else None)
    if error and signed_error:
        code += "\n" + FAST_ERROR_SIGN
    group.run_regularly(code, when="groups", name=f"{group.name}_integrate")
    if pre_learning:
        group.S = 1.0
        group.wact = -params.batch - 1
        group.run_on_event("lacc", LEARN_PRE_ACTIVE, when="end")
    group.theta = theta
    group.b = params.bias * theta
    if error:
        group.theta_e = theta_e
        group.gamma = params.gamma
        group.gated = float(gated)
        for event, code in (FAST_ERROR_RESETS if signed_error else ERROR_RESETS).items():
            group.run_on_event(event, code, when="after_resets")
    # the window ends after the resets of its last step, so that step's spikes count in ĥ
    if window_end:
        group.thresholder["wend"].when = "after_resets"
        group.thresholder["wend"].order = 1
    return group


def emstdp_projection(pre: NeuronGroup, post: NeuronGroup, W: np.ndarray, params: EMSTDPParams,
                      namespace: dict, *, learn: bool = True, symmetric_feedback: bool = False,
                      one_to_one: bool = False, fast: bool = False,
                      name: str = "forward*") -> Synapses:
    """All-to-all forward synapses (W: len(post) × len(pre)) with eq. 12 at the window end
    (``one_to_one``: cell k → cell k, W of length len(pre)).

    ``symmetric_feedback``: the same synapses carry the post cell's error spikes back to the
    pre cell's error neurons with the same weight (error network = forward weights transposed).
    ``fast``: the fast formulation — from input cells (:func:`fast_input_layer`) the synapses
    deliver on/off changes into the held drive ``I_in``; learning runs from the pre side (the
    pre group needs ``pre_learning``).
    """
    W = np.asarray(W, dtype=float)
    shape = (len(pre),) if one_to_one else (len(post), len(pre))
    if W.shape != shape or (one_to_one and len(pre) != len(post)):
        raise ValueError(f"weights {pre.name} -> {post.name}: shape {W.shape}, expected {shape}")
    on_pre, on_post, on_event = {}, {}, {}
    if fast and "dflip" in pre.variables:
        on_pre["pre"] = "I_in_post += w * dflip_pre"
        on_event["pre"] = "flip"
    else:
        on_pre["pre"] = "I_ff_post += w"
    if learn and fast:
        code = "\n".join([FAST_WEIGHT_UPDATE[params.update],
                          FAST_WEIGHT_CLIP[params.w_max is not None],
                          FAST_BATCH_RESET[params.update]])
        on_pre["learn"] = FAST_WEIGHT_ACCUMULATE
        on_event["learn"] = "lacc"
        on_pre["apply"] = _clean(code)
        on_event["apply"] = "lapply"
    elif learn:
        code = "\n".join([WEIGHT_UPDATE[params.update], WEIGHT_CLIP[params.w_max is not None],
                          BATCH_RESET])
        on_post["learn"] = _clean(code)
        on_event["learn"] = "wend"
    if symmetric_feedback and "esign" in post.variables:
        on_post["fb"] = "Ie_pre += w * esign_post"
        on_event["fb"] = "err"
    elif symmetric_feedback:
        on_post["fb_pos"] = "Ie_pre += w"
        on_post["fb_neg"] = "Ie_pre -= w"
        on_event |= {"fb_pos": "err_pos", "fb_neg": "err_neg"}
    syn = Synapses(pre, post, FORWARD_MODEL, on_pre=on_pre,
                   on_post=on_post or None, on_event=on_event or None,
                   clock=post.clock, namespace=namespace, name=name)
    if one_to_one:  # one synapse per pair of cells (single-synapse experiments, §4.1)
        syn.connect(j="i")
        syn.w = W
    else:
        i, j = dense_indices(len(pre), len(post))
        syn.connect(i=i, j=j)
        syn.w = W.T.ravel()
    syn.v = 1.0  # the code's RMSprop accumulator starts at 1
    syn.eta = params.eta
    if learn:
        syn.learn.when = "end"  # after the wend thresholder (after_resets)
    if learn and fast:
        syn.apply.when = "end"
        syn.apply.order = 1     # after this window's sum
    return syn


def fixed_feedback(source: NeuronGroup, target: NeuronGroup, B: np.ndarray,
                   name: str = "feedback*") -> Synapses:
    """Fixed random feedback (FA / DFA): ±B from the source's error spikes to the target's
    error neurons. ``B`` has shape (len(target), len(source))."""
    B = np.asarray(B, dtype=float)
    if B.shape != (len(target), len(source)):
        raise ValueError(f"feedback {source.name} -> {target.name}: shape {B.shape}, expected "
                         f"{(len(target), len(source))}")
    if "esign" in source.variables:  # fast formulation: one signed error event
        on_pre, on_event = {"fb": "Ie_post += B * esign_pre"}, {"fb": "err"}
    else:
        on_pre = {"fb_pos": "Ie_post += B", "fb_neg": "Ie_post -= B"}
        on_event = {"fb_pos": "err_pos", "fb_neg": "err_neg"}
    syn = Synapses(source, target, "B : 1 (constant)", on_pre=on_pre, on_event=on_event,
                   clock=target.clock, name=name)
    i, j = dense_indices(len(source), len(target))
    syn.connect(i=i, j=j)
    syn.B = B.T.ravel()
    return syn


# --------------------------------------------------------------------------------------------
# Initialisation (§4; thresholds as Init_Threshold of the code)
# --------------------------------------------------------------------------------------------

def weight_sd(n_in: int, params: EMSTDPParams) -> float:
    return float(np.sqrt(params.weight_scale / n_in))


def thresholds(sizes: list[int], params: EMSTDPParams) -> list[float]:
    """θ_l = n_l σ(w_l) β_l per layer (hidden layers, then the output)."""
    L = len(sizes) - 2
    out = []
    for m in range(L):
        n = sizes[m]
        out.append(n * weight_sd(n, params) * 0.5 * params.hidden_ratio / (L + 1 - m))
    n = sizes[-2]
    out.append(n * weight_sd(n, params) * 0.5 * params.output_ratio)
    return out


def error_thresholds(sizes: list[int], params: EMSTDPParams, feedback: str) -> list[float]:
    """θ_e of the hidden layers' error neurons: the fan-in of the error neuron × the s.d. of
    its feedback weights × ½ × ratio / (m + 2) (code, Init_Threshold with init = 0)."""
    L = len(sizes) - 2
    ratio = params.hidden_ratio if params.error_ratio is None else params.error_ratio
    n_out = sizes[-1]
    out = []
    for m in range(L):
        if feedback == "dfa":
            src, sd = n_out, weight_sd(n_out, params)
        else:
            src = sizes[m + 2]  # the layer above hidden layer m
            sd = weight_sd(sizes[m + 1], params) if feedback == "symmetric" else weight_sd(src, params)
        out.append(src * sd * 0.5 * ratio / (m + 2))
    return out


def initial_weights(sizes: list[int], params: EMSTDPParams, rng: np.random.Generator):
    """Forward weights W_l ~ N(0, weight_scale / n_l), shape (n_post, n_pre) (§4)."""
    return [rng.normal(0.0, weight_sd(n_in, params), size=(n_out, n_in))
            for n_in, n_out in zip(sizes[:-1], sizes[1:])]


def feedback_matrices(sizes: list[int], feedback: str, rng: np.random.Generator):
    """Fixed feedback onto hidden layer m, shape (n_m, n_source): FA from the layer above,
    DFA from the output; Uniform(±√(1/n_source)) (code, Init_FeedbackWgt). Empty for
    symmetric feedback."""
    L = len(sizes) - 2
    out = []
    if feedback == "symmetric":
        return out
    for m in range(L):
        src = sizes[-1] if feedback == "dfa" else sizes[m + 2]
        lim = np.sqrt(1.0 / src)
        out.append(rng.uniform(-lim, lim, size=(sizes[m + 1], src)))
    return out


# --------------------------------------------------------------------------------------------
# The network
# --------------------------------------------------------------------------------------------

@dataclass
class EMSTDPNetwork:
    """A built EMSTDP network and handles to its parts."""

    net: Network
    params: EMSTDPParams
    layer_sizes: list[int]
    feedback: str
    formulation: str
    n_presentations: int
    input: NeuronGroup
    layers: list[NeuronGroup]          # hidden layers, then the output layer
    forward: list[Synapses]
    feedback_syn: list[Synapses]
    stimulus: TimedArray
    label: TimedArray
    learn_gate: TimedArray
    window_counts: list[EventMonitor]  # (h1, h2) of each recorded layer at every window end
    spike_monitors: list[SpikeMonitor] = field(default_factory=list)
    seed: int = 0
    #: the values of :meth:`state_views` the network was built with (readable before any run,
    #: also on standalone devices)
    built_state: dict = field(default_factory=dict, repr=False)
    _runner: BlockRunner | None = field(default=None, repr=False)

    @property
    def output(self) -> NeuronGroup:
        return self.layers[-1]

    @property
    def duration(self):
        return self.n_presentations * self.params.window

    @property
    def runner(self) -> BlockRunner:
        """The one runner of this network: every block re-runs the same build. It takes a
        seed per block (the input encoding and target trains draw ``rand()``; see
        :class:`~spiketeach.devices.BlockRunner`)."""
        if self._runner is None:
            self._runner = BlockRunner(self.net, self.duration, seeded=True)
        return self._runner

    def state_views(self) -> dict[str, object]:
        """Everything that carries over from one block to the next (weights, RMSprop state,
        and the shared constants that a run may change without rebuilding)."""
        views = {}
        for k, syn in enumerate(self.forward):
            views[f"forward{k}.w"] = syn.w
            views[f"forward{k}.v"] = syn.v
            views[f"forward{k}.eta"] = syn.eta
        for k, layer in enumerate(self.layers):
            views[f"layer{k}.theta"] = layer.theta
            if "theta_e" in layer.variables:
                views[f"layer{k}.theta_e"] = layer.theta_e
        for k, syn in enumerate(self.feedback_syn):
            views[f"feedback{k}.B"] = syn.B
        return views

    def get_state(self) -> dict[str, np.ndarray]:
        return {key: np.array(view[:], dtype=float) for key, view in self.state_views().items()}

    def initial_state(self, seed: int) -> dict[str, np.ndarray]:
        """The t = 0 state for another ``seed`` (same build, new initialisation)."""
        W, B = initial_values(self.layer_sizes, self.params, self.feedback, seed)
        state = {k: v.copy() for k, v in self.built_state.items()}
        for k, w in enumerate(W):
            state[f"forward{k}.w"] = w.T.ravel()
            state[f"forward{k}.v"] = np.ones(w.size)
        for k, b in enumerate(B):
            state[f"feedback{k}.B"] = b.T.ravel()
        return state

    def weights(self) -> list[np.ndarray]:
        """Forward weight matrices (n_post × n_pre) as they are now."""
        return [np.asarray(syn.w[:]).reshape(n_in, n_out).T.copy()
                for syn, n_in, n_out in zip(self.forward, self.layer_sizes[:-1],
                                            self.layer_sizes[1:])]


def initial_values(sizes, params, feedback, seed):
    rng = np.random.default_rng(seed)
    W = initial_weights(sizes, params, rng)
    B = feedback_matrices(sizes, feedback, rng)
    return W, B


def built_state(W0, B0, theta, theta_e, params: EMSTDPParams) -> dict[str, np.ndarray]:
    """The state a network starts from, by the keys of ``set_state``: forward weights W0 (one
    n_post × n_pre array per layer), feedback matrices B0 (none for symmetric feedback), the
    layers' thresholds and error thresholds (the output's is the loss threshold)."""
    L = len(W0) - 1
    built = {}
    for m, w in enumerate(W0):
        built[f"forward{m}.w"] = w.T.ravel().copy()
        built[f"forward{m}.v"] = np.ones(w.size)
        built[f"forward{m}.eta"] = np.array([params.eta])
    for m in range(L + 1):
        built[f"layer{m}.theta"] = np.array([theta[m]])
        built[f"layer{m}.theta_e"] = np.array([params.loss_threshold if m == L else theta_e[m]])
    for m, b in enumerate(B0):
        built[f"feedback{m}.B"] = np.asarray(b, dtype=float).T.ravel().copy()
    return built


def build_emstdp_network(layer_sizes: list[int], n_presentations: int, *,
                         params: EMSTDPParams | None = None, feedback: str = "symmetric",
                         seed: int = 0, weights: list[np.ndarray] | None = None,
                         feedback_weights: list[np.ndarray] | None = None,
                         record_counts: str = "output", record_spikes: bool = False,
                         formulation: str = "fast", name: str = "emstdp") -> EMSTDPNetwork:
    """Build an EMSTDP network for blocks of ``n_presentations`` samples.

    Parameters
    ----------
    layer_sizes : list of int
        [n_input, n_hidden_1, ..., n_output], e.g. [784, 500, 10].
    n_presentations : int
        Samples per block (one ``run()``). The TimedArrays ``stimulus`` (images in [0, 1]),
        ``label`` (one-hot) and ``learn_gate`` (1: train, 0: test) hold one row per sample.
    feedback : {"symmetric", "fa", "dfa"}
    weights, feedback_weights : optional explicit initial matrices.
    record_counts : {"output", "all", "none"}
        Record (h1, h2) of the output (or of every layer) at each window end.
    record_spikes : bool
        Also record every spike of every layer (tests, figures); the input's spikes only with
        the reference formulation.
    formulation : {"fast", "reference"}
        The same model in two formulations (see the comment above :data:`FAST_INPUT_NEURON`):
        "reference" delivers every input spike to every first-layer cell and updates every
        synapse at every window end; "fast" (default) delivers only on/off changes of the
        input cells and updates from the active pre cells, with RMSprop's decay kept lazily;
        "genn" (always on the genn device): :mod:`spiketeach.models.emstdp_genn`.
    """
    params = params or EMSTDPParams()
    from ..devices import current_device
    if formulation == "genn" or current_device().name == "genn":
        # what Brian2GeNN accepts (fa, dfa): spiketeach.models.emstdp_genn
        from .emstdp_genn import build_emstdp_network_genn
        return build_emstdp_network_genn(
            layer_sizes, n_presentations, params=params, feedback=feedback, seed=seed,
            weights=weights, feedback_weights=feedback_weights, record_counts=record_counts,
            record_spikes=record_spikes, name=name)
    if feedback not in FEEDBACK:
        raise ValueError(f"unknown feedback {feedback!r}; choose one of {FEEDBACK}")
    sizes = [int(n) for n in layer_sizes]
    if len(sizes) < 3 or min(sizes) < 1:
        raise ValueError(f"EMSTDP needs input, >= 1 hidden and an output layer: {layer_sizes}")
    n_pres = int(n_presentations)
    if formulation not in FORMULATIONS:
        raise ValueError(f"unknown formulation {formulation!r}; choose one of {FORMULATIONS}")
    if n_pres % params.batch:
        raise ValueError(f"a block of {n_pres} samples does not hold whole batches of "
                         f"{params.batch}")
    fast = formulation == "fast"
    if fast and params.update == "rmsprop" and n_pres // params.batch > 5000:
        raise ValueError("the fast formulation keeps 0.9^(updates in a block) in a double: "
                         "at most 5000 updates per block")
    W0, B0 = initial_values(sizes, params, feedback, seed)
    if weights is not None:
        W0 = [np.asarray(w, dtype=float) for w in weights]
    if feedback_weights is not None:
        B0 = [np.asarray(b, dtype=float) for b in feedback_weights]

    clock = Clock(dt=params.dt, name=f"{name}_clock")
    stimulus = TimedArray(np.zeros((n_pres, sizes[0])), dt=params.window, name=f"{name}_stimulus")
    label = TimedArray(np.zeros((n_pres, sizes[-1])), dt=params.window, name=f"{name}_label")
    learn_gate = TimedArray(np.ones(n_pres), dt=params.window, name=f"{name}_learn_gate")
    ns = _namespace(params, {"stimulus": stimulus, "label": label, "learn_gate": learn_gate,
                             "n_windows": n_pres})

    theta = thresholds(sizes, params)
    theta_e = error_thresholds(sizes, params, feedback)
    L = len(sizes) - 2
    if fast:
        inp = fast_input_layer(stimulus, params, clock, ns, name=f"{name}_input")
    else:
        inp = input_layer(stimulus, params, clock, ns, name=f"{name}_input")
    layers = []
    for m in range(L + 1):
        is_out = m == L
        layers.append(if_layer(sizes[m + 1], theta[m], params, clock, ns, error=True, loss=is_out,
                               theta_e=params.loss_threshold if is_out else theta_e[m],
                               gated=(not is_out and params.derivative_gate and feedback != "dfa"),
                               held_input=fast and m == 0, pre_learning=fast and not is_out,
                               window_end=not fast or is_out or record_counts == "all",
                               signed_error=fast,
                               name=f"{name}_output" if is_out else f"{name}_hidden{m}"))
    forward = []
    pre = inp
    for m, layer in enumerate(layers):
        forward.append(emstdp_projection(pre, layer, W0[m], params, ns,
                                         symmetric_feedback=(feedback == "symmetric" and m > 0),
                                         fast=fast, name=f"{name}_forward{m}"))
        pre = layer
    fb = []
    for m in range(L):
        source = layers[-1] if feedback == "dfa" else layers[m + 1]
        if feedback != "symmetric":
            fb.append(fixed_feedback(source, layers[m], B0[m], name=f"{name}_feedback{m}"))

    recorded = {"output": [layers[-1]], "all": layers, "none": []}[record_counts]
    monitors = []
    for g in recorded:
        mon = EventMonitor(g, "wend", variables=["h1", "h2", "n_err_pos", "n_err_neg"],
                           when="end", order=-1, name=f"{g.name}_counts")
        monitors.append(mon)
    spike_mons = ([SpikeMonitor(g, name=f"{g.name}_spikes")
                   for g in ([] if fast else [inp]) + layers] if record_spikes else [])
    net = Network(inp, *layers, *forward, *fb, *monitors, *spike_mons)
    built = built_state(W0, B0 if feedback != "symmetric" else [], theta, theta_e, params)
    return EMSTDPNetwork(net=net, params=params, layer_sizes=sizes, feedback=feedback,
                         formulation=formulation,
                         n_presentations=n_pres, input=inp, layers=layers, forward=forward,
                         feedback_syn=fb, stimulus=stimulus, label=label, learn_gate=learn_gate,
                         window_counts=monitors, spike_monitors=spike_mons, seed=seed,
                         built_state=built)


def recorded_counts(monitor: EventMonitor, n_presentations: int, window,
                    variables=("h1", "h2")) -> tuple[np.ndarray, ...]:
    """Per-window values of ``variables`` (default the spike counts h1, h2; also "n_err_pos",
    "n_err_neg") from a ``*_counts`` monitor, each of shape (presentations, cells)."""
    n = len(monitor.source)
    k = np.floor(np.asarray(monitor.t[:]) / float(window) + 1e-9).astype(int)
    i = np.asarray(monitor.i[:], dtype=int)
    keep = k < n_presentations
    out = []
    for var in variables:
        arr = np.zeros((n_presentations, n))
        arr[k[keep], i[keep]] = np.asarray(getattr(monitor, var)[:])[keep]
        out.append(arr)
    return tuple(out)
