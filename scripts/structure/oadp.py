"""Out-of-sample PCA without shrinkage: online augmentation, decomposition and Procrustes (OADP).

Zhang, Dey & Lee (2020), Bioinformatics 36:3439 ("Fast and robust ancestry prediction using principal component
analysis"), the method of fraposa, which pgsc_calc uses. Written here from the paper's description.

Why: a panel sample's own PC coordinates include the part of its own noise that the PCA fitted, a new sample's
projection does not, so projected samples shrink towards the origin. OADP augments the panel's decomposition with
the one study sample (Brand's rank-one update of the top DIM_ONLINE components), takes the augmented matrix's top
DIM_STUDY sample coordinates, and maps the augmented panel coordinates onto the panel's own k coordinates by a
Procrustes fit (rotation and scale; the extra dimensions start as zeros and are refitted until stable); that map,
applied to the study sample, gives its coordinates. The panel's left singular vectors are orthonormal and centred,
so the fit is done on the (DIM_ONLINE x DIM_STUDY) coefficient matrices instead of the n_panel rows: the same
result, with no per-sample cost in the panel size. How study samples with missing sites enter it:
structure/ancestry.py, step 3.
"""

import numpy as np

# fraposa's default dimensions: the study sample's coordinates come from the augmented decomposition's top
# DIM_STUDY = 2 x 4 PCs, the online update uses the panel's top DIM_ONLINE = 2 x DIM_STUDY components.
DIM_STUDY = 8
DIM_ONLINE = 2 * DIM_STUDY
PROCRUSTES_ITERATIONS, PROCRUSTES_TOLERANCE = 1000, 1e-9


def least_squares(z, observed, loadings):
    """Per sample: coefficients on `loadings` (d, n_sites) from the observed sites, their inverse Gram matrices and
    the residual sum of squares. Samples with <= d observed sites get NaN coefficients."""
    d = loadings.shape[0]
    gram = np.einsum("ks,ns,ls->nkl", loadings, observed.astype(np.float64), loadings)
    rhs = z @ loadings.T
    n = len(z)
    coefs, inverses, rss = np.full((n, d), np.nan), np.zeros((n, d, d)), np.zeros(n)
    for i in np.flatnonzero(observed.sum(axis=1) > d):
        inverses[i] = np.linalg.inv(gram[i])
        coefs[i] = inverses[i] @ rhs[i]
        rss[i] = max(float(z[i] @ z[i] - coefs[i] @ rhs[i]), 0.0)
    return coefs, inverses, rss


def procrustes(source, target):
    """(rotation (p, p), scale) minimising ||target - scale * source @ rotation|| (Schoenemann 1966; scale as in
    Gower 1975). No translation: here both sides are coefficients of centred coordinates, whose best shift is 0."""
    left, sv, right_t = np.linalg.svd(source.T @ target)
    return left @ right_t, sv.sum() / max(float(np.sum(source**2)), np.finfo(float).tiny)


def procrustes_to_fewer_dims(source, target):
    """Map `source` (m, p) onto `target` (m, q), q <= p: target padded with p - q columns that start at zero and are
    replaced by the mapped source's own until the map is stable (as fraposa does). Returns (rotation, scale)."""
    q = target.shape[1]
    padded = np.hstack([target, np.zeros((len(target), source.shape[1] - q))])
    norm = max(float(np.sum(target**2)), np.finfo(float).tiny)
    for _ in range(PROCRUSTES_ITERATIONS):
        rotation, scale = procrustes(source, padded)
        extra = scale * source @ rotation[:, q:]
        change = float(np.sum((extra - padded[:, q:]) ** 2)) / norm
        padded[:, q:] = extra
        if change < PROCRUSTES_TOLERANCE:
            break
    return rotation, scale


def oadp_coordinates(singular, coefs, residual_norm, k=4, dim_study=DIM_STUDY):
    """One study sample's k PC coordinates by online augmentation, decomposition and Procrustes (module docstring).

    singular: (d,) the panel's top singular values; coefs: (d,) the sample's coefficients on the matching loadings;
    residual_norm: the norm of the rest of its standardized genotype vector. With the panel X ~ U diag(s) V^T, the
    augmented matrix [X; y] = diag(U, 1) @ M @ [V^T; r/|r|] with M = [[diag(s), 0], [coefs, |r|]]; M = A S B^T gives
    the augmented sample coordinates diag(U, 1) @ A @ S, so the panel's rows are U @ (A S) and the study's row is
    (A S)[-1]. Procrustes between U @ (A S) and the panel's U @ diag(s)[:, :k] is solved on the coefficients (U has
    orthonormal, centred columns)."""
    d = len(singular)
    middle = np.zeros((d + 1, d + 1))
    middle[np.arange(d), np.arange(d)] = singular
    middle[d, :d], middle[d, d] = coefs, residual_norm
    a, s_aug, _ = np.linalg.svd(middle)
    dim_study = min(dim_study, d)
    scores = a[:, :dim_study] * s_aug[:dim_study]  # (d + 1, dim_study): d panel coefficient rows, then the study
    # The SVD's sign and order freedom is absorbed by the Procrustes rotation.
    panel_target = np.zeros((d, k))
    panel_target[np.arange(k), np.arange(k)] = singular[:k]
    rotation, scale = procrustes_to_fewer_dims(scores[:d], panel_target)
    return (scale * scores[d] @ rotation)[:k]
