import importlib.util

import pytest

from spiketeach.core.devices import (
    DEVICES,
    DeviceError,
    current_device,
    reset_device,
    select_device,
    using_device,
)


def test_unknown_device_names_the_choices():
    with pytest.raises(DeviceError, match="unknown device 'gpu'.*cpp_standalone"):
        select_device("gpu")


@pytest.mark.skipif(importlib.util.find_spec("brian2genn") is not None, reason="brian2genn installed")
def test_genn_without_backend_says_what_to_install():
    with pytest.raises(DeviceError, match=r"pip install 'spiketeach\[genn\]'.*GENN_PATH"):
        select_device("genn")


@pytest.mark.skipif(importlib.util.find_spec("brian2cuda") is not None, reason="brian2cuda installed")
def test_cuda_without_backend_says_what_to_install():
    with pytest.raises(DeviceError, match=r"pip install 'spiketeach\[cuda\]'"):
        select_device("cuda_standalone")


def test_bad_options():
    with pytest.raises(DeviceError, match="threads"):
        select_device("cpp_standalone", threads=0)
    with pytest.raises(DeviceError, match="target"):
        select_device("runtime", target="fortran")


def test_select_and_reset(tmp_path):
    cfg = select_device("cpp_standalone", build_dir=tmp_path / "b", threads=2)
    assert cfg.standalone and cfg.build_dir.is_dir() and cfg.threads == 2
    from brian2 import get_device, prefs
    assert type(get_device()).__name__ == "CPPStandaloneDevice"
    assert prefs.devices.cpp_standalone.openmp_threads == 2
    assert "-ffast-math" in prefs.codegen.cpp.extra_link_args
    from spiketeach.core.devices import ALIAS_CHECKS_FLAG
    assert prefs.codegen.cpp.extra_compile_args_gcc.count(ALIAS_CHECKS_FLAG) == 1
    reset_device()
    select_device("cpp_standalone", build_dir=tmp_path / "c", alias_checks=False)
    assert ALIAS_CHECKS_FLAG not in prefs.codegen.cpp.extra_compile_args_gcc
    reset_device()
    select_device("cpp_standalone", build_dir=tmp_path / "d")  # on again, once
    assert prefs.codegen.cpp.extra_compile_args_gcc.count(ALIAS_CHECKS_FLAG) == 1
    reset_device()
    cfg = select_device("runtime")
    assert not cfg.standalone and current_device().name == "runtime"
    assert type(get_device()).__name__ == "RuntimeDevice"
    assert set(DEVICES) == {"runtime", "cpp_standalone", "genn", "cuda_standalone"}


def test_using_device_resets_after_the_block_even_on_an_error(tmp_path):
    from brian2 import get_device
    with using_device("cpp_standalone", build_dir=tmp_path / "b") as cfg:
        assert cfg.standalone and current_device().name == "cpp_standalone"
    assert type(get_device()).__name__ == "RuntimeDevice"
    with pytest.raises(RuntimeError, match="inside"):
        with using_device("cpp_standalone", build_dir=tmp_path / "c"):
            assert type(get_device()).__name__ == "CPPStandaloneDevice"
            raise RuntimeError("inside")
    assert type(get_device()).__name__ == "RuntimeDevice"


def test_block_runner_seeds(tmp_path):
    """BlockRunner(run(seed=...)): runtime blocks with the same seed draw the same numbers,
    other seeds other ones; cpp_standalone refuses a seed unless the runner is ``seeded`` (the
    compiled re-seeding is checked on a real build in tests/models/shrestha2019/test_emstdp.py)."""
    import numpy as np
    from brian2 import Network, NeuronGroup, SpikeMonitor, ms

    from spiketeach.core.runner import BlockRunner
    select_device("runtime")
    try:
        g = NeuronGroup(10, "", threshold="rand() < 0.3")
        mon = SpikeMonitor(g)
        runner = BlockRunner(Network(g, mon), 2 * ms)
        spikes = []
        for seed in (3, 3, 4):
            runner.run(seed=seed)
            spikes.append(np.asarray(mon.i[:]).copy())
        assert np.array_equal(spikes[0], spikes[1]) and len(spikes[0]) > 10
        assert not np.array_equal(spikes[0], spikes[2])
        with pytest.raises(ValueError):
            runner.run(seed=-1)
        select_device("cpp_standalone", build_dir=tmp_path / "build")
        g = NeuronGroup(10, "", threshold="rand() < 0.3")
        with pytest.raises(DeviceError, match="seeded=True"):
            BlockRunner(Network(g), 2 * ms).run(seed=3)
    finally:
        reset_device()


def test_preferences_of_one_device_do_not_leak_into_the_next(tmp_path):
    """select_device undoes what it set for the previous device (cpp_standalone's -ffast-math
    link flag made every later cuda_standalone build fail: `nvcc fatal: Unknown option`), and
    leaves what the user set alone (tests/core/test_cuda.py checks cpp then cuda)."""
    from brian2 import prefs

    from spiketeach.core.devices import ALIAS_CHECKS_FLAG
    before = {k: list(prefs[k]) for k in ("codegen.cpp.extra_link_args",
                                          "codegen.cpp.extra_compile_args_gcc")}
    user_flags = before["codegen.cpp.extra_compile_args_gcc"] + ["-DUSER_FLAG"]
    prefs.codegen.cpp.extra_compile_args_gcc = user_flags
    try:
        select_device("cpp_standalone", build_dir=tmp_path / "b", threads=2)
        assert "-ffast-math" in prefs.codegen.cpp.extra_link_args
        assert "-DUSER_FLAG" in prefs.codegen.cpp.extra_compile_args_gcc
        select_device("runtime")
        assert list(prefs.codegen.cpp.extra_link_args) == before["codegen.cpp.extra_link_args"]
        assert list(prefs.codegen.cpp.extra_compile_args_gcc) == user_flags
        assert ALIAS_CHECKS_FLAG not in prefs.codegen.cpp.extra_compile_args_gcc
        assert prefs.devices.cpp_standalone.openmp_threads == 0
    finally:
        reset_device()
        prefs.codegen.cpp.extra_compile_args_gcc = before["codegen.cpp.extra_compile_args_gcc"]


def test_genn_options_belong_to_genn():
    with pytest.raises(DeviceError, match="unknown GeNN backend 'opencl'"):
        select_device("genn", genn_backend="opencl")
    with pytest.raises(DeviceError, match="options of the genn device"):
        select_device("cpp_standalone", genn_backend="cpu")
