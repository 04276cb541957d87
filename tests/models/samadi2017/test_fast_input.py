"""The presentation-clocked first projection is exact: same spikes and weights as eq. 2.13 per step."""

import numpy as np
import pytest

from spiketeach.core.devices import reset_device, select_device
from spiketeach.core.schedule import PresentationSchedule
from spiketeach.models import samadi2017
from spiketeach.models.samadi2017.equations import DYNAMIC_LIF
from spiketeach.models.samadi2017.fast_input import FAST_ACCUMULATE, with_fast_drive
from spiketeach.models.samadi2017.params import SamadiParams
from spiketeach.protocols.samadi2017.training import run_block

P = SamadiParams()


def _run_both(device, sizes, n, build_dir=None, seed=1, depth=None):
    rng = np.random.default_rng(seed)
    x = rng.uniform(0, 1.5, (n, sizes[0]))
    y = rng.integers(0, sizes[-1], n)
    out = {}
    for form in ("reference", "fast"):
        select_device(device, build_dir=None if build_dir is None else build_dir / form)
        ban = samadi2017.build(sizes, PresentationSchedule(n, P.presentation, P.settle),
                               seed=seed, formulation=form, record_layers=True, depth=depth)
        first = run_block(ban, None, x, y, np.ones(n))
        second = run_block(ban, ban.get_state(), x[::-1], y[::-1], np.ones(n))  # chained block
        out[form] = (first.counts, second.counts, ban.weights(),
                     [np.asarray(m.i[:]).copy() for m in ban.layer_spikes])
        reset_device()
    return out


def _assert_equivalent(out, rtol):
    ref, fast = out["reference"], out["fast"]
    np.testing.assert_array_equal(ref[0], fast[0])
    np.testing.assert_array_equal(ref[1], fast[1])
    for i_ref, i_fast in zip(ref[3], fast[3]):
        np.testing.assert_array_equal(i_ref, i_fast)
    for w_ref, w_fast in zip(ref[2], fast[2]):
        np.testing.assert_allclose(w_fast, w_ref, rtol=rtol, atol=rtol * np.abs(w_ref).max())


def test_fast_drive_adds_the_accumulators_to_the_stored_drive():
    """The layer keeps its stored drive v_ff (set from the per-presentation sums each step)."""
    eqs = with_fast_drive(DYNAMIC_LIF)
    assert "v_ff : 1 " in eqs and eqs.startswith(DYNAMIC_LIF.rstrip("\n"))
    for var in ("v0", "u", "a2", "m", "M", "S", "P"):
        assert f"\n{var} : 1 " in eqs
    assert "v_ff = v0 + S*u - a2*M" in FAST_ACCUMULATE
    with pytest.raises(ValueError, match="v_ff : 1"):
        with_fast_drive("dh/dt = -h/tau : 1")


def test_fast_equals_reference_on_numpy():
    out = _run_both("runtime", [6, 5, 3], 3)
    _assert_equivalent(out, rtol=1e-9)
    w0 = samadi2017.build([6, 5, 3], PresentationSchedule(3, P.presentation, P.settle),
                          seed=1).weights()[0]
    assert not np.allclose(out["fast"][2][0], w0)  # the first layer did learn


def test_fast_equals_reference_for_depth_1_learning():
    """Only the output layer learns: the first projection stays presentation-clocked, fixed."""
    out = _run_both("runtime", [6, 5, 3], 3, depth=1)
    _assert_equivalent(out, rtol=1e-9)
    w0 = samadi2017.build([6, 5, 3], PresentationSchedule(3, P.presentation, P.settle),
                          seed=1).weights()
    np.testing.assert_array_equal(out["fast"][2][0], w0[0])
    assert not np.allclose(out["fast"][2][1], w0[1])


def test_fast_equals_reference_with_two_hidden_layers():
    """hidden0 -> hidden1 and hidden1 -> output are both event-driven (pulse projections)."""
    out = _run_both("runtime", [6, 5, 4, 3], 3)
    _assert_equivalent(out, rtol=1e-9)
    w0 = samadi2017.build([6, 5, 4, 3], PresentationSchedule(3, P.presentation, P.settle),
                          seed=1).weights()
    assert not any(np.allclose(w, w_0) for w, w_0 in zip(out["fast"][2], w0))  # all learned


def test_short_presentations_fold_silent_inputs_too():
    """The fold skips inputs silent for three images only while mu^(steps per image) is
    negligible (0.9^400 ~ 5e-19); with 5 ms images (0.9^20 = 0.12) it must fold them all."""
    from brian2 import ms

    params = SamadiParams(presentation=5 * ms, settle=1 * ms)
    sizes, n = [6, 5, 3], 6
    rng = np.random.default_rng(3)
    x = rng.uniform(0.5, 1.5, (n, sizes[0]))
    x[2:5, :3] = 0.0  # inputs 0-2 silent for three images in a row, then on again
    y = rng.integers(0, sizes[-1], n)
    weights = {}
    for form in ("reference", "fast"):
        select_device("runtime")
        ban = samadi2017.build(sizes, PresentationSchedule(n, params.presentation, params.settle),
                               params=params, seed=1, formulation=form)
        run_block(ban, None, x, y, np.ones(n))
        weights[form] = ban.weights()
        if form == "fast":
            from spiketeach.models.samadi2017.fast_input import FOLD_EVERY_INPUT
            assert ban.input.events["fold"] == FOLD_EVERY_INPUT["fold"]
        reset_device()
    for w_ref, w_fast in zip(weights["reference"], weights["fast"]):
        np.testing.assert_allclose(w_fast, w_ref, rtol=1e-9, atol=1e-9 * np.abs(w_ref).max())


@pytest.mark.standalone
def test_fast_equals_reference_on_cpp_standalone(tmp_path):
    """The issue's criterion: after 5 presentations, weights equal within 1e-6 relative."""
    out = _run_both("cpp_standalone", [784, 40, 10], 5, build_dir=tmp_path)
    _assert_equivalent(out, rtol=1e-6)


def test_event_driven_feedback_equals_the_per_step_sum():
    """delta = B err at every step, whether summed every step or updated when error cells switch."""
    from brian2 import StateMonitor

    sizes, n = [6, 5, 3], 3
    rng = np.random.default_rng(1)
    x, y = rng.uniform(0, 1.5, (n, sizes[0])), rng.integers(0, sizes[-1], n)
    deltas = {}
    for form in ("reference", "fast"):
        select_device("runtime")
        ban = samadi2017.build(sizes, PresentationSchedule(n, P.presentation, P.settle), seed=1,
                               formulation=form)
        mons = [StateMonitor(layer, "delta", record=True, name=f"delta{k}")
                for k, layer in enumerate(ban.layers)]
        ban.net.add(*mons)
        run_block(ban, None, x, y, np.ones(n))
        deltas[form] = [m.delta[:].copy() for m in mons]
        reset_device()
    for ref, fast in zip(deltas["reference"], deltas["fast"]):
        assert np.count_nonzero(ref) > 0.05 * ref.size      # errors did reach the layer
        np.testing.assert_allclose(fast, ref, rtol=0, atol=1e-12 * np.abs(ref).max())


def test_pulse_projection_constants_round_trip_and_obey_eq_2_13():
    """X, Q from (W, DW) give back W, DW at rest; and one step of eq. 2.13 with the pulse on
    (DW <- mu DW - iota, W <- W + DW) is what the accumulators give from the same X, Q."""
    from spiketeach.models.samadi2017.fast_pulse import fold_pulse_projection, pulse_state

    rng = np.random.default_rng(3)
    mu, n_pre, n_post = float(P.mu), 4, 3
    W, DW = rng.normal(size=n_pre * n_post), 1e-3 * rng.normal(size=n_pre * n_post)
    X, Q = pulse_state(W, DW, mu)
    rest = dict(m=np.zeros(n_post), M=np.zeros(n_post), P=np.ones(n_post), mu=mu)
    W1, DW1 = fold_pulse_projection(X, Q, np.zeros(n_pre), **rest)
    np.testing.assert_allclose(W1, W, rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(DW1, DW, rtol=1e-14, atol=1e-18)
    # pulses on from the start: c = 1 for every synapse, one step with teaching signal iota
    iota = rng.normal(size=n_post)
    m, M, Pt = iota, iota, np.full(n_post, mu)
    W2, DW2 = fold_pulse_projection(X, Q, np.ones(n_pre), m, M, Pt, mu)
    DW_step = mu * DW.reshape(n_pre, n_post) - iota[None, :]
    np.testing.assert_allclose(DW2, DW_step.ravel(), rtol=1e-12)
    np.testing.assert_allclose(W2, (W.reshape(n_pre, n_post) + DW_step).ravel(), rtol=1e-12)


def test_state_with_a_missing_variable_is_refused():
    select_device("runtime")
    ban = samadi2017.build([6, 5, 3], PresentationSchedule(2, P.presentation, P.settle),
                           formulation="fast")
    state = ban.initial_state(0)
    del state["forward1.DW"]  # an event-driven projection's
    with pytest.raises(ValueError, match="forward1.DW"):
        ban.state_pairs(state)
    reset_device()


def test_fast_form_runs_on_one_clock_and_boundaries_are_integer_steps():
    """No presentation clock: every object of the fast form runs on the network's one clock,
    and a presentation boundary is t_in_timesteps % presentation_steps == 0 (integer, exact for
    any block; a 100 ms clock ticked one ulp late from presentation 641 on cpp_standalone).
    The TimedArrays are read with the float time of the step: their row is the presentation
    index at every step of a 1100-presentation (110 s) block."""
    from brian2.input.timedarray import _find_K

    from spiketeach.models.samadi2017.fast_input import FOLD_EVENT, PRESENTATION_START
    ban = samadi2017.build([6, 5, 4, 3], PresentationSchedule(4, P.presentation, P.settle),
                           formulation="fast")
    clocks = {o.clock for obj in ban.net.objects
              for o in [obj, *getattr(obj, "contained_objects", [])]}
    assert len(clocks) == 1
    assert "t_in_timesteps % presentation_steps == 0" in PRESENTATION_START["pstart"]
    assert FOLD_EVENT["fold"].startswith(PRESENTATION_START["pstart"])
    dt, pres = float(P.dt), float(P.presentation)
    steps_per = round(pres / dt)
    steps = np.arange(1100 * steps_per, dtype=np.int64)
    K = _find_K(dt, pres)
    row = ((steps * dt / (pres / K) + 0.5) / K).astype(np.int64)  # TimedArray, cpp template
    np.testing.assert_array_equal(row, steps // steps_per)


@pytest.mark.slow
@pytest.mark.standalone
def test_fast_equals_reference_over_a_long_block_on_cpp_standalone(tmp_path):
    """One block of 1100 presentations (110 s, the longest block a protocol runs) on
    cpp_standalone: the same spikes of every layer and the same counts per presentation, weights
    to 1e-9 relative. (With the former 100 ms presentation clock the spikes parted at 65.1 s.)"""
    sizes, n = [6, 5, 3], 1100
    rng = np.random.default_rng(1)
    x = rng.uniform(0, 1.5, (n, sizes[0]))
    y = rng.integers(0, sizes[-1], n)
    out = {}
    for form in ("reference", "fast"):
        select_device("cpp_standalone", build_dir=tmp_path / form)
        try:
            ban = samadi2017.build(sizes, PresentationSchedule(n, P.presentation, P.settle),
                                   seed=1, formulation=form, record_layers=True)
            res = run_block(ban, None, x, y, np.ones(n))
            out[form] = (res.counts, ban.weights(),
                         [(np.asarray(m.i[:]).copy(), np.asarray(m.t_[:]).copy())
                          for m in ban.layer_spikes])
        finally:
            reset_device()
    ref, fast = out["reference"], out["fast"]
    np.testing.assert_array_equal(ref[0], fast[0])
    for (i_ref, t_ref), (i_fast, t_fast) in zip(ref[2], fast[2]):
        np.testing.assert_array_equal(i_ref, i_fast)
        np.testing.assert_array_equal(t_ref, t_fast)
    assert sum(len(i) for i, _ in ref[2]) > 10_000
    for w_ref, w_fast in zip(ref[1], fast[1]):
        np.testing.assert_allclose(w_fast, w_ref, rtol=1e-9, atol=1e-9 * np.abs(w_ref).max())
