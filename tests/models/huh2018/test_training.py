"""Training huh2018 networks by Adam on the exact gradient: a short run lowers the held-out loss
clearly, a run resumed from its checkpoint ends exactly where an uninterrupted one does, and the
tasks and the optimiser refuse bad settings."""

import numpy as np
import pytest

from spiketeach.models.huh2018 import Huh2018Params, initial_weights
from spiketeach.models.huh2018.optimizer import Adam
from spiketeach.protocols.huh2018 import EncodingTask, TrainConfig, XorTask, train

pytestmark = pytest.mark.family("huh2018")

P = Huh2018Params(gate="smooth", bias_mean=1.0)


def _run(config, checkpoint=None, resume=False, seed=0):
    task = EncodingTask(dt=P.dt, duration=0.1)
    w0 = initial_weights(task.n_in, 8, task.n_out, P, np.random.default_rng(seed))
    return train(task, w0, P, config, seed=seed, checkpoint=checkpoint, resume=resume,
                 progress=lambda message: None)


def test_short_training_lowers_the_held_out_loss():
    config = TrainConfig(blocks=6, iterations_per_block=10, batch=4, lr=3e-2, clip=20.0,
                         rate_cost=1e-3, test_every=6, test_trials=8)
    _, training = _run(config)
    first, last = training.log["test"][0], training.log["test"][-1]
    assert [t["iteration"] for t in training.log["test"]] == [0, 60]
    assert last["loss"] < 0.7 * first["loss"], (first, last)  # (seed 0: 0.62)
    assert last["error"] < 0.7 * first["error"]


def test_resumed_run_equals_uninterrupted_run(tmp_path):
    config = TrainConfig(blocks=4, iterations_per_block=2, batch=2, lr=1e-2, test_every=2,
                         test_trials=2)
    w_full, full = _run(config)
    ckpt = tmp_path / "run.npz"
    _run(TrainConfig(**{**config.__dict__, "blocks": 2}), checkpoint=ckpt)
    w_resumed, resumed = _run(config, checkpoint=ckpt, resume=True)
    for name in ("U", "W", "b", "O"):
        np.testing.assert_array_equal(getattr(w_resumed, name), getattr(w_full, name))
    assert resumed.log["loss"] == full.log["loss"]
    assert [t["loss"] for t in resumed.log["test"]] == [t["loss"] for t in full.log["test"]]


def test_xor_task_is_what_it_says():
    task = XorTask(dt=1e-3)
    batch = task.sample(np.random.default_rng(0), 4, signs=[[1, 1], [1, -1], [-1, 1], [-1, -1]])
    np.testing.assert_array_equal(batch.labels, [-1, 1, 1, -1])
    window = task.response_window()
    assert np.all(batch.y[:, window, 0] == batch.labels[:, None])
    assert np.all(batch.y[:, ~window, 0] == 0)
    # two pulses of the given signs on channel 0, one cue on channel 1, before the window
    for k, signs in enumerate([[1, 1], [1, -1], [-1, 1], [-1, -1]]):
        x = batch.x[k, :, 0]
        onsets = np.flatnonzero((x[1:] != 0) & (x[:-1] == 0))
        assert len(onsets) == 2
        assert list(np.sign(x[onsets + 10])) == signs
    assert np.all(batch.x[:, window, :] == 0)
    perfect = batch.y.copy()
    assert task.accuracy(perfect, batch.labels) == 100.0
    assert task.accuracy(np.zeros_like(perfect), batch.labels) == 50.0


@pytest.mark.parametrize("make,match", [
    (lambda: XorTask(dt=1e-3, delay_min=0.5, delay_max=0.4), "delay_min"),
    (lambda: XorTask(dt=1e-3, cue_onset=0.3), "before the go cue"),
    (lambda: XorTask(dt=3e-3, duration=1.0001), "whole number of steps"),
    (lambda: EncodingTask(dt=1e-3, settle=1.0, duration=0.5), "settle"),
    (lambda: EncodingTask(dt=-1e-3), "dt must be finite and > 0"),
    (lambda: TrainConfig(blocks=0), "blocks must be a positive integer"),
    (lambda: Adam(lr=-1.0), "lr must be finite and > 0"),
    (lambda: Adam(frozen=("V",)), "unknown weights"),
])
def test_bad_settings_raise(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_training_with_the_brian2_forward_equals_numpy(runtime):
    from spiketeach.protocols.huh2018.training import brian2_forward

    config = TrainConfig(blocks=2, iterations_per_block=1, batch=2, lr=1e-2, test_every=2,
                         test_trials=1)
    task = EncodingTask(dt=P.dt, duration=0.05, settle=0.01)
    w0 = initial_weights(task.n_in, 4, task.n_out, P, np.random.default_rng(3))
    quiet = lambda message: None  # noqa: E731
    w_numpy, _ = train(task, w0, P, config, seed=1, progress=quiet)
    w_brian, log = train(task, w0, P, config, seed=1, progress=quiet,
                         forward=brian2_forward(w0, task.steps, P))
    for name in ("U", "W", "b", "O"):
        np.testing.assert_allclose(getattr(w_brian, name), getattr(w_numpy, name), rtol=1e-7,
                                   atol=1e-12)
    assert np.abs(w_numpy.W - w0.W).max() > 1e-6  # (two Adam steps did move the weights)
