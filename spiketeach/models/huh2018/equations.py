"""Brian2 equations of the differentiable spiking network of Huh & Sejnowski (2018).

Huh D, Sejnowski TJ (2018). Gradient descent for spiking neural networks. NeurIPS 31,
1433-1443. arXiv:1706.04698. Equation numbers are the paper's where its text was readable
(eq. 1, 2 and Fig. 1, through its caption); everything else is marked **ours**. Facts and what
is unknown: docs/papers/huh2018.md.

The synapse (eq. 2) is driven by the presynaptic voltage crossing an active zone instead of by
threshold events (eq. 1, tau ds/dt = -s + sum_k delta(t - t_k))::

    tau_s ds/dt = -s + g(v) dv/dt                                   (eq. 2)

g >= 0 is non-zero only in a zone of width Delta around the spike and integrates to 1 over v,
so a sweep through the whole zone deposits int s dt = int g dv = 1 at any speed and a partial
entry deposits a graded amount (Fig. 1). Brian2 cannot refer to dv/dt inside another equation,
so the neuron's right-hand side is a subexpression ``vdot`` that both equations use.

The neuron (ours; the paper's is not known for certain) is the theta neuron, the quadratic
integrate-and-fire neuron tau_v dv/dt = v^2 + I written in its phase v = tan(theta / 2)::

    tau_v dtheta/dt = (1 - cos theta) + (1 + cos theta) I

It has no reset (a spike is theta passing pi, after which the phase simply goes on), so the
gradient needs no jump conditions; the zone sits around theta = pi (mod 2 pi), where the theta
neuron always moves forward at speed 2 / tau_v whatever I is. The QIF with a hard reset is kept
as an option (``Huh2018Params(neuron="qif")``): its reset jump is not a solution of the ODE and
is not fed into s (a jump is not a sweep), and the zone lies between v_reset and v_peak.

s carries units of 1/time (a full sweep deposits a unit area, like a spike filtered by
exp(-t/tau_s)/tau_s), so the weights W and O that multiply it are in seconds; U, b, I are
dimensionless. Every variable is advanced by forward Euler with the values at the start of the
step (Brian2's ``euler``), the discretisation the numpy forward pass and the adjoint share.
"""

#: The theta neuron (ours; reset-free phase form of the QIF). ``I`` is :data:`CURRENT`.
THETA_NEURON = """
dtheta/dt = vdot : 1                                         # phase (theta = pi: the spike)
vdot = ((1 - cos(theta)) + (1 + cos(theta)) * I) / tau_v : Hz  # tau_v dtheta/dt = (1 - cos) + (1 + cos) I
"""

#: The QIF neuron (option): tau_v dv/dt = v^2 + I, spike at v_peak, reset to v_reset.
QIF_NEURON = """
dv/dt = vdot : 1                                             # membrane voltage
vdot = (v ** 2 + I) / tau_v : Hz                             # tau_v dv/dt = v^2 + I
"""

#: QIF spike condition and reset (option). The reset is a jump, not a sweep: it adds no charge.
QIF_THRESHOLD = "v > v_peak"
QIF_RESET = "v = v_reset"

#: The synaptic trace of each neuron (eq. 2), dv/dt written out as the neuron's ``vdot``.
SYNAPSE = """
ds/dt = (-s + g * vdot) / tau_s : Hz                         # tau_s ds/dt = -s + g(v) dv/dt (eq. 2)
"""

#: Gate of the theta neuron, Fig. 1's boxcar: 1/Delta for |theta - pi| < Delta/2 (mod 2 pi),
#: i.e. -cos(theta) > cos(Delta/2), which needs no wrapping of the phase.
GATE_BOXCAR_THETA = """
g = int(-cos(theta) > cos_half_delta) / Delta : 1            # g(v) = 1/Delta in the zone, else 0 (Fig. 1)
"""

#: Smooth gate of the theta neuron (ours): a von Mises bump around pi with the boxcar's
#: variance (kappa = 12 / Delta^2), normalised over one period (i0e_kappa = exp(-kappa) I0(kappa)).
GATE_SMOOTH_THETA = """
g = exp(-kappa * (1 + cos(theta))) / (2 * pi * i0e_kappa) : 1  # integrates to 1 over theta
"""

#: Gate of the QIF neuron, boxcar of width Delta around v_gate (option).
GATE_BOXCAR_QIF = """
g = int(abs(v - v_gate) < Delta / 2) / Delta : 1             # g(v) = 1/Delta in the zone, else 0
"""

#: Smooth gate of the QIF neuron (option): a Gaussian of standard deviation Delta / sqrt(12).
GATE_SMOOTH_QIF = """
g = exp(-(v - v_gate) ** 2 / (2 * sigma_g ** 2)) / (sqrt(2 * pi) * sigma_g) : 1  # integrates to 1
"""

#: Input current of each neuron: recurrent W s and input U x summed from their synapses, bias b.
CURRENT = """
I = I_rec + I_in + b : 1                                     # I_k = sum_j W_kj s_j + sum_m U_km x_m + b_k
I_rec : 1                                                    # sum_j W_kj s_j (summed)
I_in : 1                                                     # sum_m U_km x_m (summed)
b : 1 (constant)                                             # bias current b_k
"""

#: Input units: x_m(t) read from the TimedArray ``stimulus`` (one column per input).
INPUT = """
x = stimulus(t, i) : 1                                       # input signal x_m(t)
"""

#: Input weights U (dimensionless).
INPUT_SYNAPSE = """
u : 1 (constant)                                             # U_km
I_in_post = u * x_pre : 1 (summed)
"""

#: Recurrent weights W acting on the presynaptic trace s. W is in seconds (s is a rate); it is
#: stored as the number of seconds, so that weights are plain arrays on every device.
RECURRENT_SYNAPSE = """
w : 1 (constant)                                             # W_kj in seconds
I_rec_post = w * second * s_pre : 1 (summed)
"""

#: Linear readout o = O s (one unit per output).
READOUT = """
o : 1                                                        # o_p = sum_k O_pk s_k
"""

#: Readout weights O (in seconds, stored as numbers, like W).
READOUT_SYNAPSE = """
w_o : 1 (constant)                                           # O_pk in seconds
o_post = w_o * second * s_pre : 1 (summed)
"""
