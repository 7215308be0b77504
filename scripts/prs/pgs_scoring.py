"""Polygenic scores: PGS Catalog scoring files matched to a cohort VCF (or its genotype store, a folder: rule
polygenic_scores reads results/af/cohort.zarr) and scored with pgsc_calc's conventions, in three modules:
prs/scoring_file.py reads the files, prs/pgs_matching.py matches their rows to the target's records, and this
module scores the matched variants and ranks the sums. The conventions restate what pgsc_calc 2.x
(pgscatalog-match, plink2 --score) does by default; nothing is copied from it. Functions take paths and values; the
rule script `polygenic_scores.py` writes the outputs.

Scoring (`score_genotypes`)
- Dosage of the effect allele from the GT hard calls (0, 1, 2); a genotype with any missing allele is missing; a
  haploid call counts as missing (autosomes only). SUM = sum over matched variants of dosage x weight.
- When the cohort has >= impute_min_samples samples (pgsc_calc: 50), a missing dosage is 2 x AF, the effect allele's
  frequency among the samples called at that variant (plink2's default mean imputation), and DENOM = 2 x n_matched.
  Below that nothing is imputed: a missing genotype adds nothing and DENOM = 2 x the sample's called matched
  variants (plink2 `no-mean-imputation`, where DENOM equals ALLELE_CT). pgsc_calc reports plink2's DENOM.
  AVG = SUM / DENOM.

Reference distribution (`percentile_rank`, `z_scores`)
- Each sample's SUM against a reference set of SUMs (today the batch itself): percentile as scipy's
  percentileofscore(kind="rank") and Z = (SUM - mean) / SD with ddof=0, both as pgsc_calc computes them.
"""

from dataclasses import dataclass
from pathlib import Path

import allel
import numpy as np

from af.store_chunks import store_blocks
from common.input_error import InputError
from common.rule_logging import get_logger
from common.vcf_blocks import block_length
from prs.pgs_matching import (
    COUNT_KEYS,
    MatchResult,
    is_store,
    match_score,
    open_target_store,
    read_target_sites,
    refusal,
    restrict_to_rows,
    vcf_samples,
    wanted_positions,
)
from prs.scoring_file import (
    UNREADABLE,
    ScoringFile,
    _open_text,
    _read_header_and_columns,
    check_target_build,
    read_scoring_file,
)

GT_FIELDS = ["variants/CHROM", "variants/POS", "calldata/GT"]
DEFAULT_IMPUTE_MIN_SAMPLES = 50


@dataclass
class ScoreSums:
    """Per-sample accumulators of one score; arrays have shape (n_samples,)."""

    total: np.ndarray  # SUM
    n_called: np.ndarray  # matched variants with a called genotype
    n_missing: int = 0  # missing genotypes over all samples and matched variants
    n_no_call_variants: int = 0  # matched variants with no called genotype at all (imputed as 0)


@dataclass
class ScoreResult:
    """One score over the cohort: its match, and per-sample SUM/DENOM/AVG unless refused."""

    scoring: ScoringFile
    match: MatchResult
    refused: str = ""  # the reason, empty when scored
    file_refused: bool = False  # refused for the scoring file itself (header, format, pgs_id): nothing was matched
    total: np.ndarray | None = None  # SUM, (n_samples,) float64
    denom: np.ndarray | None = None  # DENOM, (n_samples,) int64
    n_missing: int = 0
    reference_total: np.ndarray | None = None  # SUM of each reference-panel sample (CohortScores.reference_samples)

    @property
    def avg(self):
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(self.denom > 0, self.total / np.maximum(self.denom, 1), np.nan)


@dataclass
class CohortScores:
    """Every score of one run: the VCF's samples (VCF order), whether missing genotypes were imputed, results."""

    samples: list
    impute: bool
    n_records: int
    results: list
    reference_samples: list | None = None  # the reference panel's scored samples (its VCF order); None: no panel
    reference_impute: bool = False


# ---------------------------------------------------------------- scoring (pass 2 over the VCF or store)


def block_contribution(gt, allele, weight, impute):
    """Per-sample SUM and called counts of some matched variants of one block.

    gt: int array (n_variants, n_samples, ploidy) of allele indices, -1 = missing; allele: (n_variants,) index of
    the effect allele; weight: (n_variants,). Returns (sum (n_samples,), n_called (n_samples,), n_missing,
    n_no_call_variants).
    """
    missing = (gt < 0).any(axis=2)
    dosage = (gt == allele[:, None, None]).sum(axis=2).astype(np.float64)
    dosage[missing] = 0.0
    n_no_call = 0
    if impute and missing.any():
        called = (~missing).sum(axis=1)
        n_no_call = int((called == 0).sum())
        # 2 x AF of the effect allele among called samples; a variant nobody was called at adds 0
        mean_dosage = np.divide(dosage.sum(axis=1), called, out=np.zeros(len(called)), where=called > 0)
        dosage = np.where(missing, mean_dosage[:, None], dosage)
    return weight @ dosage, (~missing).sum(axis=0), int(missing.sum()), n_no_call


def score_genotypes(vcf_path, matches, samples, impute, expected_sites=None, chunk_length=None):
    """Pass 2: per-sample sums for each match in `matches` (list of MatchResult), reading GT block by block, of
    `samples` only (VCF order: pass 1's TargetSites.samples); from a genotype store (a folder), only its chunks that
    hold matched records.

    expected_sites: optional {record index: (CHROM, POS)} from pass 1, checked so a file changed between the
    passes is noticed. Returns one ScoreSums per match.
    """
    log = get_logger()
    n_samples = len(samples)
    sums = [ScoreSums(np.zeros(n_samples), np.zeros(n_samples, dtype=np.int64)) for _ in matches]
    if not matches or not n_samples:
        return sums
    records = np.concatenate([match.record for match in matches])
    for offset, block in genotype_blocks(vcf_path, samples, records, chunk_length or block_length(n_samples)):
        n = len(block["variants/POS"])
        for match, acc in zip(matches, sums):
            lo, hi = np.searchsorted(match.record, [offset, offset + n])
            if lo == hi:
                continue
            rows = match.record[lo:hi] - offset
            _check_sites(block, rows, offset, expected_sites, vcf_path)
            total, called, n_missing, n_no_call = block_contribution(
                block["calldata/GT"][rows], match.allele[lo:hi], match.weight[lo:hi], impute
            )
            acc.total += total
            acc.n_called += called
            acc.n_missing += n_missing
            acc.n_no_call_variants += n_no_call
        log.info("genotype pass (%s): records up to %d read", Path(vcf_path).name, offset + n)
    return sums


def genotype_blocks(path, samples, records, chunk_length):
    """(index of its first record, block {GT_FIELDS: array}) with the GT of `samples` only: every block of a VCF, or
    the chunks of a genotype store that hold some of `records` (record indices)."""
    if is_store(path):
        root, store_samples = open_target_store(path)
        column = {sample: i for i, sample in enumerate(store_samples)}
        yield from store_blocks(root, GT_FIELDS, records, np.array([column[s] for s in samples], dtype=np.int64))
        return
    _, _, _, chunks = allel.iter_vcf_chunks(str(path), fields=GT_FIELDS, chunk_length=chunk_length,
                                            samples=list(samples))  # fmt: skip
    offset = 0
    for block, *_ in chunks:
        yield offset, block
        offset += len(block["variants/POS"])


def _check_sites(block, rows, offset, expected_sites, vcf_path):
    if not expected_sites:
        return
    for i in rows.tolist():
        seen = (str(block["variants/CHROM"][i]), int(block["variants/POS"][i]))
        if expected_sites.get(offset + i, seen) != seen:
            raise InputError(f"{vcf_path}: record {offset + i + 1} changed between the two reads of the file")


# ---------------------------------------------------------------- the whole cohort


def file_refusal(path, problem):
    """`refused: <file name>: <problem>` from an error about `path`, with the path (any folder) cut to the name."""
    name = Path(path).name
    text = " ".join(str(problem).replace(str(path), name).split())  # one line: it goes into a TSV field
    return f"refused: {text}" if text.startswith(f"{name}:") else f"refused: {name}: {text}"


def _readable_header(path):
    """The #key=value header of a refused file as far as it can be read ({} when it cannot)."""
    try:
        with _open_text(path) as fh:
            return _read_header_and_columns(fh, path)[0]
    except (InputError, *UNREADABLE):
        return {}


def refused_file(path, reason):
    """The ScoreResult of a scoring file refused before matching: no rows, zero counts, `reason` as its status."""
    scoring = ScoringFile(
        path=str(path), header=_readable_header(path), positions=None, chrom=[], pos=np.zeros(0, dtype=np.int64),
        effect=[], other=[], weight=np.zeros(0), line=np.zeros(0, dtype=np.int64),
    )  # fmt: skip
    empty = np.zeros(0, dtype=np.int64)
    match = MatchResult(scoring.pgs_id, 0, {key: 0 for key in COUNT_KEYS}, {}, empty, empty, np.zeros(0), [], [])
    return ScoreResult(scoring, match, refused=reason, file_refused=True)


def _free_key(result, taken):
    """An output key for a refused file: its pgs_id unless a scored file has it, else its file name (numbered)."""
    key, name, n = result.match.pgs_id, result.scoring.name, 1
    if key not in taken:
        return key
    key = name
    while key in taken:
        n += 1
        key = f"{name}#{n}"
    return key


def read_scoring_files(paths, target_build):
    """[ScoringFile or ScoreResult of a refused file] in the order of `paths`; each refusal concerns its file only.

    A file that cannot be read (wrong build, bad format, non-additive rows, not text) or repeats an earlier readable
    file's pgs_id is refused with the reason. Readable files claim their pgs_id first; a refused file whose pgs_id is
    taken is keyed by its file name, so every result keeps a distinct key (the outputs are keyed by pgs_id).
    """
    log = get_logger()
    items, owner = [], {}
    for path in paths:
        try:
            scoring = read_scoring_file(path, target_build)
            if scoring.pgs_id in owner:
                raise InputError(
                    f"{path}: pgs_id {scoring.pgs_id} is also the pgs_id of {Path(owner[scoring.pgs_id]).name}; "
                    "each scoring file must have its own"
                )
            owner[scoring.pgs_id] = str(path)
            log.info("%s: %d variants, %s positions", scoring.pgs_id, scoring.n_variants, scoring.positions)
            items.append(scoring)
        except InputError as error:
            items.append(refused_file(path, file_refusal(path, error)))
        except UNREADABLE as error:
            problem = f"cannot be read as a plain or gzipped text table ({type(error).__name__}: {error})"
            items.append(refused_file(path, file_refusal(path, problem)))
    taken = set(owner)
    for item in items:
        if isinstance(item, ScoreResult):
            item.match.pgs_id = _free_key(item, taken)
            taken.add(item.match.pgs_id)
            log.warning("%s: %s", item.match.pgs_id, item.refused)
    return items


def score_cohort(vcf_path, scoring_paths, target_build, min_overlap=0.75, drop_ambiguous=True,
                 impute_min_samples=DEFAULT_IMPUTE_MIN_SAMPLES, chunk_length=None, exclude=(),
                 reference=None):  # fmt: skip
    """Read, match and score every scoring file against the cohort VCF or genotype store (a folder, same results;
    its samples but `exclude`: their genotypes are never read).

    Returns a CohortScores whose results follow the order of scoring_paths. A refused score (its file refused by
    read_scoring_files, or below min_overlap) has `refused` set and no sums; the others are scored all the same.

    reference: None, or (reference VCF path, the sample IDs of it to score): a labelled reference panel scored with
    the same variants as the cohort. Each score is matched against both VCFs and only the scoring-file rows matched
    in both are scored, in both (pgsc_calc likewise keeps the variants the reference shares); the cohort's rows the
    reference lacks are counted as `not_in_reference`. The panel's missing genotypes are imputed by the same rule,
    from the panel's own frequencies.
    """
    log = get_logger()
    check_target_build(target_build, "config")
    items = read_scoring_files(scoring_paths, target_build)
    scorings = [item for item in items if isinstance(item, ScoringFile)]
    wanted = wanted_positions(scorings)
    sites = read_target_sites(vcf_path, wanted, chunk_length, exclude)
    impute = len(sites.samples) >= impute_min_samples
    ref_sites = None
    if reference is not None:
        ref_vcf, ref_keep = reference
        keep = set(ref_keep)
        ref_sites = read_target_sites(ref_vcf, wanted, chunk_length, [s for s in vcf_samples(ref_vcf) if s not in keep])
    results, ref_matches = [], {}
    for item in items:
        if not isinstance(item, ScoringFile):
            results.append(item)
            continue
        match = match_score(item, sites, drop_ambiguous)
        if ref_sites is not None:
            ref_match = match_score(item, ref_sites, drop_ambiguous)
            shared = set(match.row.tolist()) & set(ref_match.row.tolist())
            match = restrict_to_rows(match, shared, "not_in_reference")
            ref_matches[item.pgs_id] = restrict_to_rows(ref_match, shared, "not_in_reference")
        results.append(ScoreResult(item, match, refused=refusal(match, min_overlap)))
        log.info("%s: %s; %s", item.pgs_id, match.counts, results[-1].refused or "scored")
    scored = [r for r in results if not r.refused]
    expected = {s.index: (s.chrom, s.pos) for group in sites.records.values() for s in group}
    sums = score_genotypes(vcf_path, [r.match for r in scored], sites.samples, impute, expected, chunk_length)
    for result, acc in zip(scored, sums):
        result.total = acc.total
        result.denom = np.full(len(acc.total), 2 * result.match.n_matched) if impute else 2 * acc.n_called
        result.n_missing = acc.n_missing
        if acc.n_no_call_variants:
            log.info("%s: %d matched variant(s) have no called genotype", result.match.pgs_id, acc.n_no_call_variants)
    cohort = CohortScores(sites.samples, impute, sites.n_records, results)
    if ref_sites is not None:
        cohort.reference_samples = ref_sites.samples
        cohort.reference_impute = len(ref_sites.samples) >= impute_min_samples
        ref_expected = {s.index: (s.chrom, s.pos) for group in ref_sites.records.values() for s in group}
        ref_sums = score_genotypes(reference[0], [ref_matches[r.match.pgs_id] for r in scored], ref_sites.samples,
                                   cohort.reference_impute, ref_expected, chunk_length)  # fmt: skip
        for result, acc in zip(scored, ref_sums):
            result.reference_total = acc.total
        log.info("reference panel: %d samples scored", len(ref_sites.samples))
    return cohort


# ---------------------------------------------------------------- reference distribution


def percentile_rank(values, reference):
    """Percentile (0-100] of each value within `reference`, scipy percentileofscore(kind="rank") semantics.

    values: (n,), reference: (m,) float arrays. Written by hand: scipy is not a dependency of the workflow.
    """
    ref = np.sort(np.asarray(reference, dtype=np.float64))
    left = np.searchsorted(ref, values, side="left")
    right = np.searchsorted(ref, values, side="right")
    return (left + right + (right > left)) * 50.0 / len(ref)


def z_scores(values, reference):
    """(value - mean) / SD (ddof=0) of the reference; NaN when the SD is 0 (e.g. a single sample)."""
    ref = np.asarray(reference, dtype=np.float64)
    sd = ref.std(ddof=0)
    if not sd > 0:
        return np.full(len(values), np.nan)
    return (np.asarray(values, dtype=np.float64) - ref.mean()) / sd
