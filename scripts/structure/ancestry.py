"""Genetic ancestry: PCA of a labelled reference panel, projection of study samples, a classifier in PC space.

1. Sites: panel sites with minor allele frequency >= MIN_MAF, LD-pruned with `allel.locate_unlinked`.
2. PCA of the panel (samples x sites, Patterson-scaled with `allel.PattersonScaler`; panel missing calls take the
   site mean), N_COMPONENTS components by a seeded randomized SVD (Halko et al. 2011).
3. Study samples genotyped at the panel sites (from their reads by rule genotype_ancestry_sites: hom-ref is 0/0,
   too few reads ./.; samples sent as VCFs: their cohort records) are read only at the sites they have a call at
   (smartpca's `lsqproject`): a site without a call is missing, never reference. Filling missing sites with the panel
   mean (a zero after centring) instead pulls samples towards the origin: at 50% missing sites it dropped held-out
   panel accuracy from 1.0 to 0.58 in one fold, least squares kept 0.996.
   A plain projection (least squares on the panel's loadings) still shrinks towards the origin: a panel sample's own
   coordinates include the part of its own noise that the PCA fitted, a new sample's do not (held-out class means
   were 0.89-0.97 of the panel's on PC3-PC4). The correction is online augmentation, decomposition and Procrustes
   (OADP, as fraposa does for pgsc_calc; structure/oadp.py). A sample with missing sites enters it with its
   least-squares coefficients on the DIM_ONLINE loadings (observed sites only) and its residual norm scaled up to all
   sites (residual sum of squares on the observed sites x n_sites / n_observed, its expectation when sites are
   missing at random), so it is augmented as if complete, never with reference or mean-filled genotypes.
4. Each superpopulation is a Gaussian in PC space (mean and covariance of its panel samples); a study sample gets the
   posterior class probabilities (equal priors: the panel's sampling is not the study's). The projection's own
   uncertainty, s2 * ((V_o V_o^T)^-1 - I) for the observed loadings V_o and the sample's residual variance s2,
   is added to each class covariance, so a sample typed at few sites gets honest, lower probabilities.
5. The label is the most probable class when its probability is >= min_probability (peddy's 0.65), else 'unknown'.
   Fewer than `min_sites` observed PCA sites also give 'unknown' (held-out panel samples typed at ~1,100 random PCA
   sites: 99.8% correct; at ~110 sites: 92%).

peddy (the reference here) uses scikit-learn's PCA + SVC; this uses numpy and scikit-allel only. On peddy's 2,504-sample
panel, stratified 5-fold held-out accuracy and the held-out/panel class-mean ratios per PC are measured by
tests/structure/test_ancestry.py (peddy's own SVC: 0.9936).

ancestry.tsv: sample_id PC1..PC4 ancestry probability panel_sites status, one row per study VCF sample in VCF order;
status is assigned, below_min_probability, too_few_sites or no_panel. Numbers: 6 significant digits; NA when unknown.
ancestry_panel.tsv: sample_id label PC1..PC4 of the panel's own samples (header only without a panel).
"""

import tempfile
from dataclasses import dataclass
from pathlib import Path

import allel
import numpy as np

from common.atomic import atomic_path
from common.contig_names import other_names
from common.input_error import InputError
from common.rule_logging import get_logger
from common.tool_run import run
from structure.label_placement import place_labels
from structure.oadp import DIM_ONLINE, least_squares, oadp_coordinates
from structure.reference_panel import MISSING, align_to_panel, load_panel, read_vcf_dosage

N_COMPONENTS = 4
MIN_MAF = 0.05
# allel.locate_unlinked: windows of 100 sites stepping 20, drop one of each pair with r^2 > 0.1 (its example values).
LD_WINDOW, LD_STEP, LD_R2 = 100, 20, 0.1
# r^2 from at most this many panel samples (evenly spaced columns): on peddy's panel all 2,504 took 7-14 s and 500
# took 1.5-3 s, keeping 93% of the same sites; held-out accuracy did not change.
LD_SAMPLES = 500
SEED = 0
OVERSAMPLES, POWER_ITERATIONS = 10, 2
DIGITS = 6
NA = "NA"
COLUMNS = [
    "sample_id",
    *[f"PC{i + 1}" for i in range(N_COMPONENTS)],
    "ancestry",
    "probability",
    "panel_sites",
    "status",
]


@dataclass
class AncestryModel:
    """A fitted panel PCA and per-class Gaussians.

    sites: int (n_sites,) panel rows used; scaler: allel.PattersonScaler fitted on those rows; components: float
    (d, n_sites) loadings, d = DIM_ONLINE (fewer for a tiny panel), the first k = N_COMPONENTS are the PCs;
    explained: (k,) variance fraction per PC; coords: (n_panel, k) panel PC coordinates; labels: (n_panel,) str;
    classes: (n_classes,) sorted; means: (n_classes, k); covs: (n_classes, k, k); singular: (d,) singular values.
    """

    sites: np.ndarray
    scaler: allel.PattersonScaler
    components: np.ndarray
    explained: np.ndarray
    coords: np.ndarray
    labels: np.ndarray
    classes: np.ndarray
    means: np.ndarray
    covs: np.ndarray
    singular: np.ndarray = None


def mean_imputed(dosage):
    """float64 copy of an int8 dosage matrix (n_variants, n_samples) with -1 replaced by the site's mean dosage."""
    values = dosage.astype(np.float64)
    missing = dosage < 0
    if missing.any():
        values[missing] = np.nan
        means = np.nanmean(values, axis=1, keepdims=True)
        values = np.where(missing, np.nan_to_num(means), values)
    return values


def pca_sites(dosage, min_maf=MIN_MAF, ld_prune=True):
    """Panel rows for the PCA: MAF >= min_maf, then LD-pruned. dosage: int8 (n_variants, n_samples), -1 missing."""
    called = dosage >= 0
    alt_freq = np.where(called, dosage, 0).sum(axis=1) / np.maximum(2 * called.sum(axis=1), 1)
    common = np.flatnonzero(np.minimum(alt_freq, 1 - alt_freq) >= min_maf)
    if not ld_prune or common.size == 0:
        return common
    columns = np.unique(np.linspace(0, dosage.shape[1] - 1, min(LD_SAMPLES, dosage.shape[1])).astype(int))
    unlinked = allel.locate_unlinked(dosage[common][:, columns], size=LD_WINDOW, step=LD_STEP, threshold=LD_R2)
    return common[unlinked]


def randomized_svd(x, k, seed=SEED):
    """Top-k SVD of x (m, n) by randomized subspace iteration (Halko, Martinsson & Tropp 2011, algorithm 4.4).

    Written here because allel.randomized_pca needs scikit-learn and allel.pca needs scipy, neither a project
    dependency. Signs are fixed so each right singular vector's largest-magnitude entry is positive (stable output).
    """
    rng = np.random.default_rng(seed)
    q, _ = np.linalg.qr(x @ rng.standard_normal((x.shape[1], k + OVERSAMPLES)))
    for _ in range(POWER_ITERATIONS):
        q, _ = np.linalg.qr(x.T @ q)
        q, _ = np.linalg.qr(x @ q)
    u_small, s, vt = np.linalg.svd(q.T @ x, full_matrices=False)
    u, s, vt = (q @ u_small)[:, :k], s[:k], vt[:k]
    signs = np.sign(vt[np.arange(k), np.abs(vt).argmax(axis=1)])
    return u * signs, s, vt * signs[:, None]


def fit_ancestry_model(panel, n_components=N_COMPONENTS, min_maf=MIN_MAF, ld_prune=True, sites=None):
    """AncestryModel fitted on a GenotypePanel. `sites` (panel rows) overrides the MAF/LD site choice."""
    log = get_logger()
    sites = pca_sites(panel.dosage, min_maf, ld_prune) if sites is None else np.asarray(sites)
    if sites.size <= n_components:
        raise InputError(f"reference panel: only {sites.size} sites with MAF >= {min_maf}; a PCA needs many more")
    genotypes = mean_imputed(panel.dosage[sites])
    scaler = allel.PattersonScaler().fit(genotypes)
    x = scaler.transform(genotypes).T.astype(np.float32)  # (n_panel, n_sites); float32 halves the SVD time
    n_online = min(DIM_ONLINE, min(x.shape) - 1)
    u, s, vt = randomized_svd(x, max(n_online, n_components))
    coords = (u * s)[:, :n_components]
    classes = np.unique(panel.labels)
    small = [c for c in classes if (panel.labels == c).sum() <= n_components]
    if small:
        raise InputError(f"reference panel: label(s) {', '.join(small)} have too few samples for a class model")
    means = np.array([coords[panel.labels == c].mean(axis=0) for c in classes])
    covs = np.array([np.cov(coords[panel.labels == c].T) for c in classes])
    explained = s[:n_components] ** 2 / np.sum(x**2)
    log.info("panel PCA: %d sites, %d samples, variance explained %s", sites.size, x.shape[0], np.round(explained, 4))
    return AncestryModel(sites, scaler, vt, explained, coords, panel.labels, classes, means, covs, s)


def standardized_observed(model, dosage):
    """(z, observed): Patterson-scaled study genotypes at the PCA sites, (n, n_sites), 0 where missing; bool mask."""
    calls = dosage[model.sites]
    observed = (calls >= 0).T
    z = model.scaler.transform(np.where(calls >= 0, calls, 0).astype(np.float64)).T
    return np.where(observed, z, 0.0), observed


def project(model, dosage):
    """Shrinkage-corrected PC coordinates of study samples from their observed PCA sites (module docstring, step 3).

    dosage: int8 (n_panel_variants, n_samples), -1 missing, rows = the panel's sites. Returns coords (n, k)
    (NaN where fewer than DIM_ONLINE + 1 sites are observed), extra noise covariance (n, k, k) of the least-squares
    coordinates on the k PCs, observed site count (n,).
    """
    k = N_COMPONENTS
    z, observed = standardized_observed(model, dosage)
    n_observed = observed.sum(axis=1)
    coefs, _, rss = least_squares(z, observed, model.components)
    _, inverses, rss_k = least_squares(z, observed, model.components[:k])
    coords = np.full((len(z), k), np.nan)
    noise = np.zeros((len(z), k, k))
    n_sites = model.sites.size
    for i in np.flatnonzero(~np.isnan(coefs).any(axis=1)):
        residual_norm = np.sqrt(rss[i] * n_sites / n_observed[i])
        coords[i] = oadp_coordinates(model.singular, coefs[i], residual_norm, k)
        noise[i] = rss_k[i] / (n_observed[i] - k) * (inverses[i] - np.eye(k))
    return coords, noise, n_observed


def plain_projection(model, dosage):
    """Least-squares coordinates on the k PCs without the shrinkage correction (for comparison in tests)."""
    z, observed = standardized_observed(model, dosage)
    coefs, _, _ = least_squares(z, observed, model.components[:N_COMPONENTS])
    return coefs


def class_probabilities(model, coords, noise):
    """Posterior probability of each class (equal priors), shape (n, n_classes); NaN rows for NaN coords."""
    n, n_classes = len(coords), len(model.classes)
    log_density = np.full((n, n_classes), np.nan)
    for i in np.flatnonzero(~np.isnan(coords).any(axis=1)):
        for c in range(n_classes):
            cov = model.covs[c] + noise[i]
            diff = coords[i] - model.means[c]
            log_density[i, c] = -0.5 * (diff @ np.linalg.solve(cov, diff) + np.linalg.slogdet(cov)[1])
    shifted = np.exp(log_density - np.nanmax(log_density, axis=1, keepdims=True, initial=-np.inf))
    return shifted / shifted.sum(axis=1, keepdims=True)


def assign(model, probabilities, n_observed, min_probability, min_sites):
    """(ancestry, probability, status) lists: the most probable class, or 'unknown' with the reason in status."""
    ancestry, probability, status = [], [], []
    for row, n_sites in zip(probabilities, n_observed, strict=True):
        best = None if np.isnan(row).any() else int(np.argmax(row))
        probability.append(np.nan if best is None else float(row[best]))
        if best is None or n_sites < min_sites:
            label, reason = "unknown", "too_few_sites"
        elif row[best] < min_probability:
            label, reason = "unknown", "below_min_probability"
        else:
            label, reason = str(model.classes[best]), "assigned"
        ancestry.append(label)
        status.append(reason)
    return ancestry, probability, status


def classify_dosage(model, dosage, min_probability, min_sites):
    """Projection + classification of study dosage (n_panel_variants, n_samples). Returns a dict of per-sample lists."""
    coords, noise, n_observed = project(model, dosage)
    probabilities = class_probabilities(model, coords, noise)
    ancestry, probability, status = assign(model, probabilities, n_observed, min_probability, min_sites)
    return {
        "coords": coords,
        "probabilities": probabilities,
        "ancestry": ancestry,
        "probability": probability,
        "panel_sites": n_observed,
        "status": status,
    }


def fmt(value):
    return NA if value is None or np.isnan(value) else f"{value:.{DIGITS}g}"


def ancestry_rows(samples, result):
    """Text rows (no newline) of ancestry.tsv."""
    rows = []
    for i, sample in enumerate(samples):
        pcs = [fmt(v) for v in result["coords"][i]]
        fields = [sample, *pcs, result["ancestry"][i], fmt(result["probability"][i])]
        rows.append("\t".join([*fields, str(int(result["panel_sites"][i])), result["status"][i]]))
    return rows


def skipped_result(n_samples, status="no_panel"):
    return {
        "coords": np.full((n_samples, N_COMPONENTS), np.nan),
        "ancestry": ["unknown"] * n_samples,
        "probability": [np.nan] * n_samples,
        "panel_sites": np.zeros(n_samples, dtype=int),
        "status": [status] * n_samples,
    }


def write_ancestry_table(path, samples, result):
    with atomic_path(path) as tmp:
        Path(tmp).write_text("\n".join(["\t".join(COLUMNS), *ancestry_rows(samples, result)]) + "\n")


PANEL_POINT_COLUMNS = ["sample_id", "label", *[f"PC{i + 1}" for i in range(N_COMPONENTS)]]


def write_panel_points(path, panel, model):
    """ancestry_panel.tsv: the panel's own samples' PC coordinates (header only without a panel), for the report's
    PCA figure. Panel sample IDs are the public reference set's (e.g. 1000 Genomes), not study samples."""
    rows = []
    if model is not None:
        for sample, label, coords in zip(panel.sample_ids, model.labels, model.coords, strict=True):
            rows.append("\t".join([str(sample), str(label), *(fmt(v) for v in coords)]))
    with atomic_path(path) as tmp:
        Path(tmp).write_text("\n".join(["\t".join(PANEL_POINT_COLUMNS), *rows]) + "\n")


def study_at_panel_sites(vcf_path, panel, workdir, sites_vcf=None):
    """(sample IDs, int8 dosage (panel.n_variants, n_samples)) of the study at the panel's sites.

    `bcftools view -T` keeps only cohort records at panel positions (streaming), so a whole-genome cohort VCF is never
    loaded; allele matching and orientation are checked by `align_to_panel`. `sites_vcf`: the samples' genotypes at
    every panel site from their reads (rule genotype_ancestry_sites: hom-ref as 0/0, too few reads as ./.); where it
    has a call for a sample it is used, elsewhere the cohort call (samples sent as VCFs are only in the cohort).
    """
    targets = Path(workdir) / "panel_sites.tsv"
    # Every name of the contig-name rule ('1' and 'chr1'; scripts/common/contig_names.py): -T targets are streamed,
    # so names the VCF lacks simply never match, and align_to_panel matches the records found by the same rule.
    lines = {f"{name}\t{p}" for c, p in zip(panel.chrom, panel.pos, strict=True) for name in (c, *other_names(c))}
    targets.write_text("\n".join(sorted(lines)) + "\n")
    subset = Path(workdir) / "study_at_panel.vcf.gz"
    run(["bcftools", "view", "--no-version", "-T", targets, "-Oz", "-o", subset, vcf_path])
    chrom, pos, ref, alt, dosage, samples = read_vcf_dosage(subset)
    dosage = align_to_panel(panel, chrom, pos, ref, alt, dosage)
    if sites_vcf:
        chrom, pos, ref, alt, typed, typed_samples = read_vcf_dosage(sites_vcf)
        typed = align_to_panel(panel, chrom, pos, ref, alt, typed)
        column = {s: j for j, s in enumerate(typed_samples)}
        for i, sample in enumerate(samples):
            if sample in column:
                from_reads = typed[:, column[sample]]
                dosage[:, i] = np.where(from_reads != MISSING, from_reads, dosage[:, i])
    return samples, dosage


PALETTE = ["#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02", "#a6761d", "#666666", "#1f78b4"]


def plot_pca(path, model, samples, result, title_note=""):
    """pca.png: panel samples coloured by label (PC1/PC2 and PC3/PC4), study samples as labelled black stars."""
    from matplotlib.figure import Figure  # no pyplot: nothing global to close

    fig = Figure(figsize=(13, 6), dpi=100)
    axes = fig.subplots(1, 2)
    coords = np.asarray(result["coords"])
    for ax, (a, b) in zip(axes, [(0, 1), (2, 3)], strict=True):
        for c, label in enumerate(model.classes):
            at = model.labels == label
            ax.scatter(model.coords[at, a], model.coords[at, b], s=6, alpha=0.45, color=PALETTE[c % len(PALETTE)],
                       label=f"{label} (panel, n={int(at.sum())})", rasterized=True)  # fmt: skip
        shown = ~np.isnan(coords[:, [a, b]]).any(axis=1)
        if shown.any():
            ax.scatter(coords[shown, a], coords[shown, b], s=160, marker="*", color="black", edgecolor="white",
                       linewidth=0.8, label="study samples", zorder=5)  # fmt: skip
            if shown.sum() <= 25:
                at = np.flatnonzero(shown)
                place_labels(ax, coords[at][:, [a, b]], [f"{samples[i]} ({result['ancestry'][i]})" for i in at])
        ax.set_title("" if a == 0 else "PC3-PC4 carry little variance: a sample typed at few sites scatters here",
                     fontsize=10)  # fmt: skip
        ax.set_xlabel(f"PC{a + 1} ({100 * model.explained[a]:.1f}% of variance)")
        ax.set_ylabel(f"PC{b + 1} ({100 * model.explained[b]:.1f}% of variance)")
        ax.grid(alpha=0.3)
    legend = axes[0].legend(loc="best", fontsize=9, markerscale=2)  # the panel dots larger, the study star not:
    for handle in legend.legend_handles[len(model.classes) :]:
        handle.set_sizes([160])
    n_study = int((~np.isnan(coords).any(axis=1)).sum())
    fig.suptitle(f"Ancestry PCA: {len(model.labels):,} reference panel samples, {n_study} study sample(s) projected"
                 + title_note)  # fmt: skip
    fig.tight_layout()
    with atomic_path(path, suffix=".png") as tmp:
        fig.savefig(tmp, format="png", metadata={"Software": None})


def plot_skipped(path, message):
    """pca.png stating why no PCA was drawn."""
    from matplotlib.figure import Figure  # no pyplot: nothing global to close

    fig = Figure(figsize=(8, 3), dpi=100)
    ax = fig.subplots()
    ax.axis("off")
    ax.text(0.5, 0.5, message, ha="center", va="center", fontsize=12, wrap=True)
    with atomic_path(path, suffix=".png") as tmp:
        fig.savefig(tmp, format="png", metadata={"Software": None})


def write_ancestry(vcf_path, panel, min_probability, min_sites, out_tsv, out_png, sites_vcf=None, out_panel=None):
    """ancestry.tsv and pca.png for the study VCF's samples against a GenotypePanel (None: ancestry skipped).

    sites_vcf: genotypes at every panel site from the reads (see study_at_panel_sites), or None.
    out_panel: where to write the panel samples' coordinates (write_panel_points), or None."""
    log = get_logger()
    samples = [str(s) for s in allel.read_vcf_headers(str(vcf_path)).samples]
    if panel is None:
        log.info("no reference panel (structure.panel: none, or none shipped for the build): ancestry skipped for %d "
                 "samples", len(samples))  # fmt: skip
        write_ancestry_table(out_tsv, samples, skipped_result(len(samples)))
        if out_panel:
            write_panel_points(out_panel, None, None)
        plot_skipped(out_png, "No reference panel (structure.panel: none,\nor none shipped for the build).")
        return
    model = fit_ancestry_model(panel)
    with tempfile.TemporaryDirectory(prefix="genorisk_ancestry.") as workdir:
        study_samples, dosage = study_at_panel_sites(vcf_path, panel, workdir, sites_vcf)
    if study_samples != samples:
        raise InputError(f"{vcf_path}: the sample columns read at the panel sites differ from the header's")
    observed = int((dosage[model.sites] != MISSING).any(axis=1).sum())
    log.info("study VCF covers %d of the %d PCA sites (any sample)", observed, model.sites.size)
    result = classify_dosage(model, dosage, min_probability, min_sites)
    for sample, label, status in zip(samples, result["ancestry"], result["status"], strict=True):
        log.info("%s: %s (%s)", sample, label, status)
    write_ancestry_table(out_tsv, samples, result)
    if out_panel:
        write_panel_points(out_panel, panel, model)
    note = f"\nlabel 'unknown' below probability {min_probability} or below {min_sites} typed PCA sites"
    plot_pca(out_png, model, samples, result, title_note=note)


def configured_panel(panel_path, panel_format, labels_path):
    """The configured GenotypePanel, or None when structure.panel is null."""
    if not panel_path:
        return None
    if not labels_path:
        raise InputError(f"structure.panel is {panel_path} but structure.panel_labels is not set (labels are needed)")
    return load_panel(panel_path, panel_format, labels_path)
