"""Parameters of the spike-coding networks of Brendel et al. (2020) / Bourdoukan et al. (2012).

Brendel W, Bourdoukan R, Vertechi P, Machens CK, Denève S (2020). Learning to represent signals
spike by spike. PLOS Comput Biol 16(3):e1007692.

Two presets of the 20-neuron, 2-input network of the 2020 paper's Fig. 2: :data:`TABLE` (the
supplement's parameter table) and :data:`CODE` (the authors' Matlab script ``Figure2/twoDWhite.m``
and ``Learning.m``, machenslab/spikes), which differ in learning rates, alpha, beta, mu, the
initial connectivity, the threshold noise and the input smoothing. Sources and differences:
docs/papers/brendel2020.md.

The E/I network of the paper's Fig. 4 (300 excitatory, 75 inhibitory neurons, Dale's law kept by
sign clipping) has its own dataclass, :class:`Brendel2020EIParams`, with presets :data:`EI_TABLE`
(the supplement's table, column "Fig 3" of the draft = PLOS Fig 4) and :data:`EI_CODE` (the
authors' ``Figure4/LearningDale.m`` + ``Learning.m``).

Times in seconds, rates in Hz; everything else dimensionless (plain floats; the Brian2 network
attaches units).
"""

from __future__ import annotations

from dataclasses import dataclass

from spiketeach.core.checks import check_nonnegative, check_positive
from spiketeach.models.spike_coding import check_params, replace_params

__all__ = ["Brendel2020Params", "TABLE", "CODE", "Brendel2020EIParams", "EI_TABLE", "EI_CODE",
           "check_positive", "check_nonnegative"]


_POSITIVE = ("dt", "lam", "lam_ff", "threshold", "input_amplitude", "input_smoothing", "gamma")
_NONNEGATIVE = ("eps_rec", "eps_ff", "alpha", "beta", "mu", "nu", "sigma_v", "sigma_threshold",
                "omega_offdiag", "omega_diag_abs")


@dataclass(frozen=True)
class Brendel2020Params:
    """One spike-coding network (2020 sign convention: Ω is added, negative = inhibition).

    Defaults are the supplement's table, column "Fig 2" (:data:`TABLE`); :data:`CODE` holds the
    authors' script values. Invalid values raise a ValueError naming the field.
    """

    #: neurons N. Table and code: 20.
    n_neurons: int = 20
    #: input dimensions J. Table and code: 2.
    n_inputs: int = 2
    #: time step (s). Table and code: 1 ms.
    dt: float = 1e-3
    #: membrane and readout leak lambda (1/s). Table and code: 50.
    lam: float = 50.0
    #: leak of the input trace x~ used by the feedforward rule (1/s). Table: lambda_F = lambda.
    lam_ff: float = 50.0
    #: learning rate of the recurrent rule eps_Omega. Table 1e-4; code 1e-3.
    eps_rec: float = 1e-4
    #: learning rate of the feedforward rule eps_F. Table 1e-5; code 1e-4.
    eps_ff: float = 1e-5
    #: feedforward scale alpha (sets the final rates). Table 0.21; code 0.18.
    alpha: float = 0.21
    #: recurrent scale beta. Table 1.25; code 1/0.9.
    beta: float = 1.25
    #: quadratic rate cost mu. Table 0.02; code 0.02/0.9.
    mu: float = 0.02
    #: linear rate cost nu (enters only the optimal thresholds). Table and code: 0.
    nu: float = 0.0
    #: firing threshold T of every neuron during learning. Table and code: 0.5.
    threshold: float = 0.5
    #: sd of the voltage noise added each step. Table and code: 1e-3.
    sigma_v: float = 1e-3
    #: sd of the threshold noise in the one-spike-per-step choice. Table 2e-2; code 1e-2.
    sigma_threshold: float = 2e-2
    #: norm of each initial feedforward row F_n. Table 0.8; code 1.
    gamma: float = 0.8
    #: initial off-diagonal inhibition: Omega_nk = -omega_offdiag * U(0, 1). Table and the
    #: published caption: 0 (off-diagonals start at zero); code: 0.2.
    omega_offdiag: float = 0.0
    #: initial self-connection (the reset) is -omega_diag_abs. Table and code: 0.5.
    omega_diag_abs: float = 0.5
    #: input amplitude A: c = A * (white noise smoothed by a unit-area Gaussian). Table and
    #: code: 2000.
    input_amplitude: float = 2000.0
    #: sd of the Gaussian that smooths the input white noise (s). Table: 6 ms (the "kernel eta");
    #: code: 30 steps = 30 ms.
    input_smoothing: float = 6e-3

    def __post_init__(self):
        check_params(self, counts=("n_neurons", "n_inputs"), positive=_POSITIVE,
                     nonnegative=_NONNEGATIVE)

    def replace(self, **changes) -> "Brendel2020Params":
        """A copy with ``changes`` (checked like the constructor)."""
        return replace_params(self, changes)


#: The supplement's table, column "Fig 2" (the default).
TABLE = Brendel2020Params()

#: The authors' script Figure2/twoDWhite.m + Learning.m.
CODE = Brendel2020Params(eps_rec=1e-3, eps_ff=1e-4, alpha=0.18, beta=1 / 0.9, mu=0.02 / 0.9,
                         sigma_threshold=1e-2, gamma=1.0, omega_offdiag=0.2,
                         input_smoothing=30e-3)


_EI_POSITIVE = ("dt", "lam", "lam_ff", "lam_ei", "threshold_e", "threshold_i", "input_amplitude",
                "input_smoothing", "gamma")
_EI_NONNEGATIVE = ("eps_rec", "eps_ff", "alpha", "beta", "mu_e", "mu_i", "sigma_v_e",
                   "sigma_v_i", "sigma_threshold", "w_ei", "w_ie_abs", "w_ii_abs",
                   "w_ee_autapse_abs")


@dataclass(frozen=True)
class Brendel2020EIParams:
    """The E/I network of Brendel et al. (2020), Fig. 4 (SI section 5, Alg. 2): excitatory
    neurons code the input; inhibitory neurons code the excitatory population's spikes; Dale's law
    is kept by clipping each weight at zero after every update (E->E and E->I >= 0, I->E and I->I
    <= 0; the E autapse, the E reset, is re-fixed at -w_ee_autapse_abs).

    Defaults are the supplement's table ("Fig 3" column of the draft = PLOS Fig 4; :data:`EI_TABLE`)
    where it gives a value, else the authors' code; :data:`EI_CODE` holds the authors' script
    values (``Figure4/LearningDale.m``, ``Learning.m``, ``runnet.m``).
    """

    #: excitatory neurons. Table and code: 300.
    n_e: int = 300
    #: inhibitory neurons. Table and code: 75.
    n_i: int = 75
    #: input dimensions J. Table and code: 3.
    n_inputs: int = 3
    #: time step (s). Table and code: 0.1 ms.
    dt: float = 1e-4
    #: membrane and readout leak lambda (1/s). Table and code: 50.
    lam: float = 50.0
    #: leak of the input trace used by the E feedforward rule (1/s). Table and code: 6 lambda.
    lam_ff: float = 300.0
    #: leak of the E spike trace used by the E->I rule (1/s). Table and code: lambda.
    lam_ei: float = 50.0
    #: recurrent learning rate eps_Omega (E->E, I->E, I->I). Table and code: 1e-4.
    eps_rec: float = 1e-4
    #: feedforward learning rate eps_F (input->E and E->I). Table and code: 1e-5.
    eps_ff: float = 1e-5
    #: feedforward scale alpha (input->E; E->I uses 1). Table 0.21; code 1.
    alpha: float = 0.21
    #: recurrent scale beta. Table and code: 1.
    beta: float = 1.0
    #: quadratic cost of the E population mu_E. Table 0.02; code 0.002.
    mu_e: float = 0.02
    #: quadratic cost of the I population mu_I. Table 0; code 0.002 (one mu for both).
    mu_i: float = 0.0
    #: firing threshold of the E neurons (|F_n|^2 / 2 with unit rows). Table and code: 0.5.
    threshold_e: float = 0.5
    #: firing threshold of the I neurons. Code: the E threshold, 0.5.
    threshold_i: float = 0.5
    #: refractory period in steps (a neuron that fired may fire again after this many steps).
    #: Code: 10 (1 ms); the table gives none.
    refractory_steps: int = 10
    #: sd of the E voltage noise per step. Table 1e-3; code 2e-3 during learning (1e-3 when
    #: frozen weights are evaluated, runnet.m).
    sigma_v_e: float = 1e-3
    #: sd of the I voltage noise per step. Table 1e-3; code 2e-3.
    sigma_v_i: float = 1e-3
    #: sd of the threshold noise of the one-spike-per-step choice. Table and code: 2e-2.
    sigma_threshold: float = 2e-2
    #: norm of each initial feedforward row. Table and code: 1.
    gamma: float = 1.0
    #: initial E->I weight on each I neuron's 4 E partners (stacked identities). Table, code: 0.5.
    w_ei: float = 0.5
    #: initial I->E weight is -w_ie_abs on the same pairs. Table and code: 0.3.
    w_ie_abs: float = 0.3
    #: initial I autapse (reset) -w_ii_abs; I->I off-diagonals start at 0. Table and code: 0.5.
    w_ii_abs: float = 0.5
    #: E autapse (reset), fixed at -w_ee_autapse_abs; E->E off-diagonals start at 0. Table and
    #: code: 0.02.
    w_ee_autapse_abs: float = 0.02
    #: input amplitude A (white noise smoothed by a unit-area Gaussian, times A). Table, code 2000.
    input_amplitude: float = 2000.0
    #: sd of the smoothing Gaussian (s). Table: 6 ms ("kernel eta"); code: 30 steps = 3 ms.
    input_smoothing: float = 6e-3

    def __post_init__(self):
        check_params(self, counts=("n_e", "n_i", "n_inputs", ("refractory_steps", 0)),
                     positive=_EI_POSITIVE, nonnegative=_EI_NONNEGATIVE,
                     leaks=("lam", "lam_ff", "lam_ei"))

    @property
    def n_neurons(self) -> int:
        return self.n_e + self.n_i

    def replace(self, **changes) -> "Brendel2020EIParams":
        """A copy with ``changes`` (checked like the constructor)."""
        return replace_params(self, changes)


#: The supplement's table, column "Fig 3" of the draft (= PLOS Fig 4), code values where it is
#: silent (the default).
EI_TABLE = Brendel2020EIParams()

#: The authors' scripts Figure4/LearningDale.m + Learning.m.
EI_CODE = Brendel2020EIParams(alpha=1.0, mu_e=0.002, mu_i=0.002, sigma_v_e=2e-3, sigma_v_i=2e-3,
                              input_smoothing=3e-3)
