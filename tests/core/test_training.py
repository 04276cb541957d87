"""spiketeach.core.training: the one block-training loop, driven by a numpy-only fake network."""

import numpy as np
import pytest

from spiketeach.core.checkpoint import CheckpointError, load_checkpoint, save_checkpoint
from spiketeach.core.handle import HandleMixin, NetworkHandle
from spiketeach.core.training import BlockTraining, train_blocks
from spiketeach.errors import DivergenceError


class FakeNetwork(HandleMixin):
    """A 'network' whose state is two numpy arrays (numpy arrays read and set like views)."""

    runner = None  # it runs no Brian2 blocks

    def __init__(self, n: int = 3):
        self.values = {"forward0.w": np.zeros(n * 2), "layer0.b": np.zeros(n)}

    def state_views(self):
        return self.values

    def initial_state(self, seed):
        rng = np.random.default_rng(seed)
        return {key: rng.normal(size=v.shape) for key, v in self.values.items()}

    def weights(self):
        return [self.values["forward0.w"].reshape(2, -1).T.copy()]

    def run(self, state, inputs, eta):
        """One 'block': start from ``state``, learn from random ``inputs``."""
        if state is not None:
            for view, value in self.state_pairs(state):
                view[:] = value
        w, b = self.values["forward0.w"], self.values["layer0.b"]
        w += eta * inputs[: len(w)]
        b += eta * np.tanh(w[: len(b)])
        return float(np.sum(w))  # the block's 'answer'


class FakeTraining(BlockTraining):
    """Draws its inputs from the run's RNG; tests before the first block and every 2 blocks."""

    presentations_per_block = 5

    def __init__(self, net, n_blocks, rng, eta=0.1, diverge_at=None, divergence_hint=""):
        self.net, self.rng, self.eta, self.diverge_at = net, rng, eta, diverge_at
        self.divergence_hint = divergence_hint
        self.n_blocks = n_blocks
        self.answers, self.tests, self.wall = [], [], None

    def run_block(self, block, state):
        inputs = self.rng.normal(size=16)
        if block == self.diverge_at:
            inputs[0] = np.inf
        return self.net.run(state, inputs, self.eta)

    def record(self, block, answer, clock):
        self.answers.append(answer)
        self.wall = clock.seconds()

    def test_due(self, blocks_done):
        return blocks_done % 2 == 0 and blocks_done not in [t[0] for t in self.tests]

    def test(self, state, blocks_done, clock):
        self.tests.append((blocks_done, 0.0 if state is None else float(state["layer0.b"].sum())))

    def checkpoint_meta(self, blocks_done, wall_s):
        return {"block": blocks_done, "answers": self.answers, "tests": self.tests,
                "wall_s": wall_s}

    def restore(self, meta):
        self.answers = list(meta["answers"])
        self.tests = [tuple(t) for t in meta["tests"]]
        return meta["block"], meta["wall_s"]


def _train(checkpoint=None, resume=False, n_blocks=5, progress=lambda line: None, **kw):
    net = FakeNetwork()
    training = FakeTraining(net, n_blocks, np.random.default_rng(7), **kw)
    state = train_blocks(net, training, rng=training.rng, initial_state=net.initial_state(1),
                         checkpoint=checkpoint, resume=resume, progress=progress)
    return training, state


def test_the_fake_is_a_network_handle():
    assert isinstance(FakeNetwork(), NetworkHandle)


def test_resume_after_an_interruption_equals_an_uninterrupted_run(tmp_path):
    full, state_full = _train()

    class Killed(Exception):
        pass

    def kill_at_block_3(line):
        if line.startswith("block 3/"):
            raise Killed  # block 3 has run; the checkpoint holds 2 blocks

    ckpt = tmp_path / "run.npz"
    with pytest.raises(Killed):
        _train(ckpt, progress=kill_at_block_3)
    _, meta = load_checkpoint(ckpt)
    assert meta["block"] == 2 and meta["wall_s"] > 0
    lines = []
    resumed, state_resumed = _train(ckpt, resume=True, progress=lines.append)
    assert lines[0] == f"resumed from {ckpt} after block 2"
    assert resumed.answers == full.answers and resumed.tests == full.tests
    assert [t[0] for t in full.tests] == [0, 2, 4]
    for key in state_full:
        np.testing.assert_array_equal(state_resumed[key], state_full[key], err_msg=key)
    assert resumed.wall > meta["wall_s"]  # wall time summed over both sessions


def test_extending_a_finished_run_equals_a_longer_run(tmp_path):
    longer, state_longer = _train(n_blocks=6)
    _train(tmp_path / "run.npz", n_blocks=3)
    extended, state_extended = _train(tmp_path / "run.npz", resume=True, n_blocks=6)
    assert extended.answers == longer.answers and extended.tests == longer.tests
    for key in state_longer:
        np.testing.assert_array_equal(state_extended[key], state_longer[key], err_msg=key)


def test_a_nan_raises_divergence_error(tmp_path):
    with pytest.raises(DivergenceError, match=r"forward0\.w became NaN or inf in block 2; lower eta"):
        _train(tmp_path / "run.npz", diverge_at=2, divergence_hint="lower eta")
    # the diverged block is not checkpointed
    _, meta = load_checkpoint(tmp_path / "run.npz")
    assert meta["block"] == 2


def test_a_checkpoint_of_the_wrong_shape_raises_checkpoint_error(tmp_path):
    ckpt = tmp_path / "run.npz"
    save_checkpoint(ckpt, {"forward0.w": np.zeros(4), "layer0.b": np.zeros(3)},
                    {"block": 1, "answers": [0.0], "tests": [], "wall_s": 1.0, "rng": None})
    with pytest.raises(CheckpointError, match=r"forward0\.w has shape \(4,\) in the checkpoint, "
                                              r"the network needs \(6,\)"):
        _train(ckpt, resume=True)
    save_checkpoint(ckpt, {"forward0.w": np.zeros(6)}, {"block": 1})
    with pytest.raises(CheckpointError, match="lacks layer0.b"):
        _train(ckpt, resume=True)


def test_a_test_left_pending_by_the_checkpoint_runs_on_resume(tmp_path):
    """A checkpoint written after a block but before the test due there (as EMSTDP's did at
    the end of an epoch) resumes with that test, then goes on as an uninterrupted run."""
    full, _ = _train()
    ckpt = tmp_path / "run.npz"
    _train(ckpt, n_blocks=2)
    state, meta = load_checkpoint(ckpt)
    assert [t[0] for t in meta["tests"]] == [0, 2]
    save_checkpoint(ckpt, state, {**meta, "tests": meta["tests"][:1]})
    resumed, _ = _train(ckpt, resume=True)
    assert resumed.tests == full.tests and resumed.answers == full.answers


# --------------------------------------------------------------------------------------------
# EpochTraining: epochs over a training set (eRBP, EMSTDP)
# --------------------------------------------------------------------------------------------
class _Answers:
    def __init__(self, correct):
        self.correct = correct


def _epoch_run(net, state, x, y, learn, seed=None):
    """A 'block' of the fake: learns when ``learn`` is on; its answers depend on the weights,
    the block's inputs and its seed (so every part of the resume shows in them)."""
    inputs = np.resize(x.sum(axis=1) + (0 if seed is None else seed % 97), 16) * 1e-3
    net.run(state, inputs * learn.max(), 0.1)
    score = net.values["forward0.w"][:len(y)] + x.mean(axis=1)
    return _Answers((score > np.median(score)) == (y > 0))


def _epoch_train(checkpoint=None, resume=False, progress=lambda line: None):
    from spiketeach.core.training import EpochTraining
    net = FakeNetwork(n=4)
    net.n_presentations, net.seed = 4, 3
    rng = np.random.default_rng(5)
    data = np.random.default_rng(0)
    x, y = data.uniform(size=(20, 3)), data.integers(0, 2, 20)
    training = EpochTraining(net, _epoch_run, x, y, x[:6], y[:6], epochs=2, n_train=12,
                             rng=rng, seed=None, test_every_blocks=2, progress=progress)
    state = train_blocks(net, training, rng=rng, checkpoint=checkpoint, resume=resume,
                         progress=progress)
    return training, state


def test_epoch_training_resumes_exactly_with_its_running_accuracy(tmp_path):
    """Killed mid-epoch and resumed: the same orders, seeds, tests, on-line accuracies (the
    running mean is in the checkpoint) and state; a checkpoint written before ``running`` was
    kept still resumes."""
    full, state_full = _epoch_train()
    assert full.log.samples == [0, 8, 12, 20, 24] and len(set(full.log.train_accuracy[1:])) > 1

    class Killed(Exception):
        pass

    def kill(line):
        if line.startswith("epoch 2/2 block 2/3"):  # the checkpoint holds block 1
            raise Killed

    ckpt = tmp_path / "run.npz"
    with pytest.raises(Killed):
        _epoch_train(ckpt, progress=kill)
    state, meta = load_checkpoint(ckpt)
    assert meta["running"] and meta["order"] is not None
    resumed, state_resumed = _epoch_train(ckpt, resume=True)
    for key in ("samples", "test_accuracy", "train_accuracy"):  # (nan before the first block)
        np.testing.assert_equal(getattr(resumed.log, key), getattr(full.log, key), err_msg=key)
    for key in state_full:
        np.testing.assert_array_equal(state_resumed[key], state_full[key], err_msg=key)
    del meta["running"]
    save_checkpoint(ckpt, state, meta)
    old, _ = _epoch_train(ckpt, resume=True)
    assert old.log.test_accuracy == full.log.test_accuracy
