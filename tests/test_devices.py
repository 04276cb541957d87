import importlib.util

import pytest

from spiketeach.devices import DEVICES, DeviceError, current_device, reset_device, select_device


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
    reset_device()
    cfg = select_device("runtime")
    assert not cfg.standalone and current_device().name == "runtime"
    assert type(get_device()).__name__ == "RuntimeDevice"
    assert set(DEVICES) == {"runtime", "cpp_standalone", "genn", "cuda_standalone"}
