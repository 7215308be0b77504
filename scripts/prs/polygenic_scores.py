"""Rule polygenic_scores: PGS Catalog scores for every sample of the cohort VCF (matching and scoring: pgs_scoring).

scores.tsv: one row per (score, sample), scores in config order, samples in VCF order. Columns:
  sample_id pgs_id sum denom avg n_matched n_ambiguous n_multiallelic n_unmatched percentile z reference imputation
  status
  - sum = sum(effect-allele dosage x weight); denom and avg as pgsc_calc reports them (pgs_scoring's docstring).
  - percentile, z: the sample's sum against the reference distribution named in `reference` (`batch`: the sums of
    all samples of this VCF for this score; a panel VCF is the planned alternative, see REFERENCE_OPTIONS).
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
"""

import json

import numpy as np

from common.atomic import atomic_path
from common.input_error import InputError
from common.rule_logging import get_logger, setup_logging
from prs.pgs_matching import vcf_samples
from prs.pgs_scoring import COUNT_KEYS, percentile_rank, score_cohort, z_scores

TSV_COLUMNS = [
    "sample_id", "pgs_id", "sum", "denom", "avg", "n_matched", "n_ambiguous", "n_multiallelic", "n_unmatched",
    "percentile", "z", "reference", "imputation", "status",
]  # fmt: skip
NA = "NA"
NOT_REQUESTED = "not_requested"
# `batch` is implemented. Design for a panel (not implemented): `reference: {vcf: panel.vcf.gz, population_column:
# ...}` would score the panel with the variants matched in BOTH the panel and the cohort (the cohort is re-scored on
# that intersection so the two sums are comparable), then rank each sample against the panel's sums, optionally
# per population as pgsc_calc's ancestry step does.
REFERENCE_OPTIONS = ("batch",)
HEADER_KEYS = ("pgs_id", "pgs_name", "trait_reported", "trait_mapped", "trait_efo", "weight_type", "citation",
               "genome_build", "HmPOS_build", "format_version")  # fmt: skip
POSITION_COLUMNS = {"harmonised": "hm_chr/hm_pos", "author": "chr_name/chr_position"}


def _num(value, digits=8):
    return NA if value is None or not np.isfinite(value) else f"{value:.{digits}g}"


def imputation_label(impute):
    return "mean_2xAF" if impute else "none"


def score_rows(cohort, reference="batch", all_samples=None):
    """Text rows (lists of fields) of scores.tsv: per score, the samples of `all_samples` (VCF order; None: the
    cohort's), a sample the cohort left out (no consent) as a not_requested row of NA."""
    rows = []
    for result in cohort.results:
        match = result.match
        counts = [str(match.counts[k]) for k in ("matched", "ambiguous", "multiallelic", "unmatched")]
        tail = [reference, imputation_label(cohort.impute), result.refused or "ok"]
        scored = {}
        for sample in cohort.samples:
            scored[sample] = [sample, match.pgs_id, NA, NA, NA, *counts, NA, NA, *tail]
        if not result.refused:
            percentile = percentile_rank(result.total, result.total)
            z = z_scores(result.total, result.total)
            avg = result.avg
            for i, sample in enumerate(cohort.samples):
                scored[sample] = [
                    sample, match.pgs_id, _num(result.total[i]), str(int(result.denom[i])), _num(avg[i]), *counts,
                    _num(percentile[i], 6), _num(z[i], 6), *tail,
                ]  # fmt: skip
        for sample in all_samples if all_samples is not None else cohort.samples:
            rows.append(scored.get(sample) or [sample, match.pgs_id, *[NA] * 9, reference, NA, NOT_REQUESTED])
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
        "matched on chromosome (chr prefix ignored), position, effect and other allele; strand flips tried "
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
    rules.append(f"percentile and z against the {settings['reference']} ({n} samples' sums); z uses the SD with ddof 0")
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
        counts={key: match.counts[key] for key in COUNT_KEYS},
        match_fraction=None if result.file_refused else round(match.fraction, 6),
        match_types=match.match_types,
        status="refused" if result.refused else "scored",
        reason=result.refused or None,
        refused_file=result.file_refused,
        n_missing_genotypes=None if result.refused else result.n_missing,
        rules=rules_applied(result, cohort, settings),
    )
    return entry


def run_metadata(cohort, settings):
    n = len(cohort.samples)
    return {
        "settings": settings,
        "target": {"build": settings["build"], "n_samples": n, "n_records": cohort.n_records},
        "imputation": {
            "method": imputation_label(cohort.impute),
            "why": f"{n} samples {'>=' if cohort.impute else '<'} impute_min_samples {settings['impute_min_samples']}",
        },
        "reference": {"name": settings["reference"], "n_samples": n},
        "scores": [score_metadata(r, cohort, settings) for r in cohort.results],
    }


def write_polygenic_scores(vcf_path, scoring_files, build, tsv_path, json_path, min_overlap=0.75, drop_ambiguous=True,
                           impute_min_samples=50, reference="batch", not_requested=()):  # fmt: skip
    """Score every scoring file against the cohort VCF; write scores.tsv and scores.json. Returns the CohortScores.

    not_requested: sample IDs without consent to polygenic scores (never scored; rows say not_requested)."""
    log = get_logger()
    if reference not in REFERENCE_OPTIONS:
        raise InputError(f"pgs.reference {reference!r} is not implemented (choose from {', '.join(REFERENCE_OPTIONS)})")
    settings = {
        "build": build,
        "min_overlap": min_overlap,
        "drop_ambiguous": bool(drop_ambiguous),
        "impute_min_samples": impute_min_samples,
        "reference": reference,
    }
    all_samples = vcf_samples(vcf_path)
    excluded = [s for s in all_samples if s in set(not_requested)]
    if excluded:
        log.info("%d sample(s) without consent to polygenic scores: not scored", len(excluded))
    cohort = score_cohort(vcf_path, list(scoring_files), build, min_overlap, drop_ambiguous, impute_min_samples,
                          exclude=excluded)  # fmt: skip
    with atomic_path(tsv_path) as tmp, open(tmp, "w") as out:
        out.write("\t".join(TSV_COLUMNS) + "\n")
        for row in score_rows(cohort, reference, all_samples):
            out.write("\t".join(row) + "\n")
    with atomic_path(json_path) as tmp, open(tmp, "w") as out:
        json.dump(run_metadata(cohort, settings), out, indent=2, sort_keys=True)
        out.write("\n")
    log.info("wrote %d score(s) for %d samples", len(cohort.results), len(cohort.samples))
    return cohort


def main(smk):
    setup_logging(smk.log[0])
    write_polygenic_scores(
        smk.input.vcf,
        list(smk.input.scoring_files),
        smk.params.build,
        smk.output.tsv,
        smk.output.json,
        min_overlap=smk.params.min_overlap,
        drop_ambiguous=smk.params.drop_ambiguous,
        impute_min_samples=smk.params.impute_min_samples,
        reference=smk.params.reference,
        not_requested=list(smk.params.not_requested),
    )


if __name__ == "__main__":
    main(snakemake)  # noqa: F821
