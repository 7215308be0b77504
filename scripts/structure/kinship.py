"""KING-robust kinship between all sample pairs of the cohort (from the genotype store), the degree, and the pedigree.

KING-robust (between-family) estimator, Manichaikul et al. 2010, Bioinformatics 26:2867, eq. (11), over the
autosomal biallelic sites at which both samples have a call:

    phi_ij = (N_AaAa - 2 N_AA,aa) / (2 min(N_Aa_i, N_Aa_j)) + 1/2 - (N_Aa_i + N_Aa_j) / (4 min(N_Aa_i, N_Aa_j))

N_AaAa: sites where both are heterozygous; N_AA,aa: opposite homozygotes (IBS0); N_Aa_i: sites where i is
heterozygous (and j called). This is what `plink2 --make-king` computes (tests/structure/test_kinship.py checks to
1e-6).
Written with numpy (matrix products of scikit-allel's per-genotype indicators, summed over variant blocks) because
scikit-allel has no kinship estimator.

Degree from the KING paper's thresholds (powers of 2^-1.5 around 1/4, 1/8, 1/16): > 0.354 duplicate_or_mz,
(0.177, 0.354] first_degree, (0.0884, 0.177] second_degree, (0.0442, 0.0884] third_degree, else unrelated.
A pair called together at fewer than `min_sites` sites gets relationship too_few_sites (kinship still printed):
KING-robust needs thousands of sites (on the GIAB trio's ~85 sites parent-child came out at 0.04 and -0.13).
The pedigree's expected kinship (father/mother of the sample sheet; founders unrelated; parents named but not
sequenced count as founders) gets the same degree; pedigree_agrees is yes/no, or NA when the sheet has no pedigree.

relatedness.tsv: sample_a sample_b kinship relationship pedigree_agrees n_sites ibs0 hethet expected_relationship,
one row per pair (i < j in VCF order); kinship with 6 significant digits; ibs0/hethet are counts.
What a sample's report shows of it, so that no report job reads the pairs of the whole cohort (3.1 million rows for
2,504 samples): relatives.tsv, the rows of the pairs related by their degree or by the pedigree, or disagreeing with
it (same columns); relatedness_samples.tsv, sample_id n_pairs n_pairs_too_few_sites, one row per cohort sample.
"""

from dataclasses import dataclass

import allel
import numpy as np

from af.store_chunks import open_store, store_blocks
from common.atomic import atomic_path, write_text
from common.contig_names import contig_key
from common.input_error import InputError
from common.rule_logging import get_logger

THRESHOLDS = [(0.354, "duplicate_or_mz"), (0.177, "first_degree"), (0.0884, "second_degree"), (0.0442, "third_degree")]
UNRELATED = "unrelated"
TOO_FEW_SITES = "too_few_sites"
MIN_SITES = 1000
FIELDS = ["variants/CHROM", "variants/numalt", "calldata/GT"]
NON_AUTOSOMES = frozenset({"X", "Y", "XY", "M", "MT"})
DIGITS = 6
NA = "NA"
COLUMNS = ["sample_a", "sample_b", "kinship", "relationship", "pedigree_agrees", "n_sites", "ibs0", "hethet",
           "expected_relationship"]  # fmt: skip
RELATIONSHIP, AGREES, EXPECTED = (
    COLUMNS.index(c) for c in ("relationship", "pedigree_agrees", "expected_relationship")
)
DEGREES = frozenset(label for _, label in THRESHOLDS)
SAMPLE_COLUMNS = ["sample_id", "n_pairs", "n_pairs_too_few_sites"]


@dataclass
class KingCounts:
    """Pair counts over some variants; `a + b` sums them. Arrays (n_samples, n_samples), float64 holding integers.

    hethet[i, j]: both het; ibs0[i, j]: opposite homozygotes; het_called[i, j]: i het and j called;
    both_called[i, j]: both called.
    """

    hethet: np.ndarray
    ibs0: np.ndarray
    het_called: np.ndarray
    both_called: np.ndarray

    def __add__(self, other):
        return KingCounts(
            *(getattr(self, f) + getattr(other, f) for f in ("hethet", "ibs0", "het_called", "both_called"))
        )

    @classmethod
    def zeros(cls, n):
        return cls(*(np.zeros((n, n)) for _ in range(4)))


def is_autosome(chrom):
    """False for sex chromosomes and mitochondria under any name of the contig-name rule ('X', 'chrX', 'MT', 'chrM';
    scripts/common/contig_names.py)."""
    return contig_key(chrom) not in NON_AUTOSOMES


def king_counts(gt):
    """KingCounts of one block. gt: int (n_variants, n_samples, 2) allele indices of biallelic sites, -1 missing.

    Indicator products in float32 are exact (counts per block stay far below 2^24); sums over blocks are float64.
    """
    g = allel.GenotypeArray(gt)
    het = g.is_het().astype(np.float32)
    hom_ref = g.is_hom_ref().astype(np.float32)
    hom_alt = g.is_hom_alt().astype(np.float32)
    called = g.is_called().astype(np.float32)
    opposite = (hom_ref.T @ hom_alt).astype(np.float64)
    products = (het.T @ het, opposite + opposite.T, het.T @ called, called.T @ called)
    return KingCounts(*(np.asarray(m, dtype=np.float64) for m in products))


def king_robust(counts):
    """Kinship matrix (n, n) from KingCounts (module docstring formula); NaN where neither sample is het."""
    het_i, het_j = counts.het_called, counts.het_called.T
    smaller = np.minimum(het_i, het_j)
    with np.errstate(divide="ignore", invalid="ignore"):
        phi = (counts.hethet - 2 * counts.ibs0) / (2 * smaller) + 0.5 - (het_i + het_j) / (4 * smaller)
    return np.where(smaller > 0, phi, np.nan)


def degree(phi):
    """Relationship label of a kinship value (KING thresholds); 'NA' for NaN."""
    if phi is None or np.isnan(phi):
        return NA
    for threshold, label in THRESHOLDS:
        if phi > threshold:
            return label
    return UNRELATED


def summed_king_counts(n_samples, blocks):
    """(KingCounts, records used) over blocks {FIELDS: array} of any source, keeping autosomal biallelic records."""
    total, used = KingCounts.zeros(n_samples), 0
    for block in blocks:
        keep = (block["variants/numalt"] == 1) & np.array([is_autosome(c) for c in block["variants/CHROM"]])
        if keep.any():
            total = total + king_counts(block["calldata/GT"][keep])
            used += int(keep.sum())
    return total, used


def store_king_counts(store_path):
    """(sample IDs, KingCounts over the autosomal biallelic records, number of records used) from the genotype store
    (scripts/af/vcf_to_store.py: it keeps numalt, CHROM and the diploid GT), read a store chunk at a time."""
    log = get_logger()
    root, where, samples = open_store(store_path)
    if not samples:
        raise InputError(f"{where}: the store has no samples; kinship needs genotypes")
    total, used = summed_king_counts(len(samples), (block for _, block in store_blocks(root, FIELDS)))
    log.info("KING counts over %d autosomal biallelic records, %d samples (genotype store)", used, len(samples))
    return samples, total, used


def pedigree_kinship(samples, parents):
    """Expected kinship (len(samples), len(samples)) from a pedigree; None when no sample names a parent.

    parents: {sample: (father or None, mother or None)}. Founders and parents named but absent from `parents`
    are unrelated, non-inbred founders. Standard recursion: phi(i, i) = (1 + phi(f, m)) / 2;
    phi(i, j) = (phi(f_i, j) + phi(m_i, j)) / 2 for i not an ancestor of j. Written by hand: no library here does it.
    """
    if not any(f or m for f, m in parents.values()):
        return None
    order = topological_order(parents)
    index = {name: k for k, name in enumerate(order)}
    n = len(order)
    phi = np.zeros((n, n))
    for k, name in enumerate(order):
        father, mother = parents.get(name, (None, None))
        fi, mi = index.get(father), index.get(mother)
        phi[k, k] = 0.5 * (1 + (phi[fi, mi] if fi is not None and mi is not None else 0.0))
        for j in range(k):
            value = 0.5 * ((phi[fi, j] if fi is not None else 0.0) + (phi[mi, j] if mi is not None else 0.0))
            phi[k, j] = phi[j, k] = value
    rows = [index[s] for s in samples]
    return phi[np.ix_(rows, rows)]


def topological_order(parents):
    """Every individual (samples and the parents they name) with parents before children; InputError on a cycle."""
    people = set(parents) | {p for pair in parents.values() for p in pair if p}
    order, state = [], {}

    def visit(name, path):
        if state.get(name) == "done":
            return
        if state.get(name) == "active":
            raise InputError(f"sample sheet: the pedigree has a cycle through {' -> '.join([*path, name])}")
        state[name] = "active"
        for parent in parents.get(name, (None, None)):
            if parent:
                visit(parent, [*path, name])
        state[name] = "done"
        order.append(name)

    for name in sorted(people):
        visit(name, [])
    return order


def pair_fields(samples, phi, counts, expected, min_sites=MIN_SITES):
    """The fields (COLUMNS) of each pair's row of relatedness.tsv, pairs i < j in sample order."""
    for i in range(len(samples)):
        for j in range(i + 1, len(samples)):
            value = float(phi[i, j])
            inferred = degree(value) if counts.both_called[i, j] >= min_sites else TOO_FEW_SITES
            expected_label = degree(float(expected[i, j])) if expected is not None else NA
            if expected is None or inferred in (NA, TOO_FEW_SITES):
                agrees = NA
            else:
                agrees = "yes" if inferred == expected_label else "no"
            yield [samples[i], samples[j], NA if np.isnan(value) else f"{value:.{DIGITS}g}", inferred, agrees,
                   str(int(counts.both_called[i, j])), str(int(counts.ibs0[i, j])), str(int(counts.hethet[i, j])),
                   expected_label]  # fmt: skip


def relatedness_rows(samples, phi, counts, expected, min_sites=MIN_SITES):
    """Text rows (no newline) of relatedness.tsv, pairs i < j in sample order."""
    return ["\t".join(fields) for fields in pair_fields(samples, phi, counts, expected, min_sites)]


def is_relative(fields):
    """Whether a pair belongs in relatives.tsv: related by its KING degree or by the sheet's pedigree, or
    disagreeing with the pedigree."""
    return fields[RELATIONSHIP] in DEGREES or fields[EXPECTED] in DEGREES or fields[AGREES] == "no"


def sample_rows(samples, counts, min_sites=MIN_SITES):
    """Text rows of relatedness_samples.tsv: each sample's pairs (every other cohort sample) and how many of them were
    called together at fewer than `min_sites` sites."""
    few = counts.both_called < min_sites
    np.fill_diagonal(few, False)
    return [f"{sample}\t{len(samples) - 1}\t{int(n)}" for sample, n in zip(samples, few.sum(axis=1), strict=True)]


def plot_kinship(path, samples, phi, counts, expected, min_sites=MIN_SITES):
    """kinship.png: the kinship matrix as a heat map, and kinship against IBS0 fraction with the degree thresholds."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (heat, scatter) = plt.subplots(1, 2, figsize=(13, 6), dpi=100)
    shown = np.where(np.eye(len(samples), dtype=bool), np.nan, phi)
    image = heat.imshow(shown, cmap="viridis", vmin=-0.1, vmax=0.5)
    fig.colorbar(image, ax=heat, label="KING-robust kinship")
    if len(samples) <= 40:
        heat.set_xticks(range(len(samples)), samples, rotation=90, fontsize=8)
        heat.set_yticks(range(len(samples)), samples, fontsize=8)
        if len(samples) <= 12:
            for i in range(len(samples)):
                for j in range(len(samples)):
                    if i != j and not np.isnan(phi[i, j]):
                        heat.text(j, i, f"{phi[i, j]:.2f}", ha="center", va="center", fontsize=8, color="white")
    heat.set_title("Kinship between samples (diagonal blank)")
    upper = np.triu_indices(len(samples), k=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        ibs0 = counts.ibs0[upper] / counts.both_called[upper]
    values = phi[upper]
    if expected is None:
        scatter.scatter(ibs0, values, s=30, color="#1f78b4", label="sample pair")
    else:
        for label, colour in [("first_degree", "#d95f02"), ("second_degree", "#7570b3"), ("third_degree", "#e7298a"),
                              (UNRELATED, "#1b9e77"), ("duplicate_or_mz", "#000000")]:  # fmt: skip
            at = np.array([degree(e) == label for e in expected[upper]], dtype=bool)
            if at.any():
                scatter.scatter(ibs0[at], values[at], s=30, color=colour, label=f"pedigree: {label}")
    for threshold, label in THRESHOLDS:
        scatter.axhline(threshold, color="grey", lw=0.8, ls="--")
        scatter.text(1.0, threshold, f" > {threshold}: {label}", transform=scatter.get_yaxis_transform(),
                     va="bottom", ha="right", fontsize=8, color="grey")  # fmt: skip
    scatter.set_xlabel("IBS0 fraction (opposite homozygotes / sites called in both)")
    scatter.set_ylabel("KING-robust kinship")
    few = int((counts.both_called[upper] < min_sites).sum())
    note = f"; {few} called at < {min_sites} sites: no degree inferred" if few else ""
    scatter.set_title(f"{len(values)} sample pairs{note}")
    scatter.legend(loc="best", fontsize=8)
    scatter.grid(alpha=0.3)
    fig.tight_layout()
    with atomic_path(path, suffix=".png") as tmp:
        fig.savefig(tmp, format="png", metadata={"Software": None})
    plt.close(fig)


def _write_table(path, columns, rows):
    write_text(path, "".join(f"{row}\n" for row in ["\t".join(columns), *rows]))


def write_relatedness(store_path, parents, out_tsv, out_png, min_sites=MIN_SITES, out_samples=None, out_relatives=None):
    """relatedness.tsv and kinship.png for the cohort from its genotype store.
    parents: {sample: (father, mother)} from the sheet. With `out_samples` and `out_relatives`, also the two small
    tables a report reads instead of the pairs of the whole cohort (module docstring)."""
    log = get_logger()
    samples, counts, used = store_king_counts(store_path)
    phi = king_robust(counts)
    family = {s: (None, None) for s in samples}
    family.update({s: tuple(pair) for s, pair in parents.items()})
    expected = pedigree_kinship(samples, family)
    if expected is None:
        log.info("no father/mother in the sample sheet: pedigree_agrees is NA")
    n_pairs, relatives = 0, []
    with atomic_path(out_tsv) as tmp, open(tmp, "w") as out:
        out.write("\t".join(COLUMNS) + "\n")
        for fields in pair_fields(samples, phi, counts, expected, min_sites):
            out.write("\t".join(fields) + "\n")
            n_pairs += 1
            if is_relative(fields):
                relatives.append(fields)
    disagree = sum(fields[AGREES] == "no" for fields in relatives)
    log.info("%d pairs over %d records; %d related or expected related; %d disagree with the pedigree", n_pairs, used,
             len(relatives), disagree)  # fmt: skip
    if out_samples is not None:
        _write_table(out_samples, SAMPLE_COLUMNS, sample_rows(samples, counts, min_sites))
    if out_relatives is not None:
        _write_table(out_relatives, COLUMNS, ["\t".join(fields) for fields in relatives])
    plot_kinship(out_png, samples, phi, counts, expected, min_sites)
