"""Tests for scripts/structure/oadp.py: a hand-made rotation, and numpy's exact SVD of the augmented matrix.
(Its accuracy on the real panel: tests/structure/test_ancestry.py, test_projection_has_no_shrinkage.)"""

import numpy as np
import pytest

from structure.oadp import oadp_coordinates, procrustes


@pytest.mark.parametrize("scale", [1.0, 0.5])
def test_procrustes_recovers_a_known_rotation_and_scale(scale):
    """Hand-made: points rotated by 30 degrees in the plane of the first two axes and scaled; the fit undoes it."""
    rng = np.random.default_rng(3)
    target = rng.standard_normal((50, 3))
    angle = np.pi / 6
    rotation = np.array([[np.cos(angle), -np.sin(angle), 0], [np.sin(angle), np.cos(angle), 0], [0, 0, 1]])
    source = target @ rotation.T / scale
    fitted, fitted_scale = procrustes(source, target)
    assert fitted_scale == pytest.approx(scale)
    assert np.allclose(fitted, rotation)
    assert np.allclose(fitted_scale * source @ fitted, target)


def test_oadp_of_a_panel_like_sample_equals_its_augmented_pca():
    """Independent route: the exact SVD of the panel with the sample appended (numpy), its top coordinates mapped onto
    the panel's by least squares (numpy lstsq, a general linear map, not a Procrustes fit), gives the sample's
    coordinates; the online route agrees within 1% of the coordinate spread on a synthetic 3-cluster panel (two real
    PCs: 3 clusters span a plane; further PCs are noise, where two fits may differ)."""
    rng = np.random.default_rng(5)
    centres = rng.standard_normal((3, 300)) * 1.5
    x = np.vstack([centres[i % 3] + rng.standard_normal(300) for i in range(240)])
    y = centres[1] + rng.standard_normal(300) - x.mean(axis=0)
    x -= x.mean(axis=0)
    u, s, vt = np.linalg.svd(x, full_matrices=False)
    k, d = 2, 8
    coefs = vt[:d] @ y
    residual = np.sqrt(max(y @ y - coefs @ coefs, 0))
    online = oadp_coordinates(s[:d], coefs, residual, k=k, dim_study=4)
    ua, sa, _ = np.linalg.svd(np.vstack([x, y]), full_matrices=False)
    augmented = ua[:, :4] * sa[:4]
    linear_map, *_ = np.linalg.lstsq(augmented[:-1], u[:, :k] * s[:k], rcond=None)
    exact = augmented[-1] @ linear_map
    spread = np.linalg.norm((u[:, :k] * s[:k]).std(axis=0))
    assert np.linalg.norm(online - exact) < 0.01 * spread, (online, exact)
