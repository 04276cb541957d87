"""spiketeach.core.batch: the layout of N trials in one network, and batch checkpoints."""

import numpy as np
import pytest

from spiketeach.core.batch import (
    TrialBatch,
    dense_weight_matrices,
    load_batch_checkpoint,
    save_batch_checkpoint,
)
from spiketeach.core.checkpoint import CheckpointError
from spiketeach.core.connectivity import dense_indices


def test_block_indices_repeat_one_trial_without_crossing():
    b = TrialBatch(3)
    i, j = b.dense_indices(2, 4)
    i1, j1 = dense_indices(2, 4)
    assert len(i) == 3 * len(i1)
    for k in range(3):  # block k: trial k's cells only, in the single trial's order
        blk = slice(k * len(i1), (k + 1) * len(i1))
        np.testing.assert_array_equal(i[blk] - 2 * k, i1)
        np.testing.assert_array_equal(j[blk] - 4 * k, j1)
    assert np.array_equal(i // 2, j // 4)  # no synapse between trials
    with pytest.raises(ValueError, match="outside"):
        b.block_indices([0, 2], [0, 0], 2, 4)


def test_values_states_and_spikes_round_trip():
    b = TrialBatch(2)
    cols = b.columns([np.ones((3, 2)), 2 * np.ones((3, 2))])
    assert cols.shape == (3, 4) and cols[0].tolist() == [1, 1, 2, 2]
    assert [c[0, 0] for c in b.split_columns(cols)] == [1, 2]
    states = [{"w": np.arange(3.0), "b": np.zeros(1)}, {"w": np.arange(3.0) + 10, "b": np.ones(1)}]
    back = b.split_state(b.stack_states(states))
    for a, c in zip(states, back):
        assert all(np.array_equal(a[k], c[k]) for k in a)
    np.testing.assert_array_equal(b.tile([1, 2]), [1, 2, 1, 2])
    (i0, t0), (i1, t1) = b.split_spikes([0, 3, 1, 2], [0.1, 0.2, 0.3, 0.4], 2)
    assert i0.tolist() == [0, 1] and t0.tolist() == [0.1, 0.3]
    assert i1.tolist() == [1, 0] and t1.tolist() == [0.2, 0.4]
    with pytest.raises(ValueError, match="does not split into 2 trials"):
        b.split(np.zeros(3))
    with pytest.raises(ValueError, match="keys"):
        b.stack_states([{"w": np.zeros(1)}, {"v": np.zeros(1)}])
    with pytest.raises(ValueError, match="whole number"):
        TrialBatch(0)


def test_batch_checkpoint_records_its_trials(tmp_path):
    path = tmp_path / "batch.npz"
    state = {"w": np.arange(6.0)}
    save_batch_checkpoint(path, [4, 7, 9], state, {"block": 2})
    loaded, meta = load_batch_checkpoint(path, [4, 7, 9])
    np.testing.assert_array_equal(loaded["w"], state["w"])
    assert meta["block"] == 2
    with pytest.raises(CheckpointError, match="holds the trials"):
        load_batch_checkpoint(path, [4, 7, 10])
    with pytest.raises(ValueError, match="does not split"):
        save_batch_checkpoint(path, [1, 2, 3, 4], state, {})


class _Syn:
    """A stand-in for a Synapses object: its weights in connection order and its name."""

    def __init__(self, w, name):
        self.w, self.name = np.asarray(w, dtype=float), name


def test_dense_weight_matrices_reads_each_trials_block_in_pre_major_order():
    sizes = [3, 2]
    mats = [np.arange(6.0).reshape(2, 3), 10 + np.arange(6.0).reshape(2, 3)]  # n_post x n_pre
    batch = TrialBatch(2)
    # pre-major connection order (dense_indices): w[i * n_post + j] = W[j, i], trial after trial
    syn = _Syn(np.concatenate([m.T.ravel() for m in mats]), "forward0")
    for k, m in enumerate(mats):
        np.testing.assert_array_equal(dense_weight_matrices([syn], sizes, batch, k)[0], m)
    np.testing.assert_array_equal(dense_weight_matrices([_Syn(mats[0].T.ravel(), "f")], sizes)[0],
                                  mats[0])
    with pytest.raises(ValueError, match="pass trial= 0..1"):
        dense_weight_matrices([syn], sizes, batch)
