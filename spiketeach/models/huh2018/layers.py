"""Builders of the Brian2 groups and synapses of one network, from :mod:`.equations`.

Huh D, Sejnowski TJ (2018). Gradient descent for spiking neural networks. NeurIPS 31.
"""

from __future__ import annotations

import math

import numpy as np
from brian2 import Clock, NeuronGroup, Synapses, TimedArray, second
from scipy.special import i0e

import spiketeach.models.huh2018.equations as eq
from spiketeach.core.batch import TrialBatch

from .params import Huh2018Params

__all__ = ["namespace", "neuron_equations", "voltage_name", "neurons", "inputs", "dense_synapses",
           "readout"]


def voltage_name(params: Huh2018Params) -> str:
    """The neuron's voltage variable: ``theta`` (theta neuron) or ``v`` (QIF)."""
    return "theta" if params.neuron == "theta" else "v"


def namespace(params: Huh2018Params) -> dict:
    """The constants the equation strings use (compiled in on standalone devices)."""
    p = params
    return {"tau_v": p.tau_v * second, "tau_s": p.tau_s * second, "Delta": p.delta,
            "cos_half_delta": math.cos(p.delta / 2), "kappa": p.kappa,
            "i0e_kappa": float(i0e(p.kappa)), "v_gate": p.v_gate, "sigma_g": p.sigma_gate,
            "v_peak": p.v_peak, "v_reset": p.v_reset}


def neuron_equations(params: Huh2018Params) -> str:
    """Neuron + synaptic trace (eq. 2) + gate + current, as one Brian2 model string."""
    theta = params.neuron == "theta"
    neuron = eq.THETA_NEURON if theta else eq.QIF_NEURON
    gate = {("theta", "boxcar"): eq.GATE_BOXCAR_THETA, ("theta", "smooth"): eq.GATE_SMOOTH_THETA,
            ("qif", "boxcar"): eq.GATE_BOXCAR_QIF, ("qif", "smooth"): eq.GATE_SMOOTH_QIF}
    return neuron + eq.SYNAPSE + gate[params.neuron, params.gate] + eq.CURRENT


def neurons(n: int, params: Huh2018Params, clock: Clock, name: str) -> NeuronGroup:
    """n neurons (all copies' together; theta: no threshold at all; QIF: threshold and reset)."""
    kwargs = {}
    if params.neuron == "qif":
        kwargs = {"threshold": eq.QIF_THRESHOLD, "reset": eq.QIF_RESET}
    return NeuronGroup(n, neuron_equations(params), method="euler", clock=clock,
                       namespace=namespace(params), name=name, **kwargs)


def inputs(stimulus: TimedArray, clock: Clock, name: str) -> NeuronGroup:
    """One unit per input signal, reading column i of ``stimulus``."""
    n_in = stimulus.values.shape[1]
    return NeuronGroup(n_in, eq.INPUT, clock=clock, namespace={"stimulus": stimulus}, name=name)


def dense_synapses(source: NeuronGroup, target: NeuronGroup, model: str, variable: str,
                   matrices, clock: Clock, name: str,
                   namespace: dict | None = None) -> Synapses:
    """All-to-all synapses whose ``variable`` holds ``matrices``, one (n_target x n_source)
    matrix per copy of the network in the groups (:mod:`spiketeach.core.batch`: block-diagonal,
    copy-major; one copy: today's single network, the same synapses in the same order);
    ``namespace``: names the presynaptic subexpressions use (the input's TimedArray)."""
    matrices = [np.asarray(m, float) for m in matrices]
    batch = TrialBatch(len(matrices))
    syn = Synapses(source, target, model, clock=clock, name=name, namespace=namespace or {})
    i, j = batch.dense_indices(batch.per_trial(len(source), source.name),
                               batch.per_trial(len(target), target.name))
    syn.connect(i=i, j=j)
    setattr(syn, variable, batch.stack([m.T.ravel() for m in matrices]))
    return syn


def readout(n_out: int, clock: Clock, name: str) -> NeuronGroup:
    """The linear readout units (o = O s summed before the neurons' step: o_n = O s_n)."""
    return NeuronGroup(n_out, eq.READOUT, clock=clock, name=name)
