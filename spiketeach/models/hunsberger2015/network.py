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

from spiketeach.core.batch import TrialBatch
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

__all__ = ["check_layers", "check_batch", "is_batch", "filtered_train_population",
           "build_converted_network", "ConvertedNetwork"]


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


def check_batch(weights, biases, images) -> tuple[list, list, list]:
    """A batch of converted networks: ``weights`` and ``biases`` one list of layers per trial
    (each trial's layers as :func:`check_layers` wants them, the trials' shapes equal),
    ``images`` (trials × n_images × n_inputs, or n_images × n_inputs shared by every trial).
    Returns per-trial lists ``(weights, biases, images)``, or a ValueError naming the problem."""
    weights, biases = list(weights), list(biases)
    trials = len(weights)
    if len(biases) != trials:
        raise ValueError(f"a batch of {trials} networks (weights) needs {trials} bias lists, "
                         f"got {len(biases)}")
    images = np.asarray(images, dtype=float)
    if images.ndim == 2:
        images = np.broadcast_to(images, (trials,) + images.shape)
    if images.ndim != 3 or len(images) != trials:
        raise ValueError(f"a batch of {trials} networks needs images of shape (n_images, "
                         f"n_inputs) or ({trials}, n_images, n_inputs), got {images.shape}")
    checked = [check_layers(w, b, images.shape[2]) for w, b in zip(weights, biases)]
    shapes = [[w.shape for w in c[0]] for c in checked]
    for k, sh in enumerate(shapes[1:], 1):
        if sh != shapes[0]:
            raise ValueError(f"trial {k}'s layers {sh} differ from trial 0's {shapes[0]}: the "
                             "networks of a batch must have one shape")
    return [c[0] for c in checked], [c[1] for c in checked], [np.asarray(x) for x in images]


def is_batch(weights) -> bool:
    """Whether ``weights`` holds several networks (a list of lists of 2-D matrices) rather than
    one network's layers (a list of 2-D matrices)."""
    weights = list(weights)
    return bool(weights) and not hasattr(weights[0], "shape") and np.ndim(weights[0][0]) == 2


@dataclass
class ConvertedNetwork:
    """What :func:`build_converted_network` made: run ``network`` for
    ``n_images * presentation``, then :meth:`scores` gives each image's mean output (a batch
    of ``trials`` networks: one row of results per trial)."""

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
    #: W_0 (a batch: trials × n_inputs × n_hidden0)
    input_weights: np.ndarray
    #: independent networks in these groups (spiketeach.core.batch), trial-major
    trials: int = 1

    @property
    def batch(self) -> TrialBatch:
        return TrialBatch(self.trials)

    def input_values(self, images) -> np.ndarray:
        """Values of :attr:`image_input` that present ``images`` (n_images rows; a batch: the
        same images to every trial, or trials × n_images × n_inputs)."""
        images = np.asarray(images, dtype=float)
        n_in = self.input_weights.shape[-2]
        if self.trials == 1:
            images = np.atleast_2d(images)
            if images.shape != (self.n_images, n_in):
                raise ValueError(f"images must have shape {(self.n_images, n_in)} (the network "
                                 f"was built for that), got {images.shape}")
            return images @ self.input_weights
        if images.ndim == 2:
            images = np.broadcast_to(images, (self.trials,) + images.shape)
        if images.shape != (self.trials, self.n_images, n_in):
            raise ValueError(f"images must have shape {(self.n_images, n_in)} or "
                             f"{(self.trials, self.n_images, n_in)} (the batch was built for "
                             f"that), got {images.shape}")
        return self.batch.columns([x @ w for x, w in zip(images, self.input_weights)])

    @property
    def duration(self):
        return self.n_images * self.params.presentation * second

    def steps_per_image(self) -> int:
        return round(self.params.presentation / self.params.dt)

    def output_trace(self) -> np.ndarray:
        """Output y, shape (n_images, steps per image, n_classes) (a batch: trials × ...)."""
        y = np.asarray(self.output_monitor.y).T  # (steps, trials × classes)
        n = self.steps_per_image()
        y = y[: self.n_images * n].reshape(self.n_images, n, self.trials, -1)
        return y[:, :, 0] if self.trials == 1 else y.transpose(2, 0, 1, 3).copy()

    def scores(self, settle: float | None = None) -> np.ndarray:
        """Mean output over [settle, presentation) of each image (n_images × n_classes; a
        batch: trials × n_images × n_classes)."""
        settle = self.params.settle if settle is None else settle
        first = round(settle / self.params.dt)
        return self.output_trace()[..., first:, :].mean(axis=-2)

    def mean_rates(self) -> list:
        """Mean firing rate (Hz) of each hidden layer over the whole run (a batch: one such
        list per trial)."""
        t = self.n_images * self.params.presentation
        counts = [self.batch.split(np.asarray(m.count), m.name) for m in self.spike_monitors]
        rates = [[float(np.mean(c[k]) / t) for c in counts] for k in range(self.trials)]
        return rates[0] if self.trials == 1 else rates

    def spike_counts(self) -> list:
        """Spikes per hidden neuron over the run, one array per layer (a batch: one such list
        per trial)."""
        counts = [self.batch.split(np.asarray(m.count), m.name) for m in self.spike_monitors]
        per_trial = [[c[k] for c in counts] for k in range(self.trials)]
        return per_trial[0] if self.trials == 1 else per_trial


def build_converted_network(weights, biases, images, params: Hunsberger2015Params | None = None,
                            *, name: str = "h15") -> ConvertedNetwork:
    """Spiking LIF network of the trained rate network ``(weights, biases)`` presenting ``images``.

    Parameters
    ----------
    weights, biases : sequences of arrays
        ``W_k`` (n_in × n_out) and ``b_k`` as trained (``x_{k+1} = f(x_k @ W_k + b_k)``, the last
        layer linear); see :func:`check_layers`. A batch (:mod:`spiketeach.core.batch`): one
        such list per network (all of one shape, e.g. trained with different seeds), built as
        independent copies in one network; each gives the spikes and outputs it gives alone
        (tests/models/hunsberger2015/test_hunsberger2015_batch.py).
    images : array (n_images, n_inputs)
        Inputs as given to the rate network (e.g. pixels scaled to [0, 1]); a batch: the same
        for every network, or (trials, n_images, n_inputs), each network its own.
    params : Hunsberger2015Params
        Neurons (tau_rc, tau_ref, gain, amplitude), synapse tau_s, dt, presentation time
        (shared by a batch).
    """
    params = params or Hunsberger2015Params()
    if is_batch(weights):
        Ws, bs, xs = check_batch(weights, biases, images)
    else:
        x = np.atleast_2d(np.asarray(images, dtype=float))
        W, b = check_layers(weights, biases, x.shape[1])
        Ws, bs, xs = [W], [b], [x]
    trials = len(Ws)
    batch = TrialBatch(trials)
    steps = params.presentation / params.dt
    if abs(steps - round(steps)) > 1e-6:
        raise ValueError(f"presentation ({params.presentation} s) must be a whole number of "
                         f"steps dt ({params.dt} s)")
    clock = step_clock(params.dt * second, f"{name}_clock")
    ns = _namespace(params.tau_rc, params.tau_ref, params.tau_s, params.amplitude)
    # the first layer's weighted input, one row per image, stepping every presentation
    image_input = TimedArray(batch.columns([x @ W[0] for x, W in zip(xs, Ws)]),
                             dt=params.presentation * second, name=f"{name}_image_input")
    ns["image_input"] = image_input
    hidden, projections, monitors = [], [], []
    n_layers = len(Ws[0])

    def per_trial(matrices):  # alpha_projection's W: one matrix, or one per trial
        return matrices[0] if trials == 1 else matrices

    for k in range(n_layers - 1):
        eqs = (IMAGE_INPUT if k == 0 else SPIKING_INPUT) + UNIT_CURRENT
        group = _lif(batch.cells(Ws[0][k].shape[1]), eqs, clock, ns, f"{name}_hidden{k}")
        group.gain = params.gain
        group.bias = batch.stack([b[k] for b in bs])
        if k:
            projections.append(alpha_projection(hidden[-1], group,
                                                per_trial([W[k].T for W in Ws]), namespace=ns,
                                                name=f"{name}_w{k}", trials=trials))
        hidden.append(group)
        monitors.append(SpikeMonitor(group, record=False, name=f"{name}_spikes{k}"))
    readout = NeuronGroup(batch.cells(Ws[0][-1].shape[1]), READOUT, method="exact", clock=clock,
                          namespace=ns, name=f"{name}_readout")
    readout.bias = batch.stack([b[-1] for b in bs])
    projections.append(alpha_projection(hidden[-1], readout, per_trial([W[-1].T for W in Ws]),
                                        namespace=ns, name=f"{name}_w{n_layers - 1}",
                                        trials=trials))
    out_mon = StateMonitor(readout, "y", record=True, clock=clock, name=f"{name}_output")
    net = Network(*hidden, *projections, readout, *monitors, out_mon)
    input_weights = Ws[0][0] if trials == 1 else np.stack([W[0] for W in Ws])
    return ConvertedNetwork(net, hidden, readout, out_mon, monitors, params, len(xs[0]),
                            image_input, input_weights, trials)
