"""One small network of every family with learning, run in blocks on whichever device is
selected: what the device tests (tests/core/test_genn_run.py, tests/core/test_cuda.py) and
benchmarks/gpu_check.py compare across devices.

A run (:func:`run_case`) starts its first block from the network's seed-0 state passed in as
run-time values (so every state variable is loaded from files on a standalone device, as a
resumed training's is) and chains the next blocks from the state the last one left; it keeps the
spikes of every spiking group, the state and the weights after each block. Two runs of the same
case on two devices give the same spikes and the same weights to rounding (:func:`compare`).

Two families draw random numbers in every step (input encoding, noise): Brian2CUDA (cuRAND) and
GeNN draw other numbers than Brian2's own generator, so their spikes cannot be compared across
devices. For them :func:`rule_holds` checks, on one device, a rule that holds whatever was drawn:
EMSTDP's eq. 12 on the counts of the block's last (learning) presentation, from the state the
block was given; eRBP's weights unchanged by a block with learning off, i.e. equal to the state
that block was given (a lost state leaves the built weights instead).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

__all__ = ["CASES", "RANDOM_FAMILIES", "CaseRun", "run_case", "compare", "rule_holds"]

#: the families with learning in Brian2 and the formulations each offers
CASES = {
    "samadi2017": ("reference", "fast", "genn"),
    "hunsberger2017": ("reference", "fast", "genn"),
    "shrestha2019": ("reference", "fast", "genn"),
    "neftci2017": ("reference", "fast"),
}

#: families whose small network draws random numbers every step (compared by rule_holds)
RANDOM_FAMILIES = ("shrestha2019", "neftci2017")


@dataclass
class CaseRun:
    """What one run of a case left, block by block."""

    key: str
    formulation: str
    device: str
    start: dict[str, np.ndarray]
    spikes: list[dict[str, tuple[np.ndarray, np.ndarray]]] = field(default_factory=list)
    states: list[dict[str, np.ndarray]] = field(default_factory=list)
    weights: list[list[np.ndarray]] = field(default_factory=list)
    results: list = field(default_factory=list)
    wall_s: float = 0.0
    #: family-specific numbers the rule check needs (EMSTDP: eta)
    extra: dict = field(default_factory=dict)


# --- the cases: build(formulation) -> (handle, block(handle, k, state) -> result, extra) ----

def _samadi(formulation):
    from spiketeach.core.schedule import PresentationSchedule
    from spiketeach.models import samadi2017
    from spiketeach.models.samadi2017.params import SamadiParams
    from spiketeach.protocols.samadi2017.training import run_block

    p, n, sizes = SamadiParams(), 3, [3, 5, 4, 2]
    ban = samadi2017.build(sizes, PresentationSchedule(n, p.presentation, p.settle), seed=1,
                           record_layers=True, formulation=formulation)
    rng = np.random.default_rng(1)
    x = rng.uniform(0, 1.5, (2, n, sizes[0]))
    y = rng.integers(0, sizes[-1], (2, n))
    return ban, lambda h, k, state: run_block(h, state, x[k % 2], y[k % 2], np.ones(n)), {}


def _hunsberger(formulation):
    from brian2 import ms, second

    from spiketeach.core.schedule import PresentationSchedule
    from spiketeach.models import hunsberger2017
    from spiketeach.models.hunsberger2017.params import HunsbergerParams
    from spiketeach.protocols.hunsberger2017.linear_map import LinearMapTask

    n = 3
    p = HunsbergerParams().replace(sizes=(10, 20, 20, 2), n_per_dim=20, eta=5.0,
                                   presentation=220 * ms)
    fan = hunsberger2017.build(PresentationSchedule(n, p.presentation, 0 * second), params=p,
                               seed=0, formulation=formulation, record_dt=None)
    x, y = LinearMapTask(10, 2).sample(2 * n, np.random.default_rng(0))

    def block(h, k, state):
        rows = slice(k % 2 * n, k % 2 * n + n)
        h.runner.run(h.state_pairs(state), {
            h.stimulus: x[rows], h.target_values: y[rows],
            h.learning_gate: np.r_[0.0, np.ones(n - 1)], h.record_gate: np.ones(n)})
    return fan, block, {}


def _emstdp(formulation):
    from spiketeach.models import shrestha2019
    from spiketeach.models.shrestha2019.params import code_params
    from spiketeach.protocols.shrestha2019.training import run_emstdp_block

    n, sizes = 4, [16, 12, 4]
    params = code_params(T=60, update="sgd", eta=1e-3, w_max=None, batch=1)
    # fa: the feedback every formulation (genn too) offers
    net = shrestha2019.build(sizes, n, params=params, seed=0, record_counts="all",
                             feedback="fa", formulation=formulation)
    rng = np.random.default_rng(2)
    x = rng.uniform(0, 1, (2, n, sizes[0]))
    y = rng.integers(0, sizes[-1], (2, n))
    learn = np.r_[np.zeros(n - 1), 1.0]  # eq. 12 is read on the one learning presentation
    return (net, lambda h, k, state: run_emstdp_block(h, state, x[k % 2], y[k % 2], learn),
            {"eta": params.eta})


def _erbp(formulation):
    from brian2 import ms

    from spiketeach.models import neftci2017
    from spiketeach.models.neftci2017.params import ERBPParams
    from spiketeach.protocols.neftci2017.training import run_erbp_block

    n, sizes = 3, [6, 5, 3]
    p = ERBPParams(dt=1 * ms, sample_duration=50 * ms, no_learning=10 * ms, eta=0.05,
                   b_lo=-0.3, b_hi=0.3)
    net = neftci2017.build(sizes, n, params=p, seed=1, formulation=formulation)
    rng = np.random.default_rng(4)
    x = rng.uniform(0, 1, (n, sizes[0]))
    y = rng.integers(0, sizes[-1], n)
    # learning on in the first block, off in the next ones (the state must come through)
    return net, lambda h, k, state: run_erbp_block(h, state, x, y, np.full(n, float(k == 0))), {}


_BUILDERS = {"samadi2017": _samadi, "hunsberger2017": _hunsberger, "shrestha2019": _emstdp,
             "neftci2017": _erbp}


def _spike_monitors(net):
    from brian2 import NeuronGroup, SpikeMonitor
    groups = [o for o in net.objects if isinstance(o, NeuronGroup) and "spike" in o.events]
    monitors = {g.name: SpikeMonitor(g, name=f"{g.name}_check_spikes") for g in groups}
    net.add(*monitors.values())
    return monitors


def run_case(key: str, formulation: str, blocks: int = 2) -> CaseRun:
    """Build the small network of family ``key`` in ``formulation`` on the selected device and
    run ``blocks`` chained blocks (one on genn: one run() per build)."""
    from spiketeach.core.devices import current_device

    if key not in CASES:
        raise ValueError(f"no device check for {key!r}; choose one of {sorted(CASES)}")
    if formulation not in CASES[key]:
        raise ValueError(f"{key} has no {formulation!r} formulation; it has {CASES[key]}")
    t0 = time.perf_counter()
    handle, block, extra = _BUILDERS[key](formulation)
    monitors = _spike_monitors(handle.net)
    state = handle.initial_state(_SEEDS[key])
    out = CaseRun(key, formulation, current_device().name, start=dict(state), extra=extra)
    for k in range(blocks):
        out.results.append(block(handle, k, state))
        out.spikes.append({name: (np.asarray(m.i[:]).copy(), np.asarray(m.t[:]).copy())
                           for name, m in monitors.items()})
        state = handle.get_state()
        out.states.append(state)
        out.weights.append([np.array(w, dtype=float) for w in handle.weights()])
    out.wall_s = time.perf_counter() - t0
    return out


_SEEDS = {"samadi2017": 1, "hunsberger2017": 0, "shrestha2019": 0, "neftci2017": 1}


def compare(a: CaseRun, b: CaseRun) -> dict:
    """How far two runs of one case are apart: ``same_spikes`` (indices and times of every
    group both recorded, in every block both ran), the number of spikes compared, and the
    largest weight difference relative to the largest weight (``weights_rel``)."""
    blocks = min(len(a.spikes), len(b.spikes))
    common = sorted(set(a.spikes[0]) & set(b.spikes[0]))
    same, n_spikes, first_diff = True, 0, None
    for k in range(blocks):
        for name in common:
            (ia, ta), (ib, tb) = a.spikes[k][name], b.spikes[k][name]
            n_spikes += len(ia)
            if not (np.array_equal(ia, ib) and np.allclose(ta, tb, rtol=0, atol=1e-9)):
                same = False
                first_diff = first_diff or f"block {k}, {name}: {len(ia)} vs {len(ib)} spikes"
    rel = 0.0
    for wa, wb in zip(a.weights[blocks - 1], b.weights[blocks - 1]):
        rel = max(rel, float(np.abs(wa - wb).max() / max(np.abs(wa).max(), 1e-300)))
    learned = max(float(np.abs(w - w0).max()) for w, w0 in
                  zip(a.weights[blocks - 1], _start_weights(a)))
    return {"same_spikes": same, "spikes_compared": n_spikes, "groups": common,
            "blocks": blocks, "weights_rel": rel, "weight_change": learned,
            "first_difference": first_diff}


def _start_weights(run: CaseRun):
    """The weights a run started from (its first block's state, in weights() order)."""
    first = run.weights[0]
    keys = sorted(k for k in run.start if k.startswith("forward") and k.endswith(".w"))
    if len(keys) == len(first):
        return [np.asarray(run.start[k]).reshape(w.T.shape).T for k, w in zip(keys, first)]
    return first  # event-driven forms keep weights in other variables: compare with block 1


def rule_holds(run: CaseRun, atol: float = 1e-12) -> dict:
    """The device-independent rule of a random family's run (see the module docstring):
    ``holds`` and the largest deviation per block."""
    deviations = []
    if run.key == "shrestha2019":  # eq. 12 on the last window: dW = eta (h2 - h1) h1_pre
        eta, starts = run.extra["eta"], [run.start] + run.states[:-1]
        for res, start, W in zip(run.results, starts, run.weights):
            n_post, n_pre = W[-1].shape
            W0 = np.asarray(start[f"forward{len(W) - 1}.w"]).reshape(n_pre, n_post).T
            h1, h2 = res.layers[-1][0][-1], res.layers[-1][1][-1]
            pre = res.layers[-2][0][-1]
            deviations.append(float(np.abs(W[-1] - W0 - eta * np.outer(h2 - h1, pre)).max()))
        moved = any(np.abs(np.outer(r.layers[-1][1][-1] - r.layers[-1][0][-1],
                                    r.layers[-2][0][-1])).max() > 0 for r in run.results)
    elif run.key == "neftci2017":  # blocks after the first learn nothing: state comes through
        for k in range(1, len(run.states)):
            given, left = run.states[k - 1], run.states[k]
            deviations.append(max(float(np.abs(left[key] - given[key]).max())
                                  for key in given if key.endswith(".w")))
        moved = any(np.abs(run.states[0][k] - run.start[k]).max() > 0
                    for k in run.start if k.endswith(".w"))
    else:
        raise ValueError(f"{run.key} is compared across devices, not by a rule")
    spikes = sum(len(i) for block in run.spikes for i, _ in block.values())
    return {"holds": bool(deviations) and max(deviations) <= atol and moved and spikes > 0,
            "max_deviation": max(deviations) if deviations else None, "learned": bool(moved),
            "spikes": spikes}
