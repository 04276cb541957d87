"""A batch of N Hunsberger-Eliasmith trials in one network equals the N trials built alone, per
trial: the same hidden, output and error spikes, the same decoded output and the same weights
after each of two chained blocks with learning on, on numpy (the fast formulation, and the
reference one with random encoders and one broadcast error) and on cpp_standalone."""

import numpy as np
import pytest
from brian2 import SpikeMonitor, ms, second

from spiketeach.core.batch import TrialBatch, load_batch_checkpoint, save_batch_checkpoint
from spiketeach.core.devices import reset_device, select_device
from spiketeach.core.schedule import PresentationSchedule
from spiketeach.models import hunsberger2017
from spiketeach.models.hunsberger2017.params import HunsbergerParams
from spiketeach.protocols.hunsberger2017.linear_map import LinearMapTask

# tiny and short: the test is about equality; a large learning rate and a short flush period
# make every part of the (lazy) weight updates matter
P = HunsbergerParams(sizes=(4, 6, 5, 2), n_per_dim=10, eta=5.0, lazy_flush=10 * ms, w_init_std=0.1,
                     presentation=80 * ms)
SEEDS = [3, 8, 11]
N_PRES = 3
LEARN = np.r_[0.0, np.ones(N_PRES - 1)]  # a test presentation, then learning
TASK = LinearMapTask(4, 2)
FORMS = {"fast": {}, "reference": {"error_routing": "direct", "encoders": "random"}}


def _data(seed, block):
    return TASK.sample(N_PRES, np.random.default_rng([seed, block]))


def _build(seed, params):
    fan = hunsberger2017.build(PresentationSchedule(N_PRES, params.presentation, 0 * second),
                               params=params, seed=seed)
    mons = [SpikeMonitor(g) for g in [fan.output, *fan.errors]]
    fan.net.add(*mons)
    return fan, [*fan.hidden_events, *mons]


def _timed(fan, data):
    return {fan.stimulus: fan.batch.columns([x for x, _ in data]),
            fan.target_values: fan.batch.columns([y for _, y in data]),
            fan.learning_gate: LEARN, fan.record_gate: np.ones(N_PRES)}


def _blocks(fan, monitors, seeds):
    """Two chained blocks; per trial and block: spikes per monitored group, decoded output, state."""
    out, state = [[] for _ in seeds], None
    for block in range(2):
        fan.runner.run(fan.state_pairs(state) if state is not None else [],
                       _timed(fan, [_data(s, block) for s in seeds]))
        state = fan.get_state()
        spikes = [fan.batch.split_spikes(m.i[:], np.asarray(m.t[:]),
                                         len(m.source) // fan.trials) for m in monitors]
        y = np.asarray(fan.y_monitor.s[:])
        n_out = len(fan.y_node) // fan.trials
        for k, trial_state in enumerate(fan.batch.split_state(state)):
            out[k].append(([s[k] for s in spikes], y[k * n_out:(k + 1) * n_out], trial_state,
                           fan.weights(trial=k), fan.draws[k].weights))
    return out


def _alone(device, build_dir, params, seeds=SEEDS):
    out = []
    for seed in seeds:  # each seed draws its own codes and feedback: a build of its own
        select_device(device, build_dir=build_dir / str(seed) if build_dir else None)
        out += _blocks(*_build(seed, params), [seed])
        reset_device()
    return out


def _batched(device, build_dir, params, seeds=SEEDS):
    select_device(device, build_dir=build_dir / "batch" if build_dir else None)
    fan, monitors = _build(seeds, params)
    assert fan.trials == len(seeds) and fan.seeds == seeds
    assert len(fan.output) == len(seeds) * len(fan.draws[0].output_code.gains)
    out = _blocks(fan, monitors, seeds)
    reset_device()
    return out


def _assert_same(alone, batched, atol, seeds=SEEDS):
    """``alone[k]`` (seed ``seeds[k]``) against the batch's trial of that seed."""
    for k, seed in enumerate(seeds):
        for block, ((sa, ya, st_a, wa, _), (sb, yb, st_b, wb, _)) in enumerate(
                zip(alone[k], batched[SEEDS.index(seed)])):
            where = f"seed {seed}, block {block}"
            for g, ((ia, ta), (ib, tb)) in enumerate(zip(sa, sb)):
                np.testing.assert_array_equal(ia, ib, err_msg=f"{where}, group {g} spikes")
                np.testing.assert_array_equal(ta, tb, err_msg=f"{where}, group {g} times")
            np.testing.assert_allclose(yb, ya, rtol=0, atol=atol, err_msg=f"{where}: y")
            assert set(st_a) == set(st_b)
            for key in st_a:
                np.testing.assert_allclose(st_b[key], st_a[key], rtol=0, atol=atol,
                                           err_msg=f"{where}: {key}")
            for wa_l, wb_l in zip(wa, wb):
                np.testing.assert_allclose(wb_l, wa_l, rtol=0, atol=atol, err_msg=where)
    # the test means something: every group spiked, every trial learned, the trials differ
    n_groups = len(batched[0][0][0])
    counts = [sum(len(b[0][g][0]) for blocks in batched for b in blocks) for g in range(n_groups)]
    assert min(counts) > 0, f"spikes per group: {counts}"
    for k, blocks in enumerate(batched):
        learned = [np.abs(a - b).max() for a, b in zip(blocks[1][3], blocks[0][4])]
        assert max(learned) > 1e-2 and min(learned) > 0, f"trial {k} did not learn: {learned}"
    assert not np.allclose(batched[0][1][3][0], batched[1][1][3][0])


@pytest.mark.parametrize("formulation", list(FORMS))
def test_batch_equals_trials_alone_on_numpy(formulation):
    params = P.replace(formulation=formulation, **FORMS[formulation])
    _assert_same(_alone("runtime", None, params), _batched("runtime", None, params), atol=0)


@pytest.mark.standalone
def test_batch_equals_trials_alone_on_cpp_standalone(tmp_path):
    # a batch of two against its second trial alone (the one whose cells and synapses sit at
    # an offset; each seed alone is a build of its own: two compilations in all). Spikes are
    # equal; the compiled loops may round one weight differently at another offset (measured:
    # 1 ulp in one of 48 weights), so the values are compared to 1e-12
    params = P.replace(formulation="fast")
    _assert_same(_alone("cpp_standalone", tmp_path, params, SEEDS[1:2]),
                 _batched("cpp_standalone", tmp_path, params, SEEDS[:2]), atol=1e-12,
                 seeds=SEEDS[1:2])


def test_batch_handle_and_refusals(runtime):
    """A batch's initial state is its trials' one after the other, its draws each seed's; what
    needs one trial says so on a batch; what a batch cannot do is named."""
    sched = PresentationSchedule(1, P.presentation, 0 * second)
    fan = hunsberger2017.build(sched, params=P, seed=SEEDS)
    single = hunsberger2017.build(sched, params=P, seed=SEEDS[1])
    state = TrialBatch(3).split_state(fan.initial_state(SEEDS))[1]
    for key, value in single.initial_state(SEEDS[1]).items():
        np.testing.assert_array_equal(state[key], value)
    np.testing.assert_array_equal(fan.draws[1].output_code.decoders,
                                  single.output_code.decoders)
    for a, b in zip(fan.weights(trial=1), single.weights()):
        np.testing.assert_array_equal(a, b)
    x = np.random.default_rng(0).normal(0, 0.5, (5, 4))
    np.testing.assert_array_equal(fan.rate_forward(x, trial=1)["y"], single.rate_forward(x)["y"])
    for call in (fan.weights, lambda: fan.rate_forward(x), lambda: fan.output_code):
        with pytest.raises(ValueError, match="pass trial="):
            call()
    with pytest.raises(ValueError, match="draws each trial's weights"):
        hunsberger2017.build(sched, params=P, seed=SEEDS, weights=single.weights())
    with pytest.raises(ValueError, match="genn formulation builds one trial"):
        hunsberger2017.build(sched, params=P, seed=SEEDS, formulation="genn")


def test_a_batch_checkpoint_resumes_each_trial_alone(tmp_path):
    """Checkpoint a batch after a block; trial 1's part, resumed in a network of its own, gives
    what the batch's next block gives trial 1."""
    select_device("runtime")
    fan, monitors = _build(SEEDS, P)
    fan.runner.run([], _timed(fan, [_data(s, 0) for s in SEEDS]))
    save_batch_checkpoint(tmp_path / "batch.npz", SEEDS, fan.get_state(), {"block": 1})
    fan.runner.run(fan.state_pairs(fan.get_state()), _timed(fan, [_data(s, 1) for s in SEEDS]))
    after = fan.batch.split_state(fan.get_state())[1]
    spikes = fan.batch.split_spikes(monitors[0].i[:], np.asarray(monitors[0].t[:]),
                                    len(fan.hidden[0]) // 3)[1]
    reset_device()
    state, meta = load_batch_checkpoint(tmp_path / "batch.npz", SEEDS)
    assert meta["block"] == 1
    select_device("runtime")
    alone, alone_monitors = _build(SEEDS[1], P)
    alone.runner.run(alone.state_pairs(TrialBatch(3).split_state(state)[1]),
                     _timed(alone, [_data(SEEDS[1], 1)]))
    np.testing.assert_array_equal(alone_monitors[0].i[:], spikes[0])
    assert len(spikes[0]) > 0
    for key, value in alone.get_state().items():
        np.testing.assert_array_equal(value, after[key], err_msg=key)
    reset_device()
