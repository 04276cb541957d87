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

# --- The E/I network (Fig. 4; SI section 5, Alg. 2; the authors' Figure4/Learning.m) ----------
# Excitatory neurons code the input x; inhibitory neurons code the excitatory spikes. Dale's law
# is kept by clipping each weight at zero after its update. The step, as the authors' loop:
# leak, feedforward drive and noise; the jumps of the previous step's E and I spikes; the E
# choice (one spike per step); the jumps of this step's E spike onto the I neurons; the I choice;
# the rules, with the voltages of this step; then r += 1.

#: Excitatory neurons (S.5 with Dale's law). ``r_ei`` is the E spike trace the E->I rule reads
#: (leak lambda_EI); ``ref_steps`` the refractory period in steps.
NEURON_E = """
dV/dt = -lam * V + I_ff + sigma_v * xi : 1   # E voltage, dV/dt = -lambda V + F^T c + Omega o (S.5)
dr/dt = -lam * r : 1                         # filtered spike train r_E (S.2)
dr_ei/dt = -lam_ei * r_ei : 1                # E spike trace for the E->I rule (leak lambda_EI)
I_ff : Hz                                    # feedforward drive F_n^T c (summed)
above : 1                                    # candidates with a larger margin (one-spike rule)
margin = V - T - noise_T : 1                    # V_n - T_n - noise: the largest fires (SI Alg. 2)
noise_T : 1                                     # threshold noise of this step
T : 1 (constant)                             # threshold T_E
lam : Hz (shared, constant)                  # leak lambda
lam_ei : Hz (shared, constant)               # leak lambda_EI of the E spike trace
sigma_v : second**-0.5 (shared, constant)    # voltage noise (per-step sd / sqrt(dt))
sigma_T : 1 (shared, constant)               # sd of the threshold noise
ref_steps : integer (shared, constant)       # refractory period (steps)
"""

#: Inhibitory neurons: driven only by E and I spikes.
NEURON_I = """
dV/dt = -lam * V + sigma_v * xi : 1          # I voltage, dV/dt = -lambda V + Omega o (S.5)
dr/dt = -lam * r : 1                         # filtered spike train r_I (S.2)
above : 1                                    # candidates with a larger margin (one-spike rule)
margin = V - T - noise_T : 1                    # V_n - T_n - noise
noise_T : 1                                     # threshold noise of this step
T : 1 (constant)                             # threshold T_I
lam : Hz (shared, constant)
sigma_v : second**-0.5 (shared, constant)
sigma_T : 1 (shared, constant)
ref_steps : integer (shared, constant)
"""

#: The E/I network's one-spike rule costs O(N) per step, not O(N^2): each step first draws the
#: threshold noise and clears the count; every neuron with margin >= 0 is a candidate (a custom
#: event); each candidate adds 1 to the count of every neuron whose margin it beats (ties: the
#: lower index wins); then :data:`THRESHOLD` lets the candidate nobody beats fire. A neuron below
#: threshold can beat no candidate, so this is the same choice as comparing all pairs.
THRESHOLD_NOISE_EI = """
noise_T = sigma_T * randn()
above = 0
"""

#: The candidate event (one per neuron at or above its noisy threshold).
CANDIDATE = "margin >= 0"

#: At a candidate k, every neuron n it beats counts one more larger margin.
ON_CANDIDATE = "above_post += int(margin_pre > margin_post or (margin_pre == margin_post and i < j))"

#: Refractory while fewer than ``ref_steps`` steps have passed since the last spike (the
#: authors' countdown: a neuron that fired at step t may fire again at t + ref_steps + 1).
REFRACTORY = "timestep(t - lastspike, dt) <= ref_steps"

#: E reset: both traces count the spike (the voltage reset is the autapse's jump).
RESET_E = """
r += 1
r_ei += 1
"""

#: I reset.
RESET_I = "r += 1"

#: Recurrent synapses within a population (E->E or I->I; all pairs, autapse included), weight
#: Omega_nk; at candidate events they also count larger margins (:data:`ON_CANDIDATE`).
RECURRENT_SAME = """
w : 1                                        # recurrent weight Omega_nk
delta : 1 (constant)                         # 1 on the autapse (n = k), else 0
eps_rec : 1 (shared)                         # learning rate eps_Omega (0: frozen)
beta : 1 (shared, constant)                  # recurrent scale beta
mu : 1 (shared, constant)                    # quadratic cost mu of the postsynaptic population
w_autapse : 1 (shared, constant)             # the fixed E autapse (E->E only)
"""

#: Recurrent synapses between the populations (I->E), weight Omega_nk.
RECURRENT_CROSS = """
w : 1                                        # recurrent weight Omega_nk
eps_rec : 1 (shared)                         # learning rate eps_Omega (0: frozen)
beta : 1 (shared, constant)                  # recurrent scale beta
mu : 1 (shared, constant)                    # quadratic cost mu of the postsynaptic population
"""

#: E->E rule at a presynaptic E spike (S.40 without the mu delta term, as the code), clipped at
#: zero (Dale's law); the autapse (the E reset) stays fixed at w_autapse.
ON_PRE_LEARN_EE = ("w = delta * w_autapse + (1 - delta) * "
                   "clip(w - eps_rec * (beta * (V_post + mu * r_post) + w), 0, inf)")

#: I->I rule at a presynaptic I spike (S.40), clipped at zero from above.
ON_PRE_LEARN_II = "w = clip(w - eps_rec * (beta * (V_post + mu * r_post) + w + mu * delta), -inf, 0)"

#: I->E rule at a presynaptic I spike (S.40, E voltages of this step), clipped from above.
ON_PRE_LEARN_IE = "w = clip(w - eps_rec * (beta * (V_post + mu * r_post) + w), -inf, 0)"

#: E->I synapse, weight Omega_nk (n an I neuron, k an E neuron): learned with the feedforward
#: rule, the E spike trace as its input.
EXCITATION_TO_I = """
w : 1                                        # E->I weight
eps_ff : 1 (shared)                          # learning rate eps_F (0: frozen)
"""

#: E->I rule at a postsynaptic I spike (S.41 with alpha = 1 and the E spike trace as the
#: input, as the code), clipped at zero (Dale's law).
ON_POST_LEARN_EI = "w = clip(w + eps_ff * (r_ei_pre - w), 0, inf)"

#: The jump of a spike onto its targets' voltages (every E/I pathway).
ON_PRE_JUMP_EI = "V_post += w"
