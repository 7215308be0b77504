"""Reading PGS Catalog scoring files (the first of prs/pgs_scoring.py's three steps).

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
"""

import gzip
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from common.contig_names import contig_key
from common.input_error import InputError

TARGET_BUILDS = ("GRCh37", "GRCh38")
BUILD_NAMES = {"grch37": "GRCh37", "hg19": "GRCh37", "grch38": "GRCh38", "hg38": "GRCh38", "ncbi36": "NCBI36",
               "hg18": "NCBI36", "ncbi35": "NCBI35", "hg17": "NCBI35"}  # fmt: skip
NOT_REPORTED = {"", "nr", "na", "none"}
AUTOSOMES = frozenset(str(i) for i in range(1, 23))
COMPLEMENT = str.maketrans("ACGT", "TGCA")
DNA = frozenset("ACGT")
# Row flags for effects this module does not compute (non-additive or complex alleles).
REFUSED_FLAGS = ("is_dominant", "is_recessive", "is_haplotype", "is_diplotype", "is_interaction")
TRUE_WORDS = {"true", "t", "1", "yes"}
FALSE_WORDS = {"false", "f", "0", "no", "", "na", "nr"}
# scikit-allel allocates chunk_length x n_samples x 2 genotypes per block: 8 M genotypes are 16 MB of int8 GT.
# What reading a file that is not a scoring file (binary, broken gzip, unreadable) raises besides InputError.
UNREADABLE = (OSError, EOFError, UnicodeDecodeError, zlib.error)


@dataclass
class ScoringFile:
    """One scoring file, its rows as parallel columns in file order (n_variants,)."""

    path: str
    header: dict
    positions: str  # "harmonised" (hm_chr/hm_pos) or "author" (chr_name/chr_position)
    chrom: list  # the chromosome as its contig key (common/contig_names.py: "chr1" -> "1"), "" without a position
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


# ---------------------------------------------------------------- scoring files


def _stem(name):
    for suffix in (".gz", ".txt", ".tsv"):
        name = name.removesuffix(suffix)
    return name


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
    """(contig key of the chrom, pos) of a row, ("", -1) when either is empty."""
    chrom, pos_text = chrom_text.strip(), pos_text.strip()
    if not chrom or not pos_text:
        return "", -1
    try:
        pos = int(pos_text)
    except ValueError:
        raise InputError(f"{path}: line {number}: {column} {pos_text!r} is not a whole number") from None
    return contig_key(chrom), pos


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
