"""A batch of N Samadi trials in one network equals the N trials run alone, per trial: the same
spikes in every layer and the same state (weights, biases, momenta, potentials) after each of
two chained blocks with learning on, on numpy and cpp_standalone (the reference formulation,
which the Fig. 4 sweep runs, and the fast one)."""

import numpy as np
import pytest
from brian2 import ms

from spiketeach.core.batch import TrialBatch
from spiketeach.core.devices import reset_device, select_device
from spiketeach.core.schedule import PresentationSchedule
from spiketeach.models import samadi2017
from spiketeach.models.samadi2017.params import SamadiParams
from spiketeach.protocols.samadi2017.batch import run_batch_block, split_spikes
from spiketeach.protocols.samadi2017.training import run_block

P = SamadiParams(presentation=40 * ms, settle=10 * ms)  # short: the test is about equality
SIZES = [2, 6, 5, 2]
SEEDS = [3, 8, 11]
N_PRES = 3
LEARN = np.r_[0.0, np.ones(N_PRES - 1)]  # a test presentation, then learning


def _data(seed, block):
    rng = np.random.default_rng([seed, block])
    return rng.normal(0.64, 0.8, (N_PRES, SIZES[0])), rng.integers(0, SIZES[-1], N_PRES)


def _spikes(ban, trial=None):
    if trial is None:
        return [(np.asarray(m.i[:]).copy(), np.asarray(m.t[:]).copy()) for m in ban.layer_spikes]
    return [split_spikes(ban, m)[trial] for m in ban.layer_spikes]


def _alone(device, build_dir, formulation):
    """Each seed run alone: one build, re-run per seed (as the sweep runs trials)."""
    select_device(device, build_dir=build_dir)
    ban = samadi2017.build(SIZES, PresentationSchedule(N_PRES, P.presentation, P.settle),
                           seed=SEEDS[0], params=P, formulation=formulation, record_layers=True)
    out = []
    for seed in SEEDS:
        state, blocks = ban.initial_state(seed), []
        for block in range(2):
            x, y = _data(seed, block)
            result = run_block(ban, state, x, y, LEARN)
            state = ban.get_state()
            blocks.append((result.counts, _spikes(ban), state))
        out.append(blocks)
    reset_device()
    return out


def _batched(device, build_dir, formulation):
    select_device(device, build_dir=build_dir)
    ban = samadi2017.build(SIZES, PresentationSchedule(N_PRES, P.presentation, P.settle),
                           seed=SEEDS, params=P, formulation=formulation, record_layers=True)
    assert ban.trials == len(SEEDS) and len(ban.output) == len(SEEDS) * SIZES[-1]
    out, state = [[] for _ in SEEDS], None  # block 0 from the values the batch was built with
    for block in range(2):
        data = [_data(seed, block) for seed in SEEDS]
        results = run_batch_block(ban, state, np.stack([d[0] for d in data]),
                                  np.stack([d[1] for d in data]), LEARN)
        state = ban.get_state()
        for k, trial_state in enumerate(ban.batch.split_state(state)):
            out[k].append((results[k].counts, _spikes(ban, k), trial_state))
    reset_device()
    return out


def _assert_same(alone, batched, rtol):
    for k, (a_blocks, b_blocks) in enumerate(zip(alone, batched)):
        for block, ((ca, sa, st_a), (cb, sb, st_b)) in enumerate(zip(a_blocks, b_blocks)):
            where = f"trial {k} (seed {SEEDS[k]}), block {block}"
            np.testing.assert_array_equal(ca, cb, err_msg=where)
            for layer, ((ia, ta), (ib, tb)) in enumerate(zip(sa, sb)):
                np.testing.assert_array_equal(ia, ib, err_msg=f"{where}, layer {layer} spikes")
                np.testing.assert_allclose(ta, tb, rtol=0, atol=1e-12, err_msg=where)
            assert set(st_a) == set(st_b)
            for key in st_a:
                np.testing.assert_allclose(st_b[key], st_a[key], rtol=rtol,
                                           atol=rtol * max(1.0, np.abs(st_a[key]).max()),
                                           err_msg=f"{where}: {key}")
    # the test means something: every trial spiked and learned, and the trials differ
    for blocks in alone:
        assert sum(len(i) for i, _ in blocks[1][1]) > 0
    w0 = [b[0][2]["forward0.w"] for b in alone]
    assert not np.allclose(w0[0], w0[1])


@pytest.mark.parametrize("formulation", ["reference", "fast"])
def test_batch_equals_trials_alone_on_numpy(formulation):
    alone = _alone("runtime", None, formulation)
    batched = _batched("runtime", None, formulation)
    _assert_same(alone, batched, rtol=1e-12)


@pytest.mark.standalone
@pytest.mark.parametrize("formulation", ["reference"])
def test_batch_equals_trials_alone_on_cpp_standalone(tmp_path, formulation):
    alone = _alone("cpp_standalone", tmp_path / "alone", formulation)
    batched = _batched("cpp_standalone", tmp_path / "batch", formulation)
    _assert_same(alone, batched, rtol=1e-12)


def test_batch_state_and_seeds(runtime):
    """A batch's initial state is its trials' states one after the other; bad batches are named."""
    sched = PresentationSchedule(1, P.presentation, P.settle)
    ban = samadi2017.build(SIZES, sched, seed=SEEDS)
    single = samadi2017.build(SIZES, sched, seed=SEEDS[1])
    state = TrialBatch(3).split_state(ban.initial_state(SEEDS))[1]
    for key, value in single.initial_state(SEEDS[1]).items():
        np.testing.assert_array_equal(state[key], value)
    np.testing.assert_array_equal(ban.weights(trial=1)[2], single.weights()[2])
    with pytest.raises(ValueError, match="pass trial="):
        ban.weights()
    with pytest.raises(ValueError, match="draws each trial's initial values"):
        samadi2017.build(SIZES, sched, seed=SEEDS, weights=single.weights())
    with pytest.raises(ValueError, match="inputs of shape"):
        run_batch_block(ban, None, np.zeros((2, 1, 2)), np.zeros((2, 1), int), np.ones(1))


def test_a_batch_checkpoint_resumes_each_trial_alone(tmp_path):
    """Checkpoint a batch after a block; trial 1's part, resumed in a network of its own, gives
    what the batch's next block gives trial 1."""
    from spiketeach.core.batch import load_batch_checkpoint, save_batch_checkpoint

    sched = PresentationSchedule(N_PRES, P.presentation, P.settle)
    data = [[_data(seed, block) for seed in SEEDS] for block in range(2)]
    select_device("runtime")
    ban = samadi2017.build(SIZES, sched, seed=SEEDS, params=P)
    run_batch_block(ban, None, np.stack([d[0] for d in data[0]]),
                    np.stack([d[1] for d in data[0]]), LEARN)
    save_batch_checkpoint(tmp_path / "batch.npz", SEEDS, ban.get_state(), {"block": 1})
    results = run_batch_block(ban, ban.get_state(), np.stack([d[0] for d in data[1]]),
                              np.stack([d[1] for d in data[1]]), LEARN)
    after = ban.batch.split_state(ban.get_state())[1]
    reset_device()
    state, meta = load_batch_checkpoint(tmp_path / "batch.npz", SEEDS)
    select_device("runtime")
    alone = samadi2017.build(SIZES, sched, seed=SEEDS[1], params=P)
    result = run_block(alone, TrialBatch(3).split_state(state)[1], *data[1][1], LEARN)
    np.testing.assert_array_equal(result.counts, results[1].counts)
    for key, value in alone.get_state().items():
        np.testing.assert_allclose(value, after[key], rtol=1e-12, atol=1e-12, err_msg=key)
    reset_device()
