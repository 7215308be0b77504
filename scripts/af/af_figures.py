"""Figures of the allele-frequency stage, for the people checking a batch (results/af/):

- af_spectrum.png: how many cohort variants fall in each ALT allele frequency bin (0-1 in steps of 0.05), for the
  whole batch and, in panels below it, for each sheet population (from the AF columns of variants.tsv). Variants with no
  called allele are left out and counted in the title.
- heterozygosity_call_rate.png: each sample's call rate (x) against its heterozygosity (y) over the cohort's
  variant sites (samples.tsv). Samples outside the batch median +/- OUTLIER_MADS median absolute deviations in
  heterozygosity (contamination raises it, a sample of another ancestry or consanguinity moves it) or below
  LOW_CALL_RATE are drawn in red and named; with few samples every sample is named.
"""

import csv

import numpy as np

from common.atomic import atomic_path
from common.input_error import InputError
from common.rule_logging import get_logger, setup_logging

BINS = np.linspace(0.0, 1.0, 21)
OUTLIER_MADS = 3.0
LOW_CALL_RATE = 0.9
NAME_ALL_BELOW = 30  # samples: name every point when the batch is this small
ROWS_PER_BLOCK = 100_000
MAX_POPULATION_PANELS = 6
LOG_SCALE_FROM = 100  # variants in the fullest bin: from this on the counts axis is logarithmic
PALETTE = ["#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02", "#a6761d", "#666666"]


def pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def save(fig, path):
    with atomic_path(path, suffix=".png") as tmp:
        fig.savefig(tmp, format="png", metadata={"Software": None})
    pyplot().close(fig)


def af_histograms(variants_tsv):
    """({'all' or population: counts per BINS bin (20,) int64}, variants without a called allele).

    Streams the file in blocks of rows, so memory does not grow with the number of variants."""
    with open(variants_tsv, newline="") as handle:
        reader = csv.reader(handle, delimiter="\t")
        header = next(reader, None)
        if not header or "AF" not in header:
            raise InputError(f"{variants_tsv}: column 'AF' is missing from the header")
        columns = {"all": header.index("AF")}
        columns.update({c[3:]: i for i, c in enumerate(header) if c.startswith("AF_")})
        counts = {name: np.zeros(len(BINS) - 1, dtype=np.int64) for name in columns}
        uncalled = 0
        while block := [row for _, row in zip(range(ROWS_PER_BLOCK), reader, strict=False)]:
            for name, i in columns.items():
                values = np.array([row[i] for row in block])
                called = values != "NA"
                if name == "all":
                    uncalled += int((~called).sum())
                counts[name] += np.histogram(values[called].astype(float), bins=BINS)[0]
    return counts, uncalled


def plot_af_spectrum(variants_tsv, out_png):
    """One panel for the whole batch, then one per population (up to MAX_POPULATION_PANELS), sharing the x axis."""
    counts, uncalled = af_histograms(variants_tsv)
    populations = sorted(n for n in counts if n != "all")
    shown = populations[:MAX_POPULATION_PANELS]
    plt = pyplot()
    fig, axes = plt.subplots(1 + len(shown), 1, figsize=(9, 3.2 + 2.2 * len(shown)), dpi=100, sharex=True,
                             squeeze=False)  # fmt: skip
    width = BINS[1] - BINS[0]
    # Rare variants dominate a real cohort's spectrum: on a linear axis the other bins look empty.
    log_scale = int(counts["all"].max(initial=0)) >= LOG_SCALE_FROM
    for c, (ax, name) in enumerate(zip(axes[:, 0], ["all", *shown], strict=True)):
        colour = "#777777" if name == "all" else PALETTE[(c - 1) % len(PALETTE)]
        ax.bar(BINS[:-1], counts[name], width=width, align="edge", color=colour, edgecolor="white")
        if log_scale:
            ax.set_yscale("log")
            ax.set_ylim(bottom=0.7)  # the same floor in every panel, so a bin of 1 variant is visible
        ax.set_ylabel("Variants (log scale)" if log_scale else "Variants")
        ax.set_title("Whole batch" if name == "all" else f"Population {name} (frequency within {name})",
                     fontsize=10, loc="left")  # fmt: skip
        ax.grid(axis="y", alpha=0.3)
    ax = axes[-1, 0]
    ax.set_xlim(0, 1)
    ax.set_xticks(np.linspace(0, 1, 11))
    ax.set_xlabel("ALT allele frequency (bins of 0.05)")
    n = int(counts["all"].sum())
    notes = [f"{uncalled:,} with no called genotype left out"] if uncalled else []
    if len(populations) > len(shown):
        notes.append(f"{len(populations) - len(shown)} more population(s) in variants.tsv, not drawn")
    fig.suptitle(f"Allele frequency spectrum of {n:,} variant(s)" + (f" ({'; '.join(notes)})" if notes else ""))
    fig.tight_layout()
    save(fig, out_png)
    get_logger().info("af_spectrum: %d variants, %d uncalled", n, uncalled)


def read_sample_points(samples_tsv):
    """(sample IDs, call rates, heterozygosities), NaN where the table says NA."""
    with open(samples_tsv, newline="") as handle:
        reader = csv.DictReader(handle, delimiter="\t")
        for column in ("sample_id", "call_rate", "heterozygosity"):
            if column not in (reader.fieldnames or []):
                raise InputError(f"{samples_tsv}: column {column!r} is missing from the header")
        rows = list(reader)

    def values(column):
        return np.array([np.nan if r[column] == "NA" else float(r[column]) for r in rows], dtype=float)

    return [r["sample_id"] for r in rows], values("call_rate"), values("heterozygosity")


def outliers(call_rate, het):
    """Bool (n,) mask: heterozygosity beyond median +/- OUTLIER_MADS x MAD of the batch, or call rate < LOW_CALL_RATE.

    The MAD is scaled by 1.4826 (a standard deviation for normal data); a batch with MAD 0 flags nobody on
    heterozygosity."""
    known = np.isfinite(het)
    flagged = np.isfinite(call_rate) & (call_rate < LOW_CALL_RATE)
    if known.sum() >= 3:
        median = np.median(het[known])
        mad = 1.4826 * np.median(np.abs(het[known] - median))
        if mad > 0:
            flagged |= known & (np.abs(het - median) > OUTLIER_MADS * mad)
    return flagged


def point_labels(samples, x, y, named, shown_names=3):
    """{(x, y): "a, b, c +2 more"}: samples drawn at the same point share one label instead of overprinting."""
    groups = {}
    for i in np.flatnonzero(named):
        groups.setdefault((round(float(x[i]), 6), round(float(y[i]), 6)), []).append(samples[i])
    labels = {}
    for point, names in groups.items():
        extra = len(names) - shown_names
        labels[point] = ", ".join(names[:shown_names]) + (f" +{extra} more" if extra > 0 else "")
    return labels


def plot_het_call_rate(samples_tsv, out_png):
    samples, call_rate, het = read_sample_points(samples_tsv)
    flagged = outliers(call_rate, het)
    shown = np.isfinite(call_rate) & np.isfinite(het)
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(8, 6), dpi=100)
    crowded = int(shown.sum()) > 200  # smaller, translucent points so overlaps show as darker areas
    ax.scatter(call_rate[shown & ~flagged], het[shown & ~flagged], s=12 if crowded else 40,
               alpha=0.4 if crowded else 1.0, color="#1f78b4", label="sample")  # fmt: skip
    if (shown & flagged).any():
        ax.scatter(
            call_rate[shown & flagged],
            het[shown & flagged],
            s=60,
            color="#e31a1c",
            marker="D",
            label=f"outlier (heterozygosity beyond {OUTLIER_MADS:g} MAD, or call rate < {LOW_CALL_RATE:g})",
        )
    named = shown & (flagged | (len(samples) <= NAME_ALL_BELOW))
    for (x, y), names in point_labels(samples, call_rate, het, named).items():
        ax.annotate(names, (x, y), xytext=(5, 4), textcoords="offset points", fontsize=9)
    ax.axvline(LOW_CALL_RATE, color="#999999", linestyle="--", linewidth=1)
    ax.set_xlabel("Call rate (called genotypes / cohort variant sites)")
    ax.set_ylabel("Heterozygosity (heterozygous / called genotypes)")
    ax.set_xlim(min(LOW_CALL_RATE - 0.02, np.nanmin(call_rate, initial=1.0) - 0.02), 1.005)
    ax.grid(alpha=0.3)
    ax.legend(loc="best", fontsize=9)
    missing = int((~shown).sum())
    note = f" ({missing} without calls not drawn)" if missing else ""
    ax.set_title(f"Heterozygosity against call rate, {int(shown.sum())} sample(s){note}")
    fig.tight_layout()
    save(fig, out_png)
    get_logger().info("heterozygosity_call_rate: %d samples, %d flagged", int(shown.sum()), int(flagged.sum()))


def main(smk):
    setup_logging(smk.log[0])
    plot_af_spectrum(smk.input.variants, smk.output.spectrum)
    plot_het_call_rate(smk.input.samples, smk.output.het_call_rate)


if __name__ == "__main__":
    main(snakemake)  # noqa: F821
