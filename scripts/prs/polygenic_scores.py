"""Rule polygenic_scores: PGS Catalog scores for every sample of the cohort (matching and scoring: pgs_scoring), read
from its genotype store results/af/cohort.zarr (functions here take the store or a VCF).

scores.tsv: one row per (score, sample), scores in config order, samples in VCF order. Columns:
  sample_id pgs_id sum denom avg n_matched n_ambiguous n_multiallelic n_unmatched percentile z reference
  reference_population z_norm1 z_norm2 comparison imputation status
  - sum = sum(effect-allele dosage x weight); denom and avg as pgsc_calc reports them (pgs_scoring's docstring).
  - percentile, z: the sample's sum against the reference distribution named in `reference`: `batch` (the sums of
    all samples of this VCF for this score) or `reference_panel` (pgs.reference_panel: the sums of the panel's
    samples of the sample's ancestry, `reference_population`; prs/reference_scores.py). With a panel, z_norm1 and
    z_norm2 are pgsc_calc's PC-adjusted scores, and `comparison` says `not comparable: <why>` (ancestry unknown, or
    too few reference samples of the population) where percentile, z and the Z_norms are NA; without a panel
    reference_population, z_norm1 and z_norm2 are NA and comparison `ok`.
  - imputation: `mean_2xAF` (missing genotypes filled with 2 x the effect allele's frequency in the cohort) or
    `none` (cohort below impute_min_samples samples: missing genotypes add nothing and shrink denom).
  - status: `ok`, or `refused: <why>` with sum/denom/avg/percentile/z written NA. A scoring file refused for
    itself (`refused: <file name>: <problem>`: wrong build, unreadable, non-additive rows, a repeated pgs_id) gets
    these rows too, with zero counts; the other files are scored all the same. `not_requested`: the sample did not
    consent to polygenic scores (sheet column consent_prs, scripts/inputs/consent.py): its genotypes were not read,
    every number is NA and it is not part of the reference distribution or the imputation frequencies.
  Numbers print with 8 significant digits (percentile and z with 6); NA where undefined (z of a batch whose sums
  are all equal).
scores.json: per score its header metadata (pgs_id, pgs_name, trait, citation, builds), the scoring file's name (no
  folder), the counts of every match category, match fraction and types, status (`scored` or `refused`), `reason`
  (the refused score's status text as in scores.tsv, else null), `refused_file` (true when the scoring file itself
  was refused: n_variants and match_fraction are then null), and the rules applied; plus the
  run's settings, target build, sample count, imputation and reference. Keys sorted; no paths, no timestamps.
reference_scores.tsv (with a reference panel): sample_id population pgs_id sum of every reference sample and
  scored score (public reference samples, not study samples); the report draws each population's distribution.
"""

import json
from pathlib import Path

import numpy as np

from common.atomic import atomic_path
from common.input_error import InputError
from common.rule_logging import get_logger, setup_logging
from prs.pgs_matching import vcf_samples
from prs.pgs_scoring import COUNT_KEYS, percentile_rank, score_cohort, z_scores
from prs.reference_adjust import N_PCS
from prs.reference_scores import compare_with_reference, load_reference, population_sizes, read_sample_ancestry

TSV_COLUMNS = [
    "sample_id", "pgs_id", "sum", "denom", "avg", "n_matched", "n_ambiguous", "n_multiallelic", "n_unmatched",
    "percentile", "z", "reference", "reference_population", "z_norm1", "z_norm2", "comparison", "imputation", "status",
]  # fmt: skip
REFERENCE_TSV_COLUMNS = ["sample_id", "population", "pgs_id", "sum"]
PANEL = "reference_panel"
NA = "NA"
NOT_REQUESTED = "not_requested"
# pgs.reference without a reference panel; pgs.reference_panel (prs/reference_scores.py) takes precedence.
REFERENCE_OPTIONS = ("batch",)
HEADER_KEYS = ("pgs_id", "pgs_name", "trait_reported", "trait_mapped", "trait_efo", "weight_type", "citation",
               "genome_build", "HmPOS_build", "format_version")  # fmt: skip
POSITION_COLUMNS = {"harmonised": "hm_chr/hm_pos", "author": "chr_name/chr_position"}


def _num(value, digits=8):
    return NA if value is None or not np.isfinite(value) else f"{value:.{digits}g}"


def imputation_label(impute):
    return "mean_2xAF" if impute else "none"


def _comparison_fields(compared):
    """The last four scores.tsv fields from one compare_with_reference row (None: ranked within the batch)."""
    if compared is None:
        return [NA, NA, NA, "ok"]
    return [compared["reference_population"], _num(compared["z_norm1"], 6), _num(compared["z_norm2"], 6),
            compared["comparison"]]  # fmt: skip


def score_rows(cohort, reference="batch", all_samples=None, panel=None):
    """Text rows (lists of fields) of scores.tsv: per score, the samples of `all_samples` (VCF order; None: the
    cohort's), a sample the cohort left out (no consent) as a not_requested row of NA.

    panel: None (percentile and z within the batch), or (ReferencePanel, ancestry table, min_samples): percentile and
    z within the sample's reference population, Z_norm1/Z_norm2 on the whole reference (prs/reference_scores.py)."""
    rows = []
    for result in cohort.results:
        match = result.match
        counts = [str(match.counts[k]) for k in ("matched", "ambiguous", "multiallelic", "unmatched")]
        tail = [imputation_label(cohort.impute), result.refused or "ok"]
        scored = {}
        for sample in cohort.samples:
            scored[sample] = [sample, match.pgs_id, NA, NA, NA, *counts, NA, NA, reference, *_comparison_fields(None),
                              *tail]  # fmt: skip
        if not result.refused:
            if panel is None:
                compared = [None] * len(cohort.samples)
                percentile = percentile_rank(result.total, result.total)
                z = z_scores(result.total, result.total)
            else:
                ref_panel, ancestry, min_samples = panel
                compared = compare_with_reference(result.total, cohort.samples, ancestry, ref_panel,
                                                  result.reference_total, min_samples)  # fmt: skip
                percentile = [np.nan if c["percentile"] is None else c["percentile"] for c in compared]
                z = [np.nan if c["z"] is None else c["z"] for c in compared]
            avg = result.avg
            for i, sample in enumerate(cohort.samples):
                scored[sample] = [
                    sample, match.pgs_id, _num(result.total[i]), str(int(result.denom[i])), _num(avg[i]), *counts,
                    _num(percentile[i], 6), _num(z[i], 6), reference, *_comparison_fields(compared[i]), *tail,
                ]  # fmt: skip
        for sample in all_samples if all_samples is not None else cohort.samples:
            rows.append(scored.get(sample) or [sample, match.pgs_id, *[NA] * 9, reference, NA, NA, NA, NOT_REQUESTED,
                                               NA, NOT_REQUESTED])  # fmt: skip
    return rows


def reference_rows(cohort, panel):
    """Text rows of reference_scores.tsv: each scored score's SUM of every reference sample (none without a panel)."""
    if panel is None:
        return []
    rows = []
    for result in cohort.results:
        if result.refused:
            continue
        for sample, population, value in zip(panel.samples, panel.populations, result.reference_total, strict=True):
            rows.append([sample, population, result.match.pgs_id, _num(value)])
    return rows


def rules_applied(result, cohort, settings):
    """Plain-language list of the rules used for one score."""
    scoring = result.scoring
    if result.file_refused:
        return ["the scoring file was refused before matching (see reason): no variant of it was matched or scored"]
    source = POSITION_COLUMNS[scoring.positions]
    build = settings["build"]
    n = len(cohort.samples)
    rules = [
        f"positions from {source} (the file's positions on {build}, the target build)",
        "matched on chromosome ('chr1' = '1', chrM = MT), position, effect and other allele; strand flips tried "
        "(pgsc_calc priority refalt > altref > refalt_flip > altref_flip, effect-allele-only rows likewise)",
        "strand-ambiguous SNPs (A/T, C/G) dropped" if settings["drop_ambiguous"] else "strand-ambiguous SNPs kept",
        "multi-allelic target sites dropped (several ALT alleles, or several records at one position)",
        "rows best-matching the same target variant dropped as duplicates",
        "autosomes 1-22 only (X, Y, MT rows are skipped)",
        f"score refused below min_overlap {settings['min_overlap']} of its variants matched",
        "dosage of the effect allele from GT hard calls",
    ]
    if cohort.impute:
        rules.append(
            f"missing genotypes mean-imputed with 2 x AF of the effect allele ({n} samples >= "
            f"{settings['impute_min_samples']}); denom = 2 x matched variants"
        )
    else:
        rules.append(
            f"missing genotypes not imputed ({n} samples < {settings['impute_min_samples']}); they add nothing "
            "and denom = 2 x the sample's called matched variants"
        )
    if settings["reference"] == PANEL:
        rules.append(
            "scored with the variants matched in both the batch and the reference panel (the batch's other matched "
            "variants are counted as not_in_reference); percentile and z (SD with ddof 0) against the reference "
            "samples of the sample's ancestry (ancestry step), not comparable below min_reference_samples or when the "
            f"ancestry is unknown; Z_norm1 and Z_norm2 on PC1-PC{N_PCS} fitted on the whole reference panel"
        )
    else:
        rules.append(
            f"percentile and z against the {settings['reference']} ({n} samples' sums); z uses the SD with ddof 0"
        )
    return rules


def score_metadata(result, cohort, settings):
    """The scores.json entry of one score."""
    scoring, match = result.scoring, result.match
    entry = {key: scoring.header.get(key) for key in HEADER_KEYS}
    entry.update(
        pgs_id=match.pgs_id,
        scoring_file=scoring.name,
        positions_used=POSITION_COLUMNS.get(scoring.positions),
        target_build=settings["build"],
        n_variants=None if result.file_refused else match.n_variants,
        counts={key: match.counts[key] for key in (*COUNT_KEYS, "not_in_reference") if key in match.counts},
        match_fraction=None if result.file_refused else round(match.fraction, 6),
        match_types=match.match_types,
        status="refused" if result.refused else "scored",
        reason=result.refused or None,
        refused_file=result.file_refused,
        n_missing_genotypes=None if result.refused else result.n_missing,
        rules=rules_applied(result, cohort, settings),
    )
    return entry


def reference_metadata(cohort, settings, panel):
    """scores.json `reference`: the batch, or the reference panel (its files' names, samples per population)."""
    if panel is None:
        return {"name": settings["reference"], "n_samples": len(cohort.samples)}
    return {
        "name": PANEL,
        "vcf": Path(panel.vcf).name,
        "labels": panel.labels_name,
        "n_samples": len(panel.samples),
        "populations": population_sizes(panel),
        "left_out": panel.left_out,
        "imputation": imputation_label(cohort.reference_impute),
        "min_samples": settings["min_reference_samples"],
        "pcs": f"PC1-PC{N_PCS} of the ancestry panel's own samples (results/af/ancestry_panel.tsv)",
    }


def run_metadata(cohort, settings, panel=None):
    n = len(cohort.samples)
    return {
        "settings": settings,
        "target": {"build": settings["build"], "n_samples": n, "n_records": cohort.n_records},
        "imputation": {
            "method": imputation_label(cohort.impute),
            "why": f"{n} samples {'>=' if cohort.impute else '<'} impute_min_samples {settings['impute_min_samples']}",
        },
        "reference": reference_metadata(cohort, settings, panel),
        "scores": [score_metadata(r, cohort, settings) for r in cohort.results],
    }


def write_polygenic_scores(vcf_path, scoring_files, build, tsv_path, json_path, min_overlap=0.75, drop_ambiguous=True,
                           impute_min_samples=50, reference="batch", not_requested=(), reference_panel=None,
                           reference_tsv=None, min_reference_samples=50):  # fmt: skip
    """Score every scoring file against the cohort VCF or genotype store (a folder: the same bytes); write scores.tsv
    and scores.json (and reference_tsv, the reference panel's sums: header only without a panel). Returns the
    CohortScores.

    not_requested: sample IDs without consent to polygenic scores (never scored; rows say not_requested).
    reference_panel: None, or {"vcf", "labels", "panel_points", "ancestry"}: the labelled reference VCF and TSV, the
    ancestry panel's coordinates and the batch's ancestry (prs/reference_scores.py)."""
    log = get_logger()
    if reference not in REFERENCE_OPTIONS:
        raise InputError(f"pgs.reference {reference!r} is not implemented (choose from {', '.join(REFERENCE_OPTIONS)})")
    settings = {
        "build": build,
        "min_overlap": min_overlap,
        "drop_ambiguous": bool(drop_ambiguous),
        "impute_min_samples": impute_min_samples,
        "reference": PANEL if reference_panel else reference,
    }
    panel = ancestry = None
    if reference_panel:
        panel = load_reference(reference_panel["vcf"], reference_panel["labels"], reference_panel["panel_points"])
        ancestry = read_sample_ancestry(reference_panel["ancestry"])
        settings["min_reference_samples"] = min_reference_samples
        panel.labels_name = Path(reference_panel["labels"]).name
        log.info("reference panel %s: %d samples used %s", Path(panel.vcf).name, len(panel.samples), panel.left_out)
    all_samples = vcf_samples(vcf_path)
    refused = set(not_requested)
    excluded = [s for s in all_samples if s in refused]
    if excluded:
        log.info("%d sample(s) without consent to polygenic scores: not scored", len(excluded))
    scored_panel = None if panel is None else (panel.vcf, panel.samples)
    cohort = score_cohort(vcf_path, list(scoring_files), build, min_overlap, drop_ambiguous, impute_min_samples,
                          exclude=excluded, reference=scored_panel)  # fmt: skip
    compare = None if panel is None else (panel, ancestry, min_reference_samples)
    with atomic_path(tsv_path) as tmp, open(tmp, "w") as out:
        out.write("\t".join(TSV_COLUMNS) + "\n")
        for row in score_rows(cohort, settings["reference"], all_samples, compare):
            out.write("\t".join(row) + "\n")
    with atomic_path(json_path) as tmp, open(tmp, "w") as out:
        json.dump(run_metadata(cohort, settings, panel), out, indent=2, sort_keys=True)
        out.write("\n")
    if reference_tsv:
        with atomic_path(reference_tsv) as tmp, open(tmp, "w") as out:
            out.write("\t".join(REFERENCE_TSV_COLUMNS) + "\n")
            for row in reference_rows(cohort, panel):
                out.write("\t".join(row) + "\n")
    log.info("wrote %d score(s) for %d samples", len(cohort.results), len(cohort.samples))
    return cohort


def main(smk):
    setup_logging(smk.log[0])
    panel = None
    if smk.params.reference_panel:
        panel = {"vcf": smk.input.reference_vcf, "labels": smk.input.reference_labels,
                 "panel_points": smk.input.panel_points, "ancestry": smk.input.ancestry}  # fmt: skip
    write_polygenic_scores(
        smk.input.store,
        list(smk.input.scoring_files),
        smk.params.build,
        smk.output.tsv,
        smk.output.json,
        min_overlap=smk.params.min_overlap,
        drop_ambiguous=smk.params.drop_ambiguous,
        impute_min_samples=smk.params.impute_min_samples,
        reference=smk.params.reference,
        not_requested=list(smk.params.not_requested),
        reference_panel=panel,
        reference_tsv=smk.output.reference,
        min_reference_samples=smk.params.min_reference_samples,
    )


if __name__ == "__main__":
    main(snakemake)  # noqa: F821
