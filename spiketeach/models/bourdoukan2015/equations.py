"""Brian2 equations of the network of Bourdoukan & Denève (2015) that learns a linear dynamical
system with local rules.

Bourdoukan R, Denève S (2015). Enforcing balance allows local supervised learning in spiking
recurrent networks. NIPS 28. Its body was not readable: the equations are the spike-coding
network of Boerlin, Machens & Denève (2013) with fast and slow connections, in the 2020 sign
convention of Brendel et al. (2020) (weights are *added*; negative = inhibitory), with the
fast rule of Brendel et al. (2020, S.40) and a slow rule that matches the 2015 abstract ("slow
connections learn to cancel the error feedback with a current-based Hebbian rule"). Decisions:
docs/families/bourdoukan2015.md.

The target system dx/dt = A x + c; the readout x_hat = D r (fixed D, F = D^T); the output error
e = x - x_hat is fed back as the input current K F e. With the optimal weights
W_fast = -F F^T - mu I (BMD13) and W_slow = F (A + lambda I) D (BMD13), V_n + mu r_n = F_n (x - x_hat)
and the network alone (K = 0) follows the system.
"""

#: The teacher units (one per dimension): input c, the target state x (dx/dt = A x + c), the
#: readout x_hat (summed from the neurons) and the error fed back.
TEACHER = """
c = stimulus(t, i) : Hz                      # input c_j(t)
dx/dt = Ax + c : 1                           # target system dx/dt = A x + c
Ax : Hz                                      # (A x)_j (summed from the system synapses)
xhat : 1                                     # readout x_hat_j = (D r)_j (summed)
err = x - xhat : 1                           # output error e_j = x_j - x_hat_j (`e` is Euler's number in Brian2)
"""

#: System synapse j' -> j of the teacher, entry A_jj'.
SYSTEM = """
A : Hz (constant)                            # A_jj'
Ax_post = A * x_pre : Hz (summed)
"""

#: Readout synapse neuron n -> dimension j, decoding weight D_jn (fixed).
READOUT = """
D : 1 (constant)                             # D_jn
xhat_post = D * r_pre : 1 (summed)
"""

#: The neurons: leaky voltage driven by the input, the slow recurrent currents, the fed-back
#: error and (as jumps) the fast recurrent connections; one spike per step.
NEURON = """
dV/dt = -lam * V + I_ff + I_slow + I_err + sigma_v * xi : 1   # voltage (BMD13, B20 S.5 + slow + feedback)
dr/dt = -lam * r : 1                         # filtered spike train r (r += 1 at a spike)
I_ff : Hz                                    # feedforward drive F_n c (summed)
I_slow : Hz                                  # slow recurrent current (W_slow r)_n (summed)
I_err : Hz                                   # fed-back error K F_n e (summed)
above : 1                                    # candidates with a larger margin (one-spike rule)
margin = V - T - noise_T : 1                    # V_n - T_n - noise: the largest fires
noise_T : 1                                     # threshold noise of this step
T : 1 (constant)                             # threshold T_n = (|F_n|^2 + mu) / 2
lam : Hz (shared, constant)                  # leak lambda
sigma_v : second**-0.5 (shared, constant)    # voltage noise (per-step sd / sqrt(dt))
sigma_T : 1 (shared, constant)               # sd of the threshold noise
"""

#: The spike: its filtered rate (the voltage reset is the fast autapse's jump).
RESET = "r += 1"

#: Each step: the threshold noise, and the count of larger margins cleared.
THRESHOLD_NOISE = """
noise_T = sigma_T * randn()
above = 0
"""

#: The same, the noise drawn beforehand in numpy (``draw_noise``: per trial of a batch, whose
#: Brian2 random stream would be shared): this step's voltage noise (the xi term, its scale then 0)
#: and threshold noise read from TimedArrays; V after its Euler step, as the numpy step adds it.
DRAWN_NOISE = """
V += voltage_noise(t, i)
noise_T = threshold_noise(t, i)
above = 0
"""

#: A neuron at or above its noisy threshold is a candidate ...
CANDIDATE = "margin >= 0"

#: ... and adds one to the count of every neuron whose margin it beats (ties: lower index) ...
ON_CANDIDATE = "above_post += int(margin_pre > margin_post or (margin_pre == margin_post and i < j))"

#: ... and the candidate nobody beats fires: at most one spike per step.
THRESHOLD = "margin >= 0 and above == 0"

#: Feedforward synapse j -> n, weight F_nj (fixed, F = D^T).
FEEDFORWARD = """
F : 1 (constant)                             # F_nj
I_ff_post = F * c_pre : Hz (summed)
"""

#: Error feedback synapse j -> n: K F_nj e_j.
FEEDBACK = """
F : 1 (constant)                             # F_nj (the error arrives through the input weights)
K : Hz (shared, constant)                    # feedback gain K
I_err_post = K * F * err_pre : Hz (summed)
"""

#: Slow recurrent synapse k -> n: a current W_nk r_k, learned continuously.
SLOW = """
W : Hz                                       # slow weight W_slow,nk
I_slow_post = W * r_pre : Hz (summed)
eps_slow : Hz (shared)                       # learning rate (0: frozen)
"""

#: Slow rule, every step: postsynaptic error current x presynaptic rate ("current-based
#: Hebbian", 2015 abstract), dW_nk/dt = eps_slow I_err,n r_k. Its fixed point: the fed-back
#: error uncorrelated with the rates, the slow current cancelling what the feedback supplied.
SLOW_RULE = "W += eps_slow * dt * I_err_post * r_pre"

#: Fast recurrent synapse k -> n (all pairs; the autapse is the reset), applied at spikes.
FAST = """
w : 1                                        # fast weight W_fast,nk
w_before : 1                                 # W_fast,nk before this spike's update
delta : 1 (constant)                         # 1 on the autapse
eps_fast : 1 (shared)                        # learning rate (0: frozen)
beta : 1 (shared, constant)                  # scale beta
mu : 1 (shared, constant)                    # quadratic cost mu
"""

#: Fast rule at a presynaptic spike of k, voltages from just before it (B20 S.40, the voltage
#: rule that learns balance): dW_nk = -eps [beta (V_n + mu r_n) + W_nk + mu delta_nk]. ``w = ...``
#: keeps the value of before in ``w_before`` for the jump.
ON_PRE_LEARN = """
w_before = w
w = w_before - eps_fast * (beta * (V_post + mu * r_post) + w_before + mu * delta)
"""

#: Then the jump of the spike onto every voltage.
ON_PRE_JUMP = "V_post += w_before"
