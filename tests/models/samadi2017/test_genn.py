"""The Brian2GeNN-compatible formulation of the Samadi network: GeNN's rules, and the same
spikes as the standard formulation (runs on Brian2's own devices; no GeNN needed)."""

import numpy as np
import pytest
from brian2 import NeuronGroup, Synapses

from spiketeach.core import devices
from spiketeach.core.devices import DeviceConfig, reset_device, select_device
from spiketeach.core.formulations import choose_formulation
from spiketeach.core.genn_rules import check_genn_constraints
from spiketeach.core.schedule import PresentationSchedule
from spiketeach.models import samadi2017
from spiketeach.models.samadi2017.params import SamadiParams
from spiketeach.protocols.samadi2017.training import run_block

P = SamadiParams()


def _schedule(n):
    return PresentationSchedule(n, P.presentation, P.settle)


def _run_both(sizes, n, seed, build_dir=None, device="cpp_standalone", chained=False):
    rng = np.random.default_rng(seed)
    x = rng.uniform(0, 1.5, (n, sizes[0]))
    y = rng.integers(0, sizes[-1], n)
    out = {}
    for form in ("standard", "genn"):
        select_device(device, build_dir=None if build_dir is None else build_dir / form)
        ban = samadi2017.build(sizes, _schedule(n), seed=seed, record_layers=True,
                               formulation=form)
        blocks = [run_block(ban, None, x, y, np.ones(n))]
        spikes = [[(np.asarray(m.i[:]).copy(), np.asarray(m.t[:]).copy())
                   for m in ban.layer_spikes]]
        if chained:  # a second block from the first one's state
            blocks.append(run_block(ban, ban.get_state(), x[::-1], y[::-1], np.ones(n)))
            spikes.append([(np.asarray(m.i[:]).copy(), np.asarray(m.t[:]).copy())
                           for m in ban.layer_spikes])
        out[form] = ([b.counts for b in blocks], spikes, ban.weights(),
                     [np.asarray(layer.b[:]).copy() for layer in ban.layers])
        reset_device()
    return out


def _assert_same(out):
    std, genn = out["standard"], out["genn"]
    for c_std, c_genn in zip(std[0], genn[0]):
        np.testing.assert_array_equal(c_std, c_genn)
    for block_std, block_genn in zip(std[1], genn[1]):
        for (i_std, t_std), (i_genn, t_genn) in zip(block_std, block_genn):
            assert len(i_std) > 0
            np.testing.assert_array_equal(i_std, i_genn)
            np.testing.assert_array_equal(t_std, t_genn)
    for w_std, w_genn in zip(std[2], genn[2]):
        np.testing.assert_allclose(w_genn, w_std, rtol=1e-9, atol=1e-9 * np.abs(w_std).max())
    for b_std, b_genn in zip(std[3], genn[3]):
        np.testing.assert_allclose(b_genn, b_std, rtol=1e-9, atol=1e-9 * np.abs(b_std).max())


def test_genn_formulation_follows_genn_rules(runtime):
    ban = samadi2017.build([3, 4, 2], _schedule(2), formulation="genn")
    objects = list(ban.net.objects)
    check_genn_constraints(objects)  # one clock, run_regularly in 'start', no links/events
    for obj in objects:
        if isinstance(obj, NeuronGroup):  # TimedArrays are read in run_regularly only
            assert not any(f in str(obj.equations) for f in ("stimulus", "target_drive",
                                                            "learning_gate"))
        if isinstance(obj, Synapses):  # no subexpressions in synaptic statements
            assert not obj.equations.subexpr_names
            for name in obj.equations.identifiers:
                for side, group in (("_pre", obj.source), ("_post", obj.target)):
                    if name.endswith(side):
                        assert name[:-len(side)] not in group.equations.subexpr_names, name
    # the standard formulation breaks them (that is why this one exists)
    std = samadi2017.build([3, 4, 2], _schedule(2), formulation="reference")
    with pytest.raises(RuntimeError, match="not defaultclock"):
        check_genn_constraints(list(std.net.objects))
    with pytest.raises(ValueError, match="unknown formulation"):
        samadi2017.build([3, 4, 2], _schedule(2), formulation="gpu")


def test_formulation_follows_the_device(runtime, monkeypatch):
    assert choose_formulation(None, "reference") == "reference"
    assert choose_formulation("fast", "reference") == "fast"
    with pytest.raises(ValueError, match="unknown formulation"):
        choose_formulation("standard", "reference")
    monkeypatch.setattr(devices, "_current", DeviceConfig("genn"))
    assert choose_formulation(None, "reference") == "genn"
    assert choose_formulation("fast", "reference") == "genn"  # the only one GeNN accepts


@pytest.mark.slow
@pytest.mark.standalone
def test_genn_formulation_gives_the_same_spikes_on_cpp_standalone(tmp_path):
    # a tiny net with learning on for 3 presentations: identical spikes (indices and times)
    # in every layer; weights and biases equal to rounding (two builds, ~1.5 min: make test-all)
    out = _run_both([3, 4, 2], 3, seed=1, build_dir=tmp_path)
    _assert_same(out)
    w0 = samadi2017.build([3, 4, 2], _schedule(3), seed=1).weights()
    assert all(not np.allclose(w, w_init) for w, w_init in zip(out["genn"][2], w0))  # learned
    reset_device()


@pytest.mark.slow
def test_genn_formulation_chains_blocks_on_numpy():
    # two hidden layers, two chained blocks (the pending weight update crosses the boundary)
    _assert_same(_run_both([3, 5, 4, 2], 3, seed=2, device="runtime", chained=True))
