"""The assembled Samadi et al. (2017) network: wiring, devices, learning, resumption."""

import numpy as np
import pytest

from spiketeach.core.checkpoint import load_checkpoint
from spiketeach.core.schedule import PresentationSchedule
from spiketeach.models import samadi2017
from spiketeach.models.samadi2017 import layers as plasticity
from spiketeach.models.samadi2017.equations import DYNAMIC_LIF
from spiketeach.models.samadi2017.params import SamadiParams
from spiketeach.protocols.samadi2017.teacher_student import TeacherStudentTask
from spiketeach.protocols.samadi2017.training import run_block, train_in_blocks

P = SamadiParams()


def _schedule(n):
    return PresentationSchedule(n, P.presentation, P.settle)


def _iota_code(layer):
    """The eq. 2.11 code a learning layer runs every step."""
    (runner,) = [o for o in layer.contained_objects if o.name.endswith("_teaching_signal")]
    return runner.abstract_code


def _examples(n, seed=3):
    task = TeacherStudentTask(seed=seed)
    return task, *task.sample(n, np.random.default_rng(seed))


def test_equations_are_the_papers(runtime):
    # eqs. 2.1-2.3 as printed in the module; the builder uses them verbatim
    assert "v = v_ff + b" in DYNAMIC_LIF and "dh/dt = (v - h) / tau" in DYNAMIC_LIF
    ban = samadi2017.build([2, 3, 2], _schedule(2))
    hidden = ban.layers[0]
    assert "(v - h) / tau" in str(hidden.equations["h"].expr)
    assert "unless refractory" in str(hidden.equations)
    assert hidden._refractory == P.t_ref and hidden.clock.dt == P.dt
    assert "cosh(c2*v)" in _iota_code(hidden)


def test_fast_slope_equals_sech2():
    """The fast form's one-exp sech² (plasticity.FAST_SLOPES) is eq. 2.11's 1/cosh², from
    saturated negative drives to saturated positive ones, without overflow."""
    from spiketeach.models.samadi2017.equations import FAST_SLOPES, SLOPES

    v = np.concatenate([np.linspace(-200, 200, 4001), [-1e5, -5e3, 0.0, 5e3, 1e5]])
    ns = {"exp": np.exp, "abs": np.abs, "cosh": np.cosh, "c2": P.c2, "v": v}
    with np.errstate(over="ignore"):  # cosh overflows to inf at |v| = 1e5: 1/inf² = 0
        ref = eval(SLOPES["sech2"], ns)
    fast = eval(FAST_SLOPES["sech2"], ns)
    assert np.all(np.isfinite(fast))
    np.testing.assert_allclose(fast, ref, rtol=1e-13, atol=1e-300)
    assert FAST_SLOPES["none"] == SLOPES["none"] == "1"


def test_derivative_free_is_a_switch_not_a_copy(runtime):
    ba = samadi2017.build([2, 3, 2], _schedule(2), feedback="broadcast")
    df = samadi2017.build([2, 3, 2], _schedule(2), feedback="derivative_free")
    iota_ba = _iota_code(ba.layers[0])
    iota_df = _iota_code(df.layers[0])
    assert "cosh" in iota_ba and "cosh" not in iota_df
    assert "v > 0" in iota_df                     # the gate stays (docs/papers/samadi2017.md)
    assert "v > 0" not in _iota_code(df.output)  # output not gated by default
    assert iota_df.replace(" ", "") == iota_ba.replace(" ", "").replace("/cosh(c2*v)**2", "")
    with pytest.raises(ValueError, match="unknown derivative"):
        plasticity.teaching_signal_code("relu")


def test_bad_inputs_are_named(runtime):
    with pytest.raises(ValueError, match=r"weights\[0\] has shape"):
        samadi2017.build([2, 3, 2], _schedule(2), weights=[np.zeros((2, 3)), np.zeros((2, 3))])
    with pytest.raises(ValueError, match="NaN"):
        samadi2017.build([2, 3, 2], _schedule(2), biases=[np.full(3, np.nan), np.zeros(2)])
    with pytest.raises(ValueError, match="depth"):
        samadi2017.build([2, 3, 2], _schedule(2), depth=3)
    with pytest.raises(ValueError, match="unknown feedback"):
        samadi2017.build([2, 3, 2], _schedule(2), feedback="backprop")
    ban = samadi2017.build([2, 3, 2], _schedule(2))
    with pytest.raises(ValueError, match=r"inputs must have shape \(2, n_cells\)"):
        run_block(ban, None, np.zeros((3, 2)), np.zeros(3, int), np.ones(3))
    with pytest.raises(ValueError, match="NaN"):
        run_block(ban, None, np.full((2, 2), np.nan), np.zeros(2, int), np.ones(2))
    with pytest.raises(ValueError, match="labels"):
        run_block(ban, None, np.zeros((2, 2)), np.array([0, 5]), np.ones(2))


def test_depth_k_learns_only_the_last_layers(runtime):
    ban = samadi2017.build([2, 4, 4, 2], _schedule(2), depth=2)
    assert ban.learning_layers == [1, 2]
    assert "iota" not in ban.layers[0].variables
    assert set(ban.feedback) == {1, 2}


def test_learning_gate_off_leaves_weights_untouched(runtime):
    _, x, y = _examples(2)
    ban = samadi2017.build([2, 4, 2], _schedule(2), seed=1)
    w0 = [w.copy() for w in ban.weights()]
    result = run_block(ban, None, x, y, learn=np.zeros(2))
    assert result.counts.sum() > 0                      # the network was active
    for before, after in zip(w0, ban.weights()):
        np.testing.assert_array_equal(before, after)
    run_block(ban, None, x, y, learn=np.ones(2))        # and learning on does change them
    assert any(not np.allclose(b, a) for b, a in zip(w0, ban.weights()))


def test_resume_after_interruption_is_exact(runtime, tmp_path):
    task, tx, ty = _examples(2, seed=4)

    class Killed(Exception):
        pass

    def kill_after(n_lines):
        lines = []

        def progress(line):
            lines.append(line)
            if len(lines) == n_lines:
                raise Killed  # as if the process died between two blocks (before this block's checkpoint)
        return progress

    def train(checkpoint, resume=False, progress=lambda s: None):
        ban = samadi2017.build([2, 3, 2], _schedule(5), seed=2)
        return train_in_blocks(ban, task.sample, tx, ty, 3, rng=np.random.default_rng(9),
                               checkpoint=checkpoint, resume=resume, progress=progress)

    log_full, state_full = train(tmp_path / "full.npz")
    with pytest.raises(Killed):
        train(tmp_path / "cut.npz", progress=kill_after(2))
    _, meta = load_checkpoint(tmp_path / "cut.npz")
    log_res, state_res = train(tmp_path / "cut.npz", resume=True)
    # the blocks' wall time adds up over the two sessions
    assert 0 < meta["log"]["wall_s"] < log_res.wall_s
    assert len(log_res.examples) == 4
    assert log_res.examples == log_full.examples
    assert log_res.test_error == log_full.test_error
    for key in state_full:
        np.testing.assert_array_equal(state_full[key], state_res[key], err_msg=key)


def test_extending_a_finished_run_equals_a_longer_run(runtime, tmp_path):
    """More epochs later (resume with more blocks) = the longer run in one go."""
    task, tx, ty = _examples(2, seed=5)

    def train(checkpoint, n_blocks, resume=False):
        ban = samadi2017.build([2, 3, 2], _schedule(5), seed=3)
        return train_in_blocks(ban, task.sample, tx, ty, n_blocks, rng=np.random.default_rng(8),
                               checkpoint=checkpoint, resume=resume, progress=lambda s: None)

    log_long, state_long = train(tmp_path / "long.npz", 3)
    train(tmp_path / "ext.npz", 1)
    log_ext, state_ext = train(tmp_path / "ext.npz", 3, resume=True)
    assert log_ext.examples == log_long.examples and log_ext.test_error == log_long.test_error
    for key in state_long:
        np.testing.assert_array_equal(state_long[key], state_ext[key], err_msg=key)


@pytest.mark.standalone
def test_runtime_and_cpp_standalone_give_identical_spikes(tmp_path):
    """Same seed -> the same spikes in every layer on numpy and C++, over two chained blocks."""
    from spiketeach.core.devices import reset_device, select_device

    _, x, y = _examples(4)
    results = {}
    for dev in ("runtime", "cpp_standalone"):
        select_device(dev, build_dir=tmp_path / "build")
        ban = samadi2017.build([2, 6, 6, 2], _schedule(4), seed=3, record_layers=True)
        first = run_block(ban, None, x, y, np.ones(4))
        second = run_block(ban, ban.get_state(), x, y, np.r_[0, 1, 1, 0])
        spikes = [(np.asarray(m.i[:]).copy(), np.asarray(m.t[:]).copy()) for m in ban.layer_spikes]
        results[dev] = first.counts, second.counts, spikes, ban.get_state()
        reset_device()
    rt, sa = results["runtime"], results["cpp_standalone"]
    np.testing.assert_array_equal(rt[0], sa[0])
    np.testing.assert_array_equal(rt[1], sa[1])
    assert sum(len(i) for i, _ in rt[2]) > 100
    for (i_rt, t_rt), (i_sa, t_sa) in zip(rt[2], sa[2]):
        np.testing.assert_array_equal(i_rt, i_sa)
        np.testing.assert_allclose(t_rt, t_sa, atol=1e-9)
    for key in rt[3]:
        np.testing.assert_allclose(rt[3][key], sa[3][key], rtol=1e-9, atol=1e-12, err_msg=key)


@pytest.mark.standalone
def test_broadcast_alignment_learns_the_teacher(cpp_standalone):
    """Spiking BA takes a 5-layer learner from chance to well below it (< 1 min incl. compiling).

    One compiled binary is re-run for two seeds (new teacher, new Appendix-B initialisation).
    """
    ban = samadi2017.build([2, 10, 10, 10, 2], _schedule(250))
    for seed in (0, 1):
        task = TeacherStudentTask(seed=seed)
        rng = np.random.default_rng(seed)
        tx, ty = task.sample(50, rng)
        log, _ = train_in_blocks(ban, task.sample, tx, ty, 3, rng=rng,
                                 initial_state=ban.initial_state(seed), progress=lambda s: None)
        assert log.test_error[0] > 0.3, f"seed {seed}: starts near chance (50 %)"
        assert log.test_error[-1] < 0.2, f"seed {seed}: learning curve {log.test_error}"
