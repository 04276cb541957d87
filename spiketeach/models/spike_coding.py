"""What the spike-coding networks share: Brendel et al. (2020) and Bourdoukan & Denève (2015).

Brendel W, Bourdoukan R, Vertechi P, Machens CK, Denève S (2020). Learning to represent signals
spike by spike. PLOS Comput Biol 16(3):e1007692 ("B20", supplementary equations S.x).
Bourdoukan R, Denève S (2015). Enforcing balance allows local supervised learning in spiking
recurrent networks. NIPS 28. Both build on Boerlin, Machens & Denève (2013), PLOS Comput Biol
9(11):e1003258.

Both families' networks step the same way: leaky voltages with Gaussian voltage noise, at most one
spike per step (the neuron with the largest V - T - noise fires if that margin is >= 0; ties to
the lower index), the spike's recurrent jumps and the voltage rule of the recurrent weights from
the values just before it, then r += 1. This module holds those parts once, each taking plain
numbers and arrays (never a family's dataclass): the optimal network (S.12-S.13), the one-spike
choice and the voltage rule in numpy, the noise constants and whole-stimulus run of a Brian2
network, the spike matrix from a monitor, the stimulus check, and the checks of a params
dataclass. Each family keeps its own parameters, equations and networks.
"""

from __future__ import annotations

from dataclasses import fields, replace

import numpy as np

from spiketeach.core.checks import check_nonnegative, check_positive

__all__ = ["optimal_recurrent", "optimal_thresholds", "choose_spike", "voltage_rule",
           "check_stimulus", "set_noise", "run_whole", "spike_matrix", "check_params",
           "replace_params"]


# --- the optimal network -------------------------------------------------------------------

def optimal_recurrent(F, mu: float) -> np.ndarray:
    """The optimal recurrent (fast) weights -F F^T - mu I for feedforward weights ``F``
    (N x J, F = D^T; S.12): added to the voltage, the diagonal is the reset."""
    F = np.asarray(F, dtype=float)
    return -F @ F.T - mu * np.eye(F.shape[0])


def optimal_thresholds(F, mu: float, nu: float = 0.0) -> np.ndarray:
    """T_n = (|F_n|^2 + mu + nu) / 2 (S.13)."""
    F = np.asarray(F, dtype=float)
    return 0.5 * (np.sum(F ** 2, axis=1) + mu + nu)


# --- the step in numpy (the families' reference simulations) --------------------------------

def choose_spike(V, T, sigma: float, rng) -> int:
    """The one spike of a step: the neuron whose margin V - T - noise (noise of sd ``sigma``
    drawn from ``rng``; none if ``sigma`` is 0) is largest, if that margin is >= 0 (ties to the
    lower index); -1 if none fires."""
    margin = V - T - (sigma * rng.standard_normal(V.size) if sigma else 0.0)
    k = int(np.argmax(margin))
    return k if margin[k] >= 0 else -1


def voltage_rule(col, V, r, k: int, eps: float, beta: float, mu: float) -> np.ndarray:
    """The recurrent weights from neuron ``k`` after its spike (B20 S.40, the voltage rule):
    ``col`` (its column, post) moves by -eps (beta (V + mu r) + col), its own weight by a further
    -eps mu; ``V`` and ``r`` are the values just before the spike."""
    d = -eps * (beta * (V + mu * r) + col)
    d[k] -= eps * mu
    return col + d


def check_stimulus(stimulus, n_inputs: int, *, why: str = "") -> np.ndarray:
    """``stimulus`` as a float (steps x ``n_inputs``) array, or a ValueError naming the problem
    (``why`` ends the shape message, e.g. "to match F's 2 inputs")."""
    c = np.asarray(stimulus, dtype=float)
    if c.ndim != 2 or c.shape[1] != n_inputs:
        because = f" {why}" if why else ""
        raise ValueError(f"stimulus must be (steps x {n_inputs}){because}, got shape {c.shape}")
    if not np.all(np.isfinite(c)):
        raise ValueError("stimulus contains NaN or inf")
    return c


# --- the Brian2 networks --------------------------------------------------------------------

def set_noise(group, *, lam: float, sigma_v: float, sigma_threshold: float, dt: float) -> None:
    """Set a coding group's leak ``lam`` (1/s), voltage noise (per-step sd ``sigma_v``, as the
    Brian2 ``xi`` scale sigma_v / sqrt(dt)) and threshold-noise sd: the ``lam``, ``sigma_v`` and
    ``sigma_T`` of the families' neuron equations."""
    from brian2 import Hz, second

    group.lam = lam * Hz
    group.sigma_v = sigma_v / np.sqrt(dt) * second ** -0.5
    group.sigma_T = sigma_threshold


def run_whole(network, duration) -> None:
    """Run ``network`` for ``duration`` with an empty run namespace (every name the model uses is
    its own); on a standalone device also generate, compile and run the program (one run per
    build)."""
    from brian2 import device

    from spiketeach.core.devices import current_device, is_standalone

    network.run(duration, namespace={})
    if is_standalone():
        device.build(directory=str(current_device().build_dir), compile=True, run=True)


def spike_matrix(monitor, n_steps: int, n: int, dt: float, t0: float = 0.0) -> np.ndarray:
    """The spikes of ``monitor`` (a SpikeMonitor of ``n`` neurons) as an (n_steps x n) count
    array of the steps of ``dt`` seconds from ``t0``."""
    from brian2 import second

    steps = np.round((np.asarray(monitor.t / second) - t0) / dt).astype(int)
    keep = (steps >= 0) & (steps < n_steps)
    out = np.zeros((n_steps, n))
    np.add.at(out, (steps[keep], np.asarray(monitor.i)[keep]), 1)
    return out


# --- the params dataclasses -----------------------------------------------------------------

def check_params(params, *, counts=(), positive=(), nonnegative=(), leaks=("lam",)) -> None:
    """The checks of a params dataclass, each a ValueError naming the field: ``counts`` are
    integers >= 1 (a ``(name, low)`` pair: >= low), ``positive`` finite and > 0, ``nonnegative``
    finite and >= 0, and each rate in ``leaks`` times ``dt`` < 1 (the Euler step)."""
    for item in counts:
        name, low = item if isinstance(item, tuple) else (item, 1)
        v = getattr(params, name)
        if not isinstance(v, int) or isinstance(v, bool) or v < low:
            what = "a positive integer" if low == 1 else f"an integer >= {low}"
            raise ValueError(f"{name} must be {what}, got {v!r}")
    for name in positive:
        check_positive(name, getattr(params, name))
    for name in nonnegative:
        check_nonnegative(name, getattr(params, name))
    for name in leaks:
        if getattr(params, name) * params.dt >= 1:
            raise ValueError(f"{name} * dt must be < 1 for the Euler step, got "
                             f"{getattr(params, name) * params.dt}")


def replace_params(params, changes: dict):
    """A copy of the dataclass ``params`` with ``changes`` (checked like the constructor); an
    unknown field is a ValueError."""
    unknown = set(changes) - {f.name for f in fields(params)}
    if unknown:
        raise ValueError(f"unknown parameter(s) {sorted(unknown)}")
    return replace(params, **changes)
