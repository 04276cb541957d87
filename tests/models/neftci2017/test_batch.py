"""A batch of N eRBP trials in one network equals the N trials run alone, per trial: the same
output counts, the same spikes of every group and the same weights after each of two chained
blocks with learning on — bit for bit on numpy for the reference and the fast formulation, and on
cpp_standalone for the fast one. The trials' random numbers (input and label units)
are drawn in numpy as each trial alone draws them inside its run
(spiketeach.models.neftci2017.draws); soma noise and peRBP, whose draws depend on the run's own
spikes, are refused; the batched training loop gives each trial its learning
curve and weights alone."""

import numpy as np
import pytest
from brian2 import Hz, ms

from spiketeach.core.batch import TrialBatch
from spiketeach.core.devices import reset_device, select_device
from spiketeach.models import neftci2017
from spiketeach.models.neftci2017 import ERBPParams
from spiketeach.protocols.neftci2017.batch import (
    run_erbp_batch_block,
    split_spikes,
    train_erbp_batch,
)
from spiketeach.protocols.neftci2017.training import run_erbp_block, train_erbp

SIZES = [6, 5, 4, 3]          # two hidden layers: the hidden→hidden boxcar and two feedbacks
SEEDS = [3, 8, 11]
N_PRES = 4
#: 1 ms steps and 50 ms digits keep it fast; a large η moves the weights in two blocks; no soma
#: noise (a batch refuses it)
P = ERBPParams(dt=1 * ms, sample_duration=50 * ms, no_learning=10 * ms, eta=0.05,
               noise_weight=0.0)
LEARN = np.r_[0.0, np.ones(N_PRES - 1)]  # a test digit, then learning


def _data(seed, block, sizes=SIZES):
    rng = np.random.default_rng([seed, block])
    return rng.uniform(0, 1, (N_PRES, sizes[0])), rng.integers(0, sizes[-1], N_PRES)


def _block_seed(seed, block):
    return 1000 * seed + block


def _spike_monitors(net):
    return [net.monitors[k] for k in sorted(net.monitors) if k.endswith(".spikes")]


def _alone(device, build_dir, formulation):
    """Each seed alone: one build, re-run per seed from its initial state (as a sweep runs
    trials)."""
    select_device(device, build_dir=build_dir)
    net = neftci2017.build(SIZES, N_PRES, params=P, seed=SEEDS[0], formulation=formulation,
                           record=("spikes",))
    out = []
    for seed in SEEDS:
        state, blocks = net.initial_state(seed), []
        for block in range(2):
            res = run_erbp_block(net, state, *_data(seed, block), LEARN,
                                 seed=_block_seed(seed, block))
            state = net.get_state()
            spikes = [(np.asarray(m.i[:]).copy(), np.asarray(m.t[:]).copy())
                      for m in [*_spike_monitors(net), net.output_spikes]]
            blocks.append((res.counts, spikes, state))
        out.append(blocks)
    reset_device()
    return out


def _batched(device, build_dir, formulation):
    select_device(device, build_dir=build_dir)
    net = neftci2017.build(SIZES, N_PRES, params=P, seed=SEEDS, formulation=formulation,
                           record=("spikes",))
    assert net.trials == len(SEEDS) and len(net.output) == len(SEEDS) * SIZES[-1]
    out, state = [[] for _ in SEEDS], None  # block 0 from the values the batch was built with
    for block in range(2):
        data = [_data(seed, block) for seed in SEEDS]
        results = run_erbp_batch_block(net, state, np.stack([d[0] for d in data]),
                                       np.stack([d[1] for d in data]), LEARN,
                                       [_block_seed(s, block) for s in SEEDS])
        state = net.get_state()
        spikes = [split_spikes(net, m) for m in [*_spike_monitors(net), net.output_spikes]]
        for k, trial_state in enumerate(net.batch.split_state(state)):
            out[k].append((results[k].counts, [s[k] for s in spikes], trial_state))
    reset_device()
    return out


def _assert_same(alone, batched, rtol=0.0):
    worst = {}
    for k, (a_blocks, b_blocks) in enumerate(zip(alone, batched)):
        for block, ((ca, sa, st_a), (cb, sb, st_b)) in enumerate(zip(a_blocks, b_blocks)):
            where = f"trial {k} (seed {SEEDS[k]}), block {block}"
            np.testing.assert_array_equal(ca, cb, err_msg=f"{where}: output counts")
            assert len(sa) == len(sb)
            for g, ((ia, ta), (ib, tb)) in enumerate(zip(sa, sb)):
                np.testing.assert_array_equal(ia, ib, err_msg=f"{where}, group {g} spikes")
                np.testing.assert_array_equal(ta, tb, err_msg=f"{where}, group {g} times")
            assert set(st_a) == set(st_b)
            for key in st_a:
                np.testing.assert_allclose(st_b[key], st_a[key], rtol=rtol, atol=0,
                                           err_msg=f"{where}: {key}")
                worst[key] = max(worst.get(key, 0.0), float(np.abs(st_b[key] - st_a[key]).max()))
    # the test means something: every trial's input, hidden and output cells spiked, it learned,
    # and the trials differ
    for blocks in alone:
        assert all(len(i) > 0 for i, _ in blocks[1][1])
        assert blocks[1][0].sum() > 0
        for key in ("forward0.w", "forward1.w", "forward2.w"):
            assert not np.allclose(blocks[1][2][key], blocks[0][2][key]), key
    w = [b[1][2]["forward0.w"] for b in alone]
    assert not np.allclose(w[0], w[1])
    return worst


@pytest.mark.parametrize("formulation", ["reference", "fast"])
def test_batch_equals_trials_alone_on_numpy(runtime, formulation):
    alone = _alone("runtime", None, formulation)
    batched = _batched("runtime", None, formulation)
    worst = _assert_same(alone, batched)
    assert max(worst.values()) == 0.0  # bit for bit


@pytest.mark.standalone
def test_batch_equals_trials_alone_on_cpp_standalone(tmp_path):
    """The fast formulation (the default) on cpp_standalone: the trials alone draw their numbers
    from the compiled generator re-seeded per block; the batch's come from numpy."""
    alone = _alone("cpp_standalone", tmp_path / "alone", "fast")
    batched = _batched("cpp_standalone", tmp_path / "batch", "fast")
    _assert_same(alone, batched, rtol=1e-12)


def test_batch_values_and_refusals(runtime):
    """A batch's state is its trials' states one after the other; per-trial weights build the
    trials they name; what a batch cannot hold faithfully, and bad shapes, are refused by name."""
    net = neftci2017.build(SIZES, N_PRES, params=P, seed=SEEDS)
    single = neftci2017.build(SIZES, N_PRES, params=P, seed=SEEDS[1], name="single")
    for key, value in TrialBatch(3).split_state(net.built_state)[1].items():
        np.testing.assert_array_equal(value, single.built_state[key], err_msg=key)
    for key, value in TrialBatch(3).split_state(net.initial_state(SEEDS))[2].items():
        np.testing.assert_array_equal(value, single.initial_state(SEEDS[2])[key], err_msg=key)
    np.testing.assert_array_equal(net.weights(trial=1)[1], single.weights()[1])
    with pytest.raises(ValueError, match="pass trial="):
        net.weights()
    W = [single.weights(), [2 * w for w in single.weights()]]
    B = [np.ones((9, 3)), np.zeros((9, 3))]
    given = neftci2017.build(SIZES, N_PRES, params=P, seed=[0, 1], weights=W,
                             feedback_weights=B, name="given")
    for k in range(2):
        for a, b in zip(given.weights(trial=k), W[k]):
            np.testing.assert_array_equal(a, b)
    assert TrialBatch(2).split_state(given.built_state)[0]["feedback1.B"].tolist() == [1.0] * 24
    with pytest.raises(ValueError, match="sequence of one trial's weights per trial"):
        neftci2017.build(SIZES, N_PRES, params=P, seed=[0, 1, 2], weights=W, name="w3")
    with pytest.raises(ValueError, match=r"weights \(trial 1\) must be"):
        neftci2017.build(SIZES, N_PRES, params=P, seed=[0, 1],
                         weights=[W[0], W[1][:2]], name="wshape")
    with pytest.raises(ValueError, match=r"feedback_weights \(trial 0\) must be"):
        neftci2017.build(SIZES, N_PRES, params=P, seed=[0, 1], feedback_weights=[B[0].T, B[1]],
                         name="bshape")
    with pytest.raises(ValueError, match="peRBP"):
        neftci2017.build(SIZES, N_PRES, params=P.replace(p_transmit=0.5), seed=SEEDS, name="p")
    with pytest.raises(ValueError, match="a batch needs noise_weight=0"):
        neftci2017.build(SIZES, N_PRES, params=P.replace(noise_weight=0.05, noise_rate=200 * Hz),
                         seed=SEEDS, name="noisy")
    with pytest.raises(ValueError, match="at least one seed"):
        neftci2017.build(SIZES, N_PRES, params=P, seed=[], name="none")
    x, y = _data(0, 0)
    with pytest.raises(ValueError, match="one seed per trial"):
        run_erbp_batch_block(net, None, np.stack([x] * 3), np.stack([y] * 3), LEARN, SEEDS[:2])
    with pytest.raises(ValueError, match="pixels of shape"):
        run_erbp_batch_block(net, None, x, y, LEARN, SEEDS)
    with pytest.raises(ValueError, match="holds one trial"):
        run_erbp_batch_block(single, None, np.stack([x] * 3), np.stack([y] * 3), LEARN, SEEDS)


def test_batched_training_equals_each_trial_trained_alone(runtime, tmp_path):
    """train_erbp_batch (EpochBatchTraining), 2 trials over 2 blocks of a 16-8-2 network on
    balanced epochs (4 digits per class): each trial's learning curve and final weights are
    those of train_erbp for that trial alone (its own orders of the training set and block
    seeds); a batched run killed after its first block resumes from its checkpoint to the same
    end."""
    sizes, seeds = [16, 8, 2], [4, 9]
    rng = np.random.default_rng(5)
    x, y = rng.uniform(0, 1, (18, sizes[0])), np.arange(18) % 2
    xtr, ytr, xte, yte = x[:12], y[:12], x[12:], y[12:]
    kw = dict(epochs=1, n_train=8, balanced=True, progress=lambda s: None)
    net = neftci2017.build(sizes, N_PRES, params=P, seed=seeds)
    logs, state = train_erbp_batch(net, xtr, ytr, xte, yte,
                                   rngs=[np.random.default_rng(s + 1) for s in seeds], **kw)
    split = net.batch.split_state(state)
    for k, seed in enumerate(seeds):
        alone = neftci2017.build(sizes, N_PRES, params=P, seed=seed, name=f"alone{k}")
        log, st = train_erbp(alone, xtr, ytr, xte, yte, rng=np.random.default_rng(seed + 1),
                             seed=seed, **kw)
        assert logs[k].samples == log.samples == [0, 8]
        assert logs[k].test_accuracy == log.test_accuracy
        np.testing.assert_array_equal(logs[k].train_accuracy, log.train_accuracy)
        for key, value in st.items():
            np.testing.assert_array_equal(split[k][key], value, err_msg=key)
        assert not np.array_equal(st["forward0.w"], alone.built_state["forward0.w"])

    class Killed(Exception):
        pass

    def kill_after_block_1(line):
        if "block 2/" in str(line):  # block 2 has run; the checkpoint holds block 1
            raise Killed

    ckpt, rngs = tmp_path / "batch.npz", lambda: [np.random.default_rng(s + 1) for s in seeds]
    again = neftci2017.build(sizes, N_PRES, params=P, seed=seeds, name="again")
    with pytest.raises(Killed):
        train_erbp_batch(again, xtr, ytr, xte, yte, checkpoint=ckpt, rngs=rngs(),
                         **(kw | {"progress": kill_after_block_1}))
    logs_r, state_r = train_erbp_batch(again, xtr, ytr, xte, yte, checkpoint=ckpt, resume=True,
                                       rngs=rngs(), **kw)
    assert [lg.test_accuracy for lg in logs_r] == [lg.test_accuracy for lg in logs]
    for key, value in state.items():
        np.testing.assert_array_equal(state_r[key], value, err_msg=key)
    with pytest.raises(ValueError, match="balanced epochs of at most"):
        train_erbp_batch(net, xtr, ytr, xte, yte, rngs=[np.random.default_rng(0)] * 2,
                         **(kw | {"n_train": 40}))
