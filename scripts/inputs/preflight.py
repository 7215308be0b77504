"""Preflight: header-level checks of every input at workflow start, before any job runs or anything is written.

Called from common.smk once the config and the sample sheet are read (main Snakemake process only).
It reads file headers and tails, never whole alignments: 2,500 BAMs are checked in 0.5 s with an
86-contig header (hs37d5) and in about 3 s with a 3,366-contig one (GRCh38 with alts and HLA),
measured on 2 cores (tests/inputs/test_preflight.py times the first). Every problem is an InputError naming the
file (alignment basenames, no directories), the sheet row and sample, and the problem; all
alignment problems of a batch are reported together in one error.

Checks, per alignment (BAM or CRAM):
- it exists and can be read; its magic bytes say BAM or CRAM, matching its .bam/.cram name;
- it ends with the end-of-file marker (BAM: the 28-byte empty BGZF block; CRAM 2.1/3.x: the EOF
  container): without it the file is truncated;
- its header reads, has @SQ lines, and declares coordinate order (@HD SO:coordinate). SO:queryname
  or SO:unsorted is an error; no SO at all is accepted only when an index sits beside the file
  (samtools index refuses unsorted input, so an index shows the file was sorted when indexed);
- index beside it or not: either is fine (the workflow indexes the others under resources/index/);
  how many lack one is logged;
- contig names and lengths against the reference's .fai (when one beside the FASTA is not older
  than it): every contig the workflow measures (the regions' contigs, else every reference contig)
  must be in the header with the same length ('chr20' vs '20', another build);
- CRAM only: each @SQ M5 against the MD5 of that reference contig ("made with a different reference").

Reference: exists, is a file, non-empty, plain or gzip/bgzip (not bzip2/xz/zstd), starts with a '>'
header. Regions BED (when configured): exists.

Per VCF file of the sheet rows that arrive already called (column `vcf`; every distinct file read once,
however many rows use it; the header only):
- its header reads as VCF/BCF;
- each row's `vcf_sample` is one of its columns; a row without vcf_sample needs a single-sample file;
- when the reference's lengths are known and the file declares ##contig lines: at least one is a reference
  contig ('chr22' vs '22' is refused with a hint). A ##contig length that differs from the reference's is a
  warning (a note), not an error: the import's REF check decides (it stops when most records disagree).

Per outside-call file of the sheet (column `pgx_outside_calls`): the whole file is read as rule pgx_genotypes will
read it (scripts/pgx/outside_calls.py): every problem (unknown gene, gene twice, disagreeing fields) stops the run
here, naming the row, the file and the line.

What is left to the jobs (documented decisions):
- No .fai beside the user's FASTA (or an older one): lengths would need a full read of the FASTA,
  so the contig check is left to each qc_sample job (it runs against the prepared .fai).
- CRAM MD5s: the reference's per-contig MD5s come from a sequence dictionary beside it (Picard/GATK
  `.dict` with M5, free) or are computed from the FASTA (needs its .fai, and .gzi when bgzipped), smallest
  contigs first, at most MD5_BUDGET_BASES bases (about 5 s per Gb measured here, so about 1.5 s).
  Contigs beyond the budget are verified by htslib when a job decodes the CRAM's sequences (it checks
  every slice's reference MD5: "MD5 checksum reference mismatch"). Computed only when the batch has
  CRAMs; nothing is cached. A CRAM without M5 tags (htslib writes none when the reference lacked one
  of the @SQ contigs, and then embeds the reference instead) needs no reference and is not checked.
- Alignments a rule of the workflow makes (the demo batch) are checked by that rule, not here.

Size: over 400 lines because every header-level input check that runs before any job (alignments, VCF rows,
reference, regions); each is short, and they share the sheet-row messages.
"""

import contextlib
import gzip
import hashlib
import os
import time
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import pysam

from calling.gather_calls import header_samples, is_gvcf_header, vcf_header
from calling.import_vcf import contig_length_warnings, header_contigs
from common.contig_names import renamed
from common.input_error import InputError, path_problem
from inputs.alignment_index import existing_index
from pgx import outside_calls
from pgx.pgx_match import load_gene
from qc.index_alignment import alignment_format, has_bgzf_eof
from qc.prepare_reference import open_fasta

BGZF_MAGIC = b"\x1f\x8b"
# CRAM end-of-file containers by major version, as samtools 1.16 writes them (CRAM specification,
# "End of file container"). Like htslib's cram_check_EOF, byte 8 is compared masked with 0x0f:
# early writers put 0xff there (another reading of ITF-8) where current ones put 0x0f.
CRAM_EOF_MASKED_BYTE = 8
CRAM_EOF = {
    2: bytes.fromhex("0b000000ffffffff0fe0454f460000000001000001000606010001000100"),
    3: bytes.fromhex("0f000000ffffffff0fe0454f4600000000010005bdd94f0001000606010001000100ee63014b"),
}
# Reference bases hashed for the CRAM M5 check at most (smallest contigs first): ~1.5 s at 5 s/Gb.
MD5_BUDGET_BASES = 300_000_000
MD5_CHUNK = 16_000_000
SHOWN_PROBLEMS = 10
SHOWN_SAMPLES = 5
SORTED = "coordinate"


@dataclass
class ReferenceInfo:
    """What the preflight knows about the reference: lengths from an up-to-date .fai, or None."""

    path: str
    lengths: dict | None = None
    dict_md5: dict = field(default_factory=dict)
    can_fetch: bool = False


@dataclass
class AlignmentHeader:
    """The header facts the preflight checks: {contig: length} in header order, @HD SO, @SQ M5 tags."""

    fmt: str
    contigs: dict
    sort_order: str | None
    md5: dict


# ---------------------------------------------------------------- reference


def _newer_or_same(index, data):
    """True when `index` exists and is not older than `data`, to the second (htslib's rule for a stale index)."""
    index = Path(index)
    return index.is_file() and int(index.stat().st_mtime) >= int(Path(data).stat().st_mtime)


def check_reference_is_fasta(path):
    """InputError unless `path` is a readable, plain or gzip-compressed file starting with a '>' header."""
    try:
        with open_fasta(path) as fh:
            head = fh.read(4096)
    except (gzip.BadGzipFile, EOFError, zlib.error) as error:
        raise InputError(f"reference FASTA {path} is not a readable gzip/bgzip file ({error})") from None
    except OSError as error:
        raise InputError(path_problem("reference FASTA", path, f"cannot be read: {error.strerror or error}")) from None
    text = head.lstrip()
    if not text:
        raise InputError(f"reference FASTA {path} is empty (no '>' header line)")
    if not text.startswith(b">"):
        shown = text[:40].decode("ascii", errors="replace").splitlines()[0]
        raise InputError(
            f"reference FASTA {path} does not look like FASTA: it should start with a '>' header line "
            f"but starts with {shown!r}"
        )


def read_fai_lengths(fai):
    """{contig: length} of a samtools .fai, or None when it is not one (then the check is left to the jobs)."""
    lengths = {}
    try:
        with open(fai) as fh:
            for line in fh:
                fields = line.rstrip("\n").split("\t")
                if len(fields) < 5:
                    return None
                lengths[fields[0]] = int(fields[1])
    except (OSError, UnicodeDecodeError, ValueError):
        return None
    return lengths or None


def dict_candidates(fasta):
    """Sequence dictionaries tools put beside a FASTA: ref.dict (Picard/GATK) and ref.fa.dict."""
    path = Path(fasta)
    stem = path.name
    for ext in (".gz", ".bgz"):
        stem = stem.removesuffix(ext)
    for ext in (".fasta", ".fa", ".fna", ".fas"):
        stem = stem.removesuffix(ext)
    return [path.with_name(f"{stem}.dict"), Path(f"{fasta}.dict")]


def read_dict_md5(fasta):
    """{contig: M5} from an up-to-date sequence dictionary beside the FASTA ({} when there is none)."""
    for candidate in dict_candidates(fasta):
        if not _newer_or_same(candidate, fasta):
            continue
        md5 = {}
        try:
            with open(candidate) as fh:
                for line in fh:
                    if line.startswith("@SQ"):
                        tags = dict(t.split(":", 1) for t in line.rstrip("\n").split("\t")[1:] if ":" in t)
                        if "SN" in tags and "M5" in tags:
                            md5[tags["SN"]] = tags["M5"].lower()
        except (OSError, UnicodeDecodeError):
            continue
        return md5
    return {}


def check_reference(path):
    """Check the reference FASTA (InputError on a problem); return what later checks can use."""
    check_reference_is_fasta(path)
    info = ReferenceInfo(path=str(path))
    fai = Path(f"{path}.fai")
    if _newer_or_same(fai, path):
        info.lengths = read_fai_lengths(fai)
    info.can_fetch = info.lengths is not None and (not _is_gzip(path) or _newer_or_same(f"{path}.gzi", path))
    info.dict_md5 = read_dict_md5(path)
    return info


def _is_gzip(path):
    with open(path, "rb") as fh:
        return fh.read(2) == BGZF_MAGIC


@contextlib.contextmanager
def quiet_htslib():
    """Silence htslib's stderr chatter (e.g. 'could not retrieve index file' for an unindexed CRAM)."""
    previous = pysam.set_verbosity(0)
    try:
        yield
    finally:
        pysam.set_verbosity(previous)


def sequence_md5(fasta, contig, length):
    """MD5 of a contig's sequence as SAM's @SQ M5 defines it (upper case, no line breaks), read in chunks."""
    digest = hashlib.md5()
    with quiet_htslib(), pysam.FastaFile(str(fasta)) as ref:
        for start in range(0, length, MD5_CHUNK):
            digest.update(ref.fetch(contig, start, min(start + MD5_CHUNK, length)).upper().encode("ascii"))
    return digest.hexdigest()


def reference_md5s(reference, contigs, budget=MD5_BUDGET_BASES):
    """({contig: MD5}, [contigs not hashed]) for `contigs`: from the .dict, else computed, smallest first."""
    known = {c: reference.dict_md5[c] for c in contigs if c in reference.dict_md5}
    todo = sorted((c for c in contigs if c not in known), key=lambda c: (reference.lengths[c], c))
    skipped, spent = [], 0
    for contig in todo:
        length = reference.lengths[contig]
        if not reference.can_fetch or spent + length > budget:
            skipped.append(contig)
            continue
        known[contig] = sequence_md5(reference.path, contig, length)
        spent += length
    return known, skipped


def regions_contigs(path):
    """Contig names of a regions BED in first-seen order (its intervals are checked by the jobs)."""
    path = Path(path)
    if not path.is_file():
        raise InputError(path_problem("regions BED", path, "does not exist"))
    names = {}
    try:
        with open(path) as fh:
            for line in fh:
                if line.strip() and not line.startswith(("#", "track", "browser")):
                    names.setdefault(line.split("\t", 1)[0].strip(), None)
    except UnicodeDecodeError:
        raise InputError(f"regions BED {path} is not a text BED file (is it compressed?)") from None
    return list(names)


# ---------------------------------------------------------------- one alignment


def alignment_magic(path):
    """'BAM' or 'CRAM' from the first bytes; InputError (without the row) for anything else."""
    try:
        return alignment_format(path)
    except OSError as error:
        raise InputError(f"alignment {Path(path).name} cannot be read: {error.strerror or error}") from None


def has_cram_eof(path):
    """True when a CRAM ends with its version's EOF container (or is a version without one: CRAM 1.x/4.x)."""
    with open(path, "rb") as fh:
        major = fh.read(6)[4:5]
        marker = CRAM_EOF.get(major[0]) if major else None
        if marker is None:
            return True
        fh.seek(0, 2)
        if fh.tell() < len(marker):
            return False
        fh.seek(-len(marker), 2)
        tail = bytearray(fh.read())
    tail[CRAM_EOF_MASKED_BYTE] &= 0x0F
    return tail == marker


def _header_tags(line):
    return dict(t.split(":", 1) for t in line.split("\t")[1:] if ":" in t)


def read_alignment_header(path, fmt):
    """The header facts of a BAM/CRAM (reads only the header; InputError when htslib cannot)."""
    name = Path(path).name
    try:
        with quiet_htslib(), pysam.AlignmentFile(str(path), "r", check_sq=False) as aln:
            contigs = dict(zip(aln.references, aln.lengths, strict=True))
            text = str(aln.header)
    except (OSError, ValueError) as error:
        raise InputError(f"{name}: its {fmt} header cannot be read ({error}): the file is damaged") from None
    first = text.split("\n", 1)[0]
    sort_order = _header_tags(first).get("SO") if first.startswith("@HD") else None
    md5 = {}
    if fmt == "CRAM":
        for line in text.split("\n"):
            if line.startswith("@SQ"):
                tags = _header_tags(line)
                if "SN" in tags and "M5" in tags:
                    md5[tags["SN"]] = tags["M5"].lower()
    return AlignmentHeader(fmt=fmt, contigs=contigs, sort_order=sort_order, md5=md5)


def check_sorted(name, header, has_index):
    """InputError unless the header declares coordinate order (no SO at all is fine when an index exists)."""
    if header.sort_order == SORTED:
        return
    if header.sort_order in ("queryname", "unsorted"):
        raise InputError(
            f"{name} is not sorted by coordinate (its header says SO:{header.sort_order}); sort it with samtools sort"
        )
    if not has_index:
        said = f"SO:{header.sort_order}" if header.sort_order else "no @HD SO:coordinate"
        raise InputError(
            f"{name} does not declare coordinate order ({said} in its header) and has no index: "
            "sort it with samtools sort (or index it with samtools index if it is already sorted)"
        )


def check_contigs(name, needed, header_contigs, reference_name):
    """InputError unless every contig of `needed` ({name: length}) is in the header with the same length."""
    missing = [c for c in needed if c not in header_contigs]
    if missing:
        contig = missing[0]
        if not header_contigs:
            raise InputError(f"{name} has no @SQ lines in its header: it is not aligned to a reference")
        shown = ", ".join(repr(c) for c in list(header_contigs)[:3]) + (", ..." if len(header_contigs) > 3 else "")
        alt = renamed(contig, header_contigs)
        hint = (
            f": the alignment names it {alt!r} and the reference {reference_name} names it {contig!r} "
            "('chr' prefix vs none); use the reference the alignments were made with"
            if alt
            else f" (it has {shown}): it was aligned to another reference than {reference_name}"
        )
        more = f"; {len(missing) - 1} more reference contigs are missing too" if len(missing) > 1 else ""
        raise InputError(f"{name}: contig {contig!r} is not in the alignment header{hint}{more}")
    for contig, length in needed.items():
        if header_contigs[contig] != length:
            raise InputError(
                f"{name}: contig {contig!r} has length {header_contigs[contig]} in the alignment but {length} in "
                f"the reference {reference_name}: a different genome build (or a sliced reference)"
            )


def check_alignment(path, reference, needed):
    """Check one alignment; return (AlignmentHeader, has_index) or raise InputError (message without the row)."""
    name = Path(path).name
    fmt = alignment_magic(path)
    expected = ".cram" if fmt == "CRAM" else ".bam"
    if not name.endswith(expected):
        raise InputError(f"{name} is a {fmt} file but its name does not end in {expected}: rename it")
    if fmt == "BAM" and not has_bgzf_eof(path):
        raise InputError(
            f"{name} is truncated: it lacks the BGZF end-of-file marker (an incomplete copy or an interrupted "
            "write); copy or write it again"
        )
    if fmt == "CRAM" and not has_cram_eof(path):
        raise InputError(
            f"{name} is truncated: it lacks the CRAM end-of-file container (an incomplete copy or an interrupted "
            "write); copy or write it again"
        )
    header = read_alignment_header(path, fmt)
    if not header.contigs:
        raise InputError(f"{name} has no @SQ lines in its header: it is not aligned to a reference")
    has_index = existing_index(path) is not None
    check_sorted(name, header, has_index)
    if needed is not None:
        check_contigs(name, needed, header.contigs, Path(reference.path).name)
    return header, has_index


def check_cram_md5(name, header, ref_md5, reference_name):
    """InputError when a CRAM's @SQ M5 differs from the reference's MD5 of the same contig."""
    for contig, digest in ref_md5.items():
        theirs = header.md5.get(contig)
        if theirs and theirs != digest:
            raise InputError(
                f"{name}: the CRAM was made with a different reference: contig {contig!r} has M5 {theirs} in its "
                f"header but MD5 {digest} in {reference_name}; give the reference it was made with"
            )


# ---------------------------------------------------------------- VCF rows


def read_vcf_header(path):
    """(header text, sample columns) of a VCF/BCF; InputError (without the row) when it cannot be read.

    VCF text (plain, bgzip or plain gzip, which bcftools reads but htslib cannot seek in) is read up to its
    #CHROM line; BCF (always BGZF) through htslib.
    """
    name = Path(path).name
    try:
        if str(path).endswith(".bcf"):
            with quiet_htslib(), pysam.VariantFile(str(path)) as vcf:
                return str(vcf.header), list(vcf.header.samples)
        text = vcf_header(path)
    except (OSError, ValueError, EOFError, UnicodeDecodeError, zlib.error) as error:
        reason = str(error).replace(f"b'{path}'", name).replace(str(path), name)  # pysam names the whole path
        raise InputError(f"{name} cannot be read as VCF/BCF ({reason})") from None
    if not text.startswith("##fileformat=VCF") or "\n#CHROM" not in text:
        raise InputError(f"{name} cannot be read as VCF/BCF (no ##fileformat=VCF line or no #CHROM header line)")
    return text, header_samples(text)


def check_vcf_row(name, columns, vcf_sample):
    """InputError unless the row's column is in the file (or the file has exactly one column)."""
    if vcf_sample is None:
        if len(columns) != 1:
            raise InputError(
                f"{name} has {len(columns)} sample columns: name this row's column in vcf_sample"
                if columns
                else f"{name} has no sample columns (a sites-only VCF): it holds no genotypes to import"
            )
    elif vcf_sample not in columns:
        shown = ", ".join(repr(c) for c in columns[:3]) + (", ..." if len(columns) > 3 else "")
        raise InputError(f"{name} has no sample column {vcf_sample!r} (vcf_sample); it has {len(columns)}: {shown}")


def check_vcf_contigs(name, contigs, reference):
    """Warnings for a VCF's ##contig lines: lengths that differ from the reference's, names read under the other
    convention ('chr20' for '20'); InputError when none of them is a reference contig under either name."""
    if reference is None or reference.lengths is None or not contigs:
        return []
    if any(c in reference.lengths for c in contigs):
        return contig_length_warnings(contigs, reference.lengths)
    renames = {c: renamed(c, reference.lengths) for c in contigs}
    renames = {c: r for c, r in renames.items() if r}
    if not renames:
        first = next(iter(contigs))
        raise InputError(
            f"{name}: none of its ##contig names is a reference contig (it has {first!r}, ...): it was called on "
            f"another reference than {Path(reference.path).name}"
        )
    first = next(iter(renames.items()))
    return [
        f"its contigs are read under the reference's names ({first[0]!r} as {first[1]!r})",
        *contig_length_warnings({renames.get(c, c): n for c, n in contigs.items()}, reference.lengths),
    ]


def check_vcf_files(vcf_rows, reference, sheet):
    """Check each VCF file once, with all rows using it: ([problems], [notes], number of gVCF files).

    `vcf_rows`: {path: [(sample, row), ...]}.
    """
    problems, notes, n_gvcf = [], [], 0
    for path, rows in vcf_rows.items():
        name = Path(path).name
        try:
            text, columns = read_vcf_header(path)
            warnings = check_vcf_contigs(name, header_contigs(text), reference)
        except InputError as error:
            problems += [f"{_row_label(sheet, sample, row)}: {error}" for sample, row in rows[:1]]
            continue
        n_gvcf += is_gvcf_header(text)
        notes += [
            f"{name}: {w}" if w.startswith("its contigs") else f"WARNING {name}: {w}; the REF check of its import says"
            for w in warnings
        ]
        for sample, row in rows:
            try:
                check_vcf_row(name, columns, row.get("vcf_sample"))
            except InputError as error:
                problems.append(f"{_row_label(sheet, sample, row)}: {error}")
    return problems, notes, n_gvcf


# ---------------------------------------------------------------- the batch


def needed_contigs(reference, region_names):
    """{contig: length} every alignment must carry (the regions' contigs, else all), or None without lengths."""
    if reference is None or reference.lengths is None:
        return None
    if region_names is not None:
        return {c: reference.lengths[c] for c in region_names if c in reference.lengths}
    return dict(reference.lengths)


def _row_label(sheet, sample, row):
    return f"{Path(str(sheet)).name} row {row['row']} (sample {sample!r})"


def _combined(problems, noun="alignments"):
    """One InputError message for all problems of the batch (at most SHOWN_PROBLEMS listed)."""
    if len(problems) == 1:
        return problems[0]
    shown = "\n  ".join(problems[:SHOWN_PROBLEMS])
    more = f"\n  ... and {len(problems) - SHOWN_PROBLEMS} more" if len(problems) > SHOWN_PROBLEMS else ""
    return f"{len(problems)} {noun} have problems:\n  {shown}{more}"


def _listed(samples):
    shown = ", ".join(samples[:SHOWN_SAMPLES])
    return shown + (f" and {len(samples) - SHOWN_SAMPLES} more" if len(samples) > SHOWN_SAMPLES else "")


def check_inputs(samples, reference, sheet, regions=None, may_be_made=frozenset()):
    """Check the reference, every alignment and every VCF file of `samples` ({id: row with 'alignment' or
    'vcf', and 'row'}).

    Raises one InputError listing every problem found; returns log lines (notes) when all is well.
    Files in `may_be_made` (made by a rule of the workflow) are skipped.
    """
    started = time.perf_counter()
    made = {os.path.normpath(p) for p in may_be_made}
    notes = []
    ref_info = None
    if os.path.normpath(reference) not in made:
        ref_info = check_reference(reference)
        if ref_info.lengths is None:
            notes.append(
                f"reference {Path(reference).name} has no up-to-date .fai beside it: contig names and lengths "
                "are checked by each qc_sample job instead"
            )
    region_names = regions_contigs(regions) if regions and os.path.normpath(regions) not in made else None
    needed = needed_contigs(ref_info, region_names)
    problems, headers, unindexed, skipped_made, vcf_rows = [], {}, [], 0, {}
    for sample, row in samples.items():
        if "vcf" in row:
            if os.path.normpath(row["vcf"]) in made:
                skipped_made += 1
            else:
                vcf_rows.setdefault(row["vcf"], []).append((sample, row))
            continue
        path = row["alignment"]
        if os.path.normpath(path) in made:
            skipped_made += 1
            continue
        try:
            headers[sample], has_index = check_alignment(path, ref_info, needed)
        except InputError as error:
            problems.append(f"{_row_label(sheet, sample, row)}: {error}")
            continue
        if not has_index:
            unindexed.append(sample)
    crams = {s: h for s, h in headers.items() if h.fmt == "CRAM"}
    if crams and needed:
        with_md5 = [c for c in needed if any(c in h.md5 for h in crams.values())]
        ref_md5, skipped = reference_md5s(ref_info, with_md5)
        for sample, header in crams.items():
            try:
                check_cram_md5(Path(samples[sample]["alignment"]).name, header, ref_md5, Path(reference).name)
            except InputError as error:
                problems.append(f"{_row_label(sheet, sample, samples[sample])}: {error}")
        if skipped:
            notes.append(
                f"CRAM reference MD5s of {len(skipped)} contigs not checked here (no .dict/.gzi, or beyond the "
                f"{MD5_BUDGET_BASES // 1_000_000} Mb budget): htslib checks them when the CRAMs are decoded"
            )
    vcf_problems, vcf_notes, n_gvcf = check_vcf_files(vcf_rows, ref_info, sheet)
    if problems or vcf_problems:
        raise InputError(_combined(problems + vcf_problems, "inputs" if vcf_problems else "alignments"))
    notes += vcf_notes
    if unindexed:
        notes.append(
            f"{len(unindexed)} of {len(headers)} alignments have no index beside them ({_listed(unindexed)}): "
            "the workflow indexes them under resources/index/"
        )
    n_cram = len(crams)
    made_note = f"; {skipped_made} made by the workflow are checked by the rule making them" if skipped_made else ""
    n_vcf_rows = sum(len(rows) for rows in vcf_rows.values())
    vcf_note = (
        f", {len(vcf_rows)} VCF files ({n_gvcf} gVCF) for {n_vcf_rows} samples that arrive already called"
        if vcf_rows
        else ""
    )
    notes.append(
        f"inputs checked: {len(headers)} alignments ({len(headers) - n_cram} BAM, {n_cram} CRAM){vcf_note} "
        f"in {time.perf_counter() - started:.2f} s{made_note}"
    )
    return notes


def check_outside_calls(samples, sheet, genes, panel_dir, outside_dir):
    """Read every outside-call file of `samples` (rows with 'pgx_outside_calls') with the tables rule pgx_genotypes
    uses (`genes` of the panel in `panel_dir`, the shipped tables in `outside_dir`). Raises one InputError listing
    every file's first problem; returns log lines when all is well."""
    rows = {s: row for s, row in samples.items() if row.get("pgx_outside_calls")}
    if not rows:
        return []
    tables = outside_calls.load_tables(outside_dir, {gene: load_gene(panel_dir, gene) for gene in genes})
    problems, n_genes = [], 0
    for sample, row in rows.items():
        try:
            n_genes += len(outside_calls.read_outside_calls(row["pgx_outside_calls"], tables))
        except InputError as error:
            problems.append(f"{_row_label(sheet, sample, row)}: column 'pgx_outside_calls': {error}")
    if problems:
        raise InputError(_combined(problems, "outside-call files"))
    return [f"outside calls checked: {len(rows)} file(s), {n_genes} gene call(s)"]
