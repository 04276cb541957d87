"""spiketeach.core.handle: every family's built network is a NetworkHandle, and its
initial_state(seed) is the state a network built with that seed starts from."""

import numpy as np
import pytest
from brian2 import ms

from spiketeach.core.handle import NetworkHandle
from spiketeach.core.schedule import PresentationSchedule
from spiketeach.models import hunsberger2017, samadi2017, shrestha2019
from spiketeach.models.hunsberger2017.params import HunsbergerParams
from spiketeach.models.samadi2017.params import SamadiParams


def _samadi(seed):
    p = SamadiParams()
    return samadi2017.build([2, 3, 2], PresentationSchedule(2, p.presentation, p.settle), seed=seed)


def _hunsberger(seed):
    return hunsberger2017.build(PresentationSchedule(2, 100 * ms, 0 * ms),
                                params=HunsbergerParams(), seed=seed, record_hidden=False)


def _shrestha(seed):
    return shrestha2019.build([4, 3, 2], 2, seed=seed)


@pytest.mark.parametrize("build", [_samadi, _hunsberger, _shrestha])
def test_every_family_builds_a_network_handle(runtime, build):
    net = build(seed=4)
    assert isinstance(net, NetworkHandle)
    assert net.runner is net.runner  # one runner per network
    state = net.get_state()  # (runtime: readable before the first block)
    assert set(state) == net.state_keys()
    initial = net.initial_state(4)
    assert net.state_keys() <= set(initial)
    for key in state:
        np.testing.assert_allclose(initial[key], state[key], err_msg=key)
    with pytest.raises(ValueError, match="state lacks"):
        net.state_pairs({})
