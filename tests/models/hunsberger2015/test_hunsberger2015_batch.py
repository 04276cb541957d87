"""A batch of converted hunsberger2015 networks (three soft-LIF + noise networks trained with
different seeds, each shown its own digits) equals each network run alone: the same spikes in
every hidden layer, the same output trace, scores, predictions and accuracy, over two blocks of
images (BlockRunner re-runs), on numpy and cpp_standalone; run_spiking_batch gives what
run_spiking gives for each network."""

import numpy as np
import pytest
from brian2 import SpikeMonitor
from sklearn.datasets import load_digits

from spiketeach.core.devices import reset_device, select_device
from spiketeach.core.runner import BlockRunner
from spiketeach.models.hunsberger2015 import build
from spiketeach.models.hunsberger2015.params import Hunsberger2015Params
from spiketeach.protocols.hunsberger2015.conversion import run_spiking, run_spiking_batch
from spiketeach.protocols.hunsberger2015.training import TrainConfig, train

pytestmark = pytest.mark.family("hunsberger2015")

P = Hunsberger2015Params(presentation=0.06, settle=0.02)
CONFIG = TrainConfig(sizes=(64, 24, 16, 10), epochs=6, batch=20, lr=0.01, lr_decay=0.1)
SEEDS = [1, 2, 3]
N_IMAGES = 8  # per block


@pytest.fixture(scope="module")
def trials():
    """Three networks (training seeds 1-3) and each its own two blocks of test digits."""
    d = load_digits()
    order = np.random.default_rng(0).permutation(len(d.target))
    X, y = d.data[order] / 16.0, d.target[order]
    nets = [train(X[:1000], y[:1000], "softlif noise", CONFIG, seed=s, log=lambda *a: None)
            for s in SEEDS]
    out = []
    for k, net in enumerate(nets):
        at = 1000 + 2 * N_IMAGES * k
        blocks = [(X[at + b * N_IMAGES:at + (b + 1) * N_IMAGES],
                   y[at + b * N_IMAGES:at + (b + 1) * N_IMAGES]) for b in range(2)]
        out.append((net.weights, net.biases, blocks))
    return out


def _record(conv):
    """Spike monitors that keep every spike, one per hidden layer."""
    mons = [SpikeMonitor(h, name=f"{h.name}_all") for h in conv.hidden]
    conv.network.add(*mons)
    return mons


def _blocks(conv, runner, mons, images, values=None):
    """Two blocks: each hidden layer's spikes, the output trace and spike counts after each."""
    out = []
    for x in images:
        runner.run(values or [], {conv.image_input: x})
        out.append(([(np.asarray(m.i[:]).copy(), np.asarray(m.t[:]).copy()) for m in mons],
                    conv.output_trace(), conv.spike_counts(), conv.scores()))
    return out


def _run(trials, device, tmp_path):
    W0, b0, blocks0 = trials[0]
    alone = []
    select_device(device, build_dir=tmp_path / "alone" if tmp_path else None)
    conv = build(W0, b0, blocks0[0][0], P)
    mons, runner = _record(conv), BlockRunner(conv.network, conv.duration)
    for W, b, blocks in trials:  # one build re-run per network, with its weights and biases
        values = [(h.bias, b[k]) for k, h in enumerate(conv.hidden)]
        values += [(conv.readout.bias, b[-1])]
        values += [(getattr(conv.network[f"h15_w{k}"], "w"), W[k].ravel())
                   for k in range(1, len(W))]  # pre-major: W (n_in x n_out) row by row
        alone.append(_blocks(conv, runner, mons, [x @ W[0] for x, _ in blocks], values))
    reset_device()
    select_device(device, build_dir=tmp_path / "batch" if tmp_path else None)
    conv = build([t[0] for t in trials], [t[1] for t in trials],
                 np.stack([t[2][0][0] for t in trials]), P)
    assert conv.trials == 3 and len(conv.readout) == 30
    mons = _record(conv)
    batched = _blocks(conv, BlockRunner(conv.network, conv.duration), mons,
                      [conv.input_values(np.stack([t[2][b][0] for t in trials]))
                       for b in range(2)])
    reset_device()
    sizes = [len(h) // 3 for h in conv.hidden]
    worst = 0.0
    for block in range(2):
        spikes_b, trace_b, counts_b, scores_b = batched[block]
        split = [conv.batch.split_spikes(i, t, n) for (i, t), n in zip(spikes_b, sizes)]
        for k in range(3):
            spikes_a, trace_a, counts_a, scores_a = alone[k][block]
            for layer, (i_a, t_a) in enumerate(spikes_a):
                i_k, t_k = split[layer][k]
                np.testing.assert_array_equal(i_k, i_a, err_msg=f"net {k} block {block} "
                                                                f"layer {layer}")
                np.testing.assert_allclose(t_k, t_a, rtol=0, atol=1e-12)
                np.testing.assert_array_equal(counts_b[k][layer], counts_a[layer])
            np.testing.assert_allclose(trace_b[k], trace_a, rtol=1e-12, atol=1e-12)
            worst = max(worst, float(np.max(np.abs(trace_b[k] - trace_a))))
            labels = trials[k][2][block][1]
            np.testing.assert_array_equal(scores_b[k].argmax(1), scores_a.argmax(1))
            assert np.mean(scores_b[k].argmax(1) == labels) == np.mean(
                scores_a.argmax(1) == labels)
    print(device, "max |output trace batch - alone|:", worst)
    # the test means something: the networks spike and differ, and they classify
    assert all(len(a[b][0][layer][0]) > 50 for a in alone for b in range(2) for layer in range(2))
    assert not np.array_equal(alone[0][0][0][0][0], alone[1][0][0][0][0])
    correct = [np.mean(alone[k][b][3].argmax(1) == trials[k][2][b][1])
               for k in range(3) for b in range(2)]
    assert np.mean(correct) > 0.5, correct


def test_batch_equals_networks_alone_on_numpy(trials):
    _run(trials, "runtime", None)


@pytest.mark.standalone
def test_batch_equals_networks_alone_on_cpp_standalone(trials, tmp_path):
    _run(trials, "cpp_standalone", tmp_path)


def test_run_spiking_batch_is_run_spiking_per_network(runtime, trials):
    """Shared images, three blocks of 5 (the last padded): each network's result as alone."""
    X = np.vstack([trials[0][2][0][0], trials[0][2][1][0][:4]])  # 12 images
    both = run_spiking_batch([t[0] for t in trials], [t[1] for t in trials], X, P, block=5,
                             settles=[0.01])
    for (W, b, _), got in zip(trials, both):
        alone = run_spiking(W, b, X, P, block=5, settles=[0.01])
        np.testing.assert_array_equal(got["scores"], alone["scores"])
        for s in alone["pred_by_settle"]:
            np.testing.assert_array_equal(got["pred_by_settle"][s], alone["pred_by_settle"][s])
        assert got["mean_rates_hz"] == alone["mean_rates_hz"]
        assert got["blocks"] == alone["blocks"] == 3 and got["networks_in_batch"] == 3


def test_bad_batches_are_refused(trials):
    Ws, bs = [t[0] for t in trials], [t[1] for t in trials]
    X = trials[0][2][0][0]
    with pytest.raises(ValueError, match="needs images of shape"):
        build(Ws, bs, np.stack([X, X]), P)  # images for 2 of 3 networks
    with pytest.raises(ValueError, match="3 bias lists"):
        build(Ws, bs[:2], X, P)
    other = [Ws[1][0][:, :20], Ws[1][1][:20], Ws[1][2]]
    with pytest.raises(ValueError, match="differ from trial 0"):
        build([Ws[0], other, Ws[2]], [bs[0], [bs[1][0][:20], bs[1][1], bs[1][2]], bs[2]], X, P)
    with pytest.raises(ValueError, match="features"):
        build(Ws, bs, X[:, :60], P)
    with pytest.raises(ValueError, match="images for 2"):
        run_spiking_batch(Ws, bs, np.stack([X, X]), P)
