"""Brian2 networks of Hunsberger & Eliasmith (2015): LIF neurons with alpha synapses.

Hunsberger E, Eliasmith C (2015). Spiking deep networks with LIF neurons. arXiv:1510.08829.

Two builders:

* :func:`filtered_train_population` — n unconnected LIF neurons, each with its own constant current,
  whose spikes pass through an alpha filter (the paper's Fig. 2 and the training-noise
  measurement).
* :func:`build_converted_network` — a trained rate network (soft LIF, or ReLU for comparison)
  converted to spiking LIF neurons: every hidden unit becomes a LIF neuron with the same tau_RC,
  tau_ref, gain a and bias 1 (current J = a (x + b) + 1), each spike has area m (the amplitude),
  weights and biases are copied unchanged, and every connection has an alpha synapse
  (tau_s = 5 ms). Images are shown back to back for a fixed time without resetting the neurons;
  the output layer is the alpha-filtered weighted input plus bias (the softmax is dropped) and is
  recorded every step, so the class can be read from its average after a settling time.

This is the conversion of the authors' code (Nengo, docs/papers/hunsberger2015.md). The first
hidden layer receives the weighted pixels W^T p directly as a piecewise-constant input (pixels do
not spike).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from brian2 import Clock, Network, NeuronGroup, SpikeMonitor, StateMonitor, TimedArray, second

from spiketeach.core.clocks import step_clock

from ..alpha import alpha_projection
from .equations import (
    ALPHA_TARGET,
    CONSTANT_CURRENT,
    IMAGE_INPUT,
    LIF_MEMBRANE,
    LIF_RESET,
    LIF_THRESHOLD,
    LIF_UPDATE,
    READOUT,
    SELF_FILTER_RESET,
    SPIKING_INPUT,
    UNIT_CURRENT,
)
from .params import Hunsberger2015Params, check_nonnegative, check_positive

__all__ = ["check_layers", "filtered_train_population", "build_converted_network",
           "ConvertedNetwork"]


def _namespace(tau_rc, tau_ref, tau_s, amplitude) -> dict:
    return {"tau_rc": tau_rc * second, "tau_ref": tau_ref * second,
            "tau_s": tau_s * second, "area": amplitude * second}


def _lif(n: int, eqs: str, clock: Clock, namespace: dict, name: str, reset_extra: str = ""
         ) -> NeuronGroup:
    """``n`` LIF neurons (threshold 1, reset 0, spikes located inside the step)."""
    reset = LIF_RESET + ("\n" + reset_extra if reset_extra else "")
    group = NeuronGroup(n, LIF_MEMBRANE + eqs, threshold=LIF_THRESHOLD, reset=reset,
                        method="exact", clock=clock, namespace=namespace, name=name)
    # after the group's linear ODEs (the alpha filter, order 0) and before the threshold
    group.run_regularly(LIF_UPDATE, when="groups", order=1, name=f"{name}_lif")
    return group


def filtered_train_population(j, *, tau_rc: float, tau_ref: float, tau_s: float, dt: float,
                              amplitude: float = 1.0, name: str = "fig2_lif"
                              ) -> tuple[NeuronGroup, Clock]:
    """One LIF neuron per entry of the constant currents ``j``; ``s`` is its own spike train
    filtered by the alpha synapse (area ``amplitude`` per spike, so ``s`` is in Hz for 1).

    Times in seconds. Returns the group (variables ``J``, ``V``, ``s``) and its clock.
    """
    j = np.asarray(j, dtype=float).ravel()
    if j.size == 0 or not np.all(np.isfinite(j)):
        raise ValueError("j must be a non-empty array of finite currents")
    tau_rc, tau_s, dt = (check_positive(n, v) for n, v in
                         (("tau_rc", tau_rc), ("tau_s", tau_s), ("dt", dt)))
    tau_ref = check_nonnegative("tau_ref", tau_ref)
    clock = step_clock(dt * second, f"{name}_clock")
    ns = _namespace(tau_rc, tau_ref, tau_s, amplitude)
    group = _lif(j.size, CONSTANT_CURRENT + ALPHA_TARGET, clock, ns, name,
                 reset_extra=SELF_FILTER_RESET)
    group.J = j
    return group, clock


def check_layers(weights, biases, n_inputs: int | None = None) -> tuple[list, list]:
    """Weights ``W_k`` (n_in × n_out, as ``x @ W``) and biases ``b_k`` (n_out) as float arrays
    that chain (``W_k.shape[1] == W_{k+1}.shape[0]``), finite, at least one hidden layer; else a
    ValueError saying which layer is wrong."""
    weights = [np.asarray(w, dtype=float) for w in weights]
    biases = [np.asarray(b, dtype=float) for b in biases]
    if len(weights) < 2:
        raise ValueError(f"need at least 2 weight matrices (one hidden layer), got {len(weights)}")
    if len(biases) != len(weights):
        raise ValueError(f"{len(weights)} weight matrices but {len(biases)} bias vectors")
    for k, (w, b) in enumerate(zip(weights, biases)):
        if w.ndim != 2:
            raise ValueError(f"weights[{k}] must be 2-D (n_in, n_out), got shape {w.shape}")
        if b.shape != (w.shape[1],):
            raise ValueError(f"biases[{k}] has shape {b.shape}; weights[{k}] {w.shape} needs "
                             f"({w.shape[1]},)")
        if not (np.all(np.isfinite(w)) and np.all(np.isfinite(b))):
            raise ValueError(f"weights[{k}] or biases[{k}] contains NaN or inf")
        if k and weights[k - 1].shape[1] != w.shape[0]:
            raise ValueError(f"weight shapes do not chain: weights[{k - 1}] is "
                             f"{weights[k - 1].shape} (outputs {weights[k - 1].shape[1]}) but "
                             f"weights[{k}] is {w.shape} (inputs {w.shape[0]})")
    if n_inputs is not None and weights[0].shape[0] != n_inputs:
        raise ValueError(f"inputs have {n_inputs} features but weights[0] is {weights[0].shape}")
    return weights, biases


@dataclass
class ConvertedNetwork:
    """What :func:`build_converted_network` made: run ``network`` for
    ``n_images * presentation``, then :meth:`scores` gives each image's mean output."""

    network: Network
    hidden: list
    readout: NeuronGroup
    output_monitor: StateMonitor
    spike_monitors: list
    params: Hunsberger2015Params
    n_images: int
    #: the first layer's input, one row (W_0^T image) per image; new images: set its values to
    #: :meth:`input_values` (e.g. as a BlockRunner's ``timed_arrays``)
    image_input: TimedArray
    input_weights: np.ndarray

    def input_values(self, images) -> np.ndarray:
        """Values of :attr:`image_input` that present ``images`` (n_images rows)."""
        images = np.atleast_2d(np.asarray(images, dtype=float))
        if images.shape != (self.n_images, self.input_weights.shape[0]):
            expected = (self.n_images, self.input_weights.shape[0])
            raise ValueError(f"images must have shape {expected} (the network was built for "
                             f"that), got {images.shape}")
        return images @ self.input_weights

    @property
    def duration(self):
        return self.n_images * self.params.presentation * second

    def steps_per_image(self) -> int:
        return round(self.params.presentation / self.params.dt)

    def output_trace(self) -> np.ndarray:
        """Output y, shape (n_images, steps per image, n_classes)."""
        y = np.asarray(self.output_monitor.y).T  # (steps, classes)
        n = self.steps_per_image()
        return y[: self.n_images * n].reshape(self.n_images, n, -1)

    def scores(self, settle: float | None = None) -> np.ndarray:
        """Mean output over [settle, presentation) of each image (n_images × n_classes)."""
        settle = self.params.settle if settle is None else settle
        first = round(settle / self.params.dt)
        return self.output_trace()[:, first:, :].mean(axis=1)

    def mean_rates(self) -> list[float]:
        """Mean firing rate (Hz) of each hidden layer over the whole run."""
        t = self.n_images * self.params.presentation
        return [float(np.mean(np.asarray(m.count)) / t) for m in self.spike_monitors]


def build_converted_network(weights, biases, images, params: Hunsberger2015Params | None = None,
                            *, name: str = "h15") -> ConvertedNetwork:
    """Spiking LIF network of the trained rate network ``(weights, biases)`` presenting ``images``.

    Parameters
    ----------
    weights, biases : sequences of arrays
        ``W_k`` (n_in × n_out) and ``b_k`` as trained (``x_{k+1} = f(x_k @ W_k + b_k)``, the last
        layer linear); see :func:`check_layers`.
    images : array (n_images, n_inputs)
        Inputs as given to the rate network (e.g. pixels scaled to [0, 1]).
    params : Hunsberger2015Params
        Neurons (tau_rc, tau_ref, gain, amplitude), synapse tau_s, dt, presentation time.
    """
    params = params or Hunsberger2015Params()
    images = np.atleast_2d(np.asarray(images, dtype=float))
    weights, biases = check_layers(weights, biases, images.shape[1])
    steps = params.presentation / params.dt
    if abs(steps - round(steps)) > 1e-6:
        raise ValueError(f"presentation ({params.presentation} s) must be a whole number of "
                         f"steps dt ({params.dt} s)")
    clock = step_clock(params.dt * second, f"{name}_clock")
    ns = _namespace(params.tau_rc, params.tau_ref, params.tau_s, params.amplitude)
    # the first layer's weighted input, one row per image, stepping every presentation
    image_input = TimedArray(images @ weights[0], dt=params.presentation * second,
                             name=f"{name}_image_input")
    ns["image_input"] = image_input
    hidden, projections, monitors = [], [], []
    for k in range(len(weights) - 1):
        eqs = (IMAGE_INPUT if k == 0 else SPIKING_INPUT) + UNIT_CURRENT
        group = _lif(weights[k].shape[1], eqs, clock, ns, f"{name}_hidden{k}")
        group.gain = params.gain
        group.bias = biases[k]
        if k:
            projections.append(alpha_projection(hidden[-1], group, weights[k].T, namespace=ns,
                                                name=f"{name}_w{k}"))
        hidden.append(group)
        monitors.append(SpikeMonitor(group, record=False, name=f"{name}_spikes{k}"))
    readout = NeuronGroup(weights[-1].shape[1], READOUT, method="exact", clock=clock,
                          namespace=ns, name=f"{name}_readout")
    readout.bias = biases[-1]
    projections.append(alpha_projection(hidden[-1], readout, weights[-1].T, namespace=ns,
                                        name=f"{name}_w{len(weights) - 1}"))
    out_mon = StateMonitor(readout, "y", record=True, clock=clock, name=f"{name}_output")
    net = Network(*hidden, *projections, readout, *monitors, out_mon)
    return ConvertedNetwork(net, hidden, readout, out_mon, monitors, params, len(images),
                            image_input, weights[0])
