"""Runs one Brian2 network block after block (see :class:`BlockRunner`)."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from pathlib import Path

import brian2
import numpy as np
from brian2 import Network, device, prefs
from brian2.units.fundamentalunits import DIMENSIONLESS, Quantity

from spiketeach.core.devices import DeviceError, brian2_supports_run_args, current_device
from spiketeach.core.standalone import checked_value, run_arg_name

__all__ = ["BlockRunner"]

@dataclass
class BlockRunner:
    """Runs one network repeatedly, each block from t = 0 with state and stimuli given anew.

    On a standalone device the network is generated and compiled once (at the first block) and
    each block is a re-run of that binary with ``run_args``; in runtime mode the network is
    restored to its t = 0 state and the values are set directly. Either way a block starts
    from exactly the values passed in, so blocks chain (and resume from checkpoints) identically
    on every device. (A process that did not build the network, e.g. a Dask worker on another
    machine, re-runs its binary with :mod:`spiketeach.core.standalone` instead.)

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
    #: accept per-block seeds (``run(seed=...)``) on cpp_standalone: the binary then re-seeds
    #: its random generators, right before the run, from a value passed with ``run_args``
    #: (a compiled ``brian2.seed()`` would replay the same stream in every block). Runtime
    #: mode takes seeds either way (``brian2.seed(seed)`` before the block).
    seeded: bool = False
    _blocks_run: int = field(default=0, init=False)
    _built: bool = field(default=False, init=False)
    _seed_holder: object = field(default=None, init=False, repr=False)

    def run(self, values: dict | None = None, timed_arrays: dict | None = None,
            seed: int | None = None) -> None:
        """Run one block.

        Parameters
        ----------
        values : dict or list of pairs
            ``{group.variable (a VariableView): array}``, e.g. ``{syn.w: w}``, or the same as
            ``[(view, array), ...]`` (brian2 < 2.6, the Brian2GeNN environment, cannot hash
            VariableViews).
        timed_arrays : dict
            ``{TimedArray: new values}`` with the shapes the TimedArrays were built with.
        seed : int, optional
            Seed of the random numbers the simulation draws in this block (``rand()``,
            ``randn()``), in [0, 2**31): the same seed gives the same block. None: no seeding
            (runtime: numpy's global stream goes on; standalone: the build's own seeding).
            On cpp_standalone the runner must be ``seeded``; Brian2GeNN and Brian2CUDA have
            their own generators: there the seed is not applied (a warning says so).
        """
        if seed is not None:
            seed = int(seed)
            if not 0 <= seed < 2 ** 31:
                raise ValueError(f"a block seed must lie in [0, 2**31), got {seed}")
            if current_device().name in ("genn", "cuda_standalone"):
                warnings.warn(f"per-block seeds are not applied on {current_device().name}: the "
                              "simulation's random numbers are not repeatable there")
                seed = None
            elif current_device().standalone and not self.seeded:
                raise DeviceError("per-block seeds on cpp_standalone need a BlockRunner built "
                                  "with seeded=True")
        # checked as for a re-run by another process (core.standalone): contiguous, of the
        # TimedArrays' shapes, finite
        timed_arrays = {ta: checked_value(run_arg_name(ta), v, float, ta.values.shape)
                        for ta, v in (timed_arrays or {}).items()}
        pairs = values.items() if isinstance(values, dict) else (values or [])
        values = [(view, checked_value(run_arg_name(view), v)) for view, v in pairs]
        if current_device().name == "genn":
            self._run_genn(values, timed_arrays)
        elif current_device().standalone:
            self._run_standalone(values, timed_arrays, seed)
        else:
            self._run_runtime(values, timed_arrays, seed)
        self._blocks_run += 1

    def _run_runtime(self, values, timed_arrays, seed=None):
        if self._blocks_run == 0:
            self.net.store("block_start")
        else:
            self.net.restore("block_start")
        for ta, arr in timed_arrays.items():
            ta.values[...] = arr  # the generated numpy/cython code reads this array in place
        for view, arr in values:
            view[:] = arr
        if seed is not None:
            brian2.seed(seed)
        self.net.run(self.duration, report=self.report, namespace={}, profile=self.profile)

    def _run_genn(self, values, timed_arrays):
        """Brian2GeNN: one run() per build, so one block; values are set before the build."""
        if self._blocks_run:
            raise DeviceError("Brian2GeNN allows one run() per build: on the genn device a "
                              "network runs one block (build it with a schedule covering "
                              "the whole protocol)")
        for ta, arr in timed_arrays.items():
            ta.values[...] = arr  # read when the code is generated
        for view, arr in values:
            view[:] = arr
        # builds (and, unless generate_only, compiles and runs) the GeNN project
        self.net.run(self.duration, report=self.report, namespace={}, profile=self.profile)
        self._built = True

    def _run_standalone(self, values, timed_arrays, seed=None):
        if not brian2_supports_run_args():
            raise DeviceError(f"re-running a compiled {current_device().name} binary with new values "
                              f"(run_args) needs brian2 >= 2.6; this environment has brian2 "
                              f"{brian2.__version__} (the Brian2GeNN environment): use the "
                              "genn or runtime device here")
        if not self._built:
            if self.seeded and current_device().name == "cpp_standalone":
                self._compile_reseeding()
            self.net.run(self.duration, report=self.report, namespace={}, profile=self.profile)
            device.build(directory=str(current_device().build_dir), compile=True, run=False)
            self._built = True
        # (Brian2 checks the units of run_args; the values here are plain numbers)
        run_args = {key: _with_units(key, v) for key, v in [*values, *timed_arrays.items()]}
        if self._seed_holder is not None:
            run_args[self._seed_holder.block_seed] = np.int32(-1 if seed is None else seed)
        device.run(results_directory="results", run_args=run_args, with_output=False)
        # run_args arrays are written once per distinct value set; drop them so long trainings
        # do not fill the disk with one weight file per block.
        for fname in list(device.run_args_arrays):
            path = Path(device.project_dir) / "static_arrays" / fname
            for p in (path, Path(str(path) + ".lock")):
                if p.exists():
                    p.unlink()

    def _compile_reseeding(self):
        """cpp_standalone: before the network runs, re-seed every thread's generator from
        ``block_seed`` (a shared integer that ``run_args`` sets per block; < 0: leave the
        generators alone), as Brian2's compiled ``seed(s)`` does (seed s + thread index)."""
        from brian2 import NeuronGroup
        holder = NeuronGroup(1, "block_seed : integer (shared, constant)", name="block_seed*")
        holder.block_seed = -1
        holder._network = self.net.id  # never runs: no "never included in a network" warning
        if not device.run_args_applied:  # run_args must be read before the re-seeding
            device.apply_run_args()
        arr = device.get_array_name(holder.variables["block_seed"])
        threads = max(1, prefs.devices.cpp_standalone.openmp_threads)
        device.insert_code("main", f"""
    if (brian::{arr}[0] >= 0)
        for (int _i=0; _i<{threads}; _i++)
            brian::_random_generators[_i].seed((unsigned long)brian::{arr}[0] + _i);""")
        self._seed_holder = holder


def _with_units(target, value):
    """``value`` (plain numbers, in base units) with the units of ``target`` (a TimedArray or
    variable view) where it has any."""
    dim = getattr(target, "dim", DIMENSIONLESS)
    return value if dim is DIMENSIONLESS else Quantity(value, dim=dim)
