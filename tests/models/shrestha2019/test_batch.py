"""A batch of N EMSTDP trials in one network equals the N trials run alone, per trial: the same
spike counts of every layer in every window, the same spikes, and the same state (weights,
RMSprop accumulators) to 1e-12 after each of two chained blocks with learning on — on numpy for
the reference and the fast formulation, and on cpp_standalone for the fast one. The trials'
random numbers (shared-random input, target spikes) are drawn in numpy as each trial alone
draws them inside its run (spiketeach.models.shrestha2019.draws); a batch checkpoint resumes
each trial exactly; the batched training loop gives each trial its learning curve alone."""

import numpy as np
import pytest

from spiketeach.core.batch import TrialBatch, load_batch_checkpoint, save_batch_checkpoint
from spiketeach.core.checkpoint import CheckpointError
from spiketeach.core.devices import reset_device, select_device
from spiketeach.models import shrestha2019
from spiketeach.models.shrestha2019.params import code_params, paper_params
from spiketeach.protocols.shrestha2019.batch import (
    run_emstdp_batch_block,
    split_spikes,
    train_emstdp_batch,
)
from spiketeach.protocols.shrestha2019.training import run_emstdp_block, train_emstdp

SIZES = [20, 8, 3]
SEEDS = [3, 8, 11]
N_PRES = 4
#: the code's settings (shared-random input, RMSprop on batches of 2) with a large η so that
#: two blocks move the weights; the paper's target trains (rate 0.2: random target spikes)
CODE = code_params(T=20, batch=2, eta=0.05)
PAPER_TARGETS = paper_params(T=20, encoding="shared", eta=0.05)
LEARN = np.r_[0.0, 0.0, np.ones(N_PRES - 2)]  # a test batch, then learning


def _data(seed, block):
    rng = np.random.default_rng([seed, block])
    return rng.uniform(0, 1, (N_PRES, SIZES[0])), rng.integers(0, SIZES[-1], N_PRES)


def _block_seed(seed, block):
    return 1000 * seed + block


def _build(seed, params, formulation, feedback, sizes=SIZES):
    return shrestha2019.build(sizes, N_PRES, params=params, seed=seed, formulation=formulation,
                              feedback=feedback, record_counts="all",
                              record_spikes=formulation == "reference")


def _alone(device, build_dir, params, formulation, feedback):
    """Each seed run alone: one build, re-run per seed from its initial state (as a sweep
    runs trials)."""
    select_device(device, build_dir=build_dir)
    net = _build(SEEDS[0], params, formulation, feedback)
    out = []
    for seed in SEEDS:
        state, blocks = net.initial_state(seed), []
        for block in range(2):
            res = run_emstdp_block(net, state, *_data(seed, block), LEARN,
                                   seed=_block_seed(seed, block))
            state = net.get_state()
            spikes = [(np.asarray(m.i[:]).copy(), np.asarray(m.t[:]).copy())
                      for m in net.spike_monitors]
            blocks.append((res.layers, spikes, state))
        out.append(blocks)
    reset_device()
    return out


def _batched(device, build_dir, params, formulation, feedback):
    select_device(device, build_dir=build_dir)
    net = _build(SEEDS, params, formulation, feedback)
    assert net.trials == len(SEEDS) and len(net.output) == len(SEEDS) * SIZES[-1]
    out, state = [[] for _ in SEEDS], None  # block 0 from the values the batch was built with
    for block in range(2):
        data = [_data(seed, block) for seed in SEEDS]
        results = run_emstdp_batch_block(net, state, np.stack([d[0] for d in data]),
                                         np.stack([d[1] for d in data]), LEARN,
                                         [_block_seed(s, block) for s in SEEDS])
        state = net.get_state()
        spikes = [split_spikes(net, m) for m in net.spike_monitors]
        for k, trial_state in enumerate(net.batch.split_state(state)):
            out[k].append((results[k].layers, [s[k] for s in spikes], trial_state))
    reset_device()
    return out


def _assert_same(alone, batched):
    for k, (a_blocks, b_blocks) in enumerate(zip(alone, batched)):
        for block, ((ca, sa, st_a), (cb, sb, st_b)) in enumerate(zip(a_blocks, b_blocks)):
            where = f"trial {k} (seed {SEEDS[k]}), block {block}"
            for layer, (a, b) in enumerate(zip(ca, cb)):
                for what, u, v in zip(("h1", "h2"), a, b):
                    np.testing.assert_array_equal(u, v, err_msg=f"{where}, layer {layer} {what}")
            assert len(sa) == len(sb)
            for layer, ((ia, ta), (ib, tb)) in enumerate(zip(sa, sb)):
                np.testing.assert_array_equal(ia, ib, err_msg=f"{where}, group {layer} spikes")
                np.testing.assert_allclose(ta, tb, rtol=0, atol=1e-12, err_msg=where)
            assert set(st_a) == set(st_b)
            for key in st_a:
                np.testing.assert_allclose(st_b[key], st_a[key], rtol=1e-12, atol=1e-12,
                                           err_msg=f"{where}: {key}")
    # the test means something: every trial spiked and learned, and the trials differ
    for blocks in alone:
        assert blocks[1][0][-1][0].sum() > 0  # output spikes in phase 1
        assert not np.allclose(blocks[1][2]["forward1.w"], blocks[0][2]["forward1.w"])
    w = [b[1][2]["forward0.w"] for b in alone]
    assert not np.allclose(w[0], w[1])


@pytest.mark.parametrize("formulation", ["reference", "fast"])
@pytest.mark.parametrize("params,feedback", [(CODE, "symmetric"), (PAPER_TARGETS, "dfa")],
                         ids=["code-symmetric", "paper-targets-dfa"])
def test_batch_equals_trials_alone_on_numpy(runtime, formulation, params, feedback):
    alone = _alone("runtime", None, params, formulation, feedback)
    batched = _batched("runtime", None, params, formulation, feedback)
    _assert_same(alone, batched)


@pytest.mark.standalone
def test_batch_equals_trials_alone_on_cpp_standalone(tmp_path):
    """The fast formulation (the default) on cpp_standalone: the trials alone draw their numbers
    from the compiled generator re-seeded per block; the batch's come from numpy."""
    alone = _alone("cpp_standalone", tmp_path / "alone", CODE, "fast", "fa")
    batched = _batched("cpp_standalone", tmp_path / "batch", CODE, "fast", "fa")
    _assert_same(alone, batched)


def test_batch_state_seeds_and_refusals(runtime):
    """A batch's initial state is its trials' states one after the other (the shared constants
    repeated per trial); what a batch cannot hold faithfully is refused by name."""
    net = shrestha2019.build(SIZES, N_PRES, params=CODE, seed=SEEDS)
    single = shrestha2019.build(SIZES, N_PRES, params=CODE, seed=SEEDS[1], name="single")
    state = TrialBatch(3).split_state(net.initial_state(SEEDS))[1]
    assert set(state) == set(single.built_state)
    for key, value in single.initial_state(SEEDS[1]).items():
        np.testing.assert_array_equal(state[key], value, err_msg=key)
    for key, value in TrialBatch(3).split_state(net.get_state())[2].items():
        np.testing.assert_array_equal(value, single.initial_state(SEEDS[2])[key], err_msg=key)
    np.testing.assert_array_equal(net.weights(trial=1)[1], single.weights()[1])
    with pytest.raises(ValueError, match="pass trial="):
        net.weights()
    bad = net.get_state()
    bad["forward0.eta"] = np.array([1e-3, 1e-3, 2e-3])
    with pytest.raises(ValueError, match="forward0.eta must be one value repeated"):
        net.state_pairs(bad)
    with pytest.raises(ValueError, match="encoding='poisson'"):
        shrestha2019.build(SIZES, N_PRES, params=paper_params(T=20), seed=SEEDS, name="p")
    with pytest.raises(ValueError, match="initial weights from its seed"):
        shrestha2019.build(SIZES, N_PRES, params=CODE, seed=SEEDS, weights=single.weights(),
                           name="w")
    with pytest.raises(ValueError, match="genn formulation builds one trial"):
        shrestha2019.build(SIZES, N_PRES, params=CODE, seed=SEEDS, formulation="genn")
    x, y = _data(0, 0)
    with pytest.raises(ValueError, match="one seed per trial"):
        run_emstdp_batch_block(net, None, np.stack([x] * 3), np.stack([y] * 3), LEARN, None)
    with pytest.raises(ValueError, match="inputs of shape"):
        run_emstdp_batch_block(net, None, x, y, LEARN, SEEDS)
    with pytest.raises(ValueError, match="holds one trial"):
        run_emstdp_batch_block(single, None, np.stack([x] * 3), np.stack([y] * 3), LEARN, SEEDS)


def test_a_batch_checkpoint_resumes_each_trial_alone(runtime, tmp_path):
    """Checkpoint a batch after a block (save_batch_checkpoint); the batch loaded from it
    (load_batch_checkpoint) continues as the batch that went on, and trial 1's part, resumed in
    a network of its own, gives what the batch's next block gives trial 1."""
    data = [[_data(seed, block) for seed in SEEDS] for block in range(2)]

    def block(net, state, b):
        return run_emstdp_batch_block(net, state, np.stack([d[0] for d in data[b]]),
                                      np.stack([d[1] for d in data[b]]), LEARN,
                                      [_block_seed(s, b) for s in SEEDS])
    net = shrestha2019.build(SIZES, N_PRES, params=CODE, seed=SEEDS)
    block(net, None, 0)
    save_batch_checkpoint(tmp_path / "batch.npz", SEEDS, net.get_state(), {"block": 1})
    results = block(net, net.get_state(), 1)
    after = net.get_state()
    with pytest.raises(CheckpointError, match="holds the trials"):
        load_batch_checkpoint(tmp_path / "batch.npz", SEEDS[::-1])
    state, meta = load_batch_checkpoint(tmp_path / "batch.npz", SEEDS)
    assert meta["block"] == 1
    again = shrestha2019.build(SIZES, N_PRES, params=CODE, seed=SEEDS, name="again")
    block(again, state, 1)
    for key, value in again.get_state().items():
        np.testing.assert_array_equal(value, after[key], err_msg=key)
    alone = shrestha2019.build(SIZES, N_PRES, params=CODE, seed=SEEDS[1], name="alone")
    res = run_emstdp_block(alone, TrialBatch(3).split_state(state)[1], *data[1][1], LEARN,
                           seed=_block_seed(SEEDS[1], 1))
    np.testing.assert_array_equal(res.h1, results[1].h1)
    np.testing.assert_array_equal(res.h2, results[1].h2)
    trial1 = TrialBatch(3).split_state(after)[1]
    for key, value in alone.get_state().items():
        np.testing.assert_allclose(value, trial1[key], rtol=1e-12, atol=1e-12, err_msg=key)


def test_batched_training_equals_each_trial_trained_alone_and_resumes(runtime, tmp_path):
    """train_emstdp_batch: each trial's learning curve and final state are those of
    train_emstdp for that trial alone (its own orders of the training set and block seeds), and
    a batched run killed after its first block resumes from its checkpoint to the same end."""
    rng = np.random.default_rng(5)
    x, y = rng.uniform(0, 1, (20, SIZES[0])), rng.integers(0, SIZES[-1], 20)
    xtr, ytr, xte, yte = x[:12], y[:12], x[12:], y[12:]
    quiet = lambda s: None  # noqa: E731
    kw = dict(epochs=1, n_train=8, progress=quiet)
    net = shrestha2019.build(SIZES, N_PRES, params=CODE, seed=SEEDS)
    logs, state = train_emstdp_batch(net, xtr, ytr, xte, yte,
                                     rngs=[np.random.default_rng(s + 1) for s in SEEDS], **kw)
    split = net.batch.split_state(state)
    for k, seed in enumerate(SEEDS):
        alone = shrestha2019.build(SIZES, N_PRES, params=CODE, seed=seed, name=f"alone{k}")
        log, st = train_emstdp(alone, xtr, ytr, xte, yte, rng=np.random.default_rng(seed + 1),
                               seed=seed, **kw)
        assert logs[k].samples == log.samples == [0, 8]
        assert logs[k].test_accuracy == log.test_accuracy
        np.testing.assert_array_equal(logs[k].train_accuracy, log.train_accuracy)
        for key, value in st.items():
            np.testing.assert_allclose(split[k][key], value, rtol=1e-12, atol=1e-12, err_msg=key)

    class Killed(Exception):
        pass

    def kill_after_block_1(line):
        if "block 2/" in str(line):  # block 2 has run; the checkpoint holds block 1
            raise Killed

    ckpt = tmp_path / "batch.npz"
    again = shrestha2019.build(SIZES, N_PRES, params=CODE, seed=SEEDS, name="again")
    with pytest.raises(Killed):
        train_emstdp_batch(again, xtr, ytr, xte, yte, checkpoint=ckpt,
                           rngs=[np.random.default_rng(s + 1) for s in SEEDS],
                           **(kw | {"progress": kill_after_block_1}))
    _, meta = load_batch_checkpoint(ckpt, SEEDS)  # a batch checkpoint, naming its trials
    assert [m["block"] for m in meta["trials"]] == [1, 1, 1]
    logs_r, state_r = train_emstdp_batch(again, xtr, ytr, xte, yte, checkpoint=ckpt, resume=True,
                                         rngs=[np.random.default_rng(s + 1) for s in SEEDS], **kw)
    assert [lg.test_accuracy for lg in logs_r] == [lg.test_accuracy for lg in logs]
    for key, value in state.items():
        np.testing.assert_array_equal(state_r[key], value, err_msg=key)
    other = shrestha2019.build(SIZES, N_PRES, params=CODE, seed=SEEDS[::-1], name="other")
    with pytest.raises(CheckpointError, match="holds the trials"):
        train_emstdp_batch(other, xtr, ytr, xte, yte, checkpoint=ckpt, resume=True,
                           rngs=[np.random.default_rng(s + 1) for s in SEEDS[::-1]], **kw)
