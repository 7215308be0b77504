"""Report figures as PNG bytes: byte-stable (fixed size and dpi, no metadata), legible at 100 dpi, colour-blind safe.

Every figure marks "this sample" three ways (colour, marker shape, a text label) and states the batch size. The
variant figures are drawn from the cohort table (render_reports.cohort_table); the polygenic-score and ancestry
figures only from the sample's report JSON, so a copy of the report under a pseudonym (scripts/deliver/deliver.py)
redraws
them without the batch files.
"""

import io

import matplotlib
import numpy as np

matplotlib.use("Agg")
from matplotlib.figure import Figure  # noqa: E402  (after the backend is chosen)
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import Ellipse, Patch  # noqa: E402
from matplotlib.ticker import FuncFormatter, MaxNLocator  # noqa: E402

from reports.number_format import count, decimals, ordinal, probability, short_number  # noqa: E402

FIGURE_DPI = 100
COUNTS_FIGSIZE = (9.0, 6.6)
SCATTER_FIGSIZE = (8.0, 5.6)
PRS_FIGSIZE = (8.0, 4.6)
PCA_FIGSIZE = (8.0, 6.0)
SAMPLE_COLOUR = "#D55E00"  # Okabe-Ito vermillion; the sample also has its own marker shape and a text label
BATCH_COLOUR = "#6E6E6E"
# Okabe-Ito colours for reference-panel groups (vermillion is kept for the sample).
GROUP_COLOURS = ["#0072B2", "#009E73", "#E69F00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]
SMALL_BATCH_NOTE = "Only {n} sample(s) in the batch: too few to show what is typical."
FIGURE_COUNT_KEYS = ("n_snv_het", "n_snv_hom_alt", "n_indel_het", "n_indel_hom_alt")
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
            count(mine),
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
        ax.set_xticks([0, 1], [f"Batch\n(n = {count(n)})", "This sample"], fontsize=10)
        ax.set_title(LABELS[key], fontsize=12)
        ax.set_ylabel("Calls (count)", fontsize=10)
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _: count(value)))
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
    fig.suptitle(f"Heterozygosity and call rate of the batch (n = {count(len(cohort))})", fontsize=13, x=0.55, y=0.97)
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
                f"\u00d7{count(n)}",
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
    ax.xaxis.set_major_formatter(FuncFormatter(lambda value, _: decimals(value, 2)))
    ax.set_ylim(max(y.min() - 0.2 * y_span, 0), y.max() + 0.45 * y_span)


# ---------------------------------------------------------------- polygenic score and ancestry figures


def prs_figure(score, sample_id):
    """PNG: the score's reference distribution (histogram of the batch's SUMs) with this sample's SUM marked.

    `score`: one item of the report's `prs` list with `distribution` {bin_edges (k+1,), counts (k,), n, ...}.
    """
    dist = score["distribution"]
    edges, counts = np.asarray(dist["bin_edges"], dtype=float), np.asarray(dist["counts"], dtype=float)
    fig = Figure(figsize=PRS_FIGSIZE, dpi=FIGURE_DPI)
    ax = fig.subplots()
    panel = score.get("reference_population") is not None
    group = f"{_plain(score['reference_population'], 20)} reference samples" if panel else "Samples of this batch"
    ax.bar(edges[:-1], counts, width=np.diff(edges), align="edge", color="#BBBBBB", edgecolor="#555555",
           linewidth=0.8, label=f"{group} (n = {count(dist['n'])})", zorder=2)  # fmt: skip
    mine = score["sum"]
    top = max(counts.max(), 1)
    ax.axvline(mine, color=SAMPLE_COLOUR, linewidth=2.5, linestyle="--", zorder=3)
    ax.scatter([mine], [top * 1.08], marker="D", s=110, color=SAMPLE_COLOUR, edgecolor="black", zorder=4,
               label=f"This sample: {_plain(sample_id)}")  # fmt: skip
    span = edges[-1] - edges[0]
    ax.set_xlim(min(edges[0], mine) - 0.05 * span, max(edges[-1], mine) + 0.05 * span)
    left, right = ax.get_xlim()
    to_left = (mine - left) > 0.6 * (right - left)
    ax.annotate(
        f"{_plain(sample_id, 24)}\nscore {short_number(mine)}\n{ordinal(score['percentile'])} percentile",
        (mine, top * 1.08),
        xytext=(-14 if to_left else 14, 8),
        textcoords="offset points",
        ha="right" if to_left else "left",
        va="bottom",  # above the diamond, clear of the tallest bar (the y axis reaches 1.6 x its height)
        fontsize=11,
        fontweight="bold",
        zorder=5,
        bbox={"boxstyle": "round,pad=0.3", "facecolor": "white", "edgecolor": SAMPLE_COLOUR},
    )
    ax.set_ylim(0, top * 1.6)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("Polygenic score (sum of effect-allele count \u00d7 weight)", fontsize=11)
    ax.set_ylabel("Number of samples", fontsize=11)
    ax.grid(axis="y", color="#DDDDDD", linewidth=0.8)
    ax.set_axisbelow(True)
    trait = score.get("trait") or "trait not given"
    fig.suptitle(f"{_plain(score['pgs_id'])}: {_plain(trait, 60)}", fontsize=13, y=0.97)
    note = (
        f"Percentile among {count(dist['n'])} reference samples of {_plain(score['reference_population'], 20)} "
        "genetic ancestry"
        if panel
        else f"Percentile within this batch of {count(dist['n'])} samples, not within the general population"
    )
    fig.text(0.5, 0.885, note, ha="center", fontsize=10, style="italic")
    fig.legend(loc="lower center", ncol=2, fontsize=10, frameon=False)
    fig.subplots_adjust(left=0.1, right=0.97, top=0.84, bottom=0.24)
    return _png(fig)


def _ellipse(group, colour):
    """The 95% region of a 2-D Gaussian (mean (2,), cov (2, 2)): chi-square(2 df) 0.95 quantile 5.991."""
    values, vectors = np.linalg.eigh(np.asarray(group["cov"], dtype=float))
    values = np.clip(values, 0, None)
    angle = float(np.degrees(np.arctan2(vectors[1, 1], vectors[0, 1])))
    width, height = 2 * np.sqrt(5.991 * values[1]), 2 * np.sqrt(5.991 * values[0])
    return Ellipse(group["mean"], width, height, angle=angle, facecolor=colour, alpha=0.18, edgecolor=colour,
                   linewidth=1.5, zorder=1)  # fmt: skip


def _assignment(ancestry):
    """What the classifier said, for the legend: a sample inside one group's drawn region (PC1-PC2, e.g. AMR's wide
    one) may be assigned another (the classifier reads PC1-PC4)."""
    if ancestry.get("status") == "assigned":
        return f"closest group {_plain(ancestry['ancestry'])} (probability {probability(ancestry['probability'])})"
    return f"no group assigned (best probability {probability(ancestry.get('probability'))})"


def pca_figure(ancestry, sample_id):
    """PNG: PC1 against PC2 of the reference panel's PCA, this sample highlighted among the batch.

    `ancestry`: the report's ancestry block (pcs (4,), batch_points [[PC1, PC2], ...], panel_groups with mean (2,)
    and cov (2, 2) per label).
    """
    fig = Figure(figsize=PCA_FIGSIZE, dpi=FIGURE_DPI)
    ax = fig.subplots()
    handles = []
    for i, group in enumerate(ancestry["panel_groups"]):
        colour = GROUP_COLOURS[i % len(GROUP_COLOURS)]
        ellipse = _ellipse(group, colour)
        ax.add_patch(ellipse)
        top = group["mean"][1] + np.sqrt(5.991 * max(group["cov"][1][1], 0))  # the ellipse's highest point
        ax.annotate(_plain(group["label"]), (group["mean"][0], top), xytext=(0, 3), textcoords="offset points",
                    ha="center", va="bottom", fontsize=11, fontweight="bold", color=colour, zorder=2)  # fmt: skip
        label = f"{_plain(group['label'])} reference (n = {count(group['n'])}), 95% region"
        handles.append(Patch(facecolor=colour, alpha=0.4, edgecolor=colour, label=label))
    points = np.asarray(ancestry["batch_points"], dtype=float).reshape(-1, 2)
    if len(points):
        ax.scatter(points[:, 0], points[:, 1], s=40, color=BATCH_COLOUR, alpha=0.7, edgecolor="none", zorder=3)
        handles.append(Line2D([], [], marker="o", linestyle="none", color=BATCH_COLOUR, markersize=7,
                              label="Other samples of this batch"))  # fmt: skip
    x, y = ancestry["pcs"][0], ancestry["pcs"][1]
    ax.scatter([x], [y], marker="D", s=150, color=SAMPLE_COLOUR, edgecolor="black", zorder=5)
    label = f"This sample: {_plain(sample_id)}, {_assignment(ancestry)}"
    handles.append(Line2D([], [], marker="D", linestyle="none", color=SAMPLE_COLOUR, markeredgecolor="black",
                          markersize=9, label=label))  # fmt: skip
    ax.update_datalim(np.vstack([points, [[x, y]]]))
    for group in ancestry["panel_groups"]:
        sd = np.sqrt(np.clip(np.diag(np.asarray(group["cov"], dtype=float)), 0, None)) * 2.5
        ax.update_datalim([np.subtract(group["mean"], sd), np.add(group["mean"], sd)])
    ax.autoscale_view()
    ax.margins(0.12)
    # The label sits below the sample (sideways near the bottom edge), away from the group names drawn above each
    # reference region, so it never hides the group the sample falls in.
    (left, right), (bottom, top) = ax.get_xlim(), ax.get_ylim()
    to_left = (x - left) > 0.6 * (right - left)
    low = (y - bottom) < 0.25 * (top - bottom)
    dx, dy = (-1 if to_left else 1) * (24 if low else 16), 0 if low else -16
    ax.annotate(_plain(sample_id, 24), (x, y), xytext=(dx, dy), textcoords="offset points",
                ha="right" if to_left else "left", va="center" if low else "top", fontsize=11, fontweight="bold",
                zorder=6, bbox={"boxstyle": "round,pad=0.25", "facecolor": "white", "edgecolor": SAMPLE_COLOUR},
                arrowprops={"arrowstyle": "-", "color": SAMPLE_COLOUR})  # fmt: skip
    ax.set_xlabel("Principal component 1 (reference panel)", fontsize=11)
    ax.set_ylabel("Principal component 2 (reference panel)", fontsize=11)
    ax.grid(color="#DDDDDD", linewidth=0.8)
    ax.set_axisbelow(True)
    fig.suptitle("Genetic ancestry: this sample on the reference panel's principal components", fontsize=13, y=0.97)
    if not ancestry["panel_groups"]:
        fig.text(0.5, 0.9, "Reference panel groups are not drawn (their coordinates were not exported)",
                 ha="center", fontsize=10, style="italic")  # fmt: skip
    fig.legend(handles=handles, loc="lower center", ncol=2, fontsize=9.5, frameon=False)
    n_rows = (len(handles) + 1) // 2
    fig.subplots_adjust(left=0.11, right=0.97, top=0.87, bottom=0.13 + 0.045 * n_rows)
    return _png(fig)
