"""Brian2 equations of the spike-coding network of Brendel et al. (2020).

Brendel W, Bourdoukan R, Vertechi P, Machens CK, Denève S (2020). Learning to represent signals
spike by spike. PLOS Comput Biol 16(3):e1007692. Equation numbers (S.x) are those of its
supplementary information; facts and sources: docs/papers/brendel2020.md.

Sign convention of 2020: the recurrent weights Omega are *added* to the voltage (negative =
inhibitory), the reset is the self-weight Omega_nn. In integrated form (S.6)::

    V = F x + Omega r,   dx/dt = -lambda x + c,   dr/dt = -lambda r + o

so in the optimal network (F = D^T, Omega = -F F^T - mu I) the voltage is the projected coding
error, V_n + mu r_n = F_n^T (x - D r).

The step (Euler, as the authors' code): leak and feedforward drive, then the one-spike choice,
then the spike's recurrent jumps, then the spiking neuron's filtered rate r += 1. All variables
are dimensionless; lambda and the noise scale carry units.
"""

#: The coding neurons (S.5). ``I_ff`` is summed from the feedforward synapses; ``above`` (how
#: many neurons have a larger margin) is summed from the recurrent synapses just before the
#: threshold; ``noise_T`` is the threshold noise of this step.
NEURON = """
dV/dt = -lam * V + I_ff + sigma_v * xi : 1   # membrane voltage, dV/dt = -lambda V + F^T c + Omega o (S.5)
dr/dt = -lam * r : 1                         # filtered spike train r (S.2); r += 1 at a spike
I_ff : Hz                                    # feedforward drive F_n^T c (summed)
above : 1                                    # neurons with a larger margin (summed, one-spike rule)
margin = V - T - noise_T : 1                    # V_n - T_n - noise: the largest fires (SI Alg. 1)
noise_T : 1                                     # threshold noise of this step
T : 1 (constant)                             # threshold T_n = (|F_n|^2 + mu + nu)/2 (S.13)
lam : Hz (shared, constant)                  # leak lambda
sigma_v : second**-0.5 (shared, constant)    # voltage noise (per-step sd / sqrt(dt))
sigma_T : 1 (shared, constant)               # sd of the threshold noise
"""

#: Draw this step's threshold noise (run just before the one-spike choice).
THRESHOLD_NOISE = "noise_T = sigma_T * randn()"

#: At most one spike per step: the neuron with the largest margin fires if its margin is >= 0
#: (ties go to the lower index: see :data:`ABOVE`).
THRESHOLD = "margin >= 0 and above == 0"

#: The spiking neuron's filtered rate (S.2); its voltage reset is its self-weight (ON_PRE_*).
RESET = "r += 1"

#: The input units (one per input dimension): c from a TimedArray ``stimulus``; x the signal
#: (dx/dt = -lambda x + c, S.1); x_ff the trace used by the feedforward rule (leak lambda_F, S.41).
INPUT = """
c = stimulus(t, i) : Hz                      # input c_j(t)
dx/dt = -lam * x + c : 1                     # signal x_j (S.1)
dx_ff/dt = -lam_ff * x_ff + c : 1            # input trace x~_j for the feedforward rule (S.41)
lam : Hz (shared, constant)
lam_ff : Hz (shared, constant)
"""

#: Feedforward synapse input j -> neuron n, weight F_nj.
FEEDFORWARD = """
F : 1                                        # feedforward weight F_nj
I_ff_post = F * c_pre : Hz (summed)          # F_n^T c
eps_ff : 1 (shared)                          # learning rate eps_F (0: frozen)
alpha : 1 (shared, constant)                 # feedforward scale alpha
"""

#: Feedforward rule at each postsynaptic spike (S.41): dF_n = eps_F (alpha x~ - F_n).
ON_POST_FEEDFORWARD = "F += eps_ff * (alpha * x_ff_pre - F)"

#: Recurrent synapse k -> n (all pairs, autapse included), weight Omega_nk; also counts, for the
#: one-spike rule, whether k's margin beats n's (ties: the lower index wins).
RECURRENT = """
w : 1                                        # recurrent weight Omega_nk (Omega_nn: the reset)
w_before : 1                                 # Omega_nk before this spike's update (the jump uses it)
delta : 1 (constant)                         # 1 on the autapse (n = k), else 0
above_post = int(margin_pre > margin_post or (margin_pre == margin_post and i < j)) : 1 (summed)
eps_rec : 1 (shared)                         # learning rate eps_Omega (0: frozen)
beta : 1 (shared, constant)                  # recurrent scale beta
mu : 1 (shared, constant)                    # quadratic cost mu
"""

#: At a spike of k, for every n, first (pathway "learn") the recurrent rule with V_n and r_n from
#: just before the spike (S.40), dOmega_nk = -eps_Omega [beta (V_n + mu r_n) + Omega_nk + mu delta_nk],
#: keeping the weight of before the update; then (pathway "jump") V_n += that weight. Two
#: pathways so that neither reads a variable it writes (Brian2 vectorises each). ``w = ...``, not
#: ``w += ...``: Brian2's numpy target would update w in place and with it its alias w_before.
ON_PRE_LEARN = """
w_before = w
w = w_before - eps_rec * (beta * (V_post + mu * r_post) + w_before + mu * delta)
"""
ON_PRE_JUMP = "V_post += w_before"
