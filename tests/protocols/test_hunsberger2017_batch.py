"""The poster protocol for several seeds as one batched network gives each seed's run alone:
the same decoded output, error curve, hidden spikes in the recording windows and weights."""

import numpy as np
import pytest
from brian2 import ms

from spiketeach.models.hunsberger2017.params import HunsbergerParams
from spiketeach.protocols.hunsberger2017.linear_map import (
    LinearMapTask,
    PosterProtocol,
    run_spiking_batch,
    run_spiking_protocol,
)

P = HunsbergerParams(sizes=(4, 6, 5, 2), n_per_dim=10, eta=5.0, w_init_std=0.1,
                     presentation=60 * ms)
PROTOCOL = PosterProtocol(2, 4, 2)
TASK = LinearMapTask(4, 2)
SEEDS = [5, 9]


def test_batched_protocol_equals_each_seed_alone(runtime):
    quiet = lambda s: None  # noqa: E731
    runs, fan = run_spiking_batch(P, PROTOCOL, TASK, SEEDS, progress=quiet)
    assert fan.trials == 2 and len(runs) == 2
    for seed, batched in zip(SEEDS, runs):
        alone, _ = run_spiking_protocol(P, PROTOCOL, TASK, seed=seed, progress=quiet)
        np.testing.assert_array_equal(batched.y, alone.y)
        np.testing.assert_array_equal(batched.nrmse_raw, alone.nrmse_raw)
        assert batched.final_nrmse == alone.final_nrmse
        for (ib, tb), (ia, ta) in zip(batched.hidden_spikes, alone.hidden_spikes):
            np.testing.assert_array_equal(ib, ia)
            np.testing.assert_array_equal(tb, ta)
        for wb, wa in zip(batched.weights_after, alone.weights_after):
            np.testing.assert_array_equal(wb, wa)
        assert any(np.abs(wa - w0).max() > 1e-3  # it learned
                   for wa, w0 in zip(alone.weights_after, alone.weights_before))
        for wb, wa in zip(batched.weights_before, alone.weights_before):
            np.testing.assert_array_equal(wb, wa)
    assert runs[0].final_nrmse != runs[1].final_nrmse
    assert sum(len(i) for i, _ in runs[0].hidden_spikes) > 0
    with pytest.raises(ValueError, match="holds 2 trials"):
        run_spiking_batch(P, PROTOCOL, TASK, [1, 2, 3], fan=fan, progress=quiet)
