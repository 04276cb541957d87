"""A batch of bourdoukan2015 networks (fast and slow rules on, feedback on, each trial its own
readout, weights, input and noise drawn in numpy) equals each network run alone: the same spikes
and the same weights, voltages, rates and target state after each of two chained blocks
(BlockRunner re-runs), on numpy and cpp_standalone; the drawn noise is the numpy step's."""

import numpy as np
import pytest

from spiketeach.core.devices import reset_device, select_device
from spiketeach.core.runner import BlockRunner
from spiketeach.models.bourdoukan2015 import DEFAULT, Weights, build, draw_noise, thresholds
from spiketeach.models.bourdoukan2015.reference import simulate
from spiketeach.protocols.bourdoukan2015 import smoothed_noise

pytestmark = pytest.mark.family("bourdoukan2015")

# rates fast enough to move both weight sets within 2 x 500 steps; the noise on, drawn per trial
P = DEFAULT.replace(n_neurons=6, eps_fast=0.05, eps_slow=2.0, sigma_v=3e-4,
                    sigma_threshold=3e-4, input_amplitude=600.0)
SEEDS = [1, 4, 9]
STEPS = 500
N, J = P.n_neurons, P.n_inputs


def _trial(seed):
    """A trial's own readout (random unit directions), weights, input and noise, two blocks."""
    rng = np.random.default_rng(seed)
    D = rng.standard_normal((J, N))
    D *= P.decoder_norm / np.linalg.norm(D, axis=0, keepdims=True)
    fast = -0.2 * P.decoder_norm ** 2 * rng.random((N, N))
    np.fill_diagonal(fast, -(np.sum(D * D, axis=0) + P.mu))
    w = Weights(D, fast, rng.normal(0, 0.5, (N, N)))
    c = smoothed_noise(2 * STEPS, P, rng)
    z = draw_noise(P, 2 * STEPS, rng)
    return w, [c[:STEPS], c[STEPS:]], [z[:STEPS], z[STEPS:]]


def _start(w):
    """What a trial starts from, for a re-run of the one build of a trial alone."""
    return {"fast.w": w.fast.T.ravel(), "slow.W": w.slow.T.ravel(), "neurons.V": np.zeros(N),
            "neurons.r": np.zeros(N), "teacher.x": np.zeros(J)}


def _readout(w):
    """A trial's readout constants (every block of a re-run: the trials' readouts differ)."""
    return {"readout.D": w.D.T.ravel(), "ff.F": w.D.ravel(), "feedback.F": w.D.ravel(),
            "neurons.T": thresholds(w.D, P.mu)}


def _blocks(net, runner, first, stimuli, noises, readout=None):
    """Two chained blocks: state and spikes after each (``first``: the values of block 0)."""
    views, state, out = net.state_views(), first, []
    views.update({"readout.D": net.synapses["readout"].D, "ff.F": net.synapses["ff"].F,
                  "feedback.F": net.synapses["feedback"].F, "neurons.T": net.neurons.T})
    for stim, z in zip(stimuli, noises):
        values = {**(state or {}), **(readout or {})}
        runner.run([(views[k], v) for k, v in values.items()], net.block_inputs(stim, z))
        state = {k: np.array(v[:], dtype=float) for k, v in net.state_views().items()}
        out.append((np.asarray(net.spikes.i[:]).copy(), np.asarray(net.spikes.t[:]).copy(), state))
    return out


def _run(device, tmp_path):
    trials = [_trial(s) for s in SEEDS]
    alone = []
    select_device(device, build_dir=tmp_path / "alone" if tmp_path else None)
    net = build(trials[0][0], trials[0][1][0], P, learn=True, noise=trials[0][2][0])
    runner = BlockRunner(net.network, net.duration)
    for w, stims, noises in trials:  # one build re-run per trial, from the trial's own start
        alone.append(_blocks(net, runner, _start(w), stims, noises, _readout(w)))
    reset_device()
    select_device(device, build_dir=tmp_path / "batch" if tmp_path else None)
    net = build([t[0] for t in trials], np.stack([t[1][0] for t in trials]), P, learn=True,
                noise=np.stack([t[2][0] for t in trials]))
    assert net.trials == 3 and len(net.neurons) == 3 * N
    batched = _blocks(net, BlockRunner(net.network, net.duration), None,
                      [np.stack([t[1][b] for t in trials]) for b in range(2)],
                      [np.stack([t[2][b] for t in trials]) for b in range(2)])
    weights, S = net.weights(), net.spike_matrix(STEPS)  # (of block 1)
    reset_device()
    worst = {}
    for block, (i_b, t_b, state_b) in enumerate(batched):
        spikes = net.batch.split_spikes(i_b, t_b, N)
        for k, state_k in enumerate(net.batch.split_state(state_b)):
            i_a, t_a, state_a = alone[k][block]
            np.testing.assert_array_equal(spikes[k][0], i_a, err_msg=f"trial {k}, block {block}")
            np.testing.assert_allclose(spikes[k][1], t_a, rtol=0, atol=1e-12)
            for key in state_a:
                np.testing.assert_allclose(state_k[key], state_a[key], rtol=1e-12, atol=1e-12,
                                           err_msg=f"trial {k}, block {block}: {key}")
                worst[key] = max(worst.get(key, 0.0),
                                 float(np.max(np.abs(state_k[key] - state_a[key]))))
    print(device, "max |batch - alone|:", worst)
    # the batch's weights(): each trial's matrices, as the state says
    last = net.batch.split_state(batched[1][2])
    for k, w in enumerate(weights):
        np.testing.assert_array_equal(w.fast.T.ravel(), last[k]["fast.w"])
        np.testing.assert_array_equal(w.slow.T.ravel(), last[k]["slow.W"])
        np.testing.assert_array_equal(w.D, trials[k][0].D)
    for k, (i_k, t_k) in enumerate(net.batch.split_spikes(*batched[1][:2], N)):
        expected = np.zeros((STEPS, N))
        expected[np.round(t_k / P.dt).astype(int), i_k] = 1
        np.testing.assert_array_equal(S[k], expected)
    # the test means something: spikes in every block, both rules moved, trials differ
    counts = [[len(block[0]) for block in a] for a in alone]
    assert np.min(counts) >= 10, counts
    w0 = trials[0][0]
    assert np.abs(alone[0][1][2]["fast.w"] - w0.fast.T.ravel()).max() > 1e-4
    assert np.abs(alone[0][1][2]["slow.W"] - w0.slow.T.ravel()).max() > 1e-3
    assert not np.array_equal(alone[0][1][0], alone[1][1][0])


def test_batch_equals_networks_alone_on_numpy():
    _run("runtime", None)


@pytest.mark.standalone
def test_batch_equals_networks_alone_on_cpp_standalone(tmp_path):
    _run("cpp_standalone", tmp_path)


def test_noise_drawn_in_numpy_is_the_numpy_steps(runtime):
    """Brian2 given draw_noise(rng) runs as the numpy step drawing from rng: same spikes."""
    w, stims, _ = _trial(3)
    c = np.vstack(stims)
    net = build(w, c, P, learn=True, record_states=True,
                noise=draw_noise(P, len(c), np.random.default_rng(7)))
    net.run()
    ref = simulate(w, c, P, learn=True, rng=np.random.default_rng(7))
    S = net.spike_matrix(len(c))
    np.testing.assert_array_equal(S, ref["spikes"])
    assert S.sum() > 20
    np.testing.assert_allclose(net.states[0].V[:].T, ref["V"], atol=1e-12)
    got = net.weights()
    np.testing.assert_allclose(got.fast, ref["weights"].fast, atol=1e-12)
    np.testing.assert_allclose(got.slow, ref["weights"].slow, atol=1e-10)
    # and the noise matters: without it the spikes differ
    quiet = simulate(w, c, P.replace(sigma_v=0.0, sigma_threshold=0.0), learn=True)
    assert not np.array_equal(quiet["spikes"], S)


def test_bad_batches_are_refused():
    trials = [_trial(s) for s in SEEDS]
    ws = [t[0] for t in trials]
    stims = np.stack([t[1][0] for t in trials])
    noise = np.stack([t[2][0] for t in trials])
    with pytest.raises(ValueError, match="noise drawn in numpy"):
        build(ws, stims, P, learn=True)  # noise on, Brian2's one stream
    with pytest.raises(ValueError, match="3 trials"):
        build(ws, stims[:2], P, noise=noise)
    with pytest.raises(ValueError, match="noise must be"):
        build(ws, stims, P, noise=noise[:, :10])
    with pytest.raises(ValueError, match="noise must be"):
        build(ws, stims, P, noise=noise[0])
    wrong = Weights(ws[1].D, ws[1].fast[:5, :5], ws[1].slow)
    with pytest.raises(ValueError, match="fast weights must be 6 x 6"):
        build([ws[0], wrong, ws[2]], stims, P, noise=noise)
