"""EMSTDP's formulations agree over long blocks (issue 17).

The fast formulation once loaded each window's pixels on a second clock of period T·dt.
cpp_standalone takes two clocks to tick together only if their float times agree to 1e−14 s
(absolute, ``Network::next_clocks``); from t ≈ 64 s n·(T·dt) and (n·T)·dt differ by one ulp at
some ticks, the load ran after step 0 of the window, and fast and reference parted at window 641
of 1000-window blocks at T = 100. Now everything runs on one clock and the window position is
integer arithmetic on its step counter (see "One clock" in
:mod:`spiketeach.models.shrestha2019.equations`). These tests check: the arithmetic over 1100
windows, one clock per network, and fast = reference past the old drift point on cpp_standalone
(a small block in the default suite, ≥ 1000 windows of digits marked slow).
"""

from __future__ import annotations

import numpy as np
import pytest
from brian2 import Network, ms
from brian2.input.timedarray import _find_K

from spiketeach.core.runner import BlockRunner
from spiketeach.models import shrestha2019
from spiketeach.models.shrestha2019.equations import WINDOW_CLOCK
from spiketeach.models.shrestha2019.network import recorded_counts
from spiketeach.models.shrestha2019.params import code_params
from spiketeach.protocols.shrestha2019.training import one_hot, run_emstdp_block

#: cpp_standalone's test for "two clocks tick now" (brian2 network.cpp, Clock_epsilon)
STANDALONE_EPSILON = 1e-14


def _late_window_ticks(T: int, n_windows: int) -> np.ndarray:
    """Windows at whose start a clock of period T·dt would tick strictly after the step clock
    on cpp_standalone (the times as Brian2 forms them: n·(T·dt) and (n·T)·dt)."""
    dt = float(1.0 * ms)
    window = float(T * (1.0 * ms))
    n = np.arange(n_windows, dtype=np.int64)
    t_window, t_step = n * window, (n * T) * dt
    return n[(np.abs(t_window - t_step) > STANDALONE_EPSILON) & (t_window > t_step)]


def test_window_position_is_integer_arithmetic_over_1100_windows():
    """A window clock would tick late at windows 641, 646, 651, … (T = 100; the issue's
    pattern) and 323, … (T = 200) on cpp_standalone. What the model uses instead: k and the
    window index from the integer step counter; the TimedArray row that stimulus(t, i) reads
    with the float time of each step (Brian2's rounding, ``_find_K``) and the window that
    :func:`recorded_counts` assigns to a window end are the window index at every step of 1100
    windows."""
    assert _late_window_ticks(100, 1100)[:4].tolist() == [641, 646, 651, 656]
    assert _late_window_ticks(200, 1100)[0] == 323
    assert "t_in_timesteps" in WINDOW_CLOCK and "timestep(t" not in WINDOW_CLOCK
    dt = float(1.0 * ms)
    for T in (20, 50, 100, 200):
        window = float(T * (1.0 * ms))
        steps = np.arange(1100 * T, dtype=np.int64)
        t = steps * dt                                   # the clock's t, as C++ forms it
        K = _find_K(dt, window)
        row = ((t / (window / K) + 0.5) / K).astype(np.int64)  # TimedArray, cpp template
        np.testing.assert_array_equal(row, steps // T)
        ends = steps[steps % T == T - 1]
        k = np.floor(ends * dt / window + 1e-9).astype(int)   # recorded_counts
        np.testing.assert_array_equal(k, ends // T)


@pytest.mark.parametrize("formulation", ["reference", "fast"])
def test_each_formulation_runs_on_one_clock(runtime, formulation):
    """No second clock whose ticks the model relies on: every object and its code objects run
    on the network's one clock (the window-end monitors too)."""
    net = shrestha2019.build([16, 8, 4], 10, params=code_params(T=20, batch=5),
                             record_counts="all", formulation=formulation)
    clocks = {o.clock for obj in net.net.objects
              for o in [obj, *getattr(obj, "contained_objects", [])]}
    assert len(clocks) == 1, sorted(c.name for c in clocks)


def _binary_block(n_windows: int, n_in: int, n_out: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    x = (rng.uniform(size=(n_windows, n_in)) < 0.3).astype(float)
    y = rng.integers(0, n_out, n_windows)
    return x, y


@pytest.mark.standalone
def test_fast_equals_reference_past_the_old_drift_point_on_cpp_standalone(cpp_standalone):
    """Both formulations in ONE cpp_standalone build (one compile), one block of 660 windows at
    T = 100 (past window 641, where the window clock used to tick late): the same h, ĥ of every
    layer in every window, weights and RMSprop state to 1e-12. Binary images with the shared
    encoding and the code's loss make the block deterministic (p ∈ {0, 1}, target rate 1), so
    the two formulations need no common random stream."""
    sizes, n = [16, 8, 4], 660
    params = code_params(T=100, eta=1e-2)
    x, y = _binary_block(n, sizes[0], sizes[-1])
    nets = {form: shrestha2019.build(sizes, n, params=params, seed=3, record_counts="all",
                                     formulation=form, name=form)
            for form in ("reference", "fast")}
    runner = BlockRunner(Network(*nets["reference"].net.objects, *nets["fast"].net.objects),
                         nets["fast"].duration)
    timed = {}
    for net in nets.values():
        timed |= {net.stimulus: x, net.label: one_hot(y, sizes[-1]), net.learn_gate: np.ones(n)}
    runner.run(None, timed)
    counts = {form: [c for m in net.window_counts
                     for c in recorded_counts(m, n, params.window)]
              for form, net in nets.items()}
    spikes = 0
    for c_ref, c_fast in zip(counts["reference"], counts["fast"]):
        differ = np.nonzero(np.any(c_ref != c_fast, axis=1))[0]
        assert len(differ) == 0, f"windows {differ[:5]} differ"
        spikes += c_ref.sum()
    assert spikes > 10_000 and counts["reference"][0][641:].sum() > 0
    ref, fast = nets["reference"].get_state(), nets["fast"].get_state()
    for key, val in ref.items():
        np.testing.assert_allclose(fast[key], val, rtol=0, atol=1e-12, err_msg=key)
    for k in range(2):
        assert np.abs(ref[f"forward{k}.w"] - nets["reference"].built_state[f"forward{k}.w"]).max() > 1e-3


@pytest.mark.slow
@pytest.mark.standalone
def test_fast_equals_reference_over_1000_windows_on_cpp_standalone(tmp_path):
    """The issue's criterion: 8x8 digits, the authors' configuration (shared-random input,
    RMSprop on batches of 10, T = 100), one block of 1000 windows per formulation, each its own
    cpp_standalone build, the same block seed: the same h, ĥ of every layer in every window,
    weights and RMSprop state to 1e-12."""
    import shutil

    from spiketeach.core.devices import reset_device, select_device
    if shutil.which("g++") is None and shutil.which("c++") is None:
        pytest.skip("no C++ compiler")
    datasets = pytest.importorskip("sklearn.datasets")
    d = datasets.load_digits()
    n = 1000
    x, y = d.data[:n] / 16.0, d.target[:n].astype(int)
    params = code_params(T=100, eta=1e-2)
    out = {}
    for form in ("reference", "fast"):
        select_device("cpp_standalone", build_dir=tmp_path / form)
        try:
            net = shrestha2019.build([64, 20, 10], n, params=params, seed=3,
                                     record_counts="all", formulation=form)
            res = run_emstdp_block(net, None, x, y, np.ones(n), seed=5)
            out[form] = ([c for layer in res.layers for c in layer], net.get_state())
        finally:
            reset_device()
    for c_ref, c_fast in zip(out["reference"][0], out["fast"][0]):
        differ = np.nonzero(np.any(c_ref != c_fast, axis=1))[0]
        assert len(differ) == 0, f"windows {differ[:5]} differ"
    for key, val in out["reference"][1].items():
        np.testing.assert_allclose(out["fast"][1][key], val, rtol=0, atol=1e-12, err_msg=key)
