"""Report figures as PNG bytes: byte-stable (fixed size and dpi, no metadata), legible at 100 dpi, colour-blind safe.

Every figure marks "this sample" three ways (colour, marker shape, a text label) and states the batch size. The
variant figures are drawn from the cohort table (render_reports.cohort_table); the polygenic-score and ancestry
figures only from the sample's report JSON, so a copy of the report under a pseudonym (scripts/deliver/deliver.py)
redraws
them without the batch files.
"""

from functools import lru_cache

import matplotlib
import numpy as np

matplotlib.use("Agg")
from matplotlib import patheffects  # noqa: E402  (after the backend is chosen)
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import Ellipse, Patch  # noqa: E402
from matplotlib.ticker import FuncFormatter, MaxNLocator  # noqa: E402

from reports.figure_template import BatchTemplate, frozen  # noqa: E402
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
MAX_STACK_LABELS = 8  # shared points labelled "xN" in the scatter; beyond that the legend says points overlap
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


def _batch_jitter(n):
    """Fixed horizontal offsets (n,) so overlapping batch points stay visible; seeded, hence reproducible."""
    return np.random.default_rng(0).uniform(-0.12, 0.12, n)


def _count_values(cohort):
    """The batch's values of the four figure counts, in sample order: what the counts figure's batch part shows."""
    return tuple(tuple(float(row[key]) for row in cohort.values()) for key in FIGURE_COUNT_KEYS)


@lru_cache(maxsize=4)
def _counts_template(columns):
    """The counts figure without any sample's marks (a BatchTemplate), for the batch values `columns`."""
    fig = Figure(figsize=COUNTS_FIGSIZE, dpi=FIGURE_DPI)
    axes = fig.subplots(2, 2)
    n = len(columns[0])
    jitter = _batch_jitter(n)
    for ax, key, column in zip(axes.flat, FIGURE_COUNT_KEYS, columns, strict=True):
        values = np.array(column, dtype=float)
        ax.scatter(jitter, values, s=40, color=BATCH_COLOUR, alpha=0.7, edgecolor="none", zorder=2)
        median = float(np.median(values))
        ax.hlines(median, -0.3, 0.3, color="black", linewidth=2, zorder=3)
        top = max(values.max(), 1)  # the sample is one of the batch: its value is not above the batch's maximum
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
        Line2D([], [], marker="o", linestyle="none", color=BATCH_COLOUR, markersize=7,
               label="One sample of the batch (the batch includes this sample)"),
        Line2D([], [], color="black", linewidth=2, label="Batch median"),
        Line2D([], [], marker="D", linestyle="none", color=SAMPLE_COLOUR, markeredgecolor="black", markersize=8,
               label="This sample (dashed line: its value)"),
    ]  # fmt: skip
    fig.legend(handles=handles, loc="lower center", ncol=1, fontsize=10, frameon=False)
    if n < 3:
        fig.text(0.5, 0.905, SMALL_BATCH_NOTE.format(n=n), ha="center", fontsize=10, style="italic",
                 bbox={"facecolor": "#FFF4CC", "edgecolor": "#9A5B00"})  # fmt: skip
    fig.subplots_adjust(left=0.1, right=0.98, top=0.85 if n < 3 else 0.89, bottom=0.22, hspace=0.55, wspace=0.32)
    return BatchTemplate(fig)


def counts_figure(cohort, sample_id):
    """PNG: four panels (het / hom-alt x SNV / indel), batch points and median next to this sample's value."""
    template = _counts_template(_count_values(cohort))
    title = f"Variant calls of {_plain(sample_id)} compared with the batch"
    marks = [template.fig.text(0.5, 0.98, title, ha="center", va="top", fontsize=13)]  # where suptitle puts it
    for ax, key in zip(template.fig.axes, FIGURE_COUNT_KEYS, strict=True):
        mine = cohort[sample_id][key]
        marks.append(ax.axhline(mine, color=SAMPLE_COLOUR, linewidth=1, linestyle="--", zorder=1))
        marks.append(ax.scatter([1], [mine], s=110, marker="D", color=SAMPLE_COLOUR, edgecolor="black", zorder=4))
        box = {"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none"}
        marks.append(ax.annotate(count(mine), (1, mine), xytext=(10, 0), textcoords="offset points", va="center",
                                 fontsize=11, fontweight="bold", color="black", zorder=5, bbox=box))  # fmt: skip
    return template.stamp(marks)


def _scatter_points(cohort):
    """{sample: (call rate, heterozygosity)} of the samples where both are defined."""
    return {
        s: (row["call_rate"], row["heterozygosity"])
        for s, row in cohort.items()
        if row["call_rate"] is not None and row["heterozygosity"] is not None
    }


@lru_cache(maxsize=4)
def _scatter_template(points, n_batch):
    """The heterozygosity/call-rate figure without any sample's marks: every sample's point in grey (the sample's own
    lies under its marker), for the batch's `points` ((call rate, heterozygosity), ...) of `n_batch` samples."""
    fig = Figure(figsize=SCATTER_FIGSIZE, dpi=FIGURE_DPI)
    ax = fig.subplots()
    labelled = True
    if points:
        x, y = np.array(points, dtype=float).T
        ax.scatter(x * 100, y, s=45, color=BATCH_COLOUR, alpha=0.75, edgecolor="none", zorder=2)
        labelled = _label_stacked(ax, points)
    _pad_limits(ax, points)
    small = n_batch < 3
    if small:
        fig.text(0.55, 0.885, SMALL_BATCH_NOTE.format(n=n_batch), ha="center", fontsize=10, style="italic",
                 bbox={"facecolor": "#FFF4CC", "edgecolor": "#9A5B00"})  # fmt: skip
    ax.set_xlabel("Call rate (% of variant sites with a genotype)", fontsize=11)
    ax.set_ylabel("Heterozygosity\n(heterozygous calls / called sites)", fontsize=11)
    fig.suptitle(f"Heterozygosity and call rate of the batch (n = {count(n_batch)})", fontsize=13, x=0.55, y=0.97)
    ax.grid(color="#DDDDDD", linewidth=0.8)
    ax.set_axisbelow(True)
    handles = [
        Line2D([], [], marker="o", linestyle="none", color=BATCH_COLOUR, alpha=0.75, markersize=7,
               label="Samples of the batch (this one included)" if labelled
               else "Batch samples, this one included (many overlap)"),
        Line2D([], [], marker="D", linestyle="none", color=SAMPLE_COLOUR, markeredgecolor="black", markersize=8,
               label="This sample (labelled with its ID)"),
    ]  # fmt: skip
    fig.legend(handles=handles, loc="lower center", ncol=2, fontsize=10, frameon=False)
    fig.subplots_adjust(left=0.13, right=0.97, top=0.84 if small else 0.9, bottom=0.2)
    return BatchTemplate(fig)


def het_callrate_figure(cohort, sample_id):
    """PNG: heterozygosity against call rate for every in-cohort sample, this sample highlighted and labelled."""
    points = _scatter_points(cohort)
    template = _scatter_template(tuple(points.values()), len(cohort))
    ax = template.fig.axes[0]
    if sample_id not in points:
        note = "Call rate or heterozygosity is not defined for this sample"
        return template.stamp([ax.text(0.5, 0.5, note, transform=ax.transAxes, ha="center", fontsize=11)])
    call_rate, het = points[sample_id]
    marker = ax.scatter([call_rate * 100], [het], s=130, marker="D", color=SAMPLE_COLOUR, edgecolor="black", zorder=3)
    left, right = ax.get_xlim()
    to_left = (call_rate * 100 - left) > 0.55 * (right - left)  # keep the label inside the plot
    label = ax.annotate(_plain(sample_id, 24), (call_rate * 100, het), xytext=(-12 if to_left else 12, 12),
                        textcoords="offset points", ha="right" if to_left else "left", fontsize=11,
                        fontweight="bold", zorder=4,
                        bbox={"boxstyle": "round,pad=0.2", "facecolor": "white", "edgecolor": SAMPLE_COLOUR},
                        arrowprops={"arrowstyle": "-", "color": SAMPLE_COLOUR})  # fmt: skip
    return template.stamp([marker, label])


def _label_stacked(ax, points):
    """Write "xN" beside a point that N samples share exactly, which would otherwise look like one sample. Returns
    False (nothing written) when more than MAX_STACK_LABELS points are shared: their labels would overprint."""
    shared = {}
    for point in points:
        shared[point] = shared.get(point, 0) + 1
    stacked = sorted((point, n) for point, n in shared.items() if n > 1)
    if len(stacked) > MAX_STACK_LABELS:
        return False
    for (call_rate, het), n in stacked:
        ax.annotate(f"\u00d7{count(n)}", (call_rate * 100, het), xytext=(7, -12), textcoords="offset points",
                    fontsize=10, color="black", zorder=5)  # fmt: skip
    return True


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


def _prs_limits(edges, mine):
    """x limits of the score figure: the distribution's range, widened to take a sample outside it."""
    span = edges[-1] - edges[0]
    return min(edges[0], mine) - 0.05 * span, max(edges[-1], mine) + 0.05 * span


@lru_cache(maxsize=16)
def _prs_template(edges, counts, n, population, pgs_id, trait, xlim):
    """The score figure without any sample's marks: the reference distribution (the batch's, or the reference
    people of `population`), for samples whose score lies within `xlim`."""
    edges, counts = np.asarray(edges, dtype=float), np.asarray(counts, dtype=float)
    fig = Figure(figsize=PRS_FIGSIZE, dpi=FIGURE_DPI)
    ax = fig.subplots()
    panel = population is not None
    group = f"{_plain(population, 20)} reference samples" if panel else "Samples of this batch"
    ax.bar(edges[:-1], counts, width=np.diff(edges), align="edge", color="#BBBBBB", edgecolor="#555555",
           linewidth=0.8, zorder=2)  # fmt: skip
    ax.set_xlim(*xlim)
    ax.set_ylim(0, max(counts.max(), 1) * 1.6)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("Polygenic score (sum of effect-allele count \u00d7 weight)", fontsize=11)
    ax.set_ylabel("Number of samples", fontsize=11)
    ax.grid(axis="y", color="#DDDDDD", linewidth=0.8)
    ax.set_axisbelow(True)
    fig.suptitle(f"{_plain(pgs_id)}: {_plain(trait or 'trait not given', 60)}", fontsize=13, y=0.97)
    note = (
        f"Percentile among {count(n)} reference samples of {_plain(population, 20)} genetic ancestry"
        if panel
        else f"Percentile within this batch of {count(n)} samples, not within the general population"
    )
    fig.text(0.5, 0.885, note, ha="center", fontsize=10, style="italic")
    handles = [
        Patch(facecolor="#BBBBBB", edgecolor="#555555", linewidth=0.8, label=f"{group} (n = {count(n)})"),
        Line2D([], [], marker="D", linestyle="none", color=SAMPLE_COLOUR, markeredgecolor="black", markersize=9,
               label="This sample (dashed line: its score)"),
    ]  # fmt: skip
    fig.legend(handles=handles, loc="lower center", ncol=2, fontsize=10, frameon=False)
    fig.subplots_adjust(left=0.1, right=0.97, top=0.84, bottom=0.24)
    return BatchTemplate(fig)


def prs_figure(score, sample_id):
    """PNG: the score's reference distribution (histogram of the batch's SUMs) with this sample's SUM marked.

    `score`: one item of the report's `prs` list with `distribution` {bin_edges (k+1,), counts (k,), n, ...}.
    """
    dist = score["distribution"]
    edges = tuple(float(e) for e in dist["bin_edges"])
    mine = score["sum"]
    xlim = _prs_limits(edges, mine)  # the same for every sample inside the range: they share the batch part
    template = _prs_template(edges, tuple(float(c) for c in dist["counts"]), dist["n"],
                             score.get("reference_population"), score["pgs_id"], score.get("trait"), xlim)  # fmt: skip
    ax = template.fig.axes[0]
    top = max(max(dist["counts"]), 1)
    line = ax.axvline(mine, color=SAMPLE_COLOUR, linewidth=2.5, linestyle="--", zorder=3)
    marker = ax.scatter([mine], [top * 1.08], marker="D", s=110, color=SAMPLE_COLOUR, edgecolor="black", zorder=4)
    left, right = ax.get_xlim()
    to_left = (mine - left) > 0.6 * (right - left)
    label = ax.annotate(
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
    return template.stamp([line, marker, label])


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


def _pca_limits(groups, points):
    """(xlim, ylim) of the ancestry figure: every drawn point and 2.5 SD around each group's mean, plus margins."""
    fig = Figure(figsize=PCA_FIGSIZE, dpi=FIGURE_DPI)
    ax = fig.subplots()
    ax.update_datalim(points)
    for group in groups:
        sd = np.sqrt(np.clip(np.diag(np.asarray(group["cov"], dtype=float)), 0, None)) * 2.5
        ax.update_datalim([np.subtract(group["mean"], sd), np.add(group["mean"], sd)])
    ax.autoscale_view()
    ax.margins(0.12)
    return ax.get_xlim(), ax.get_ylim()


@lru_cache(maxsize=4)
def _pca_template(groups, limits):
    """The ancestry figure without any sample's marks: the reference groups' 95% regions and names, axes within
    `limits` and the legend. The batch's points are drawn per sample (the report lists the other samples)."""
    groups = [dict(g) for g in groups]
    fig = Figure(figsize=PCA_FIGSIZE, dpi=FIGURE_DPI)
    ax = fig.subplots()
    handles = []
    for i, group in enumerate(groups):
        colour = GROUP_COLOURS[i % len(GROUP_COLOURS)]
        ax.add_patch(_ellipse(group, colour))
        top = group["mean"][1] + np.sqrt(5.991 * max(group["cov"][1][1], 0))  # the ellipse's highest point
        ax.annotate(_plain(group["label"]), (group["mean"][0], top), xytext=(0, 3), textcoords="offset points",
                    ha="center", va="bottom", fontsize=11, fontweight="bold", color=colour, zorder=2)  # fmt: skip
        label = f"{_plain(group['label'])} reference (n = {count(group['n'])}), 95% region"
        handles.append(Patch(facecolor=colour, alpha=0.4, edgecolor=colour, label=label))
    handles.append(Line2D([], [], marker="o", linestyle="none", color=BATCH_COLOUR, alpha=0.7, markersize=7,
                          label="Other samples of this batch"))  # fmt: skip
    handles.append(Line2D([], [], marker="D", linestyle="none", color=SAMPLE_COLOUR, markeredgecolor="black",
                          markersize=9, label="This sample (labelled with its ID)"))  # fmt: skip
    ax.set_xlim(*limits[0])
    ax.set_ylim(*limits[1])
    ax.set_xlabel("Principal component 1 (reference panel)", fontsize=11)
    ax.set_ylabel("Principal component 2 (reference panel)", fontsize=11)
    ax.grid(color="#DDDDDD", linewidth=0.8)
    ax.set_axisbelow(True)
    fig.suptitle("Genetic ancestry: this sample on the reference panel's principal components", fontsize=13, y=0.97)
    if not groups:
        fig.text(0.5, 0.875, "Reference panel groups are not drawn (their coordinates were not exported)",
                 ha="center", fontsize=10, style="italic")  # fmt: skip
    fig.legend(handles=handles, loc="lower center", ncol=2, fontsize=9.5, frameon=False)
    n_rows = (len(handles) + 1) // 2
    fig.subplots_adjust(left=0.11, right=0.97, top=0.86, bottom=0.13 + 0.045 * n_rows)
    return BatchTemplate(fig)


def _group_names_over(ax, renderer, x, y, reach=12):
    """Copies of the group names (the template's annotations) that the sample's marker at (x, y) would hide, drawn
    over it with a white outline, so "AFR" stays readable when the sample sits on its label."""
    at = ax.transData.transform((x, y))
    copies = []
    for name in [t for t in ax.texts if t.get_text()]:
        box = name.get_window_extent(renderer).expanded(1, 1).padded(reach)
        if box.contains(*at):
            outline = [patheffects.withStroke(linewidth=3, foreground="white")]
            copies.append(ax.annotate(name.get_text(), name.xy, xytext=name.xyann, textcoords="offset points",
                                      ha="center", va="bottom", fontsize=name.get_fontsize(), fontweight="bold",
                                      color=name.get_color(), zorder=7, path_effects=outline))  # fmt: skip
    return copies


def pca_figure(ancestry, sample_id):
    """PNG: PC1 against PC2 of the reference panel's PCA, this sample highlighted among the batch.

    `ancestry`: the report's ancestry block (pcs (4,), batch_points [[PC1, PC2], ...], panel_groups with mean (2,)
    and cov (2, 2) per label).
    """
    groups = ancestry["panel_groups"]
    points = np.asarray(ancestry["batch_points"], dtype=float).reshape(-1, 2)
    x, y = ancestry["pcs"][0], ancestry["pcs"][1]
    everything = np.vstack([points, [[x, y]]])
    limits = _pca_limits(groups, everything)
    template = _pca_template(frozen(groups), limits)
    fig, ax = template.fig, template.fig.axes[0]
    marks = [fig.text(0.5, 0.915, f"{_plain(sample_id)}: {_assignment(ancestry)}", ha="center", fontsize=10.5)]
    if len(points):
        marks.append(ax.scatter(points[:, 0], points[:, 1], s=40, color=BATCH_COLOUR, alpha=0.7, edgecolor="none",
                                zorder=3))  # fmt: skip
    marks.append(ax.scatter([x], [y], marker="D", s=150, color=SAMPLE_COLOUR, edgecolor="black", zorder=5))
    marks += _group_names_over(ax, template.canvas.get_renderer(), x, y)
    # The label sits below the sample (sideways near the bottom edge), away from the group names drawn above each
    # reference region, so it never hides the group the sample falls in.
    (left, right), (bottom, top) = limits
    to_left = (x - left) > 0.6 * (right - left)
    low = (y - bottom) < 0.25 * (top - bottom)
    dx, dy = (-1 if to_left else 1) * (24 if low else 16), 0 if low else -16
    marks.append(ax.annotate(_plain(sample_id, 24), (x, y), xytext=(dx, dy), textcoords="offset points",
                             ha="right" if to_left else "left", va="center" if low else "top", fontsize=11,
                             fontweight="bold", zorder=6,
                             bbox={"boxstyle": "round,pad=0.25", "facecolor": "white", "edgecolor": SAMPLE_COLOUR},
                             arrowprops={"arrowstyle": "-", "color": SAMPLE_COLOUR}))  # fmt: skip
    return template.stamp(marks)
