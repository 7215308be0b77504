"""Per-sample reports: a JSON of findings (checked against report.schema.json) and a self-contained HTML page.

One job renders a group of samples. Every sample gets both files, also a sample that failed QC: its report says
plainly that it was not called and carries no variant numbers. The batch comparison (median, range, figures) is
over the in-cohort samples, i.e. the columns of the cohort VCF.

Sources of each number:
- QC verdict, reasons and metrics: results/qc/{sample}.qc.json; cohort membership: results/qc/batch_qc.tsv.
- Het / hom-alt counts of SNVs and indels and no-calls: counted here from the cohort VCF (one pass over it).
- Ti/Tv, heterozygosity and call rate: results/af/samples.tsv (the allele-frequency step's definitions).

Report layout: the JSON has one top-level key per section and the HTML is a list of sections, so later sections
(carrier findings, pharmacogenomics, polygenic scores, ancestry, provenance) are added as one builder each.
Outputs are byte-stable: sorted keys, rounded numbers, no timestamps or paths, PNGs without metadata.
"""

import base64
import csv
import functools
import html
import io
import json
import math
import warnings
from pathlib import Path

import allel
import jsonschema
import matplotlib
import numpy as np

matplotlib.use("Agg")
from matplotlib.figure import Figure  # noqa: E402  (after the backend is chosen)
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.ticker import FuncFormatter, MaxNLocator  # noqa: E402

from atomic import atomic_path  # noqa: E402
from input_error import InputError  # noqa: E402
from rule_logging import get_logger, setup_logging  # noqa: E402

REPORT_VERSION = "1.0"
DISCLAIMER = (
    "For research use only. This report is not a diagnostic test and has not been validated for clinical "
    "decision-making. Any finding must be confirmed by an accredited clinical laboratory before medical use."
)
QC_METRICS = ("total_reads", "mapped_rate", "duplicate_rate", "mean_depth", "breadth")
# metric -> (key in the QC thresholds, direction): the config's qc block names limits by what they bound.
QC_THRESHOLD_KEYS = {
    "mapped_rate": ("min_mapped_rate", "min"),
    "duplicate_rate": ("max_duplicate_rate", "max"),
    "mean_depth": ("min_mean_depth", "min"),
    "breadth": ("min_breadth", "min"),
}
COUNT_KEYS = ("n_snv_het", "n_snv_hom_alt", "n_indel_het", "n_indel_hom_alt", "n_other", "n_no_call")
FIGURE_COUNT_KEYS = ("n_snv_het", "n_snv_hom_alt", "n_indel_het", "n_indel_hom_alt")
RATE_KEYS = ("ti_tv", "heterozygosity", "call_rate")
DIGITS = {
    "ti_tv": 3,
    "heterozygosity": 4,
    "call_rate": 4,
    "mapped_rate": 4,
    "duplicate_rate": 4,
    "breadth": 4,
    "mean_depth": 2,
}
# Allele classes; a genotype takes the highest class among the alleles it carries.
REF, SNV, INDEL, OTHER = 0, 1, 2, 3
CELLS_PER_BLOCK = 4_000_000  # genotypes (variants x samples) held per VCF block: bounds memory for big cohorts
FIGURE_DPI = 100
COUNTS_FIGSIZE = (9.0, 6.6)
SCATTER_FIGSIZE = (8.0, 5.6)
SAMPLE_COLOUR = "#D55E00"  # Okabe-Ito vermillion; the sample also has its own marker shape and a text label
BATCH_COLOUR = "#6E6E6E"
SMALL_BATCH_NOTE = "Only {n} sample(s) in the batch: too few to show what is typical."
VERDICT_STYLE = {  # verdict -> (word shown, symbol, background colour): never colour alone
    "pass": ("PASS", "\u2713", "#1A7F37"),
    "warn": ("WARNING", "!", "#9A5B00"),
    "fail": ("FAIL", "\u2717", "#B42318"),
}
LABELS = {
    "n_snv_het": "SNVs, heterozygous",
    "n_snv_hom_alt": "SNVs, homozygous alternate",
    "n_indel_het": "Indels, heterozygous",
    "n_indel_hom_alt": "Indels, homozygous alternate",
    "n_other": "Other variant types (MNPs, complex)",
    "n_no_call": "Sites without a genotype (no-call)",
    "ti_tv": "Transition/transversion ratio (Ti/Tv)",
    "heterozygosity": "Heterozygosity (heterozygous / called sites)",
    "call_rate": "Call rate (sites with a genotype)",
}


# ---------------------------------------------------------------- reading inputs


def _number(text):
    """A TSV cell as float, None for empty / NA / nan / inf (undefined values are null in the report)."""
    text = (text or "").strip()
    if text.lower() in ("", "na", "nan", ".", "none", "null"):
        return None
    value = float(text)
    return value if math.isfinite(value) else None


def _flag(text, path, sample):
    value = (text or "").strip().lower()
    if value in ("true", "yes", "1"):
        return True
    if value in ("false", "no", "0"):
        return False
    raise InputError(f"{path}: sample {sample!r}: in_cohort is {text!r}, expected true/false")


def read_tsv(path, required):
    """Rows of a tab-separated file with a header as dicts; InputError names the file and a missing column."""
    with open(path, newline="") as fh:
        reader = csv.DictReader(fh, delimiter="\t")
        missing = [c for c in required if c not in (reader.fieldnames or [])]
        if missing:
            raise InputError(f"{path}: column {missing[0]!r} is missing from the header")
        return list(reader)


def read_batch_qc(path):
    """{sample_id: {"verdict", "in_cohort"}} from batch_qc.tsv."""
    rows = read_tsv(path, ("sample_id", "verdict", "in_cohort"))
    return {
        r["sample_id"]: {"verdict": r["verdict"], "in_cohort": _flag(r["in_cohort"], path, r["sample_id"])}
        for r in rows
    }


def read_sample_stats(path):
    """{sample_id: {"ti_tv", "heterozygosity", "call_rate", "n_het", "n_hom_alt"}} from the af step's samples.tsv."""
    rows = read_tsv(path, ("sample_id", "n_het", "n_hom_alt", "call_rate", "heterozygosity", "ti_tv"))
    stats = {}
    for row in rows:
        try:
            stats[row["sample_id"]] = {
                k: _number(row[k]) for k in ("ti_tv", "heterozygosity", "call_rate", "n_het", "n_hom_alt")
            }
        except ValueError as error:
            raise InputError(f"{path}: sample {row['sample_id']!r}: {error}") from None
    return stats


def read_qc(path, expected_sample):
    """A sample's QC JSON; InputError if it is unreadable, names another sample or lacks the verdict."""
    try:
        qc = json.loads(Path(path).read_text())
    except (OSError, json.JSONDecodeError) as error:
        raise InputError(f"{path}: cannot read the QC JSON: {error}") from None
    if qc.get("sample_id") != expected_sample:
        raise InputError(f"{path}: holds sample {qc.get('sample_id')!r}, expected {expected_sample!r}")
    if qc.get("verdict") not in VERDICT_STYLE:
        raise InputError(f"{path}: verdict {qc.get('verdict')!r} is not one of pass, warn, fail")
    return qc


# ---------------------------------------------------------------- genotype counts from the VCF


# ALT alleles that are no variant of their own: missing, mpileup's unobserved allele, gVCF's <NON_REF>, and `*`
# (a base deleted by an overlapping record, which counts that deletion itself).
NOT_A_VARIANT = frozenset({".", "X", "<X>", "<*>", "<NON_REF>", "*"})


@functools.lru_cache(maxsize=1 << 16)
def allele_class(ref, alt):
    """SNV, INDEL, OTHER (MNP, complex, symbolic, breakend) or REF for one ALT allele against REF.

    Written here because neither pysam nor scikit-allel types alleles; it follows htslib's typing (vcf.c,
    bcf_set_variant_type) so the counts match `bcftools stats`: after trimming the shared prefix and then the
    shared suffix (keeping one base), one base against one is an SNV, one base matching the other's end is an
    indel (`TCAC>C`), and anything else is OTHER (`AC>T`).
    """
    if alt == "":
        return OTHER  # padding of a shorter ALT list: never carried in valid data
    if alt.upper() in NOT_A_VARIANT:
        return REF
    ref, alt = ref.upper(), alt.upper()
    if len(ref) == 1 and len(alt) == 1:
        return REF if ref == alt else SNV
    if alt.startswith("<") or "[" in alt or "]" in alt:
        return OTHER
    shared = 0
    while shared < min(len(ref), len(alt)) and ref[shared] == alt[shared]:
        shared += 1
    r, a = ref[shared:], alt[shared:]
    if not r or not a:
        return INDEL if r or a else REF
    tail = 0
    while tail < min(len(r), len(a)) - 1 and r[-1 - tail] == a[-1 - tail]:
        tail += 1
    r, a = r[: len(r) - tail], a[: len(a) - tail]
    if len(r) == 1 and len(a) == 1:
        return SNV
    if len(r) == 1 or len(a) == 1:
        return INDEL if r[-1] == a[-1] else OTHER
    return OTHER


def allele_classes(ref, alt):
    """Class of every allele: ref (n_variants,) str, alt (n_variants, n_alt) str -> (n_variants, n_alt + 2) int8.

    Column 0 is REF (class REF), columns 1..n_alt the ALT alleles (see allele_class), and the last column OTHER
    for allele indexes beyond what was read (more ALTs than scikit-allel's `alt_number`).
    """
    n_variants, n_alt = alt.shape
    classes = np.full((n_variants, n_alt + 2), OTHER, dtype=np.int8)
    classes[:, 0] = REF
    for i in range(n_variants):
        for j in range(n_alt):
            classes[i, j + 1] = allele_class(ref[i], alt[i, j])
    return classes


def _count_block(gt, classes):
    """Counts per sample for one block: gt (n_variants, n_samples, ploidy) int, classes from allele_classes.

    Returns {key: (n_samples,) int64} for COUNT_KEYS. A genotype with any missing allele is a no-call; het means
    called with differing alleles; hom-alt means called with all alleles equal and not REF.
    """
    n_variants, n_samples, _ = gt.shape
    beyond = classes.shape[1] - 1
    index = np.where(gt < 0, 0, np.minimum(gt, beyond)).astype(np.intp)
    carried = np.take_along_axis(
        np.broadcast_to(classes[:, None, :], (n_variants, n_samples, classes.shape[1])), index, axis=2
    ).max(axis=2)
    called = (gt >= 0).all(axis=2)
    het = called & (gt != gt[:, :, :1]).any(axis=2)
    hom_alt = called & ~het & (gt[:, :, 0] > 0)
    return {
        "n_snv_het": (het & (carried == SNV)).sum(axis=0),
        "n_snv_hom_alt": (hom_alt & (carried == SNV)).sum(axis=0),
        "n_indel_het": (het & (carried == INDEL)).sum(axis=0),
        "n_indel_hom_alt": (hom_alt & (carried == INDEL)).sum(axis=0),
        "n_other": ((het | hom_alt) & (carried == OTHER)).sum(axis=0),
        "n_no_call": (~called).sum(axis=0),
    }


def count_genotypes(vcf_path, log=None, chunk_length=None):
    """One pass over the VCF: ({sample: {count key: int}}, n_sites), samples in VCF column order.

    Reads REF, ALT and GT only, in blocks of `chunk_length` variants (default: about CELLS_PER_BLOCK genotypes).
    """
    log = log or get_logger()
    with warnings.catch_warnings():
        # scikit-allel warns about INFO headers it cannot parse (bcftools' VDB has a Version key); INFO is not read.
        warnings.filterwarnings("ignore", message="invalid INFO header")
        samples = list(allel.read_vcf_headers(str(vcf_path)).samples)
        totals = {key: np.zeros(len(samples), dtype=np.int64) for key in COUNT_KEYS}
        n_sites = 0
        if not samples:
            return {}, 0
        chunk_length = chunk_length or max(1024, CELLS_PER_BLOCK // len(samples))
        _, _, _, blocks = allel.iter_vcf_chunks(
            str(vcf_path), fields=["variants/REF", "variants/ALT", "calldata/GT"], chunk_length=chunk_length
        )
        for chunk, n_block, _, _ in blocks:
            block = _count_block(chunk["calldata/GT"], allele_classes(chunk["variants/REF"], chunk["variants/ALT"]))
            for key in COUNT_KEYS:
                totals[key] += block[key]
            n_sites += n_block
            log.info("counted genotypes of %d variants x %d samples", n_sites, len(samples))
    counts = {s: {key: int(totals[key][i]) for key in COUNT_KEYS} for i, s in enumerate(samples)}
    return counts, n_sites


# ---------------------------------------------------------------- report content


def _rounded(key, value):
    if value is None:
        return None
    return round(float(value), DIGITS.get(key, 4))


def cohort_table(counts, stats, batch_qc, vcf_path, stats_path, batch_qc_path):
    """{sample: counts + rates} for the in-cohort samples (VCF order); checks the three sources agree."""
    in_cohort = {s for s, row in batch_qc.items() if row["in_cohort"]}
    in_vcf = set(counts)
    if in_vcf - set(batch_qc):
        raise InputError(f"{vcf_path}: sample {sorted(in_vcf - set(batch_qc))[0]!r} is not in {batch_qc_path}")
    if in_cohort != in_vcf:
        odd = sorted(in_cohort ^ in_vcf)[0]
        where = "marked in_cohort but absent from" if odd in in_cohort else "marked not in_cohort but present in"
        raise InputError(f"{batch_qc_path}: sample {odd!r} is {where} the cohort VCF {vcf_path}")
    table = {}
    for sample, sample_counts in counts.items():
        if sample not in stats:
            raise InputError(f"{stats_path}: sample {sample!r} of the cohort VCF has no row")
        rates = {key: _rounded(key, stats[sample][key]) for key in RATE_KEYS}
        table[sample] = {**sample_counts, **rates}
        n_het = sample_counts["n_snv_het"] + sample_counts["n_indel_het"]
        if stats[sample]["n_het"] is not None and stats[sample]["n_het"] < n_het:
            get_logger().warning(
                "sample %s: %s has n_het %s, fewer than the %d SNV+indel het calls in the VCF",
                sample,
                Path(stats_path).name,
                stats[sample]["n_het"],
                n_het,
            )
    return table


def batch_summary(cohort):
    """{"n_samples", key: {"median", "min", "max"} or None} over the in-cohort samples (None values skipped)."""
    summary = {"n_samples": len(cohort)}
    for key in (*COUNT_KEYS, *RATE_KEYS):
        values = np.array([row[key] for row in cohort.values() if row[key] is not None], dtype=float)
        if values.size == 0:
            summary[key] = None
            continue
        is_count = key in COUNT_KEYS
        median = float(np.median(values))
        summary[key] = {
            "median": round(median, 1) if is_count else _rounded(key, median),
            "min": int(values.min()) if is_count else _rounded(key, values.min()),
            "max": int(values.max()) if is_count else _rounded(key, values.max()),
        }
    return summary


def _qc_thresholds(thresholds):
    """{metric: {"direction", "warn", "fail"}} from the QC step's thresholds (the config's qc block layout)."""
    found = {}
    for metric, (key, direction) in QC_THRESHOLD_KEYS.items():
        limit = (thresholds or {}).get(key)
        if isinstance(limit, dict) and {"warn", "fail"} <= set(limit):
            found[metric] = {"direction": direction, "warn": limit["warn"], "fail": limit["fail"]}
    return found


def qc_section(qc):
    """The report's qc block from a sample's QC JSON."""
    metrics = qc.get("metrics") or {}
    total_reads = metrics.get("total_reads")
    target = qc.get("target") or {}
    min_depth = (qc.get("thresholds") or {}).get("breadth_min_depth")
    return {
        "verdict": qc["verdict"],
        "reasons": [str(r) for r in qc.get("reasons") or []],
        "metrics": {
            "total_reads": None if total_reads is None else int(total_reads),
            **{key: _rounded(key, metrics.get(key)) for key in QC_METRICS[1:]},
        },
        "target": {"kind": target.get("kind"), "bases": None if target.get("bases") is None else int(target["bases"])},
        "thresholds": _qc_thresholds(qc.get("thresholds")),
        "breadth_min_depth": min_depth if isinstance(min_depth, int) else None,
    }


def _reasons_text(reasons):
    return "; ".join(reasons) if reasons else "no reason was recorded"


def notices_for(qc, in_cohort, batch):
    """Plain-language notes the reader must see."""
    notices = []
    if qc["verdict"] == "fail":
        notices.append(
            f"This sample failed QC and was not called: {_reasons_text(qc['reasons'])}. "
            "No variant results are reported for it."
        )
    elif not in_cohort:
        notices.append(
            "This sample was left out of the cohort variant calls, so no variant results are reported for it."
        )
    elif qc["verdict"] == "warn":
        notices.append(
            f"This sample passed QC with warnings: {_reasons_text(qc['reasons'])}. Read its results with caution."
        )
    if in_cohort and batch["n_samples"] < 3:
        notices.append(
            f"The batch has only {batch['n_samples']} called sample(s): too few for the batch comparison "
            "to show what is typical."
        )
    return notices


def build_report(sample_id, qc, in_cohort, cohort, batch, n_sites, caller, build):
    """The report dict of one sample; every top-level key is one section."""
    qc_block = qc_section(qc)
    if qc_block["verdict"] == "fail" and in_cohort:
        raise InputError(f"sample {sample_id!r}: QC verdict is fail but batch_qc marks it in the cohort")
    reason = None
    if not in_cohort:
        reason = (
            "not called because it failed QC"
            if qc_block["verdict"] == "fail"
            else "not called because it was left out of the cohort calls"
        )
    return {
        "report_version": REPORT_VERSION,
        "sample_id": sample_id,
        "caller": caller,
        "build": build,
        "qc": qc_block,
        "in_cohort": in_cohort,
        "variants": {
            "called": in_cohort,
            "not_called_reason": reason,
            "n_sites": n_sites,
            "sample": dict(cohort[sample_id]) if in_cohort else None,
            "batch": batch,
        },
        "notices": notices_for(qc_block, in_cohort, batch),
        "disclaimer": DISCLAIMER,
    }


def validate_report(report, schema):
    """Raise ValueError naming the sample and the offending key when the report breaks the schema."""
    validator = jsonschema.Draft7Validator(schema)
    errors = sorted(validator.iter_errors(report), key=lambda e: [str(p) for p in e.absolute_path])
    if errors:
        where = "/".join(str(p) for p in errors[0].absolute_path) or "(top level)"
        raise ValueError(
            f"report of sample {report.get('sample_id')!r} breaks the report schema at {where}: {errors[0].message}"
        )


def report_json_text(report):
    return json.dumps(report, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


# ---------------------------------------------------------------- figures


def _plain(text, limit=40):
    """Text for a figure label: shortened, and '$' escaped so matplotlib does not read it as maths."""
    text = str(text)
    if len(text) > limit:
        text = text[: limit - 1] + "\u2026"
    return text.replace("$", r"\$")


def _png(fig):
    """PNG bytes of a figure, identical on every run: fixed size and dpi, no Software/date metadata."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=FIGURE_DPI, metadata={"Software": None})
    return buffer.getvalue()


def _batch_jitter(n):
    """Fixed horizontal offsets (n,) so overlapping batch points stay visible; seeded, hence reproducible."""
    return np.random.default_rng(0).uniform(-0.12, 0.12, n)


def counts_figure(cohort, sample_id):
    """PNG: four panels (het / hom-alt x SNV / indel), batch points and median next to this sample's value."""
    fig = Figure(figsize=COUNTS_FIGSIZE, dpi=FIGURE_DPI)
    axes = fig.subplots(2, 2)
    n = len(cohort)
    jitter = _batch_jitter(n)
    for ax, key in zip(axes.flat, FIGURE_COUNT_KEYS, strict=True):
        values = np.array([row[key] for row in cohort.values()], dtype=float)
        mine = cohort[sample_id][key]
        ax.scatter(jitter, values, s=40, color=BATCH_COLOUR, alpha=0.7, edgecolor="none", zorder=2)
        median = float(np.median(values))
        ax.hlines(median, -0.3, 0.3, color="black", linewidth=2, zorder=3)
        ax.axhline(mine, color=SAMPLE_COLOUR, linewidth=1, linestyle="--", zorder=1)
        ax.scatter([1], [mine], s=110, marker="D", color=SAMPLE_COLOUR, edgecolor="black", zorder=4)
        ax.annotate(
            f"{mine:,}",
            (1, mine),
            xytext=(10, 0),
            textcoords="offset points",
            va="center",
            fontsize=11,
            fontweight="bold",
            color="black",
            zorder=5,
            bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none"},
        )
        top = max(values.max(), mine, 1)
        ax.set_ylim(-0.06 * top, top * 1.18)  # below 0 so a marker at 0 is not cut by the axis
        ax.set_xlim(-0.5, 1.6)
        ax.set_xticks([0, 1], [f"Batch\n(n = {n})", "This sample"], fontsize=10)
        ax.set_title(LABELS[key], fontsize=12)
        ax.set_ylabel("Calls (count)", fontsize=10)
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:,.0f}"))
        ax.tick_params(axis="y", labelsize=9)
        ax.grid(axis="y", color="#DDDDDD", linewidth=0.8, zorder=0)
        ax.set_axisbelow(True)
    handles = [
        Line2D(
            [],
            [],
            marker="o",
            linestyle="none",
            color=BATCH_COLOUR,
            markersize=7,
            label="One sample of the batch (the batch includes this sample)",
        ),
        Line2D([], [], color="black", linewidth=2, label="Batch median"),
        Line2D(
            [],
            [],
            marker="D",
            linestyle="none",
            color=SAMPLE_COLOUR,
            markeredgecolor="black",
            markersize=8,
            label=f"This sample: {_plain(sample_id)} (dashed line: its value)",
        ),
    ]
    fig.legend(handles=handles, loc="lower center", ncol=1, fontsize=10, frameon=False)
    fig.suptitle(f"Variant calls of {_plain(sample_id)} compared with the batch", fontsize=13)
    if n < 3:
        fig.text(
            0.5,
            0.905,
            SMALL_BATCH_NOTE.format(n=n),
            ha="center",
            fontsize=10,
            style="italic",
            bbox={"facecolor": "#FFF4CC", "edgecolor": "#9A5B00"},
        )
    fig.subplots_adjust(left=0.1, right=0.98, top=0.85 if n < 3 else 0.89, bottom=0.22, hspace=0.55, wspace=0.32)
    return _png(fig)


def het_callrate_figure(cohort, sample_id):
    """PNG: heterozygosity against call rate for every in-cohort sample, this sample highlighted and labelled."""
    fig = Figure(figsize=SCATTER_FIGSIZE, dpi=FIGURE_DPI)
    ax = fig.subplots()
    points = {
        s: (row["call_rate"], row["heterozygosity"])
        for s, row in cohort.items()
        if row["call_rate"] is not None and row["heterozygosity"] is not None
    }
    others = [p for s, p in points.items() if s != sample_id]
    if others:
        x, y = np.array(others, dtype=float).T
        ax.scatter(
            x * 100,
            y,
            s=45,
            color=BATCH_COLOUR,
            alpha=0.75,
            edgecolor="none",
            label="Other samples of the batch",
            zorder=2,
        )
        _label_stacked(ax, others)
    _pad_limits(ax, points.values())
    if sample_id in points:
        call_rate, het = points[sample_id]
        ax.scatter(
            [call_rate * 100],
            [het],
            s=130,
            marker="D",
            color=SAMPLE_COLOUR,
            edgecolor="black",
            label=f"This sample: {_plain(sample_id)}",
            zorder=3,
        )
        left, right = ax.get_xlim()
        to_left = (call_rate * 100 - left) > 0.55 * (right - left)  # keep the label inside the plot
        ax.annotate(
            _plain(sample_id, 24),
            (call_rate * 100, het),
            xytext=(-12 if to_left else 12, 12),
            textcoords="offset points",
            ha="right" if to_left else "left",
            fontsize=11,
            fontweight="bold",
            zorder=4,
            bbox={"boxstyle": "round,pad=0.2", "facecolor": "white", "edgecolor": SAMPLE_COLOUR},
            arrowprops={"arrowstyle": "-", "color": SAMPLE_COLOUR},
        )
    else:
        ax.text(
            0.5,
            0.5,
            "Call rate or heterozygosity is not defined for this sample",
            transform=ax.transAxes,
            ha="center",
            fontsize=11,
        )
    small = len(cohort) < 3
    if small:
        fig.text(
            0.55,
            0.885,
            SMALL_BATCH_NOTE.format(n=len(cohort)),
            ha="center",
            fontsize=10,
            style="italic",
            bbox={"facecolor": "#FFF4CC", "edgecolor": "#9A5B00"},
        )
    ax.set_xlabel("Call rate (% of variant sites with a genotype)", fontsize=11)
    ax.set_ylabel("Heterozygosity\n(heterozygous calls / called sites)", fontsize=11)
    fig.suptitle(f"Heterozygosity and call rate of the batch (n = {len(cohort)})", fontsize=13, x=0.55, y=0.97)
    ax.grid(color="#DDDDDD", linewidth=0.8)
    ax.set_axisbelow(True)
    fig.legend(loc="lower center", ncol=2, fontsize=10, frameon=False)
    fig.subplots_adjust(left=0.13, right=0.97, top=0.84 if small else 0.9, bottom=0.2)
    return _png(fig)


def _label_stacked(ax, points):
    """Write "xN" beside a point that N samples share exactly, which would otherwise look like one sample."""
    shared = {}
    for point in points:
        shared[point] = shared.get(point, 0) + 1
    for (call_rate, het), n in sorted(shared.items()):
        if n > 1:
            ax.annotate(
                f"\u00d7{n}",
                (call_rate * 100, het),
                xytext=(7, -12),
                textcoords="offset points",
                fontsize=10,
                color="black",
                zorder=5,
            )


def _pad_limits(ax, points):
    """Axis limits with room for the label; a lone point or identical values still get a readable span.

    Call-rate ticks stop at 100 %: a tick beyond it would suggest values that cannot exist.
    """
    points = np.array(list(points), dtype=float).reshape(-1, 2)
    if points.size == 0:
        return
    x, y = points[:, 0] * 100, points[:, 1]
    x_span = max(x.max() - x.min(), 2.0)
    y_span = max(y.max() - y.min(), 0.05)  # a narrower axis would make tiny differences look large
    left, right = x.min() - 0.15 * x_span, min(x.max() + 0.35 * x_span, 100 + 0.05 * x_span)
    ax.set_xlim(left, right)
    ticks = MaxNLocator(nbins=6, steps=[1, 2, 2.5, 5, 10]).tick_values(left, right)
    ax.set_xticks([t for t in ticks if left <= t <= 100 + 1e-9])
    ax.xaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
    ax.set_ylim(max(y.min() - 0.2 * y_span, 0), y.max() + 0.45 * y_span)


# ---------------------------------------------------------------- HTML

CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", Arial, sans-serif;
       font-size: 16px; line-height: 1.5; color: #1a1a1a; max-width: 980px; margin: 0 auto; padding: 24px; }
h1 { font-size: 1.7em; margin-bottom: 0.2em; }
h2 { font-size: 1.3em; border-bottom: 2px solid #ccc; padding-bottom: 4px; margin-top: 1.8em; }
.meta { color: #444; margin-top: 0; }
.badge { display: inline-block; padding: 2px 10px; border-radius: 4px; color: #fff; font-weight: bold; }
.notice { background: #FFF4CC; border-left: 5px solid #9A5B00; padding: 8px 12px; margin: 8px 0; }
.notice.fail { background: #FDE8E7; border-left-color: #B42318; }
table { border-collapse: collapse; width: 100%; margin: 12px 0; }
th, td { border: 1px solid #bbb; padding: 6px 10px; text-align: left; vertical-align: top; }
th { background: #f0f0f0; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
figure { margin: 20px 0; }
figure img { max-width: 100%; height: auto; border: 1px solid #ddd; }
figcaption { color: #333; font-size: 0.95em; }
dt { font-weight: bold; }
footer { margin-top: 2.5em; border-top: 2px solid #ccc; padding-top: 10px; font-size: 0.95em; }
@media print { body { max-width: none; } figure { break-inside: avoid; } }
"""


def _e(value):
    """Every value that goes into the page passes here: sample IDs and reasons come from users."""
    return html.escape(str(value), quote=True)


def _count(value):
    return f"{int(value):,}" if float(value).is_integer() else f"{value:,.1f}"


def _trim(value, digits):
    """A number with at most `digits` decimals, none when it is whole (15 not 15.0)."""
    return f"{int(value)}" if float(value).is_integer() else f"{value:.{digits}f}"


def _value(key, value):
    """A number as a reader expects it: counts with separators, rates as percentages, ratios with decimals."""
    if value is None:
        return "not available"
    if key in COUNT_KEYS or key == "total_reads":
        return _count(value)
    if key in ("call_rate", "mapped_rate", "duplicate_rate", "breadth"):
        return f"{_trim(round(value * 100, 1), 1)} %"
    if key == "mean_depth":
        return f"{_trim(value, 1)}\u00d7"
    if key == "heterozygosity":
        return f"{value:.3f}"
    return f"{value:.2f}"


def verdict_badge(verdict):
    word, symbol, colour = VERDICT_STYLE[verdict]
    return f'<span class="badge" style="background:{colour}">{_e(symbol)} {_e(word)}</span>'


def _table(header, rows, numeric=True):
    """An HTML table; cells are HTML already escaped by the caller. numeric: right-align columns after the first."""
    numeric_from = 1 if numeric else len(header)
    head = "".join(f"<th>{_e(h)}</th>" for h in header)
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="num">{cell}</td>' if i >= numeric_from else f"<td>{cell}</td>" for i, cell in enumerate(row)
        )
        + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _figure(png, alt, caption):
    width, height = png_size(png)
    data = base64.b64encode(png).decode("ascii")
    return (
        f'<figure><img src="data:image/png;base64,{data}" width="{width}" height="{height}" alt="{_e(alt)}">'
        f"<figcaption>{caption}</figcaption></figure>"
    )


def png_size(png):
    """(width, height) from a PNG's IHDR chunk (bytes 16-24, big-endian)."""
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")


def summary_section(report):
    sid, qc, variants = _e(report["sample_id"]), report["qc"], report["variants"]
    if variants["called"]:
        mine, batch = variants["sample"], variants["batch"]
        snv = mine["n_snv_het"] + mine["n_snv_hom_alt"]
        indel = mine["n_indel_het"] + mine["n_indel_hom_alt"]
        others = batch["n_samples"] - 1
        state = {
            "pass": "passed sequencing quality control",
            "warn": "passed sequencing quality control with warnings",
        }[qc["verdict"]]
        text = (
            f"Sample <strong>{sid}</strong> {state}. Its variants were called together with "
            f"{others} other sample(s) of this batch. Compared with the reference genome it has "
            f"<strong>{snv:,}</strong> single-letter changes (SNVs) and <strong>{indel:,}</strong> small "
            f"insertions or deletions (indels) at the {variants['n_sites']:,} variant sites of the batch. "
            "These counts describe data quality and overall variation; they are not findings about disease."
        )
    else:
        text = (
            f"Sample <strong>{sid}</strong> has <strong>no variant results</strong>: it was "
            f"{_e(variants['not_called_reason'])}. Only its quality-control results are shown."
        )
    notices = "".join(
        f'<p class="notice{" fail" if "failed QC" in n else ""}"><strong>Note:</strong> {_e(n)}</p>'
        for n in report["notices"]
    )
    return "summary", "Summary", f"<p>Quality control verdict: {verdict_badge(qc['verdict'])}</p><p>{text}</p>{notices}"


def _limit_text(metric, limit):
    if not limit:
        return "\u2014"
    word = "below" if limit["direction"] == "min" else "above"
    return f"warning {word} {_e(_value(metric, limit['warn']))}; fail {word} {_e(_value(metric, limit['fail']))}"


def qc_section_html(report):
    qc = report["qc"]
    min_depth = qc["breadth_min_depth"]
    names = {
        "total_reads": "Reads sequenced",
        "mapped_rate": "Reads aligned to the reference",
        "duplicate_rate": "Duplicate reads",
        "mean_depth": "Mean sequencing depth (reads per base)",
        "breadth": f"Breadth: target bases covered by \u2265 {min_depth} read(s)"
        if min_depth
        else "Breadth: target bases covered",
    }
    rows = [["Verdict", verdict_badge(qc["verdict"]), "\u2014"]]
    rows += [
        [_e(names[m]), _e(_value(m, qc["metrics"][m])), _limit_text(m, qc["thresholds"].get(m))] for m in QC_METRICS
    ]
    target = qc["target"]
    if target["kind"] or target["bases"] is not None:
        bases = "" if target["bases"] is None else f" ({target['bases']:,} bases)"
        rows.append(["Measured over", _e(f"{target['kind'] or 'target'}{bases}"), "\u2014"])
    reasons = "".join(f"<li>{_e(r)}</li>" for r in qc["reasons"])
    reasons_html = (
        f"<p>Reasons for the verdict:</p><ul>{reasons}</ul>"
        if reasons
        else "<p>All metrics are within their limits.</p>"
    )
    body = _table(["Metric", "This sample", "Limit used for the verdict"], rows, numeric=False) + reasons_html
    return "qc", "Sequencing quality control", body


def variants_section_html(report, figures):
    variants, sid = report["variants"], report["sample_id"]
    if not variants["called"]:
        body = (
            f"<p><strong>No variant results:</strong> sample {_e(sid)} was {_e(variants['not_called_reason'])}. "
            "Its variants were not called, so no counts or figures are shown for it.</p>"
        )
        return "variants", "Variants", body
    mine, batch = variants["sample"], variants["batch"]
    rows = []
    for key in (*COUNT_KEYS, *RATE_KEYS):
        summary = batch[key]
        median = _e(_value(key, summary["median"])) if summary else "not available"
        spread = (
            f"{_e(_value(key, summary['min']))} \u2013 {_e(_value(key, summary['max']))}"
            if summary
            else "not available"
        )
        rows.append([_e(LABELS[key]), _e(_value(key, mine[key])), median, spread])
    header = [
        "Measure",
        "This sample",
        f"Batch median (n = {batch['n_samples']})",
        "Batch range (lowest \u2013 highest)",
    ]
    body = (
        f"<p>Counted over the {variants['n_sites']:,} variant sites called in this batch with {_e(report['caller'])} "
        f"(genome build {_e(report['build'])}). Sites where the sample matches the reference are not counted.</p>"
        + _table(header, rows)
        + _figure(
            figures["counts"],
            f"Heterozygous and homozygous SNV and indel counts of sample {sid} next to the batch",
            "Figure 1. Number of heterozygous and homozygous-alternate SNV and indel calls. Grey points are the "
            "samples of the batch (this sample included), the black bar their median; the orange diamond and "
            "dashed line mark this sample.",
        )
        + _figure(
            figures["scatter"],
            f"Heterozygosity against call rate, sample {sid} highlighted",
            "Figure 2. Heterozygosity against call rate for every sample of the batch. A sample far from the "
            "others may have a quality problem (e.g. contamination raises heterozygosity). \u00d7N marks N samples "
            "at the same point."
            + (
                " <strong>The batch has fewer than 3 samples, so this comparison shows little.</strong>"
                if batch["n_samples"] < 3
                else ""
            ),
        )
        + GLOSSARY
    )
    return "variants", "Variants compared with the batch", body


GLOSSARY = """<h3>Terms used</h3><dl>
<dt>SNV</dt><dd>Single-nucleotide variant: one DNA letter differs from the reference genome.</dd>
<dt>Indel</dt><dd>A small insertion or deletion of DNA letters.</dd>
<dt>Heterozygous / homozygous alternate</dt><dd>The variant is on one copy / on both copies of the chromosome.</dd>
<dt>Call rate</dt><dd>Share of the batch's variant sites where this sample has a genotype.</dd>
<dt>Ti/Tv</dt><dd>Ratio of transitions to transversions among SNVs; about 2.0-2.1 genome-wide and about 3 in
exomes for good data.</dd>
</dl>"""


def render_html(report, figures):
    """The self-contained page: inline CSS, figures as data URIs, every inserted value escaped."""
    sections = [summary_section(report), qc_section_html(report), variants_section_html(report, figures)]
    sid = _e(report["sample_id"])
    body = "".join(f'<section id="{key}"><h2>{_e(title)}</h2>{content}</section>' for key, title, content in sections)
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, '
        f'initial-scale=1"><title>Genetic analysis report: {sid}</title><style>{CSS}</style></head><body>'
        f"<header><h1>Genetic analysis report: sample {sid}</h1>"
        f'<p class="meta">Variant caller: {_e(report["caller"])} &middot; Genome build: {_e(report["build"])} '
        f"&middot; Report version {_e(report['report_version'])}</p>"
        f'<p class="notice"><strong>Research use only &ndash; not for diagnosis.</strong></p></header>'
        f"<main>{body}</main>"
        f"<footer><p><strong>{_e(report['disclaimer'])}</strong></p></footer>"
        "</body></html>\n"
    )


# ---------------------------------------------------------------- the job


def _write(path, text):
    with atomic_path(path) as tmp:
        Path(tmp).write_text(text, encoding="utf-8")


def render_reports(
    samples,
    qc_paths,
    batch_qc_path,
    vcf_path,
    af_samples_path,
    schema_path,
    json_paths,
    html_paths,
    caller,
    build,
    log=None,
):
    """Write {sample}.json (schema-checked) and {sample}.html for each of `samples` (lists aligned by position)."""
    log = log or get_logger()
    if not len(samples) == len(qc_paths) == len(json_paths) == len(html_paths):
        raise ValueError("samples, qc, json and html lists must have the same length and order")
    schema = json.loads(Path(schema_path).read_text())
    batch_qc = read_batch_qc(batch_qc_path)
    counts, n_sites = count_genotypes(vcf_path, log)
    cohort = cohort_table(
        counts, read_sample_stats(af_samples_path), batch_qc, vcf_path, af_samples_path, batch_qc_path
    )
    batch = batch_summary(cohort)
    log.info("cohort: %d samples, %d variant sites", len(cohort), n_sites)
    reports = []
    for sample, qc_path in zip(samples, qc_paths, strict=True):
        if sample not in batch_qc:
            raise InputError(f"{batch_qc_path}: sample {sample!r} has no row")
        report = build_report(
            sample, read_qc(qc_path, sample), batch_qc[sample]["in_cohort"], cohort, batch, n_sites, caller, build
        )
        validate_report(report, schema)
        reports.append(report)
    for report, json_path, html_path in zip(reports, json_paths, html_paths, strict=True):
        sample = report["sample_id"]
        figures = {}
        if report["variants"]["called"]:
            figures = {"counts": counts_figure(cohort, sample), "scatter": het_callrate_figure(cohort, sample)}
        _write(json_path, report_json_text(report))
        _write(html_path, render_html(report, figures))
        log.info("wrote the report of sample %s (verdict %s)", sample, report["qc"]["verdict"])


def main(smk):
    log = setup_logging(smk.log[0])
    render_reports(
        list(smk.params.samples),
        list(smk.input.qc),
        smk.input.batch_qc,
        smk.input.vcf,
        smk.input.af_samples,
        smk.input.schema,
        list(smk.output.json),
        list(smk.output.html),
        smk.params.caller,
        smk.params.build,
        log,
    )


if __name__ == "__main__":
    main(snakemake)  # noqa: F821
