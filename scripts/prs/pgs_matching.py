"""Matching scoring-file rows to the target VCF's records (the second of prs/pgs_scoring.py's three steps).

The target is a VCF, or the cohort's genotype store (a folder, scripts/af/vcf_to_store.py), which keeps the first
MAX_ALTS ALT alleles of each record in variants/ALTS: both give the same sites, record numbers and matches.

Matching (`match_score`), one scoring-file row at a time
- Chromosome names compare by the contig-name rule (scripts/common/contig_names.py: `chr1` = `1`, `chrM` = `MT`;
  nothing else, so `23` is not `X`). Only autosomes 1-22 are scored: rows elsewhere count as `non_autosomal` (male
  chrX calls are haploid; ploidy is not modelled). Rows on a contig the target VCF lacks count `unmatched` and are
  logged with their contigs.
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
"""

import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import allel
import numpy as np

from af.store_chunks import open_store, store_blocks
from af.vcf_to_store import MAX_ALTS
from common.contig_names import contig_key, reference_contig
from common.input_error import InputError
from common.rule_logging import get_logger
from common.vcf_blocks import block_length
from prs.scoring_file import AUTOSOMES, DNA, complement

MATCH_TYPES_WITH_OTHER = ("refalt", "altref", "refalt_flip", "altref_flip")
MATCH_TYPES_EFFECT_ONLY = ("no_oa_ref", "no_oa_alt", "no_oa_ref_flip", "no_oa_alt_flip")
COUNT_KEYS = ("matched", "ambiguous", "multiallelic", "duplicate", "non_autosomal", "unmatched")
SITE_FIELDS = ["variants/CHROM", "variants/POS", "variants/REF", "variants/ALT", "variants/numalt"]
# MAX_ALTS (8, the width of the store's variants/ALTS): ALT alleles compared per record; a site with more is
# multi-allelic (dropped) whatever they are.
STORE_SITE_FIELDS = ["variants/CHROM", "variants/POS", "variants/REF", "variants/ALTS", "variants/numalt"]


class Site(NamedTuple):
    """A target VCF record: `index` is its 0-based record number in the file."""

    index: int
    chrom: str  # as written in the VCF
    pos: int
    ref: str
    alts: tuple


@dataclass
class TargetSites:
    """The target VCF's records at the positions some scoring file asks for, keyed by (contig key, pos)."""

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
    row: np.ndarray | None = None  # the scoring-file row (0-based data row) of each matched variant
    types: list | None = None  # the match type of each matched variant

    @property
    def n_matched(self):
        return self.counts["matched"]

    @property
    def fraction(self):
        return self.n_matched / self.n_variants if self.n_variants else 0.0


# ---------------------------------------------------------------- target sites (pass 1 over the VCF)


def wanted_positions(scoring_files):
    """{contig key: sorted unique int64 positions} over the autosomal rows of all scoring files."""
    by_chrom = {}
    for scoring in scoring_files:
        for chrom, pos in zip(scoring.chrom, scoring.pos.tolist()):
            if chrom in AUTOSOMES and pos >= 0:
                by_chrom.setdefault(chrom, set()).add(pos)
    return {chrom: np.array(sorted(ps), dtype=np.int64) for chrom, ps in by_chrom.items()}


def is_store(path):
    """True for a genotype store (a folder), False for a VCF."""
    return Path(path).is_dir()


def open_target_store(store_path):
    """(zarr group, sample IDs) of a genotype store; InputError when it has no samples or no variants/ALTS."""
    root, where, samples = open_store(store_path)
    if not samples:
        raise InputError(f"{where}: the store has no samples; polygenic scores need genotypes")
    if "variants/ALTS" not in root:
        raise InputError(f"{where}: no variants/ALTS (every ALT allele): an older store; rerun rule vcf_to_store")
    return root, samples


def vcf_samples(vcf_path):
    """The VCF's (or genotype store's) sample IDs; InputError when it has no samples or declares no FORMAT/GT (a
    store always has calldata/GT: vcf_to_store refuses a VCF without it)."""
    if is_store(vcf_path):
        return open_target_store(vcf_path)[1]
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
        positions = wanted.get(contig_key(name))
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


def read_target_sites(vcf_path, wanted, chunk_length=None, exclude=()):
    """Pass 1: the VCF's records at the wanted positions (no genotypes read). Memory grows with the scores only.

    exclude: sample IDs left out of scoring (no consent to polygenic scores): TargetSites.samples, in VCF order,
    are the others, and pass 2 reads only their genotypes. From a genotype store, the contigs present are those of
    its records (a VCF adds its ##contig lines: only the warning about absent contigs differs)."""
    log = get_logger()
    excluded = set(exclude)
    samples = [s for s in vcf_samples(vcf_path) if s not in excluded]
    records, offset, contigs = {}, 0, set() if is_store(vcf_path) else set(header_contigs(vcf_path))
    for block in site_blocks(vcf_path, chunk_length or block_length(len(samples))):
        for site in _sites_of_block(block, offset, wanted):
            records.setdefault((contig_key(site.chrom), site.pos), []).append(site)
        contigs.update(str(name) for name in np.unique(block["variants/CHROM"]))
        offset += len(block["variants/POS"])
        log.info("sites pass (%s): %d records read, %d scored positions present", Path(vcf_path).name, offset,
                 len(records))  # fmt: skip
    absent = {chrom: len(positions) for chrom, positions in wanted.items() if reference_contig(chrom, contigs) is None}
    if absent:
        log.warning("scored positions on contigs %s lacks (counted unmatched): %s", Path(vcf_path).name,
                    ", ".join(f"{chrom} {n}" for chrom, n in sorted(absent.items())))  # fmt: skip
    return TargetSites(samples=samples, records=records, n_records=offset)


def site_blocks(path, chunk_length):
    """Blocks {SITE_FIELDS: array} of every record of a VCF or a genotype store (variants/ALT: (n, MAX_ALTS))."""
    if is_store(path):
        for _, block in store_blocks(open_target_store(path)[0], STORE_SITE_FIELDS):
            block["variants/ALT"] = block.pop("variants/ALTS")
            yield block
        return
    _, _, _, chunks = allel.iter_vcf_chunks(str(path), fields=SITE_FIELDS, alt_number=MAX_ALTS,
                                            chunk_length=chunk_length)  # fmt: skip
    for block, *_ in chunks:
        yield block


def header_contigs(vcf_path):
    """The contig IDs of a VCF header's ##contig lines (none: [])."""
    lines = allel.read_vcf_headers(str(vcf_path)).headers
    return [match[1] for line in lines if (match := re.match(r"##contig=<.*?\bID=([^,>]+)", line))]


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
        variant_id=[f"{contig_key(site.chrom)}:{site.pos}:{site.ref}:{site.alts[0]}" for _, _, site, _ in kept],
        effect_allele=[(site.ref, *site.alts)[index] for _, _, site, index in kept],
        row=np.array([row for row, _, _, _ in kept], dtype=np.int64),
        types=[match_type for _, match_type, _, _ in kept],
    )


def restrict_to_rows(match, rows, left_out_key):
    """The match with only its variants whose scoring-file row is in `rows`; the others are counted under
    `left_out_key` (so the counts still add up to n_variants) and leave the matched count."""
    keep = np.isin(match.row, np.asarray(sorted(rows), dtype=np.int64))
    counts = dict(match.counts)
    counts[left_out_key] = counts.get(left_out_key, 0) + int((~keep).sum())
    counts["matched"] = int(keep.sum())
    index = np.flatnonzero(keep).tolist()
    return MatchResult(
        pgs_id=match.pgs_id,
        n_variants=match.n_variants,
        counts=counts,
        match_types=dict(sorted(Counter(match.types[i] for i in index).items())),
        record=match.record[keep],
        allele=match.allele[keep],
        weight=match.weight[keep],
        variant_id=[match.variant_id[i] for i in index],
        effect_allele=[match.effect_allele[i] for i in index],
        row=match.row[keep],
        types=[match.types[i] for i in index],
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
