"""The report's polygenic-score section, its summary line and its limitation, from the report JSON's `prs` list.

Each score is read against its `reference`: the batch (pgs.reference unset: a rank within whoever was sequenced with
the sample, said so in every place the percentile appears), or the reference panel's samples of the sample's
ancestry (pgs.reference_panel: percentile and z within that population, and pgsc_calc's PC-adjusted Z_norm1 and
Z_norm2). A score that is "not comparable" (ancestry unknown, or too few reference samples of the population) shows
the raw score only, with the reason.
"""

from reports.content import Bold, Figure, Heading, Para, Section, Table, status_note
from reports.number_format import NOT_AVAILABLE, count, ordinal, percent, short_number
from reports.sections import PRS_PANEL

TITLE = "Polygenic scores"
INTRO = ("A polygenic score adds up the effects of many common variants. It places the sample relative to a reference "
         "group; it is not a diagnosis, and most people with a high score never develop the condition.")  # fmt: skip
# By reference (a labelled panel or this batch): what it is, under the introduction, and the limitation it sets.
REFERENCE_NOTE = {
    "batch": "Here the reference is this batch, which may not resemble the general population or the sample's "
    "ancestry: read the percentile as a rank within the batch only.",
    "panel": "Here the reference is a labelled reference panel: the percentile is among the panel's people of the "
    "sample's genetic ancestry (see the ancestry section), and the two adjusted scores (Z_norm1, Z_norm2, as the PGS "
    "Catalog's calculator defines them) correct the score for ancestry along the principal components: 0 is the "
    "average of people of similar ancestry, 1 one standard deviation above it.",
}
LIMITATION = {
    "batch": "A polygenic score ranks the sample within this batch, not within a population.",
    "panel": "A polygenic score is compared with the reference panel's people of the sample's genetic ancestry; a "
    "sample of mixed or unlisted ancestry is compared less well.",
}
LIMITATION_COMMON = ("Scores were mostly developed in people of European ancestry and predict less well in others; "
                     "they leave out rare variants, family history and lifestyle.")  # fmt: skip


def on_panel(score):
    return score["reference"]["name"] == PRS_PANEL


def comparable(score):
    return score["status"] == "ok" and score["comparison"] == "ok" and score["percentile"] is not None


def reference_words(score):
    """Who the sample is compared with, e.g. 'the 503 EUR samples of the reference panel (panel.vcf.gz)'."""
    reference = score["reference"]
    if not on_panel(score):
        return f"the {count(reference['n_samples'])} samples of this batch"
    size = reference.get("population_size")
    where = f"the reference panel ({reference['panel']})" if reference.get("panel") else "the reference panel"
    if size is None:
        return f"{where} ({count(reference['n_samples'])} samples)"
    return f"the {count(size)} {score['reference_population']} samples of {where}"


def summary(report):
    """The summary line's words for the polygenic scores."""
    parts = []
    for score in report["prs"]:
        if comparable(score):
            where = "within this batch of " + count(score["reference"]["n_samples"]) if not on_panel(score) else (
                f"among {score['reference_population']} reference samples")  # fmt: skip
            parts.append(f"{score['pgs_id']} ({score['trait'] or 'trait not given'}): {ordinal(score['percentile'])} "
                         f"percentile {where}")  # fmt: skip
        elif score["status"] == "ok":
            parts.append(f"{score['pgs_id']}: {score['comparison']} (raw score only)")
        else:
            parts.append(f"{score['pgs_id']}: not computed")
    return ["; ".join(parts) + "."]


def limitation(report):
    reference = "panel" if any(on_panel(score) for score in report["prs"]) else "batch"
    return f"{LIMITATION[reference]} {LIMITATION_COMMON}"


def _adjusted(value):
    return NOT_AVAILABLE if value is None else f"{value:+.2f}"


def score_rows(score):
    share = score["match_fraction"]
    n_variants = score["n_variants"]
    matched = count(score["n_matched"]) + (f" of {count(n_variants)}" if n_variants else "")
    if share is not None:
        matched += f" ({percent(share)})"
    rows = [
        ["PGS Catalog ID", score["pgs_id"] + (f" ({score['pgs_name']})" if score["pgs_name"] else "")],
        ["Trait", score["trait"] or "not given"],
        ["Publication", score["citation"] or "not given"],
        ["Variants matched in the data" + (" and the reference panel" if on_panel(score) else ""), matched],
        ["Variants dropped: strand-ambiguous / multi-allelic",
         f"{count(score['n_ambiguous'])} / {count(score['n_multiallelic'])}"],
        ["Variants not found in the data", count(score['n_unmatched'])],
    ]  # fmt: skip
    if score["status"] != "ok":
        return rows
    rows += [
        ["Score (SUM)", short_number(score["sum"]) if score["sum"] is not None else NOT_AVAILABLE],
        ["Alleles counted (DENOM) and average (SUM / DENOM)",
         f"{count(score['denom'])} and {short_number(score['avg'])}" if score["avg"] is not None else NOT_AVAILABLE],
        ["Compared with", reference_words(score) if score["comparison"] == "ok"
         else f"nobody: {score['comparison']}; the raw score only"],
        ["Percentile", f"{ordinal(score['percentile'])} (of the people compared with)"
         if score["percentile"] is not None else NOT_AVAILABLE],
    ]  # fmt: skip
    if on_panel(score):
        rows.append(["Adjusted for ancestry: Z_norm1 / Z_norm2",
                     f"{_adjusted(score['z_norm1'])} / {_adjusted(score['z_norm2'])}"])  # fmt: skip
    rows.append(["Missing genotypes", "filled with twice the allele frequency of the data set"
                 if score["imputation"] == "mean_2xAF" else "not filled (they add nothing to the score)"])  # fmt: skip
    return rows


def figure_caption(score):
    n = score["distribution"]["n"]
    who = (f"the {count(n)} {score['reference_population']} samples of the reference panel" if on_panel(score)
           else f"the {count(n)} samples of this batch")  # fmt: skip
    caption = [f"Scores of {who} (grey bars) and this sample's score (orange dashed line): "
               f"{ordinal(score['percentile'])} percentile."]  # fmt: skip
    if n < 50:
        caption += [" ", Bold(f"Only {n} samples: the percentile is a rough rank, not a population figure.")]
    return caption


def section(report, numbers):
    if note := status_note(report, "prs"):
        return Section("prs", TITLE, [note])
    panel = any(on_panel(score) for score in report["prs"])
    blocks = [Para([f"{INTRO} {REFERENCE_NOTE['panel' if panel else 'batch']}"])]
    for score in report["prs"]:
        blocks.append(Heading(f"{score['pgs_id']}: {score['trait'] or 'trait not given'}"))
        blocks.append(Table(["", ""], score_rows(score), widths=[2, 3]))
        if score["status"] != "ok":
            blocks.append(Para([Bold("Not computed: "), f"{score['reason']}."], "notice"))
            continue
        if score["comparison"] != "ok":
            blocks.append(Para([Bold("Not comparable: "), f"{score['comparison'].split(': ', 1)[-1]}. The raw score "
                                "is shown without a percentile: there is no suitable group to rank it in."],
                               "notice"))  # fmt: skip
            continue
        if score["distribution"] and score["sum"] is not None and score["percentile"] is not None:
            key = f"prs:{score['pgs_id']}"
            group = f"{score['reference_population']} reference samples" if on_panel(score) else "the batch"
            alt = f"Distribution of {score['pgs_id']} in {group} with sample {report['sample_id']} marked"
            blocks.append(Figure(key, alt, figure_caption(score), numbers[key]))
    return Section("prs", TITLE, blocks)
