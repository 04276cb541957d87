"""The trainable parameters of one network (U, W, b, O), their checks and initialisation.

Huh D, Sejnowski TJ (2018). Gradient descent for spiking neural networks. NeurIPS 31.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .params import Huh2018Params

__all__ = ["Weights", "NAMES", "initial_weights", "check_inputs"]

#: the trainable arrays, in the order gradients and checkpoints list them
NAMES = ("U", "W", "b", "O")


@dataclass(frozen=True)
class Weights:
    """Input weights ``U`` (n x n_in), recurrent ``W`` (n x n, seconds: W multiplies s, a rate),
    bias ``b`` (n), readout ``O`` (n_out x n, seconds). Shapes and finiteness are checked."""

    U: np.ndarray
    W: np.ndarray
    b: np.ndarray
    O: np.ndarray  # noqa: E741 (the paper's name)

    def __post_init__(self):
        for name in NAMES:
            object.__setattr__(self, name, np.array(getattr(self, name), dtype=float))
        U, W, b, O = self.U, self.W, self.b, self.O  # noqa: E741
        if W.ndim != 2 or W.shape[0] != W.shape[1]:
            raise ValueError(f"W must be a square (n x n) matrix, got shape {W.shape}")
        n = W.shape[0]
        if n == 0:
            raise ValueError("the network needs at least one neuron (W is 0 x 0)")
        if U.ndim != 2 or U.shape[0] != n:
            raise ValueError(f"U must be (n x n_in) = ({n} x n_in) to match W {W.shape}, got "
                             f"shape {U.shape}")
        if b.shape != (n,):
            raise ValueError(f"b must have shape ({n},) to match W {W.shape}, got {b.shape}")
        if O.ndim != 2 or O.shape[1] != n:
            raise ValueError(f"O must be (n_out x n) = (n_out x {n}) to match W {W.shape}, got "
                             f"shape {O.shape}")
        for name in NAMES:
            if not np.all(np.isfinite(getattr(self, name))):
                raise ValueError(f"{name} contains NaN or inf")

    @property
    def n(self) -> int:
        return self.W.shape[0]

    @property
    def n_in(self) -> int:
        return self.U.shape[1]

    @property
    def n_out(self) -> int:
        return self.O.shape[0]

    def as_dict(self) -> dict[str, np.ndarray]:
        return {name: getattr(self, name) for name in NAMES}

    def replace(self, **arrays) -> "Weights":
        return Weights(**{**self.as_dict(), **arrays})


def initial_weights(n_in: int, n: int, n_out: int, params: Huh2018Params,
                    rng: np.random.Generator) -> Weights:
    """Random weights with the scales of ``params`` (see :class:`.Huh2018Params`)."""
    for name, value in (("n_in", n_in), ("n", n), ("n_out", n_out)):
        if int(value) != value or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}")
    p = params
    U = rng.standard_normal((n, n_in)) * p.input_scale / np.sqrt(n_in)
    W = rng.standard_normal((n, n)) * p.recurrent_scale / np.sqrt(n) * p.tau_s
    W += np.eye(n) * p.self_excitation * p.tau_s
    b = p.bias_mean + p.bias_std * rng.standard_normal(n)
    O = rng.standard_normal((n_out, n)) * p.readout_scale / np.sqrt(n) * p.tau_s  # noqa: E741
    return Weights(U, W, b, O)


def check_inputs(x, weights: Weights, name: str = "x") -> np.ndarray:
    """``x`` as a float array (batch x steps x n_in), a 2-D (steps x n_in) array taken as one
    trial; a ValueError if its last axis does not match U or it holds NaN/inf."""
    x = np.asarray(x, dtype=float)
    if x.ndim == 2:
        x = x[None]
    if x.ndim != 3 or x.shape[2] != weights.n_in:
        raise ValueError(f"{name} must be (batch x steps x {weights.n_in}) or (steps x "
                         f"{weights.n_in}) to match U {weights.U.shape}, got shape "
                         f"{np.shape(x)}")
    if x.shape[1] < 1 or x.shape[0] < 1:
        raise ValueError(f"{name} must hold at least one trial of one step, got shape {x.shape}")
    if not np.all(np.isfinite(x)):
        raise ValueError(f"{name} contains NaN or inf")
    return x
