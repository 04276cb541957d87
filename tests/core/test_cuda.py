"""Brian2CUDA: the Samadi network generated AND compiled with nvcc, without a GPU
(``make test-cuda``; running the binary needs a GPU). Skipped where Brian2CUDA or nvcc is missing."""

import re
import shutil
import subprocess

import numpy as np
import pytest

pytest.importorskip("brian2cuda")

from brian2 import device, prefs  # noqa: E402

from spiketeach.core.devices import compiled_binary, reset_device, select_device  # noqa: E402
from spiketeach.core.runner import BlockRunner  # noqa: E402
from spiketeach.core.schedule import PresentationSchedule  # noqa: E402
from spiketeach.core.standalone import run_arg_name  # noqa: E402
from spiketeach.models import samadi2017  # noqa: E402
from spiketeach.models.samadi2017.params import SamadiParams  # noqa: E402
from spiketeach.protocols.device_check import (  # noqa: E402
    CASES,
    RANDOM_FAMILIES,
    compare,
    rule_holds,
    run_case,
)

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
    # eq. 2.13 on the event-driven last projection: its weights live in X (and Q) there
    return samadi2017.build([3, 4, 2], sched, formulation="fast").net, "forward1_X"


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


# --- issue 22: defects found on an H200, checked without a GPU -----------------------------------

def test_cpp_preferences_do_not_reach_a_later_cuda_build(tmp_path):
    """cpp_standalone's link flag -ffast-math (and gcc-only flags) left in the preferences made
    every later cuda build fail (`nvcc fatal: Unknown option '-ffast-math'`)."""
    from spiketeach.core.devices import ALIAS_CHECKS_FLAG, CUDA_CXX_STANDARD
    if shutil.which("nvcc") is None:
        pytest.skip("no nvcc (CUDA toolkit)")
    backend = prefs.devices.cuda_standalone.cuda_backend
    detect, gcc = backend.detect_gpus, list(prefs.codegen.cpp.extra_compile_args_gcc)
    try:
        select_device("cpp_standalone", build_dir=tmp_path / "cpp")
        assert "-ffast-math" in prefs.codegen.cpp.extra_link_args
        select_device("cuda_standalone", build_dir=tmp_path / "cuda", compute_capability=8.0)
        assert "-ffast-math" not in prefs.codegen.cpp.extra_link_args
        assert ALIAS_CHECKS_FLAG not in prefs.codegen.cpp.extra_compile_args_gcc
        assert backend.detect_gpus is False
    finally:
        reset_device()
    assert backend.detect_gpus == detect  # and the cuda ones are undone in turn
    assert list(prefs.codegen.cpp.extra_compile_args_gcc) == gcc
    assert CUDA_CXX_STANDARD not in gcc or CUDA_CXX_STANDARD in prefs.codegen.cpp.extra_compile_args_gcc


def _binary_reads(build_dir) -> dict:
    """``{name: bytes}`` the generated binary reads for each settable variable (None: a
    dynamic array, whose size is known only when it runs), from its objects.cu."""
    code = (build_dir / "objects.cu").read_text()
    sizes = {"double": 8, "float": 4, "int32_t": 4, "int64_t": 8, "char": 1}
    reads = {}
    for m in re.finditer(r'if \(name == "([^"]+)"\) \{\s*var_size = ([^;]+);\s*'
                         r'data_size = [^;]*sizeof\((\w+)\)', code):
        name, n, ctype = m.groups()
        reads[name] = int(n) * sizes[ctype] if n.isdigit() else None
    return reads


class _Generated(Exception):
    pass


CUDA_CASES = [(k, f) for k, forms in CASES.items() for f in forms if f != "genn"]


@pytest.mark.parametrize("key,formulation", CUDA_CASES, ids=[f"{k}-{f}" for k, f in CUDA_CASES])
def test_every_run_time_value_reaches_the_cuda_binary(cuda, monkeypatch, key, formulation):
    """The generated project compiles where it refers to defaultclock, and a block's state and
    stimuli reach the binary: every file named on its command line is
    found under the name the binary opens (Brian2CUDA lower-cases the value it is given) with
    the size the binary expects. Brian2's own file names for forward0.DW, hidden0.Db, feedback0.B
    ... have capitals: the second block on an H200 printed `file size -1` and ran on with the
    built values."""
    seen = {}

    def generate(self, values, timed_arrays, seed=None):  # generate the project, then stop
        self.net.run(self.duration, namespace={})
        device.build(directory=str(cuda.build_dir), compile=False, run=False)
        seen["argv"], seen["files"] = self.run_arguments(values, timed_arrays, seed)
        seen["values"], seen["timed"] = values, timed_arrays
        raise _Generated

    monkeypatch.setattr(BlockRunner, "_run_standalone", generate)
    with pytest.raises(_Generated):
        run_case(key, formulation, blocks=1)
    reads = _binary_reads(cuda.build_dir)
    names = [arg.split("=", 1)[0] for arg in seen["argv"]]
    assert len(names) == len(seen["values"]) + len(seen["timed"])  # the complete list
    assert {run_arg_name(view) for view, _ in seen["values"]} <= set(names)
    capitals = 0
    for arg, (view, value) in zip(seen["argv"], list(seen["values"]) + list(seen["timed"].items())):
        name, given = arg.split("=", 1)
        assert name in reads, f"the binary cannot set {name}"
        if given[0] in "-0123456789":
            continue  # a single value, inline
        path = cuda.build_dir / given.lower()  # what the binary opens
        assert path.exists(), f"{name}: the binary opens {given.lower()}, which is not there"
        dtype = view.variable.dtype if hasattr(view, "variable") else view.values.dtype
        size = np.asarray(value).size * np.dtype(dtype).itemsize
        assert path.stat().st_size == size and reads[name] in (None, size), name
        capitals += name != name.lower()
    if key == "samadi2017":  # the names the H200 run lost are among those checked
        assert capitals >= 3, seen["argv"]
    # Brian2CUDA's synapses.cu reads defaultclock in event-driven pathways: it must be declared
    # (the network steps on it), or nvcc fails with `identifier "defaultclock" is undefined`
    readers = [p.name for p in (cuda.build_dir / "code_objects").glob("*.cu")
               if "defaultclock." in p.read_text()]
    declared = "extern Clock defaultclock;" in (cuda.build_dir / "objects.h").read_text()
    assert declared or not readers, readers
    if formulation == "fast" and key == "samadi2017":
        assert {"forward0_fold_codeobject.cu", "feedback0_pre_codeobject.cu"} <= set(readers)


@pytest.mark.parametrize("key,formulation", CUDA_CASES, ids=[f"{k}-{f}" for k, f in CUDA_CASES])
def test_every_form_compiles_with_nvcc(cuda, monkeypatch, key, formulation):
    """Each family's small network, reference and fast forms, compiled by nvcc (the fast forms'
    event-driven pathways failed with `identifier "defaultclock" is undefined` while the network
    ran on its own Clock: spiketeach.core.clocks.step_clock)."""
    def compile_only(self, values, timed_arrays, seed=None):
        self.net.run(self.duration, namespace={})
        device.build(directory=str(cuda.build_dir), compile=True, run=False)
        raise _Generated

    monkeypatch.setattr(BlockRunner, "_run_standalone", compile_only)
    with pytest.raises(_Generated):
        run_case(key, formulation, blocks=1)
    exe = compiled_binary()
    assert exe is not None and exe.stat().st_size > 0
    objects = sorted((cuda.build_dir / "code_objects").glob("*.o"))
    assert len(objects) == len(list((cuda.build_dir / "code_objects").glob("*.cu")))


def _has_gpu() -> bool:
    try:
        return bool(subprocess.run(["nvidia-smi", "-L"], capture_output=True, text=True,
                                   timeout=30).stdout.strip())
    except (OSError, subprocess.SubprocessError):
        return False


@pytest.mark.skipif(not _has_gpu(), reason="no GPU here (nvidia-smi -L lists none): Brian2CUDA "
                    "generates and compiles without one (the tests above), running needs one")
@pytest.mark.parametrize("key,formulation", CUDA_CASES, ids=[f"{k}-{f}" for k, f in CUDA_CASES])
def test_every_form_on_the_gpu_equals_cpp_standalone(tmp_path, key, formulation):
    """Two chained blocks with learning (the second a run_args re-run of the binary): the same
    spikes in every group as cpp_standalone and weights to rounding; for the families that draw
    random numbers every step (cuRAND draws others) the device-independent rule of
    spiketeach.protocols.device_check.rule_holds on each device."""
    runs = {}
    for dev in ("cpp_standalone", "cuda_standalone"):
        select_device(dev, build_dir=tmp_path / dev)
        try:
            runs[dev] = run_case(key, formulation, blocks=2)
        finally:
            reset_device()
    if key in RANDOM_FAMILIES:
        for dev, run in runs.items():
            check = rule_holds(run)
            assert check["holds"], (dev, check)
        return
    diff = compare(runs["cpp_standalone"], runs["cuda_standalone"])
    assert diff["same_spikes"], diff["first_difference"]
    assert diff["spikes_compared"] > 100 and diff["blocks"] == 2
    assert diff["weights_rel"] < 1e-9 and diff["weight_change"] > 1e-3
