"""The one place that picks and prepares a Brian2 device.

Devices
-------
``runtime``
    Brian2's runtime mode; ``target`` chooses the numpy (default, no compiler) or cython target.
``cpp_standalone``
    Generates and compiles one C++ program per network; protocols re-run the same binary with
    ``run_args`` (new weights, stimuli, learning gates), so nothing recompiles between blocks.
``genn``
    Brian2GeNN (``pip install 'spiketeach[genn]'`` and a GeNN checkout in ``GENN_PATH``).
``cuda_standalone``
    Brian2CUDA (``pip install 'spiketeach[cuda]'`` and the CUDA toolkit).

Use :func:`select_device` before building a network and :class:`BlockRunner` to run it in blocks.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from brian2 import Network, TimedArray, device, get_device, prefs, set_device
from brian2.devices.cpp_standalone.device import CPPStandaloneDevice

__all__ = ["DEVICES", "DeviceError", "DeviceConfig", "select_device", "reset_device",
           "is_standalone", "BlockRunner"]

DEVICES = ("runtime", "cpp_standalone", "genn", "cuda_standalone")
RUNTIME_TARGETS = ("numpy", "cython")

_INSTALL_HINTS = {
    "genn": ("Brian2GeNN is not installed. Install it with `pip install 'spiketeach[genn]'` "
             "(it needs brian2 < 2.6 in its own virtual environment: `make test-genn`) and point "
             "GENN_PATH at a GeNN 4 checkout."),
    "cuda_standalone": ("Brian2CUDA is not installed. Install it with `pip install "
                        "'spiketeach[cuda]'` and make sure nvcc (CUDA toolkit) is on PATH."),
}


class DeviceError(RuntimeError):
    """A device was asked for that is unknown or cannot be used here."""


@dataclass
class DeviceConfig:
    """What :func:`select_device` set up."""

    name: str
    build_dir: Path | None = None
    threads: int = 1
    target: str = "numpy"

    @property
    def standalone(self) -> bool:
        return self.name != "runtime"


_current = DeviceConfig("runtime")


def select_device(name: str = "runtime", *, build_dir: str | os.PathLike | None = None,
                  threads: int = 1, target: str = "numpy") -> DeviceConfig:
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

    Raises
    ------
    DeviceError
        For an unknown name or a backend that is not installed.
    """
    global _current
    if name not in DEVICES:
        raise DeviceError(f"unknown device {name!r}; choose one of {', '.join(DEVICES)}")
    if threads < 1:
        raise DeviceError(f"threads must be >= 1, got {threads}")
    if name == "runtime" and target not in RUNTIME_TARGETS:
        raise DeviceError(f"unknown runtime target {target!r}; choose one of {RUNTIME_TARGETS}")
    if name == "genn":
        _require("brian2genn", name)
    elif name == "cuda_standalone":
        _require("brian2cuda", name)

    reset_device()
    if name == "runtime":
        set_device("runtime")
        prefs.codegen.target = target
        _current = DeviceConfig(name, None, 1, target)
        return _current

    build = Path(build_dir) if build_dir else Path(tempfile.mkdtemp(prefix=f"spiketeach-{name}-"))
    build.mkdir(parents=True, exist_ok=True)
    set_device(name, build_on_run=False, directory=str(build))
    if name == "cpp_standalone":
        prefs.devices.cpp_standalone.openmp_threads = threads if threads > 1 else 0
        # Brian2's default `make -j` starts one compiler per file at once: dozens on a 2-core box
        prefs.devices.cpp_standalone.extra_make_args_unix = [f"-j{os.cpu_count() or 1}"]
        # Standalone compiles with -ffast-math but does not link with it, which leaves
        # flush-to-zero off; decaying momentum terms then become denormals and cost 2-3x.
        if "-ffast-math" not in prefs.codegen.cpp.extra_link_args:
            prefs.codegen.cpp.extra_link_args = list(prefs.codegen.cpp.extra_link_args) + ["-ffast-math"]
    _current = DeviceConfig(name, build, threads, target)
    return _current


def _require(module: str, name: str) -> None:
    try:
        __import__(module)
    except ImportError as exc:  # the backend is an optional extra
        raise DeviceError(_INSTALL_HINTS[name]) from exc


def reset_device() -> None:
    """Forget everything the current device has accumulated and return to runtime mode."""
    current = get_device()
    if isinstance(current, CPPStandaloneDevice) or hasattr(current, "project_dir"):
        current.reinit()
    set_device("runtime")


def is_standalone() -> bool:
    return _current.standalone


def current_device() -> DeviceConfig:
    return _current


@dataclass
class BlockRunner:
    """Runs one network repeatedly, each block from t = 0 with state and stimuli given anew.

    On a standalone device the network is generated and compiled once (at the first block) and
    each block is a re-run of that binary with ``run_args``; in runtime mode the network is
    restored to its t = 0 state and the values are set directly. Either way a block starts
    from exactly the values passed in, so blocks chain (and resume from checkpoints) identically
    on every device.

    Parameters
    ----------
    net : Network
        The network; ``net.run(duration)`` must not have been called.
    duration : Quantity
        Length of one block.
    """

    net: Network
    duration: object
    report: str | None = None
    #: record per-code-object timings (read them with ``brian2.profiling_summary(net)``)
    profile: bool = False
    _blocks_run: int = field(default=0, init=False)
    _built: bool = field(default=False, init=False)

    def run(self, values: dict | None = None, timed_arrays: dict | None = None) -> None:
        """Run one block.

        Parameters
        ----------
        values : dict
            ``{group.variable (a VariableView): array}``, e.g. ``{syn.w: w}``.
        timed_arrays : dict
            ``{TimedArray: new values}`` with the shapes the TimedArrays were built with.
        """
        # Brian2 hashes run_args arrays through their buffer: they must be contiguous
        values = {k: np.ascontiguousarray(v) for k, v in (values or {}).items()}
        timed_arrays = {k: np.ascontiguousarray(v, dtype=float)
                        for k, v in (timed_arrays or {}).items()}
        for ta, arr in timed_arrays.items():
            arr = np.asarray(arr, dtype=float)
            if arr.shape != ta.values.shape:
                raise ValueError(f"new values for {ta.name} have shape {arr.shape}; "
                                 f"the network was built for {ta.values.shape}")
            if not np.all(np.isfinite(arr)):
                raise ValueError(f"new values for {ta.name} contain NaN or inf")
        for view, arr in values.items():
            if not np.all(np.isfinite(np.asarray(arr, dtype=float))):
                raise ValueError(f"values for {view.group_name}.{view.name} contain NaN or inf")
        if _current.standalone:
            self._run_standalone(values, timed_arrays)
        else:
            self._run_runtime(values, timed_arrays)
        self._blocks_run += 1

    def _run_runtime(self, values, timed_arrays):
        if self._blocks_run == 0:
            self.net.store("block_start")
        else:
            self.net.restore("block_start")
        for ta, arr in timed_arrays.items():
            ta.values[...] = arr  # the generated numpy/cython code reads this array in place
        for view, arr in values.items():
            view[:] = arr
        self.net.run(self.duration, report=self.report, namespace={}, profile=self.profile)

    def _run_standalone(self, values, timed_arrays):
        if not self._built:
            self.net.run(self.duration, report=self.report, namespace={}, profile=self.profile)
            device.build(directory=str(_current.build_dir), compile=True, run=False)
            self._built = True
        run_args = dict(values)
        run_args.update(timed_arrays)
        device.run(results_directory="results", run_args=run_args, with_output=False)
        # run_args arrays are written once per distinct value set; drop them so long trainings
        # do not fill the disk with one weight file per block.
        for fname in list(device.run_args_arrays):
            path = Path(device.project_dir) / "static_arrays" / fname
            for p in (path, Path(str(path) + ".lock")):
                if p.exists():
                    p.unlink()
