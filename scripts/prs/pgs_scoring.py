"""Polygenic scores from PGS Catalog scoring files, matched to a cohort VCF with pgsc_calc's conventions.

The conventions below restate what pgsc_calc 2.x (pgscatalog-match, plink2 --score) does by default; nothing is
copied from it. Functions take paths and values; the rule script `polygenic_scores.py` writes the outputs.

Scoring files (`read_scoring_file`)
- PGS Catalog format: `#key=value` header lines (pgs_id, pgs_name, trait_reported, trait_mapped, genome_build,
  HmPOS_build, citation, ...; lines starting `##` are section titles), then one tab-separated table with a header
  row. Plain text or gzip (told apart by the first bytes, not the name).
- Columns used: effect_allele, effect_weight, a position, and other_allele when present. Positions come from
  hm_chr/hm_pos when the file is harmonised to the target build (`#HmPOS_build=` equals config `build`), where a
  missing other_allele is taken from hm_inferOtherAllele if that names one allele (several, "A/C", leave it
  missing); otherwise from chr_name/chr_position when `#genome_build=` equals the target build. Any other
  combination is refused, naming the file and both builds: positions on another build match the wrong variants.
- Refused, naming the file (and the line for a row): a missing column, an empty effect allele, a weight that is not
  a finite number, a non-integer position, and TRUE in is_dominant / is_recessive / is_haplotype / is_diplotype /
  is_interaction (non-additive or complex effects are not implemented). A row with an empty position (failed
  harmonisation) is kept and counts unmatched. Of two files with the same pgs_id in one run the later is refused.
- A refused file is refused alone (`score_cohort`): the other files are still matched and scored, and the refused
  one's result carries `refused: <file name>: <problem>` (no folder: result files hold no paths) and no variants.
- Target: the VCF needs sample columns and FORMAT/GT; the config `build` must be GRCh37 or GRCh38.

Matching (`match_score`), one scoring-file row at a time
- Chromosome names compare without a `chr` prefix (`M` = `MT`, `23` = `X`, `24` = `Y`). Only autosomes 1-22 are
  scored: rows elsewhere count as `non_autosomal` (male chrX calls are haploid; ploidy is not modelled).
- Candidates are the target records at the row's chromosome and position. Match types in pgsc_calc's priority
  order: refalt, altref, refalt_flip, altref_flip for rows with an other allele; no_oa_ref, no_oa_alt,
  no_oa_ref_flip, no_oa_alt_flip for rows with only an effect allele. `_flip` complements both score alleles base
  by base (A<->T, C<->G), as pgsc_calc does (for any ACGT allele, indels included). The first candidate record
  (file order) of the best type wins.
- A best match is then dropped, first reason wins: `multiallelic` (the target site has several ALT alleles, or
  several records share the position, the shape `bcftools norm -m -any` gives a multi-allelic site); `ambiguous`
  (drop_ambiguous and the target REF complemented equals ALT: A/T or C/G SNPs, whose strand cannot be told);
  `duplicate` (several rows best-match the same target record: all of them are dropped, pgsc_calc's default).
- `unmatched`: no position, no candidate record, or no candidate whose alleles fit.
- n_variants = matched + ambiguous + multiallelic + duplicate + non_autosomal + unmatched; the match fraction is
  n_matched / n_variants and a score below min_overlap is refused (no numbers are computed for it).

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

import gzip
import zlib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import allel
import numpy as np

from common.input_error import InputError
from common.rule_logging import get_logger
from common.vcf_blocks import block_length

TARGET_BUILDS = ("GRCh37", "GRCh38")
BUILD_NAMES = {"grch37": "GRCh37", "hg19": "GRCh37", "grch38": "GRCh38", "hg38": "GRCh38", "ncbi36": "NCBI36",
               "hg18": "NCBI36", "ncbi35": "NCBI35", "hg17": "NCBI35"}  # fmt: skip
NOT_REPORTED = {"", "nr", "na", "none"}
AUTOSOMES = frozenset(str(i) for i in range(1, 23))
CHROM_ALIASES = {"M": "MT", "23": "X", "24": "Y"}
COMPLEMENT = str.maketrans("ACGT", "TGCA")
DNA = frozenset("ACGT")
# Row flags for effects this module does not compute (non-additive or complex alleles).
REFUSED_FLAGS = ("is_dominant", "is_recessive", "is_haplotype", "is_diplotype", "is_interaction")
TRUE_WORDS = {"true", "t", "1", "yes"}
FALSE_WORDS = {"false", "f", "0", "no", "", "na", "nr"}
MATCH_TYPES_WITH_OTHER = ("refalt", "altref", "refalt_flip", "altref_flip")
MATCH_TYPES_EFFECT_ONLY = ("no_oa_ref", "no_oa_alt", "no_oa_ref_flip", "no_oa_alt_flip")
COUNT_KEYS = ("matched", "ambiguous", "multiallelic", "duplicate", "non_autosomal", "unmatched")
SITE_FIELDS = ["variants/CHROM", "variants/POS", "variants/REF", "variants/ALT", "variants/numalt"]
GT_FIELDS = ["variants/CHROM", "variants/POS", "calldata/GT"]
MAX_ALTS = 8  # ALT alleles compared per record; a site with more is multi-allelic (dropped) whatever they are
# scikit-allel allocates chunk_length x n_samples x 2 genotypes per block: 8 M genotypes are 16 MB of int8 GT.
DEFAULT_IMPUTE_MIN_SAMPLES = 50
# What reading a file that is not a scoring file (binary, broken gzip, unreadable) raises besides InputError.
UNREADABLE = (OSError, EOFError, UnicodeDecodeError, zlib.error)


@dataclass
class ScoringFile:
    """One scoring file, its rows as parallel columns in file order (n_variants,)."""

    path: str
    header: dict
    positions: str  # "harmonised" (hm_chr/hm_pos) or "author" (chr_name/chr_position)
    chrom: list  # normalised chromosome name, "" when the row has no position
    pos: np.ndarray  # int64, -1 when the row has no position
    effect: list  # upper-case effect allele
    other: list  # upper-case other allele or None
    weight: np.ndarray  # float64
    line: np.ndarray  # 1-based line number of each row in the file

    @property
    def name(self):
        return Path(self.path).name

    @property
    def pgs_id(self):
        return self.header.get("pgs_id") or _stem(self.name)

    @property
    def n_variants(self):
        return len(self.effect)


class Site(NamedTuple):
    """A target VCF record: `index` is its 0-based record number in the file."""

    index: int
    chrom: str  # as written in the VCF
    pos: int
    ref: str
    alts: tuple


@dataclass
class TargetSites:
    """The target VCF's records at the positions some scoring file asks for, keyed by (normalised chrom, pos)."""

    samples: list
    records: dict
    n_records: int


@dataclass
class MatchResult:
    """The matched variants of one scoring file, ordered by target record; arrays have shape (n_matched,)."""

    pgs_id: str
    n_variants: int
    counts: dict  # COUNT_KEYS -> int
    match_types: dict  # match type -> number of matched rows
    record: np.ndarray  # target record index (int64)
    allele: np.ndarray  # index of the effect allele in the record: 0 = REF, 1.. = ALT
    weight: np.ndarray  # float64
    variant_id: list  # CHROM:POS:REF:ALT, chrom without `chr` as plink2 --set-all-var-ids @:#:$r:$a writes it
    effect_allele: list  # the effect allele as the target writes it (after any strand flip)

    @property
    def n_matched(self):
        return self.counts["matched"]

    @property
    def fraction(self):
        return self.n_matched / self.n_variants if self.n_variants else 0.0


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


# ---------------------------------------------------------------- scoring files


def _stem(name):
    for suffix in (".gz", ".txt", ".tsv"):
        name = name.removesuffix(suffix)
    return name


def normalise_chrom(name):
    """Chromosome name without `chr` prefix, upper case, with M/23/24 spelled MT/X/Y; "" stays ""."""
    text = str(name).strip()
    if text.lower().startswith("chr"):
        text = text[3:]
    text = text.upper()
    return CHROM_ALIASES.get(text, text)


def complement(allele):
    """Base-by-base complement (no reversal, as pgsc_calc); alleles with other letters are returned unchanged."""
    return allele.translate(COMPLEMENT) if allele and set(allele) <= DNA else allele


def normalise_build(value):
    """'GRCh37', 'GRCh38', 'NCBI36', ... or None when not reported; unknown names are returned as written."""
    text = (value or "").strip()
    if text.lower() in NOT_REPORTED:
        return None
    return BUILD_NAMES.get(text.lower(), text)


def _open_text(path):
    with open(path, "rb") as fh:
        gzipped = fh.read(2) == b"\x1f\x8b"
    return gzip.open(path, "rt") if gzipped else open(path)


def _read_header_and_columns(fh, path):
    """(header dict, column names, line number of the column row); leaves fh at the first data row."""
    header = {}
    for number, raw in enumerate(fh, start=1):
        line = raw.rstrip("\r\n")
        if not line.strip():
            continue
        if line.startswith("#"):
            if not line.startswith("##") and "=" in line:
                key, value = line[1:].split("=", 1)
                header[key.strip()] = value.strip()
            continue
        return header, [c.strip() for c in line.split("\t")], number
    raise InputError(f"{path}: no column header row (a tab-separated line after the #key=value header lines)")


def check_target_build(target_build, path):
    """InputError naming `path` unless the target build is one scoring-file positions can be on."""
    if target_build not in TARGET_BUILDS:
        raise InputError(
            f"{path}: polygenic scores need the config key `build` to be GRCh37 or GRCh38 (it is {target_build!r}); "
            "scoring-file positions are on one of these builds"
        )


def positions_source(header, columns, target_build, path):
    """'harmonised' or 'author': which position columns match `target_build`. Raise InputError otherwise."""
    check_target_build(target_build, path)
    hm_build = normalise_build(header.get("HmPOS_build"))
    author_build = normalise_build(header.get("genome_build"))
    if hm_build == target_build:
        needed = ("hm_chr", "hm_pos")
        source = "harmonised"
    elif author_build == target_build:
        needed = ("chr_name", "chr_position")
        source = "author"
    else:
        stated = f"genome_build={header.get('genome_build') or 'absent'}"
        if "HmPOS_build" in header:
            stated += f", HmPOS_build={header['HmPOS_build']}"
        raise InputError(
            f"{path}: the scoring file's positions are not on the target build {target_build} ({stated}; the config "
            f"`build` is {target_build}). Positions on another build would match the wrong variants: use the PGS "
            f"Catalog file harmonised to {target_build} (..._hmPOS_{target_build}.txt.gz), or state "
            f"`#genome_build={target_build}` in a custom file whose positions are on {target_build}"
        )
    missing = [c for c in needed if c not in columns]
    if missing:
        raise InputError(
            f"{path}: positions are read from {'/'.join(needed)} ({source} positions for {target_build}) but the "
            f"column(s) {', '.join(missing)} are missing"
        )
    return source


def _flag(value, column, path, number):
    text = value.strip().lower()
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    raise InputError(f"{path}: line {number}: column {column} is {value!r}, expected TRUE or FALSE")


def _weight(value, path, number):
    try:
        weight = float(value)
    except ValueError:
        weight = float("nan")
    if not np.isfinite(weight):
        raise InputError(f"{path}: line {number}: effect_weight {value!r} is not a finite number")
    return weight


def _position(chrom_text, pos_text, path, number, column):
    """(normalised chrom, pos) of a row, ("", -1) when either is empty."""
    chrom, pos_text = chrom_text.strip(), pos_text.strip()
    if not chrom or not pos_text:
        return "", -1
    try:
        pos = int(pos_text)
    except ValueError:
        raise InputError(f"{path}: line {number}: {column} {pos_text!r} is not a whole number") from None
    return normalise_chrom(chrom), pos


def _single_allele(text):
    """Upper-case allele, or None when empty or listing several alleles ("A/C")."""
    text = text.strip().upper()
    return text if text and "/" not in text else None


def read_scoring_file(path, target_build):
    """Read a PGS Catalog scoring file for a target on `target_build` (rules in the module docstring)."""
    path = str(path)
    with _open_text(path) as fh:
        header, columns, header_line = _read_header_and_columns(fh, path)
        source = positions_source(header, columns, target_build, path)
        for needed in ("effect_allele", "effect_weight"):
            if needed not in columns:
                raise InputError(f"{path}: column {needed} is missing (columns: {', '.join(columns)})")
        col = {name: i for i, name in enumerate(columns)}
        chrom_col, pos_col = ("hm_chr", "hm_pos") if source == "harmonised" else ("chr_name", "chr_position")
        infer_col = col.get("hm_inferOtherAllele") if source == "harmonised" else None
        flag_cols = [(name, col[name]) for name in REFUSED_FLAGS if name in col]
        chroms, positions, effects, others, weights, lines = [], [], [], [], [], []
        for number, raw in enumerate(fh, start=header_line + 1):
            line = raw.rstrip("\r\n")
            if not line.strip() or line.startswith("#"):
                continue
            fields = line.split("\t")
            if len(fields) < len(columns):
                fields += [""] * (len(columns) - len(fields))
            for name, i in flag_cols:
                if _flag(fields[i], name, path, number):
                    raise InputError(
                        f"{path}: line {number}: {name} is TRUE; only additive weights are implemented "
                        f"(dominant, recessive, haplotype and interaction effects are not), so this file is refused"
                    )
            effect = fields[col["effect_allele"]].strip().upper()
            if not effect:
                raise InputError(f"{path}: line {number}: effect_allele is empty")
            other = _single_allele(fields[col["other_allele"]]) if "other_allele" in col else None
            if other is None and infer_col is not None:
                other = _single_allele(fields[infer_col])
            chrom, pos = _position(fields[col[chrom_col]], fields[col[pos_col]], path, number, pos_col)
            weights.append(_weight(fields[col["effect_weight"]], path, number))
            chroms.append(chrom)
            positions.append(pos)
            effects.append(effect)
            others.append(other)
            lines.append(number)
    if not effects:
        raise InputError(f"{path}: the scoring file has no variant rows")
    return ScoringFile(
        path=path,
        header=header,
        positions=source,
        chrom=chroms,
        pos=np.asarray(positions, dtype=np.int64),
        effect=effects,
        other=others,
        weight=np.asarray(weights, dtype=np.float64),
        line=np.asarray(lines, dtype=np.int64),
    )


# ---------------------------------------------------------------- target sites (pass 1 over the VCF)


def wanted_positions(scoring_files):
    """{normalised chrom: sorted unique int64 positions} over the autosomal rows of all scoring files."""
    by_chrom = {}
    for scoring in scoring_files:
        for chrom, pos in zip(scoring.chrom, scoring.pos.tolist()):
            if chrom in AUTOSOMES and pos >= 0:
                by_chrom.setdefault(chrom, set()).add(pos)
    return {chrom: np.array(sorted(ps), dtype=np.int64) for chrom, ps in by_chrom.items()}


def vcf_samples(vcf_path):
    """The VCF's sample IDs; InputError when it has no samples or declares no FORMAT/GT."""
    headers = allel.read_vcf_headers(str(vcf_path))
    samples = [str(s) for s in headers.samples]
    if not samples:
        raise InputError(f"{vcf_path}: the VCF has no sample columns; polygenic scores need genotypes")
    if "GT" not in headers.formats:
        raise InputError(f"{vcf_path}: no FORMAT/GT field in the header; polygenic scores need genotypes")
    return samples


def _sites_of_block(block, offset, wanted):
    """Site tuples of the block's records at wanted positions."""
    chrom, pos = block["variants/CHROM"], block["variants/POS"].astype(np.int64)
    ref, alt, numalt = block["variants/REF"], block["variants/ALT"], block["variants/numalt"]
    sites = []
    for name in np.unique(chrom):
        positions = wanted.get(normalise_chrom(name))
        if positions is None:
            continue
        rows = np.flatnonzero(chrom == name)
        for i in rows[np.isin(pos[rows], positions)]:
            n_alt = int(numalt[i])
            alts = tuple(str(a).upper() for a in alt[i][: min(n_alt, MAX_ALTS)])
            if n_alt > MAX_ALTS:
                alts += ("",) * (n_alt - MAX_ALTS)  # keeps the site multi-allelic; these alleles never match
            sites.append(Site(offset + int(i), str(name), int(pos[i]), str(ref[i]).upper(), alts))
    return sites


def read_target_sites(vcf_path, wanted, chunk_length=None):
    """Pass 1: the VCF's records at the wanted positions (no genotypes read). Memory grows with the scores only."""
    log = get_logger()
    samples = vcf_samples(vcf_path)
    chunk_length = chunk_length or block_length(len(samples))
    _, _, _, chunks = allel.iter_vcf_chunks(str(vcf_path), fields=SITE_FIELDS, alt_number=MAX_ALTS,
                                            chunk_length=chunk_length)  # fmt: skip
    records, offset = {}, 0
    for block, *_ in chunks:
        for site in _sites_of_block(block, offset, wanted):
            records.setdefault((normalise_chrom(site.chrom), site.pos), []).append(site)
        offset += len(block["variants/POS"])
        log.info("sites pass: %d records read, %d scored positions present", offset, len(records))
    return TargetSites(samples=samples, records=records, n_records=offset)


# ---------------------------------------------------------------- matching


def _allele_fit(match_type, effect, other, site):
    """Index of the effect allele in `site` (0 = REF) if the row's alleles fit this match type, else None."""
    if match_type.endswith("_flip"):
        effect, other = complement(effect), complement(other) if other else other
    kind = match_type.removesuffix("_flip")
    if kind in ("refalt", "no_oa_ref"):
        if effect == site.ref and (kind == "no_oa_ref" or other in site.alts):
            return 0
        return None
    for k, alt in enumerate(site.alts, start=1):
        if effect == alt and (kind == "no_oa_alt" or other == site.ref):
            return k
    return None


def best_match(effect, other, candidates):
    """(match type, site, effect allele index) of the best match among candidate sites, or None."""
    types = MATCH_TYPES_WITH_OTHER if other else MATCH_TYPES_EFFECT_ONLY
    for match_type in types:
        for site in candidates:
            index = _allele_fit(match_type, effect, other, site)
            if index is not None:
                return match_type, site, index
    return None


def is_ambiguous(site):
    """Strand-ambiguous target SNP: REF complemented equals the (single) ALT (A/T, C/G)."""
    return len(site.alts) == 1 and set(site.ref) <= DNA and complement(site.ref) == site.alts[0]


def match_score(scoring, sites, drop_ambiguous=True):
    """Match every row of `scoring` against the target sites; rules in the module docstring."""
    counts = Counter({key: 0 for key in COUNT_KEYS})
    hits = []  # (row, match type, site, allele index) of rows still in
    for row, (chrom, pos) in enumerate(zip(scoring.chrom, scoring.pos.tolist())):
        if chrom and chrom not in AUTOSOMES:
            counts["non_autosomal"] += 1
            continue
        candidates = sites.records.get((chrom, pos), []) if pos >= 0 else []
        found = best_match(scoring.effect[row], scoring.other[row], candidates)
        if found is None:
            counts["unmatched"] += 1
        elif len(candidates) > 1 or len(found[1].alts) > 1:
            counts["multiallelic"] += 1
        elif drop_ambiguous and is_ambiguous(found[1]):
            counts["ambiguous"] += 1
        else:
            hits.append((row, *found))
    per_record = Counter(site.index for _, _, site, _ in hits)
    kept = [hit for hit in hits if per_record[hit[2].index] == 1]
    counts["duplicate"] = len(hits) - len(kept)
    counts["matched"] = len(kept)
    kept.sort(key=lambda hit: hit[2].index)
    return MatchResult(
        pgs_id=scoring.pgs_id,
        n_variants=scoring.n_variants,
        counts=dict(counts),
        match_types=dict(sorted(Counter(t for _, t, _, _ in kept).items())),
        record=np.array([site.index for _, _, site, _ in kept], dtype=np.int64),
        allele=np.array([index for _, _, _, index in kept], dtype=np.int64),
        weight=np.array([scoring.weight[row] for row, _, _, _ in kept], dtype=np.float64),
        variant_id=[f"{normalise_chrom(site.chrom)}:{site.pos}:{site.ref}:{site.alts[0]}" for _, _, site, _ in kept],
        effect_allele=[(site.ref, *site.alts)[index] for _, _, site, index in kept],
    )


def refusal(match, min_overlap):
    """Why the score is refused ("" when it passes min_overlap)."""
    if match.n_matched == 0:
        return f"refused: none of its {match.n_variants} variants matched"
    if match.fraction >= min_overlap:
        return ""
    return (
        f"refused: {match.n_matched} of {match.n_variants} variants matched ({match.fraction:.1%}), "
        f"below min_overlap {min_overlap:.0%}"
    )


def write_plink2_scorefile(match, path):
    """The matched variants as a plink2 --score file: ID (CHROM:POS:REF:ALT), effect allele, weight; one header row."""
    with open(path, "w") as out:
        out.write("ID\teffect_allele\teffect_weight\n")
        for vid, allele, weight in zip(match.variant_id, match.effect_allele, match.weight.tolist()):
            out.write(f"{vid}\t{allele}\t{weight!r}\n")


# ---------------------------------------------------------------- scoring (pass 2 over the VCF)


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


def score_genotypes(vcf_path, matches, n_samples, impute, expected_sites=None, chunk_length=None):
    """Pass 2: per-sample sums for each match in `matches` (list of MatchResult), reading GT block by block.

    expected_sites: optional {record index: (CHROM, POS)} from pass 1, checked so a file changed between the
    passes is noticed. Returns one ScoreSums per match.
    """
    log = get_logger()
    sums = [ScoreSums(np.zeros(n_samples), np.zeros(n_samples, dtype=np.int64)) for _ in matches]
    if not matches:
        return sums
    chunk_length = chunk_length or block_length(n_samples)
    _, _, _, chunks = allel.iter_vcf_chunks(str(vcf_path), fields=GT_FIELDS, chunk_length=chunk_length)
    offset = 0
    for block, *_ in chunks:
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
        offset += n
        log.info("genotype pass: %d records read", offset)
    return sums


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
                 impute_min_samples=DEFAULT_IMPUTE_MIN_SAMPLES, chunk_length=None):  # fmt: skip
    """Read, match and score every scoring file against the cohort VCF.

    Returns a CohortScores whose results follow the order of scoring_paths. A refused score (its file refused by
    read_scoring_files, or below min_overlap) has `refused` set and no sums; the others are scored all the same.
    """
    log = get_logger()
    check_target_build(target_build, "config")
    items = read_scoring_files(scoring_paths, target_build)
    scorings = [item for item in items if isinstance(item, ScoringFile)]
    sites = read_target_sites(vcf_path, wanted_positions(scorings), chunk_length)
    impute = len(sites.samples) >= impute_min_samples
    results = []
    for item in items:
        if not isinstance(item, ScoringFile):
            results.append(item)
            continue
        match = match_score(item, sites, drop_ambiguous)
        results.append(ScoreResult(item, match, refused=refusal(match, min_overlap)))
        log.info("%s: %s; %s", item.pgs_id, match.counts, results[-1].refused or "scored")
    scored = [r for r in results if not r.refused]
    expected = {s.index: (s.chrom, s.pos) for group in sites.records.values() for s in group}
    sums = score_genotypes(vcf_path, [r.match for r in scored], len(sites.samples), impute, expected, chunk_length)
    for result, acc in zip(scored, sums):
        result.total = acc.total
        result.denom = np.full(len(acc.total), 2 * result.match.n_matched) if impute else 2 * acc.n_called
        result.n_missing = acc.n_missing
        if acc.n_no_call_variants:
            log.info("%s: %d matched variant(s) have no called genotype", result.match.pgs_id, acc.n_no_call_variants)
    return CohortScores(sites.samples, impute, sites.n_records, results)


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
