"""Polygenic scores read against a labelled reference panel (issue 17, item 3): the percentile within the sample's
most similar reference population and pgsc_calc's two PC-adjusted scores, as its `pgs_adjust` defines them (the
definitions restated; nothing is copied from pgscatalog-calc).

- percentile: the sample's SUM among the SUMs of the reference samples of its population (the ancestry step's
  label), scipy percentileofscore(kind="rank") semantics (pgs_scoring.percentile_rank). No percentile when the
  ancestry is unknown or that population has fewer than `min_samples` reference samples ("not comparable").
- Z_norm1 (mean adjusted for ancestry): on the whole reference, PCs standardised (reference mean, SD ddof 0), SUM
  centred on the reference mean, ordinary least squares of the centred SUM on the standardised PC1..PCk; a sample's
  Z_norm1 is its residual (centred SUM minus the fitted value at its PCs) over the SD (ddof 0) of the reference's
  residuals.
- Z_norm2 (mean and variance adjusted): SUM ~ Normal(b0 + b.PC, exp(g0 + g.PC)) fitted on the reference by maximum
  likelihood; Z_norm2 = (SUM - mean) / sqrt(variance) at the sample's PCs. Fitted here with numpy only: the
  likelihood's Fisher information is block-diagonal in (b, g), so alternating its two exact block updates (b:
  weighted least squares with weights 1 / variance; g: a Fisher-scoring step on the squared residuals, whose
  expected Hessian is X'X / 2) climbs to the joint maximum; iterations stop when the log-likelihood gains less
  than TOLERANCE.
"""

import numpy as np

from prs.pgs_scoring import percentile_rank

N_PCS = 4
TOLERANCE = 1e-12
MAX_ITERATIONS = 500
NOT_COMPARABLE = "not comparable"


def standardised(reference_pcs, pcs):
    """(reference, sample) PCs scaled by the reference's mean and SD (ddof 0); arrays (n, k)."""
    ref = np.asarray(reference_pcs, dtype=np.float64)
    mean, sd = ref.mean(axis=0), ref.std(axis=0, ddof=0)
    if not (sd > 0).all():
        raise ValueError("a reference PC does not vary: the PC adjustment is undefined")
    return (ref - mean) / sd, (np.asarray(pcs, dtype=np.float64) - mean) / sd


def _design(pcs):
    pcs = np.asarray(pcs, dtype=np.float64)
    return np.column_stack([np.ones(len(pcs)), pcs])


def z_norm1(reference_pcs, reference_sums, pcs, sums):
    """Z_norm1 (module docstring) of each sample; arrays (m, k), (m,), (n, k), (n,)."""
    ref_x, x = standardised(reference_pcs, pcs)
    ref_y = np.asarray(reference_sums, dtype=np.float64)
    centre = ref_y.mean()
    coef, *_ = np.linalg.lstsq(_design(ref_x), ref_y - centre, rcond=None)
    residual_sd = (ref_y - centre - _design(ref_x) @ coef).std(ddof=0)
    if not residual_sd > 0:
        raise ValueError("the reference's scores are fitted exactly by its PCs: Z_norm1 is undefined")
    return (np.asarray(sums, dtype=np.float64) - centre - _design(x) @ coef) / residual_sd


def _log_likelihood(x, y, b, g):
    variance = np.exp(x @ g)
    return -0.5 * np.sum(np.log(2 * np.pi * variance) + (y - x @ b) ** 2 / variance)


def fit_mean_variance(x, y):
    """(b, g): maximum-likelihood fit of y ~ Normal(x.b, exp(x.g)); x (m, p) with an intercept column."""
    b, *_ = np.linalg.lstsq(x, y, rcond=None)
    g = np.zeros(x.shape[1])
    g[0] = np.log(np.mean((y - x @ b) ** 2))
    information = np.linalg.inv(x.T @ x)  # the g block's expected Hessian is X'X / 2
    previous = _log_likelihood(x, y, b, g)
    for _ in range(MAX_ITERATIONS):
        weights = np.exp(-(x @ g))
        b = np.linalg.solve(x.T @ (x * weights[:, None]), x.T @ (weights * y))
        g = g + information @ (x.T @ ((y - x @ b) ** 2 * np.exp(-(x @ g)) - 1))
        current = _log_likelihood(x, y, b, g)
        if abs(current - previous) < TOLERANCE * max(1.0, abs(current)):
            return b, g
        previous = current
    raise ValueError(f"Z_norm2: the mean-variance fit did not converge in {MAX_ITERATIONS} iterations")


def z_norm2(reference_pcs, reference_sums, pcs, sums):
    """Z_norm2 (module docstring) of each sample; arrays (m, k), (m,), (n, k), (n,)."""
    ref_x, x = standardised(reference_pcs, pcs)
    b, g = fit_mean_variance(_design(ref_x), np.asarray(reference_sums, dtype=np.float64))
    return (np.asarray(sums, dtype=np.float64) - _design(x) @ b) / np.sqrt(np.exp(_design(x) @ g))


def population_percentiles(reference_sums, reference_labels, populations, sums, min_samples):
    """Per sample: (percentile, None) within its population's reference sums, or (None, why not comparable)."""
    labels = np.asarray(reference_labels)
    ref = np.asarray(reference_sums, dtype=np.float64)
    out = []
    for population, value in zip(populations, sums, strict=True):
        members = ref[labels == population]
        if population in (None, "", "unknown"):
            out.append((None, f"{NOT_COMPARABLE}: ancestry unknown"))
        elif len(members) < min_samples:
            out.append((None, f"{NOT_COMPARABLE}: {len(members)} reference samples of {population} (< {min_samples})"))
        else:
            out.append((float(percentile_rank(np.array([value]), members)[0]), None))
    return out
