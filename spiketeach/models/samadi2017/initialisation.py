"""Initialisation of Samadi, Lillicrap & Tweed (2017), Appendix B (eqs. A.1–A.6).

Forward weights (eqs. A.1–A.4)
------------------------------
Under the linear approximation a = alpha v (eq. A.1, alpha = c1 c2), a layer whose inputs have
mean alpha v̄ and s.d. alpha sigma_v passes on drives with the same mean v̄ and s.d. sigma_v when
every bias is b̄ and the n weights into a cell are drawn i.i.d. with

    mean  w̄   = (v̄ − b̄) / (n alpha v̄)                                           (A.2)
    var   σ_w² = (sigma_v² / (n alpha²) − w̄² sigma_v²) / (v̄² + sigma_v²)          (A.3)

(A.3 as printed gives the second moment w̄² + σ_w²; the two forms agree, see the tests). Drawn
uniformly, W = w̄ + 2 sqrt(3) σ_w (rand − 0.5) (A.4; ``weight_distribution="normal"`` draws the
same moments normally). With the real, sublinear activation the drives shrink with depth.

Feedback weights (eqs. A.5–A.6)
-------------------------------
Feedback alignment (A.5): B_FA(n), which replaces W_(n+1)ᵀ, is "initialized like the Ws": drawn
as A.4 with layer n+1's w̄ and σ_w (so its mean is w̄, not 0), independently of the Ws.

Broadcast alignment (A.6): B_BA(n) = gamma^D B_FA(n) B_FA(n+1) … B_FA(L−1), the product of the
D matrices below hidden layer n (D counts the output layer: in a 7-layer net layer 4 has D = 3).
It stands for the whole chain of FA links, each of which multiplies by a slope ≈ gamma. Its
entries have mean gamma^D Π(n_m w̄_m) / n-of-last and a variance given exactly by
:func:`broadcast_feedback_moments`.

``fa_feedback="zero_mean"`` / ``ba_feedback="gaussian"`` are the "session7" variants: B_FA
~ N(0, E[W²]); B_BA ~ N(0, E[W_L²] Π_{hidden links} n_m gamma² E[W_m²]) (gamma^(D−1)).
"""

from __future__ import annotations

import numpy as np

from spiketeach.models.samadi2017.params import SamadiParams

__all__ = ["forward_weight_moments", "init_forward", "init_feedback_alignment",
           "init_broadcast_alignment", "broadcast_feedback_moments", "draw_like_weights"]

def forward_weight_moments(fan_in: int, params: SamadiParams) -> tuple[float, float]:
    """(w̄, σ_w) of eqs. A.2–A.3 for a cell with ``fan_in`` inputs."""
    if fan_in < 1:
        raise ValueError(f"fan_in must be >= 1, got {fan_in}")
    alpha, vb, sv, bb = params.alpha, params.v_bar, params.sigma_v, params.b_bar
    w_mean = (vb - bb) / (fan_in * alpha * vb)
    var = (sv**2 / (fan_in * alpha**2) - w_mean**2 * sv**2) / (vb**2 + sv**2)
    if var <= 0:
        raise ValueError(f"Appendix-B weight variance is not positive for fan_in={fan_in}")
    return w_mean, float(np.sqrt(var))

def draw_like_weights(rng: np.random.Generator, mean: float, sd: float, size,
                      distribution: str = "uniform") -> np.ndarray:
    """Entries of mean ``mean`` and s.d. ``sd``: eq. A.4's uniform (or normal)."""
    if distribution == "uniform":
        return mean + 2.0 * np.sqrt(3.0) * sd * (rng.random(size) - 0.5)
    if distribution == "normal":
        return rng.normal(mean, sd, size=size)
    raise ValueError(f"unknown weight distribution {distribution!r}")


def init_forward(layer_sizes: list[int], params: SamadiParams, rng: np.random.Generator):
    """Weights (n_out × n_in matrices) and biases of every forward layer (eqs. A.1–A.4)."""
    weights, biases = [], []
    for n_in, n_out in zip(layer_sizes[:-1], layer_sizes[1:]):
        w_mean, w_sd = forward_weight_moments(n_in, params)
        weights.append(draw_like_weights(rng, w_mean, w_sd, (n_out, n_in),
                                         params.weight_distribution))
        biases.append(np.full(n_out, params.b_bar))
    return weights, biases

def _second_moment(fan_in: int, params: SamadiParams) -> float:
    w_mean, w_sd = forward_weight_moments(fan_in, params)
    return w_mean**2 + w_sd**2

def init_feedback_alignment(layer_sizes: list[int], params: SamadiParams,
                            rng: np.random.Generator) -> list[np.ndarray]:
    """Layer-wise FA matrices (eq. A.5): B_l of shape (n_{l-1}, n_l) replaces W_lᵀ, l = 2..L."""
    mats = []
    for n_in, n_out in zip(layer_sizes[1:-1], layer_sizes[2:]):
        if params.fa_feedback == "like_W":
            w_mean, w_sd = forward_weight_moments(n_in, params)
            mats.append(draw_like_weights(rng, w_mean, w_sd, (n_in, n_out),
                                          params.weight_distribution))
        elif params.fa_feedback == "zero_mean":
            mats.append(rng.normal(0.0, np.sqrt(_second_moment(n_in, params)),
                                   size=(n_in, n_out)))
        else:
            raise ValueError(f"unknown fa_feedback {params.fa_feedback!r}")
    return mats

def init_broadcast_alignment(layer_sizes: list[int], params: SamadiParams,
                             rng: np.random.Generator) -> list[np.ndarray]:
    """BA matrices (eq. A.6) from the output error to every hidden layer, shapes (n_l, K).

    ``layer_sizes`` = [n_input, n_hidden_1, ..., n_output]; returns one matrix per hidden layer.
    With ``ba_feedback="product"`` (the paper) the FA matrices of A.5 are drawn first (from
    ``rng``, as :func:`init_feedback_alignment`) and B_BA(l) = gamma^D B_FA(l) … B_FA(L−1).
    """
    sizes = list(layer_sizes)
    n_layers = len(sizes) - 1            # weight layers W_1..W_L
    gamma = params.feedback_gamma
    if params.ba_feedback == "product":
        fa = init_feedback_alignment(sizes, params, rng)   # fa[j]: (n_{j+1}, n_{j+2})
        mats = [None] * (n_layers - 1)
        prod = None
        for j in range(n_layers - 2, -1, -1):               # hidden layer j+1, D = n_layers - 1 - j
            prod = gamma * fa[j] if prod is None else gamma * fa[j] @ prod
            mats[j] = prod
        return mats
    if params.ba_feedback != "gaussian":
        raise ValueError(f"unknown ba_feedback {params.ba_feedback!r}")
    second = [_second_moment(sizes[m - 1], params) for m in range(1, n_layers + 1)]  # E[W_m²]
    mats = []
    for l in range(1, n_layers):         # hidden layer l (cells sizes[l])
        var = second[n_layers - 1]       # link into the output layer
        for m in range(l + 1, n_layers):  # hidden-to-hidden links W_m, m = l+1..L-1
            var *= sizes[m] * gamma**2 * second[m - 1]
        mats.append(rng.normal(0.0, np.sqrt(var), size=(sizes[l], sizes[-1])))
    return mats


def broadcast_feedback_moments(layer_sizes: list[int], params: SamadiParams) -> list[tuple]:
    """Exact (mean, s.d.) of one entry of each B_BA(l) of eq. A.6 (``ba_feedback="product"``).

    Entries of each B_FA are i.i.d. with mean μ_m and second moment s_m. Following a row of the
    product factor by factor, with s = E[r_k²] and c = E[r_k r_l] (k ≠ l) of the running row r,
    one more factor (inner size n) gives s' = n s s_m + n(n−1) c μ_m² and
    c' = μ_m² (n s + n(n−1) c); the first factor's row has s = s_m, c = μ_m². Scaled by gamma^D.
    """
    sizes = list(layer_sizes)
    n_layers = len(sizes) - 1
    gamma = params.feedback_gamma
    mom = [forward_weight_moments(sizes[j + 1], params) for j in range(n_layers - 1)]  # B_FA(j)
    out = []
    for j in range(n_layers - 1):
        mu, sd = mom[j]
        s, c, mean = mu**2 + sd**2, mu**2, mu
        for m in range(j + 1, n_layers - 1):
            n = sizes[m + 1]                  # inner size of this factor
            mu_m, sd_m = mom[m]
            s_m = mu_m**2 + sd_m**2
            s, c = n * s * s_m + n * (n - 1) * c * mu_m**2, mu_m**2 * (n * s + n * (n - 1) * c)
            mean = mean * n * mu_m
        D = n_layers - 1 - j
        out.append((gamma**D * mean, gamma**D * float(np.sqrt(s - mean**2))))
    return out
