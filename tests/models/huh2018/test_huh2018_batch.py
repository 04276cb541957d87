"""A batch of huh2018 networks (issue 23's trials: own weights, seeds, task trials, Adam state)
in one Brian2 network equals each network alone: the same voltages, traces and spikes of the
forward pass (a batch of 3 networks x 2 task trials per run vs one network run per task trial),
and after two training blocks (Adam on the exact gradient, one Brian2 forward pass per iteration
for all trials) the same weights, losses and held-out scores per trial — bit for bit on numpy,
to rounding on cpp_standalone. A batch checkpoint resumes exactly and only as the same batch;
bad batches raise one clear ValueError."""

import numpy as np
import pytest

from spiketeach.core.checkpoint import CheckpointError
from spiketeach.core.devices import reset_device, select_device
from spiketeach.models.huh2018 import Huh2018Params, build, initial_weights
from spiketeach.protocols.huh2018 import EncodingTask, TrainConfig, train, train_batch
from spiketeach.protocols.huh2018.training import brian2_forward

pytestmark = pytest.mark.family("huh2018")

P = Huh2018Params(gate="smooth", bias_mean=1.0)
SEEDS = [3, 8, 11]
N = 4
TASK = EncodingTask(dt=P.dt, duration=0.05, settle=0.01)  # 100 steps
#: two blocks of one Adam step on 2 task trials; held-out scores on 3 task trials (so a batch
#: built for 2 per run pads its second run) before and after
CONFIG = TrainConfig(blocks=2, iterations_per_block=1, batch=2, lr=1e-2, test_every=2,
                     test_trials=3)
QUIET = lambda message: None  # noqa: E731


def _weights(params=P, n_in=TASK.n_in, n_out=TASK.n_out):
    return [initial_weights(n_in, N, n_out, params, np.random.default_rng(s)) for s in SEEDS]


def _inputs(steps, n_in=TASK.n_in, examples=3):
    return np.stack([np.random.default_rng([s, 1]).standard_normal((examples, steps, n_in))
                     for s in SEEDS])


def _forward_alone_and_batched(params, steps, name):
    ws, xs = _weights(params), _inputs(steps)
    single = build(ws[0], steps, params, name=f"{name}_alone")
    alone = [single.forward(w, x) for w, x in zip(ws, xs)]  # one Brian2 run per task trial
    batch = build(ws, steps, params, name=f"{name}_batch", examples=2)
    assert batch.trials == 3 and batch.copies == 6 and len(batch.neurons) == 6 * N
    return ws, alone, batch.forward(ws, xs)  # 2 runs of 3 networks x 2 task trials


def _train_alone_and_batched(device, build_dir, with_forward=True):
    """Each trial trained alone (one build, re-run per task trial), then the batch (one
    build, one run per iteration for all trials); with the Brian2 forward pass, also the
    forward passes of both builds on the same inputs (3 task trials per network)."""
    ws, xs = _weights(), _inputs(TASK.steps)
    select_device(device, build_dir=build_dir / "alone" if build_dir else None)
    forward = brian2_forward(ws[0], TASK.steps, P) if with_forward else None
    alone = [train(TASK, w, P, CONFIG, seed=s, progress=QUIET, forward=forward)
             for w, s in zip(ws, SEEDS)]
    runs_alone = [forward(w, x) for w, x in zip(ws, xs)] if with_forward else None
    reset_device()
    select_device(device, build_dir=build_dir / "batch" if build_dir else None)
    forward = brian2_forward(ws, TASK.steps, P, examples=CONFIG.batch) if with_forward else None
    batched = train_batch(TASK, ws, P, CONFIG, seeds=SEEDS, progress=QUIET, forward=forward)
    runs_batched = forward(ws, xs) if with_forward else None
    reset_device()
    return ws, alone, batched, (runs_alone, runs_batched)


def _same(diffs, name, y, x, exact, msg, **tol):
    """Record the largest |x - y| under ``name``; assert y == x exactly, or to ``tol``."""
    diffs[name] = max(diffs.get(name, 0.0), float(np.abs(np.subtract(x, y)).max()))
    if exact:
        np.testing.assert_array_equal(y, x, err_msg=msg)
    else:
        np.testing.assert_allclose(y, x, err_msg=msg, **tol)


def _max_differences(alone, batched, exact):
    """Compare trial by trial; the largest absolute difference per array."""
    diffs = {}
    for k, (a, b) in enumerate(zip(alone, batched)):
        for name in ("v", "s"):
            x, y = getattr(a, name), getattr(b, name)
            assert x.shape == y.shape
            _same(diffs, name, y, x, exact, f"trial {k}: {name}", rtol=1e-12, atol=1e-12)
        if a.reset is not None:
            np.testing.assert_array_equal(b.reset, a.reset)
        for e in range(a.v.shape[1]):
            for u, v in zip(a.spike_steps(e), b.spike_steps(e)):
                np.testing.assert_array_equal(v, u, err_msg=f"trial {k}, task trial {e}: spikes")
    return diffs


def _assert_training_same(ws, alone, batched, exact):
    w_batch, training = batched
    assert len(w_batch) == len(alone) == len(training.logs)
    diffs = {}
    for k, ((w_alone, t_alone), w_b, log) in enumerate(zip(alone, w_batch, training.logs)):
        for name in ("U", "W", "b", "O"):
            _same(diffs, name, getattr(w_b, name), getattr(w_alone, name), exact,
                  f"trial {k}: {name}", rtol=1e-12, atol=1e-14)
        pairs = [(t_alone.log[key], log[key]) for key in ("loss", "error", "rate_hz")]
        pairs += [([t[key] for t in t_alone.log["test"]], [t[key] for t in log["test"]])
                  for key in ("loss", "error", "rate_hz", "spikes_per_neuron")]
        for x, y in pairs:
            _same(diffs, "log", y, x, exact, f"trial {k}", rtol=1e-12)
    # the test means something: the weights moved, the trials differ, their networks spiked
    for (w1, t), w0 in zip(alone, ws):
        assert np.abs(w1.W - w0.W).max() > 1e-6
        assert t.log["test"][0]["spikes_per_neuron"] > 0.5
    assert not np.allclose(alone[0][0].W, alone[1][0].W)
    assert alone[0][1].log["loss"] != alone[1][1].log["loss"]
    return diffs


@pytest.mark.parametrize("neuron,dt,steps", [("theta", 5e-4, 100), ("qif", 1e-4, 400)])
def test_batch_forward_equals_networks_alone_on_numpy(runtime, neuron, dt, steps):
    p = Huh2018Params(neuron=neuron, gate="boxcar", dt=dt, readout_scale=1.0, bias_mean=1.0)
    ws, alone, batched = _forward_alone_and_batched(p, steps, neuron)
    _max_differences(alone, batched, exact=True)
    assert all(a.spike_counts().sum() >= 5 for a in alone)
    if neuron == "qif":
        assert all(a.reset.sum() >= 3 for a in alone)
    assert not np.array_equal(alone[0].v, alone[1].v)


def test_batch_training_equals_trials_trained_alone_on_numpy():
    ws, alone, batched, runs = _train_alone_and_batched("runtime", None)
    _assert_training_same(ws, alone, batched, exact=True)
    _max_differences(*runs, exact=True)


def test_batch_training_with_the_numpy_forward_equals_trials_alone():
    ws, alone, batched, _ = _train_alone_and_batched("runtime", None, with_forward=False)
    _assert_training_same(ws, alone, batched, exact=True)


def test_batch_checkpoint_resumes_exactly_and_only_as_the_same_batch(tmp_path):
    config = TrainConfig(**{**CONFIG.__dict__, "blocks": 3, "test_every": 1})
    ws = _weights()
    full, t_full = train_batch(TASK, ws, P, config, seeds=SEEDS, progress=QUIET)
    ckpt = tmp_path / "batch.npz"
    short = TrainConfig(**{**config.__dict__, "blocks": 1})
    train_batch(TASK, ws, P, short, seeds=SEEDS, progress=QUIET, checkpoint=ckpt)
    resumed, t_resumed = train_batch(TASK, ws, P, config, seeds=SEEDS, progress=QUIET,
                                     checkpoint=ckpt, resume=True)
    for a, b in zip(full, resumed):
        for name in ("U", "W", "b", "O"):
            np.testing.assert_array_equal(getattr(b, name), getattr(a, name))
    for a, b in zip(t_full.logs, t_resumed.logs):
        assert a["loss"] == b["loss"] and len(a["loss"]) == 3
        assert [t["loss"] for t in a["test"]] == [t["loss"] for t in b["test"]]
    with pytest.raises(CheckpointError, match="resume the same batch"):
        train_batch(TASK, ws, P, config, seeds=[3, 8, 12], progress=QUIET, checkpoint=ckpt,
                    resume=True)


def test_batch_state_holds_each_trials_weights(runtime):
    ws = _weights()
    net = build(ws, TASK.steps, P, examples=2)
    alone = build(ws[0], TASK.steps, P, name="alone")
    state = net.get_state()  # the values it was built with
    assert state.keys() == alone.get_state().keys()
    for k, (w, back) in enumerate(zip(ws, net.weights_from_state(state))):
        single = alone.state_of(w)
        for key, values in net.batch.split_state(state)[k].items():  # 2 copies per trial
            np.testing.assert_array_equal(values, np.tile(single[key], 2))
        for name in ("U", "W", "b", "O"):
            np.testing.assert_array_equal(getattr(back, name), getattr(w, name))
    seeded = net.initial_state(SEEDS)
    for key, values in net.state_of(ws).items():
        np.testing.assert_array_equal(seeded[key], values)
    assert [u.shape for u in net.weights()] == [(3, N, 2), (3, N, N), (3, 2, N)]


def test_bad_batches_raise(runtime):
    ws, xs = _weights(), _inputs(TASK.steps)
    net = build(ws, TASK.steps, P)
    with pytest.raises(ValueError, match="batch of 3 trials; got weights for 2"):
        net.forward(ws[:2], xs)
    other = initial_weights(TASK.n_in, N + 1, TASK.n_out, P, np.random.default_rng(0))
    with pytest.raises(ValueError, match="trial 1 are for 5 neurons"):
        net.forward([ws[0], other, ws[2]], xs)
    with pytest.raises(ValueError, match="trial 1 are for 5 neurons"):
        build([ws[0], other], TASK.steps, P)
    with pytest.raises(ValueError, match=r"must be \(trials x examples x steps x n_in\)"):
        net.forward(ws, xs[:2])
    with pytest.raises(ValueError, match="one trial of 100 steps"):
        net.forward(ws, xs[:, :, :50])
    with pytest.raises(ValueError, match="one Weights per trial"):
        net.forward(ws[0], xs)
    with pytest.raises(ValueError, match="holds one trial: pass one Weights"):
        build(ws[0], TASK.steps, P).forward(ws, xs[0])
    with pytest.raises(ValueError, match="at least one trial"):
        build([], TASK.steps, P)
    with pytest.raises(ValueError, match="examples must be a positive integer"):
        build(ws, TASK.steps, P, examples=0)
    with pytest.raises(ValueError, match="needs one seed per trial"):
        train_batch(TASK, ws, P, CONFIG, seeds=SEEDS[:2], progress=QUIET)


@pytest.mark.standalone
def test_batch_equals_trials_alone_on_cpp_standalone(tmp_path):
    ws, alone, batched, runs = _train_alone_and_batched("cpp_standalone", tmp_path)
    diffs = _assert_training_same(ws, alone, batched, exact=False)
    diffs.update(_max_differences(*runs, exact=False))
    print("cpp_standalone: max abs difference per array", diffs)
