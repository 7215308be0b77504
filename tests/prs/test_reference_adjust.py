"""Scores against a reference panel (prs/reference_adjust.py), on data small enough for hand arithmetic."""

import math

import numpy as np
import pytest

from prs.reference_adjust import fit_mean_variance, population_percentiles, z_norm1, z_norm2

# One PC; reference PC 0, 1, 2, 3 with sums 1, 3, 2, 4.
REF_PCS, REF_SUMS = [[0], [1], [2], [3]], [1, 3, 2, 4]


def test_z_norm1_by_hand():
    # Sum mean 2.5, centred -1.5 0.5 -0.5 1.5; slope on the raw PC: sum of products 4 / sum of squares 5 = 0.8
    # (standardising the PC rescales the slope, not the fit); fitted -1.2 -0.4 0.4 1.2; residuals -0.3 0.9 -0.9 0.3,
    # SD (ddof 0) sqrt(1.8 / 4) = sqrt(0.45). A sample at PC 2 with sum 5: (5 - 2.5 - 0.8 x 0.5) / sqrt(0.45).
    got = z_norm1(REF_PCS, REF_SUMS, [[2], [1.5]], [5, 2.5])
    assert got == pytest.approx([2.1 / math.sqrt(0.45), 0.0], abs=1e-12)
    # the reference's own Z_norm1 are its residuals over their SD
    assert z_norm1(REF_PCS, REF_SUMS, REF_PCS, REF_SUMS) == pytest.approx(np.array([-0.3, 0.9, -0.9, 0.3]) / 0.45**0.5)


def test_z_norm2_of_two_groups_is_each_groups_own_mean_and_variance():
    # A 0/1 PC makes the model saturated: the maximum-likelihood mean and variance of each group are its mean and
    # its variance with ddof 0. Group PC 0: sums 1, 3 (mean 2, variance 1); PC 1: 2, 4, 6 (mean 4, variance 8/3).
    ref_pcs, ref_sums = [[0], [0], [1], [1], [1]], [1, 3, 2, 4, 6]
    got = z_norm2(ref_pcs, ref_sums, [[1], [0]], [8, 0])
    assert got == pytest.approx([4 / math.sqrt(8 / 3), -2.0], rel=1e-8)


def test_mean_variance_fit_recovers_a_known_model():
    # 20,000 draws from Normal(1 + 2x, exp(0.5 - x)): the estimates land within a few standard errors.
    rng = np.random.default_rng(7)
    pc = rng.uniform(-1, 1, 20_000)
    y = 1 + 2 * pc + rng.standard_normal(pc.size) * np.sqrt(np.exp(0.5 - pc))
    b, g = fit_mean_variance(np.column_stack([np.ones_like(pc), pc]), y)
    assert b == pytest.approx([1, 2], abs=0.05) and g == pytest.approx([0.5, -1], abs=0.05)


def test_percentile_within_the_population_and_not_comparable():
    sums, labels = [1, 2, 2, 3, 10, 20], ["EUR", "EUR", "EUR", "EUR", "AFR", "AFR"]
    got = population_percentiles(sums, labels, ["EUR", "EUR", "AFR", "unknown"], [2, 2.5, 15, 2], min_samples=3)
    # EUR 1 2 2 3: a 2 has 1 below and 3 at or below, (1 + 3 + 1) x 50 / 4 = 62.5; 2.5 has 3 below: 75
    assert got[0] == (62.5, None) and got[1] == (75.0, None)
    assert got[2] == (None, "not comparable: 2 reference samples of AFR (< 3)")
    assert got[3] == (None, "not comparable: ancestry unknown")
