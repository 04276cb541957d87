"""Re-running a compiled standalone binary from a process that did not build it.

Inside the process that built a network, :class:`~spiketeach.core.runner.BlockRunner` re-runs
its binary through Brian2's device object (``device.run(run_args=...)``), which also keeps the
device's caches in step so that monitors read the new results. A Dask worker on another machine
cannot hold that device object: it is the building process's Brian2 state (the generated
project, every group and array it knows), neither picklable nor rebuildable there without
generating the code again. So a protocol that fans one binary out to such workers records
everything a re-run needs, right after ``device.build``, as plain JSON (:func:`describe_binary`),
and each worker does what ``CPPStandaloneDevice.run`` does from that description alone
(:func:`run_binary`): it writes the run's values as raw binary files into the run's own
directory, executes the binary with ``--results_dir DIR group.var=PATH ...`` and reads the
monitors' result files back with numpy — no Brian2 device, no pickled network, no fork. The build
directory must be reachable at the same path from every worker (a shared file system on a
cluster). This is the one place for such re-runs; both ways share how a run-time value is named
(:func:`run_arg_name`) and checked (:func:`checked_value`).

Per-block seeds (``BlockRunner(seeded=True)``) are not offered here.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
from pathlib import Path

import numpy as np

__all__ = ["run_arg_name", "checked_value", "describe_binary", "run_binary", "write_run_args"]


def run_arg_name(target) -> str:
    """The command-line name of a run-time value: ``group.var`` for a variable (a
    ``VariableView`` such as ``syn.w``), ``name.values`` for a ``TimedArray`` (Brian2's names)."""
    if hasattr(target, "group_name"):
        return f"{target.group_name}.{target.name}"
    return f"{target.name}.values"


def checked_value(name: str, value, dtype=None, shape=None, *, exact_shape: bool = True
                  ) -> np.ndarray:
    """``value`` as a binary reads it: a C-contiguous array (Brian2 hashes run_args arrays
    through their buffer), of ``dtype`` where given, of ``shape`` where given (with
    ``exact_shape=False`` any array of as many elements), without NaN or inf.

    Raises
    ------
    ValueError
        Naming ``name``, for the wrong shape or a NaN/inf.
    """
    arr = np.ascontiguousarray(value, dtype=dtype)
    if shape is not None:
        shape = tuple(int(n) for n in shape)
        if arr.shape != shape and (exact_shape or arr.size != int(np.prod(shape))):
            raise ValueError(f"values for {name} have shape {arr.shape}; the build expects "
                             f"{shape}")
    if not np.all(np.isfinite(np.asarray(arr, dtype=float))):
        raise ValueError(f"values for {name} contain NaN or inf")
    return arr


def write_run_args(values, project_dir, directory, *, lowercased: bool = False
                   ) -> tuple[list[str], list[Path]]:
    """Write run-time values for a re-run of a compiled binary; return its ``name=value``
    arguments and the files written.

    Each array goes into ``directory`` as a raw file named by its variable and content
    (``init_<group>_<var>_<md5>.dat``, all lower case), passed as a path relative to
    ``project_dir`` (where the binary runs); a single value goes inline.

    The names are lower case because Brian2CUDA 1.0b1's ``set_variable_by_name`` (objects.cu)
    lower-cases the whole value it is given, file path included: a file with a capital in its
    name (``forward0.DW``, ``hidden0.Db``, ``feedback0.B``) is not found, the binary prints
    ``file size -1`` and runs on with the value it was built with. With ``lowercased`` (the
    binary is Brian2CUDA's) a path that would still change is refused rather than lost.

    Parameters
    ----------
    values : iterable of (name, array)
        ``"group.var"`` or ``"timedarray.values"`` and its value (checked already).
    project_dir, directory : path
        The build directory, and where the files go (inside it or elsewhere).

    Raises
    ------
    ValueError
        With ``lowercased``, for a path that holds capital letters.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    argv, files = [], []
    for name, value in values:
        arr = np.ascontiguousarray(value)
        if arr.size == 1:
            argv.append(f"{name}={arr.item()!r}")
            continue
        digest = hashlib.md5(arr.data).hexdigest()
        path = directory / f"init_{name.replace('.', '_').lower()}_{digest}.dat"
        if not path.exists():  # same name, same content: another run may be reading it
            tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
            arr.tofile(tmp)
            os.replace(tmp, path)
        rel = os.path.relpath(path, project_dir)
        if lowercased and rel != rel.lower():
            raise ValueError(f"Brian2CUDA lower-cases the file paths of run-time values; the "
                             f"path of {name}, {rel!r}, has capital letters: use directories "
                             "without them")
        argv.append(f"{name}={rel}")
        files.append(path)
    return argv, files


def _arg_spec(target, size=None) -> dict:
    if hasattr(target, "group_name"):  # a variable: one value per element (1 if shared)
        var = target.variable
        n = 1 if var.scalar else int(var.size if size is None else size)
        return {"dtype": np.dtype(var.dtype).str, "shape": [n]}
    return {"dtype": np.dtype(target.values.dtype).str, "shape": list(target.values.shape)}


def describe_binary(run_values, outputs: dict, project_dir=None) -> dict:
    """What :func:`run_binary` needs to re-run the current device's compiled binary, as JSON.

    Call it in the building process after ``device.build(..., compile=True)``.

    Parameters
    ----------
    run_values : iterable
        The values a re-run may set: ``VariableView`` s and ``TimedArray`` s, or
        ``(view, size)`` pairs for variables whose size the binary only knows once it has run
        (synapses are created by the binary: give their count).
    outputs : dict
        ``{key: Variable}`` of the result arrays to read back, e.g.
        ``{"i": mon.variables["i"], "t": mon.variables["t"]}``.
    project_dir : path, optional
        The build directory (default: the device's).

    Returns
    -------
    dict
        ``project_dir``, ``device`` (its name), ``run_cmd`` and ``env`` (the command line and
        environment Brian2 runs the binary with), ``run_args`` (``{name: {"dtype", "shape"}}``) and ``outputs``
        (``{key: [result file name, dtype]}``).
    """
    from brian2 import device, prefs

    args = {}
    for item in run_values:
        target, size = item if isinstance(item, tuple) else (item, None)
        args[run_arg_name(target)] = _arg_spec(target, size)
    # as CPPStandaloneDevice.run: the preference's variables, then the device's own
    env = dict(prefs["devices.cpp_standalone.run_environment_variables"])
    env.update(device.run_environment_variables)
    run_cmd = prefs.devices.cpp_standalone.run_cmd_unix
    from spiketeach.core.devices import current_device
    return {"project_dir": str(project_dir if project_dir is not None else device.project_dir),
            "device": current_device().name,
            "run_cmd": [run_cmd] if isinstance(run_cmd, str) else list(run_cmd),
            "env": {k: str(v) for k, v in env.items()},
            "run_args": args,
            "outputs": {key: [device.get_array_filename(var), np.dtype(var.dtype).str]
                        for key, var in outputs.items()}}


def run_binary(binary: dict, values: dict, results_dir: str | os.PathLike,
               timeout: float | None = None) -> dict[str, np.ndarray]:
    """Run the compiled binary of ``binary`` once with ``values``; return its outputs.

    What ``CPPStandaloneDevice.run(results_directory=..., run_args=...)`` does, without the
    device object, so that any process can do it (a Dask worker on another host): arrays are
    written as raw files into ``results_dir/args`` and passed as ``name=PATH`` (single values
    inline; :func:`write_run_args`), after ``--results_dir``.

    Parameters
    ----------
    binary : dict
        From :func:`describe_binary` (a dict holding its keys, e.g. a protocol's manifest).
    values : dict
        ``"group.var"`` or ``"timedarray.values"`` -> array (or scalar).
    results_dir : path
        A directory of this run's own (created); the outputs are read from it.
    timeout : float, optional
        Seconds before the binary is killed.
    """
    results_dir = Path(results_dir).resolve()
    results_dir.mkdir(parents=True, exist_ok=True)
    specs = binary["run_args"]
    checked = []
    for name, value in values.items():
        spec = specs.get(name)
        if spec is None:
            raise KeyError(f"{name} is not a run-time value of this build")
        checked.append((name, checked_value(name, value, spec["dtype"], spec["shape"],
                                            exact_shape=False)))
    argv, _ = write_run_args(checked, binary["project_dir"], results_dir / "args",
                             lowercased=binary.get("device") == "cuda_standalone")
    env = dict(os.environ)
    env.update(binary["env"])
    with open(results_dir / "stdout.txt", "w") as out:
        proc = subprocess.run(binary["run_cmd"] + ["--results_dir", str(results_dir) + os.sep]
                              + argv, cwd=binary["project_dir"], env=env, stdout=out,
                              stderr=subprocess.STDOUT, timeout=timeout)
    if proc.returncode:
        tail = (results_dir / "stdout.txt").read_text()[-2000:]
        raise RuntimeError(f"binary failed with exit code {proc.returncode}: {tail}")
    return {key: np.fromfile(results_dir / fname, dtype=dtype)
            for key, (fname, dtype) in binary["outputs"].items()}
