"""The one place that picks and prepares a Brian2 device.

Devices
-------
``runtime``
    Brian2's runtime mode; ``target`` chooses the numpy (default, no compiler) or cython target.
``cpp_standalone``
    Generates and compiles one C++ program per network; protocols re-run the same binary with
    ``run_args`` (new weights, stimuli, learning gates), so nothing recompiles between blocks.
``genn``
    Brian2GeNN (``pip install 'spiketeach[genn]'`` in its own environment, brian2 < 2.6, and a
    GeNN 4 checkout in ``GENN_PATH`` or ``genn_path`` to compile). ``genn_backend`` picks GeNN's
    ``"cuda"`` backend (a GPU) or its single-threaded ``"cpu"`` one (any machine; what the tests
    run). One ``run()`` per build: a :class:`BlockRunner` runs one block. Models pick their GeNN
    formulation automatically.
``cuda_standalone``
    Brian2CUDA (``pip install 'spiketeach[cuda]'``, nvcc, and cuRAND: the toolkit's or the
    ``nvidia-curand`` wheel's). Without a GPU, pass ``compute_capability``: GPU detection is
    switched off and code is generated and compiled for that architecture.

Use :func:`select_device` before building a network and :class:`BlockRunner` to run it in blocks.
Every preference :func:`select_device` sets is undone by the next :func:`select_device` or
:func:`reset_device` (cpp_standalone's ``-ffast-math`` link flag is an unknown option to nvcc), while
preferences the user set stay as they were.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import brian2
from brian2 import get_device, prefs, set_device
from brian2.devices.cpp_standalone.device import CPPStandaloneDevice

from spiketeach.errors import SpiketeachError

__all__ = ["DEVICES", "RUNTIME_TARGETS", "DEFAULT_COMPUTE_CAPABILITY", "CUDA_CXX_STANDARD", "brian2_supports_run_args", "DeviceError", "DeviceConfig", "select_device", "using_device", "ALIAS_CHECKS_FLAG", "find_curand", "compiled_binary", "reset_device", "is_standalone", "current_device",
           "GENN_BACKENDS"]

DEVICES = ("runtime", "cpp_standalone", "genn", "cuda_standalone")

RUNTIME_TARGETS = ("numpy", "cython")

#: GeNN's code-generation backends as Brian2GeNN offers them (``use_GPU``)
GENN_BACKENDS = ("cpu", "cuda")

_INSTALL_HINTS = {
    "genn": ("Brian2GeNN is not installed. Install it with `pip install 'spiketeach[genn]'` "
             "(it needs brian2 < 2.6 in its own virtual environment: `make test-genn`) and point "
             "GENN_PATH at a GeNN 4 checkout."),
    "cuda_standalone": ("Brian2CUDA is not installed. Install it with `pip install "
                        "'spiketeach[cuda]'` (its own virtual environment: `make test-cuda`) and "
                        "make sure nvcc (CUDA toolkit) is on PATH or in CUDA_PATH."),
}

#: Brian2CUDA without a GPU: code is generated and compiled for this architecture (sm_80,
#: A100; CUDA 13 supports nothing older than sm_75).
DEFAULT_COMPUTE_CAPABILITY = 8.0

#: nvcc 12+ (CCCL/thrust) needs C++17; Brian2CUDA's makefile asks for C++11 and Brian2's gcc
#: flags for C++11.
CUDA_CXX_STANDARD = "-std=c++17"

def brian2_supports_run_args() -> bool:
    """Whether this Brian2 can re-run a standalone binary with new values (``run_args``,
    Brian2 >= 2.6; the Brian2GeNN environment has 2.5)."""
    major, minor = (int(x) for x in brian2.__version__.split(".")[:2])
    return (major, minor) >= (2, 6)


class DeviceError(SpiketeachError, RuntimeError):
    """A device was asked for that is unknown or cannot be used here."""

@dataclass
class DeviceConfig:
    """What :func:`select_device` set up."""

    name: str
    build_dir: Path | None = None
    threads: int = 1
    target: str = "numpy"
    #: cuda_standalone: the architecture compiled for (None: the detected GPU's)
    compute_capability: float | None = None
    #: genn: GeNN's backend, "cpu" or "cuda"
    genn_backend: str | None = None

    @property
    def standalone(self) -> bool:
        return self.name != "runtime"

_current = DeviceConfig("runtime")

def select_device(name: str = "runtime", *, build_dir: str | os.PathLike | None = None,
                  threads: int = 1, target: str = "numpy",
                  compute_capability: float | None = None,
                  cuda_path: str | os.PathLike | None = None,
                  generate_only: bool = False, alias_checks: bool = True,
                  genn_backend: str | None = None,
                  genn_path: str | os.PathLike | None = None) -> DeviceConfig:
    """Select and reset a Brian2 device.

    Parameters
    ----------
    name : {"runtime", "cpp_standalone", "genn", "cuda_standalone"}
        The device.
    build_dir : path, optional
        Where standalone code is generated and compiled (a fresh temporary directory if omitted).
    threads : int
        OpenMP threads for cpp_standalone (1 by default: threads help large dense projections and
        slow down small networks).
    target : {"numpy", "cython"}
        Code-generation target of the runtime device.
    compute_capability : float, optional
        cuda_standalone: compile for this GPU architecture (e.g. 8.0 for sm_80) and switch
        GPU detection off, so that code is generated and compiled on a machine without a GPU.
        If omitted, the GPU is detected (``nvidia-smi``), or, where there is none, 8.0 is used.
    cuda_path : path, optional
        cuda_standalone: the CUDA toolkit (else ``CUDA_PATH``, the directory of ``nvcc`` on
        PATH, or ``/usr/local/cuda``).
    generate_only : bool
        genn: the (one) ``run()`` generates the GeNN project and neither compiles nor runs it
        (what can be checked without GeNN and a GPU). Brian2GeNN builds during ``run()``
        (a build after the run statement is refused), so this is fixed here, not at build time.
    alias_checks : bool
        cpp_standalone: compile with :data:`ALIAS_CHECKS_FLAG`, which lets gcc vectorise loops
        over many arrays (the per-cell passes); off for a build it makes slower (gathers over
        synapses: benchmarks/mnist_throughput.py times the reference form both ways).
    genn_backend : {"cpu", "cuda"}, optional
        genn: GeNN's single-threaded CPU backend (runs anywhere: the tests compile and run every
        GeNN formulation with it) or its CUDA backend (a GPU). If omitted: "cuda" where
        ``nvidia-smi`` is found, else "cpu".
    genn_path : path, optional
        genn: the GeNN 4 checkout (else ``GENN_PATH``, else ``genn-buildmodel.sh`` on PATH).

    Raises
    ------
    DeviceError
        For an unknown name, a backend that is not installed, or a CUDA toolkit without nvcc
        or cuRAND.
    """
    global _current
    if name not in DEVICES:
        raise DeviceError(f"unknown device {name!r}; choose one of {', '.join(DEVICES)}")
    if threads < 1:
        raise DeviceError(f"threads must be >= 1, got {threads}")
    if name == "runtime" and target not in RUNTIME_TARGETS:
        raise DeviceError(f"unknown runtime target {target!r}; choose one of {RUNTIME_TARGETS}")
    if genn_backend is not None and genn_backend not in GENN_BACKENDS:
        raise DeviceError(f"unknown GeNN backend {genn_backend!r}; choose one of {GENN_BACKENDS}")
    if name != "genn" and (genn_backend is not None or genn_path is not None):
        raise DeviceError(f"genn_backend and genn_path are options of the genn device, not {name!r}")
    if name == "genn":
        _require("brian2genn", name)
    elif name == "cuda_standalone":
        _require("brian2cuda", name)

    reset_device()
    if name == "runtime":
        set_device("runtime")
        _set_pref("codegen.target", target)
        _current = DeviceConfig(name, None, 1, target)
        return _current

    build = Path(build_dir) if build_dir else Path(tempfile.mkdtemp(prefix=f"spiketeach-{name}-"))
    build.mkdir(parents=True, exist_ok=True)
    backend = None
    if name == "genn":  # Brian2GeNN only builds from within its one run()
        backend = genn_backend or ("cuda" if shutil.which("nvidia-smi") else "cpu")
        if genn_path is not None:
            _set_pref("devices.genn.path", str(Path(genn_path).resolve()))
        # Brian2GeNN changes these for its run and leaves them ("reset them manually"):
        # a later cpp_standalone build would get GeNN's schedule
        for pref in ("codegen.loop_invariant_optimisations", "core.network.default_schedule",
                     "codegen.generators.cpp.restrict_keyword"):
            _set_pref(pref, prefs[pref])
        set_device(name, build_on_run=True, directory=str(build), compile=not generate_only,
                   run=not generate_only, use_GPU=backend == "cuda")
    else:
        set_device(name, build_on_run=False, directory=str(build))
    # Brian2's default `make -j` starts one compiler per file at once: dozens on a 2-core box
    _set_pref("devices.cpp_standalone.extra_make_args_unix", [f"-j{os.cpu_count() or 1}"])
    cc = None
    if name == "cuda_standalone":
        cc = _configure_cuda(build, compute_capability, cuda_path)
    if name == "cpp_standalone":
        _set_pref("devices.cpp_standalone.openmp_threads", threads if threads > 1 else 0)
        # Standalone compiles with -ffast-math but does not link with it, which leaves
        # flush-to-zero off; decaying momentum terms then become denormals and cost 2-3x.
        _add_flags("codegen.cpp.extra_link_args", ["-ffast-math"])
        # gcc ignores the __restrict of the array pointers Brian2 declares inside each code
        # object and gives up vectorising any loop over more than 10 arrays (a layer's learning
        # pass reads 14); allowing more run-time alias checks vectorises them (AVX2 here).
        if alias_checks:
            _add_flags("codegen.cpp.extra_compile_args_gcc", [ALIAS_CHECKS_FLAG])
    _current = DeviceConfig(name, build, threads, target, cc, backend)
    return _current


#: preferences select_device changed: {name: value before} (restored by reset_device)
_saved_prefs: dict[str, object] = {}


def _set_pref(name: str, value) -> None:
    """Set a Brian2 preference, remembering the value it replaces so reset_device restores it
    (the first value is kept when a preference is set twice)."""
    if name not in _saved_prefs:
        old = prefs[name]
        _saved_prefs[name] = list(old) if isinstance(old, (list, tuple)) else old
    prefs[name] = value


def _add_flags(name: str, flags, drop=lambda f: False) -> None:
    """Append ``flags`` to a list preference once, after removing those ``drop`` selects."""
    current = [f for f in prefs[name] if not drop(f) and f not in flags]
    _set_pref(name, current + list(flags))


def _restore_prefs() -> None:
    for name, value in _saved_prefs.items():
        prefs[name] = value
    _saved_prefs.clear()

#: gcc flag (dropped by Brian2 for compilers that do not take it): see select_device
ALIAS_CHECKS_FLAG = "--param=vect-max-version-for-alias-checks=400"

def _configure_cuda(build: Path, compute_capability, cuda_path) -> float | None:
    """Brian2CUDA's preferences for this machine: toolkit, architecture, cuRAND, C++17."""
    cuda = Path(cuda_path or os.environ.get("CUDA_PATH") or
                (Path(shutil.which("nvcc")).resolve().parent.parent if shutil.which("nvcc")
                 else "/usr/local/cuda"))
    if not (cuda / "bin" / "nvcc").exists():
        raise DeviceError(f"no nvcc in {cuda / 'bin'}: install the CUDA toolkit and pass "
                          "cuda_path= or set CUDA_PATH")
    key = "devices.cuda_standalone.cuda_backend."
    _set_pref(key + "cuda_path", str(cuda))
    if compute_capability is None and shutil.which("nvidia-smi") is None:
        compute_capability = DEFAULT_COMPUTE_CAPABILITY
    if compute_capability is not None:  # no GPU to ask: generate for the given architecture
        _set_pref(key + "detect_gpus", False)
        _set_pref(key + "gpu_id", 0)
        _set_pref(key + "compute_capability", float(compute_capability))
    curand = find_curand(cuda)
    if curand is None:
        raise DeviceError(f"cuRAND not found in {cuda} nor in an nvidia-curand wheel: "
                          "`pip install nvidia-curand` (CUDA 13; nvidia-curand-cu12 for CUDA 12)")
    include, lib = curand
    if (lib / "libcurand.so").exists():
        libdir = lib
    else:  # wheels ship only libcurand.so.N; -lcurand needs the unversioned name
        libdir = build / "curand_lib"
        libdir.mkdir(exist_ok=True)
        link = libdir / "libcurand.so"
        if not link.exists():
            target = sorted(lib.glob("libcurand.so*"))[0]
            link.symlink_to(target)
    # link against the unversioned name, load (rpath) from where libcurand.so.N lives
    for pref, value in (("include_dirs", str(include)), ("library_dirs", str(libdir)),
                        ("runtime_library_dirs", str(lib))):
        _add_flags(f"codegen.cpp.{pref}", [value])
    def std(flag):
        return flag.startswith("-std=")
    _add_flags("codegen.cpp.extra_compile_args_gcc", [CUDA_CXX_STANDARD], drop=std)
    _add_flags(key + "extra_compile_args_nvcc", [CUDA_CXX_STANDARD], drop=std)
    return compute_capability

def find_curand(cuda_path: str | os.PathLike | None = None) -> tuple[Path, Path] | None:
    """(include dir, library dir) of cuRAND: the CUDA toolkit's, else an ``nvidia-curand``
    wheel's in this environment; None if neither is there."""
    if cuda_path is not None:
        cuda = Path(cuda_path)
        for lib in (cuda / "lib64", cuda / "lib", cuda / "targets" / "x86_64-linux" / "lib"):
            if (cuda / "include" / "curand.h").exists() and list(lib.glob("libcurand.so*")):
                return cuda / "include", lib
    for base in sys.path:
        nvidia = Path(base or ".") / "nvidia"
        if not nvidia.is_dir():
            continue
        for header in sorted(nvidia.glob("*/include/curand.h")):
            lib = header.parent.parent / "lib"
            if list(lib.glob("libcurand.so*")):
                return header.parent, lib
    return None

def compiled_binary() -> Path | None:
    """The executable of the current standalone project, if it has been compiled."""
    project = getattr(get_device(), "project_dir", None)
    if project is None:
        return None
    exe = Path(project) / "main"
    return exe if exe.exists() else None

def _require(module: str, name: str) -> None:
    try:
        __import__(module)
    except ImportError as exc:  # the backend is an optional extra
        raise DeviceError(f"device {name!r} is not available: {_INSTALL_HINTS[name]}") from exc

def reset_device() -> None:
    """Forget everything the current device has accumulated and return to runtime mode."""
    current = get_device()
    if isinstance(current, CPPStandaloneDevice) or hasattr(current, "project_dir"):
        current.reinit()
    set_device("runtime")
    _restore_prefs()

@contextmanager
def using_device(name: str = "runtime", **options):
    """:func:`select_device` ``(name, **options)`` for a ``with`` block (yielding its config), and
    :func:`reset_device` after it, also when the block fails (a standalone build left selected
    would swallow the next network's run)."""
    config = select_device(name, **options)
    try:
        yield config
    finally:
        reset_device()


def is_standalone() -> bool:
    return _current.standalone

def current_device() -> DeviceConfig:
    return _current
