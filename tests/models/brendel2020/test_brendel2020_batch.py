"""A batch of brendel2020 spike-coding networks (both learning rules on, noise off) equals each
network run alone: the same spikes and the same weights, voltages, rates and traces after each of
two chained blocks (BlockRunner re-runs), on numpy and cpp_standalone."""

import numpy as np
import pytest

from spiketeach.core.devices import reset_device, select_device
from spiketeach.core.runner import BlockRunner
from spiketeach.models.brendel2020 import CODE, build_network, initial_weights

pytestmark = pytest.mark.family("brendel2020")

# learning fast enough to change the weights within 2 x 150 steps; noise off (see build_network)
P = CODE.replace(sigma_v=0.0, sigma_threshold=0.0, n_neurons=8, eps_rec=0.05, eps_ff=0.01)
SEEDS = [1, 4, 9]
STEPS = 150


def _trial(seed):
    rng = np.random.default_rng(seed)
    F, omega = initial_weights(P, rng)
    t = np.arange(2 * STEPS) * P.dt
    x = np.vstack([np.sin(2 * np.pi * 4 * t + rng.uniform(0, 6)),
                   np.cos(2 * np.pi * 3 * t + rng.uniform(0, 6))]).T
    c = np.gradient(x, P.dt, axis=0) + P.lam * x
    return F, omega, [c[:STEPS], c[STEPS:]]


def _blocks(net, runner, first_state, stimuli):
    """Two chained blocks: state and spikes after each (``runner``: the build's one runner)."""
    ta = net.inputs.namespace["stimulus"]
    views, state, out = net.state_views(), first_state, []
    for stim in stimuli:
        pairs = [] if state is None else [(views[k], v) for k, v in state.items()]
        runner.run(pairs, {ta: stim})
        state = {k: np.array(v[:], dtype=float) for k, v in views.items()}
        out.append((np.asarray(net.spikes.i[:]).copy(), np.asarray(net.spikes.t[:]).copy(), state))
    return out


def _run(device, tmp_path):
    trials = [_trial(s) for s in SEEDS]
    n, J = P.n_neurons, P.n_inputs
    alone = []
    select_device(device, build_dir=tmp_path / "alone" if tmp_path else None)
    net = build_network(trials[0][0], trials[0][1], trials[0][2][0], P, learn=True)
    runner = BlockRunner(net.network, net.duration)
    for F, omega, stim in trials:  # one build re-run per trial, from the trial's own start
        start = {"feedforward.F": F.T.ravel(), "recurrent.w": omega.T.ravel(),
                 "neurons.V": np.zeros(n), "neurons.r": np.zeros(n), "inputs.x": np.zeros(J),
                 "inputs.x_ff": np.zeros(J)}
        alone.append(_blocks(net, runner, start, stim))
    reset_device()
    select_device(device, build_dir=tmp_path / "batch" if tmp_path else None)
    net = build_network(np.stack([t[0] for t in trials]), np.stack([t[1] for t in trials]),
                        np.stack([t[2][0] for t in trials]), P, learn=True)
    assert net.trials == 3 and len(net.neurons) == 3 * n
    stims = [net.batch.columns([t[2][b] for t in trials]) for b in range(2)]
    batched = _blocks(net, BlockRunner(net.network, net.duration), None, stims)  # block 0 from the values the batch was built with
    reset_device()
    for block, (i_b, t_b, state_b) in enumerate(batched):
        spikes = net.batch.split_spikes(i_b, t_b, n)
        for k, state_k in enumerate(net.batch.split_state(state_b)):
            i_a, t_a, state_a = alone[k][block]
            np.testing.assert_array_equal(spikes[k][0], i_a, err_msg=f"trial {k}, block {block}")
            np.testing.assert_allclose(spikes[k][1], t_a, rtol=0, atol=1e-12)
            for key in state_a:
                np.testing.assert_allclose(state_k[key], state_a[key], rtol=1e-12, atol=1e-12,
                                           err_msg=f"trial {k}, block {block}: {key}")
    # the test means something: spikes, learning, and trials that differ
    assert all(len(a[1][0]) >= 5 for a in alone)
    assert not np.allclose(alone[0][1][2]["recurrent.w"], trials[0][1].T.ravel())
    assert not np.array_equal(alone[0][1][0], alone[1][1][0])


def test_batch_equals_networks_alone_on_numpy():
    _run("runtime", None)


@pytest.mark.standalone
def test_batch_equals_networks_alone_on_cpp_standalone(tmp_path):
    _run("cpp_standalone", tmp_path)


def test_a_noisy_batch_is_refused():
    trials = [_trial(s) for s in SEEDS[:2]]
    with pytest.raises(ValueError, match="noise off"):
        build_network(np.stack([t[0] for t in trials]), np.stack([t[1] for t in trials]),
                      np.stack([t[2][0] for t in trials]), CODE.replace(n_neurons=8), learn=True)
