"""Brian2CUDA: the Samadi network generated AND compiled with nvcc, without a GPU
(``make test-cuda``; running the binary needs a GPU). Skipped where Brian2CUDA or nvcc is missing."""

import shutil
import subprocess

import pytest

pytest.importorskip("brian2cuda")

from brian2 import device, prefs  # noqa: E402

from spiketeach.core.devices import compiled_binary, reset_device, select_device  # noqa: E402
from spiketeach.core.schedule import PresentationSchedule  # noqa: E402
from spiketeach.models import samadi2017  # noqa: E402
from spiketeach.models.samadi2017.params import SamadiParams  # noqa: E402

pytestmark = pytest.mark.cuda

P = SamadiParams()


@pytest.fixture
def cuda(tmp_path):
    if shutil.which("nvcc") is None:
        pytest.skip("no nvcc (CUDA toolkit)")
    cfg = select_device("cuda_standalone", build_dir=tmp_path / "cuda", compute_capability=8.0)
    yield cfg
    reset_device()


def test_cuda_options_for_a_machine_without_gpu(cuda):
    backend = prefs.devices.cuda_standalone.cuda_backend
    assert backend.detect_gpus is False and backend.compute_capability == 8.0
    assert "-std=c++17" in backend.extra_compile_args_nvcc
    assert "-std=c++17" in prefs.codegen.cpp.extra_compile_args_gcc
    assert not any(f == "-std=c++11" for f in prefs.codegen.cpp.extra_compile_args_gcc)
    assert any("curand" in d or (cuda.build_dir / "curand_lib").exists()
               for d in prefs.codegen.cpp.library_dirs)


def test_samadi_network_compiles_with_nvcc(cuda):
    n = 2
    ban = samadi2017.build([3, 4, 2], PresentationSchedule(n, P.presentation, P.settle), seed=0,
                           formulation="reference")
    ban.net.run(ban.schedule.duration, namespace={})
    device.build(directory=str(cuda.build_dir), compile=True, run=False)
    exe = compiled_binary()
    assert exe is not None and exe.stat().st_size > 0
    if shutil.which("ldd"):  # cuRAND resolves at load time (rpath to the toolkit or the wheel)
        libs = subprocess.run(["ldd", str(exe)], capture_output=True, text=True).stdout
        assert "libcurand" in libs and "not found" not in libs, libs
    makefile = (cuda.build_dir / "makefile").read_text()
    assert "-arch=sm_80" in makefile and "-lcurand" in makefile
    # the plasticity is in the compiled kernels: eq. 2.13's momentum update of the forward weights
    kernel = (cuda.build_dir / "code_objects" / "forward0_weight_update_codeobject.cu").read_text()
    assert "__global__" in kernel and "_ptr_array_forward0_DW" in kernel
    assert "_ptr_array_hidden0_iota" in kernel
    assert "DW = (mu * DW) - (iota_post * a_pre);" in kernel and "w += DW;" in kernel
    assert (cuda.build_dir / "code_objects" / "forward0_weight_update_codeobject.o").exists()


def _kernels_writing(build_dir, array):
    """Generated CUDA sources that store a new value into ``array`` (e.g. a weight)."""
    return [p.name for p in sorted((build_dir / "code_objects").glob("*.cu"))
            if f"_ptr_array_{array}[_idx] = " in p.read_text()]


def _samadi_fast(sched):
    return samadi2017.build([3, 4, 2], sched, formulation="fast").net, "forward1_w"  # eq. 2.13


def _hunsberger(sched):
    from dataclasses import replace

    from spiketeach.models import hunsberger2017
    from spiketeach.models.hunsberger2017.params import HunsbergerParams

    fa = hunsberger2017.build(sched, params=replace(HunsbergerParams(), sizes=(4, 6, 6, 3)))
    return fa.net, "forward0_w"  # lazy FA catch-up on pre spikes and flushes


def _emstdp(sched):
    from spiketeach.models import shrestha2019
    from spiketeach.models.shrestha2019.params import code_params

    em = shrestha2019.build([16, 8, 4], 10, params=code_params(T=20), feedback="symmetric")
    return em.net, "emstdp_forward0_w"  # eq. 12 at the window end


@pytest.mark.parametrize("model", [_samadi_fast, _hunsberger, _emstdp],
                         ids=["samadi-fast", "hunsberger", "emstdp"])
def test_every_model_generates_cuda_code_with_its_plasticity(cuda, model):
    # generation only (nvcc takes minutes per project; the Samadi test above compiles): the
    # default formulations, with the kernels that write the learned weights
    sched = PresentationSchedule(1, P.presentation, P.settle)
    net, weights = model(sched)
    net.run(sched.duration, namespace={})
    device.build(directory=str(cuda.build_dir), compile=False, run=False)
    assert _kernels_writing(cuda.build_dir, weights)
