"""Brian2 equations of the spiking networks of Hunsberger & Eliasmith (2015).

Hunsberger E, Eliasmith C (2015). Spiking deep networks with LIF neurons. arXiv:1510.08829.

Only the paper's captions were readable, so equations are named by the labels the captions
cite (``eqn:lifss``, ``eqn:alpha``) or by what they are; their printed numbers are not known
(docs/papers/hunsberger2015.md). Dimensionless variables; times carry units.

The LIF neuron (threshold V_th = 1, reset 0, refractory tau_ref)::

    tau_RC dV/dt = -V + J                              LIF membrane
    J = a (x + b) + 1                                  current of a converted unit (gain a, bias 1)
    r(J) = 1 / (tau_ref + tau_RC log(1 + 1/(J - 1)))   steady-state rate, eqn:lifss

is advanced with spike times located inside the step, as Nengo's simulator (the authors') does:
:data:`LIF_UPDATE` and :data:`LIF_RESET` are those of :mod:`spiketeach.models.lif`, imported
(not copied). Every connection carries an alpha synapse (eqn:alpha)::

    h(t) = t / tau_s^2 exp(-t / tau_s)                 unit area, tau_s = 5 ms in the networks

as the pair of low-passes of :mod:`spiketeach.models.alpha` (:data:`ALPHA_TARGET`); a spike is a
delta of area m (the amplitude), so the filtered train of a neuron firing at r has mean m r.
"""

from __future__ import annotations

from ..alpha import ALPHA_ON_PRE, ALPHA_TARGET
from ..lif import LIF_SUBSTEP_RESET as LIF_RESET
from ..lif import LIF_SUBSTEP_UPDATE as LIF_UPDATE

__all__ = ["LIF_MEMBRANE", "LIF_UPDATE", "LIF_RESET", "LIF_THRESHOLD", "UNIT_CURRENT",
           "CONSTANT_CURRENT", "IMAGE_INPUT", "SPIKING_INPUT", "ALPHA_TARGET", "ALPHA_ON_PRE",
           "SELF_FILTER_RESET", "READOUT"]

#: State of a LIF neuron whose spikes are located inside the step (LIF membrane equation);
#: advanced by :data:`LIF_UPDATE` each step, reset by :data:`LIF_RESET`.
LIF_MEMBRANE = """
V : 1                              # membrane voltage, tau_RC dV/dt = -V + J (LIF membrane)
ref : second                       # refractory time left, counted from the spike inside the step
"""

#: Spike condition (V_th = 1).
LIF_THRESHOLD = "V > 1"

#: Current of a converted unit: J = a (x + b) + 1 (gain a, learned bias b, LIF bias 1, so that
#: the threshold lies at x + b = 0, as in training). ``x_in`` is defined by the input equations.
UNIT_CURRENT = """
J = gain * (x_in + bias) + 1 : 1   # input current (soft-LIF unit: j = a x + 1)
gain : 1 (constant)                # gain a
bias : 1 (constant)                # learned bias b of the unit
"""

#: A constant current per neuron (Fig. 2's neurons, and the rate tests).
CONSTANT_CURRENT = """
J : 1 (constant)                   # input current, set per neuron
"""

#: First hidden layer: the weighted image, W^T pixels, presented as a piecewise-constant input
#: (a TimedArray ``image_input`` of one row per image, stepping every presentation).
IMAGE_INPUT = """
x_in = image_input(t, i) : 1       # weighted input of the current image (no synapse on pixels)
"""

#: Later layers: the alpha-filtered, weighted spikes of the layer below (eqn:alpha).
SPIKING_INPUT = ALPHA_TARGET + """
x_in = s : 1                       # sum_k w_k m (h * spikes_k): weighted filtered spike trains
"""

#: Reset code that also feeds a neuron's own spikes into its alpha filter (Fig. 2: ``s`` is
#: then the neuron's filtered spike train, area m per spike). Appended to :data:`LIF_RESET`.
SELF_FILTER_RESET = "xs += area / tau_s"

#: Output layer (the paper's last layer is not spiking: its softmax is dropped and the class is
#: read from the alpha-filtered weighted spikes of the last hidden layer plus the bias).
READOUT = ALPHA_TARGET + """
y = s + bias : 1                   # class score: filtered weighted input plus bias
bias : 1 (constant)                # learned bias of the output unit
"""
