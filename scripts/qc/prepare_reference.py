"""Prepare the reference every rule reads: a local plain FASTA with its .fai index.

The user's FASTA may be plain or gzip/bgzip-compressed, may sit in a read-only folder and may
have no .fai. freebayes cannot read a bgzipped FASTA and CRAM decoding wants an indexed one, so
the sequence is always stream-copied (decompressed when needed) to `resources/reference/genome.fa`
and indexed there with `samtools faidx`. Line endings are normalised to LF; the sequence is not
otherwise changed.

Bad input raises InputError naming the file: missing, empty, not FASTA, compressed with
something other than gzip, duplicate contig names, or a FASTA samtools cannot index.
"""

import gzip
import zlib
from pathlib import Path

from common.atomic import atomic_path
from common.genomic_chunks import read_fai
from common.input_error import InputError, path_problem
from common.rule_logging import get_logger, setup_logging
from common.tool_run import ToolError, run

GZIP_MAGIC = b"\x1f\x8b"
# Other compressions a user may hand in by mistake: magic bytes -> name, for a clear message.
OTHER_COMPRESSION = {b"BZh": "bzip2", b"\xfd7zXZ": "xz", b"\x28\xb5\x2f\xfd": "zstd"}
PROGRESS_BYTES = 500_000_000


def open_fasta(path):
    """Open a plain or gzip/bgzip FASTA for binary reading; raise InputError if it cannot be one."""
    path = Path(path)
    if not path.exists():
        raise InputError(path_problem("reference FASTA", path, "does not exist"))
    if not path.is_file():
        raise InputError(path_problem("reference FASTA", path, "is not a file"))
    with open(path, "rb") as fh:
        magic = fh.read(6)
    if not magic:
        raise InputError(f"reference FASTA {path} is empty")
    for prefix, name in OTHER_COMPRESSION.items():
        if magic.startswith(prefix):
            raise InputError(
                f"reference FASTA {path} is compressed with {name}; give a plain or bgzip-compressed FASTA"
            )
    if magic.startswith(GZIP_MAGIC):
        return gzip.open(path, "rb")
    return open(path, "rb")


def _contig_name(line, path, line_no):
    """The contig name of a '>' header line: its first word."""
    words = line[1:].split()
    if not words:
        raise InputError(f"reference FASTA {path}: line {line_no} is a '>' header without a contig name")
    return words[0].decode("ascii", errors="replace")


BLOCK_BYTES = 4_000_000


def _line_blocks(src):
    """Yield (bytes of whole lines with CRLF made LF, 1-based number of their first line) from a binary stream.

    Blocks, not lines: a GRCh38 FASTA has 50 million lines, which a Python line loop takes minutes over.
    """
    carry, line_no = b"", 1
    while data := src.read(BLOCK_BYTES):
        data = carry + data
        cut = data.rfind(b"\n") + 1
        block, carry = data[:cut], data[cut:]
        if block:
            yield block.replace(b"\r\n", b"\n"), line_no
            line_no += block.count(b"\n")
    if carry:
        yield carry, line_no


def _header_lines(block):
    """Yield (offset, line without its newline) of every '>' line in a block of whole lines."""
    start = 0 if block.startswith(b">") else block.find(b"\n>") + 1
    if start == 0 and not block.startswith(b">"):
        return
    while True:
        end = block.find(b"\n", start)
        end = len(block) if end < 0 else end
        yield start, block[start:end]
        start = block.find(b"\n>", end) + 1
        if start == 0:
            return


def _skip_leading_blank_lines(block, line_no, source):
    """The block from its first non-blank line on (and that line's number); InputError unless that is a header."""
    pos = 0
    while pos < len(block):
        end = block.find(b"\n", pos)
        end = len(block) if end < 0 else end + 1
        line = block[pos:end]
        if line.strip():
            if not line.startswith(b">"):
                shown = line[:40].decode("ascii", errors="replace").rstrip()
                raise InputError(
                    f"reference FASTA {source} does not look like FASTA: line {line_no} should be a "
                    f"'>' header but starts with {shown!r}"
                )
            break
        pos, line_no = end, line_no + 1
    return block[pos:], line_no


def copy_fasta(source, target):
    """Stream `source` (plain or gzipped FASTA) to the plain FASTA `target`; return the contig names in order.

    Checks what samtools faidx does not: the first non-blank line is a '>' header, and no contig
    name appears twice (faidx only warns and indexes the first). Blank lines before the first header are dropped.
    """
    log = get_logger()
    names, seen = [], {}
    written, next_report = 0, PROGRESS_BYTES
    try:
        with open_fasta(source) as src, open(target, "wb") as out:
            for block, first_line in _line_blocks(src):
                if not names:
                    block, first_line = _skip_leading_blank_lines(block, first_line, source)
                line_no, counted_to = first_line, 0
                for start, header in _header_lines(block):
                    line_no += block.count(b"\n", counted_to, start)
                    counted_to = start
                    name = _contig_name(header, source, line_no)
                    if name in seen:
                        raise InputError(
                            f"reference FASTA {source}: contig name {name!r} appears twice "
                            f"(lines {seen[name]} and {line_no}); contig names must be unique"
                        )
                    seen[name] = line_no
                    names.append(name)
                out.write(block)
                written += len(block)
                if written >= next_report:
                    log.info("copied %d MB of sequence, %d contigs so far", written // 1_000_000, len(names))
                    next_report += PROGRESS_BYTES
    except (gzip.BadGzipFile, EOFError, zlib.error) as error:
        raise InputError(f"reference FASTA {source} is not a readable gzip/bgzip file ({error})") from None
    if not names:
        raise InputError(f"reference FASTA {source} is empty (no '>' header line)")
    return names


def index_fasta(fasta, fai, source):
    """Write the .fai of `fasta` to `fai` with samtools faidx; InputError (naming `source`) if it cannot."""
    try:
        run(["samtools", "faidx", fasta, "--fai-idx", fai])
    except ToolError as error:
        raise InputError(f"reference FASTA {source} cannot be indexed by samtools faidx: {error}") from None


def prepare_reference(source, fasta_out, fai_out):
    """Copy/decompress `source` to the plain FASTA `fasta_out` and index it to `fai_out`, both atomically.

    Returns the contig names in file order. The .fai is renamed into place after the FASTA, so it
    is never older than the FASTA it indexes.
    """
    log = get_logger()
    with atomic_path(fai_out) as tmp_fai:
        with atomic_path(fasta_out) as tmp_fasta:
            names = copy_fasta(source, tmp_fasta)
            log.info("copied %d contigs; indexing", len(names))
            index_fasta(tmp_fasta, tmp_fai, source)
            indexed = [name for name, _ in read_fai(tmp_fai)]
            if indexed != names:
                raise InputError(
                    f"reference FASTA {source}: samtools faidx indexed {len(indexed)} contigs but the file "
                    f"has {len(names)} '>' headers"
                )
    log.info("reference ready: %d contigs", len(names))
    return names


def main(smk):
    setup_logging(smk.log[0])
    prepare_reference(smk.input.fasta, smk.output.fasta, smk.output.fai)


if __name__ == "__main__":
    main(snakemake)  # noqa: F821
