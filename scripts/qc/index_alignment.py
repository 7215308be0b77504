"""Index one alignment the user gave without an index: BAM -> .bai, CRAM -> .crai, written atomically.

The input is checked first, so a damaged file fails here with a message naming it instead of
deep inside calling: not BAM/CRAM, truncated (no end-of-file marker: an incomplete copy),
unreadable per `samtools quickcheck`, or not sorted by coordinate. Messages name the file by its
basename only (sample file paths are kept out of logs).

CRAM indexing reads only container and slice headers, so it does not need the reference; the
rule still lists the prepared reference as input so the reference exists before any CRAM work.
"""

from pathlib import Path

from common.atomic import atomic_path
from common.input_error import InputError
from common.rule_logging import get_logger, setup_logging
from common.tool_run import ToolError, run

# The 28-byte empty BGZF block every complete BAM ends with (SAM/BAM specification, section 4.1.2).
BGZF_EOF = bytes.fromhex("1f8b08040000000000ff0600424302001b0003000000000000000000")
CRAM_MAGIC = b"CRAM"
# samtools/htslib messages that mean "the records are not in coordinate order".
UNSORTED_MARKERS = (
    "Unsorted positions",
    "not sorted",
    "NO_COOR reads not in a single block",
    "Chromosome blocks not continuous",
)


def alignment_format(path):
    """'BAM' or 'CRAM' from the file's magic bytes; InputError for anything else."""
    name = Path(path).name
    if not Path(path).is_file():
        raise InputError(f"alignment {name} does not exist")
    with open(path, "rb") as fh:
        head = fh.read(4)
    if head.startswith(CRAM_MAGIC):
        return "CRAM"
    if head.startswith(BGZF_EOF[:2]):
        return "BAM"
    if not head:
        raise InputError(f"alignment {name} is empty")
    raise InputError(f"alignment {name} is not a BAM or CRAM file (SAM text is not accepted: convert it to BAM)")


def has_bgzf_eof(path):
    """True when the file ends with the BGZF end-of-file block (a BAM copied completely)."""
    with open(path, "rb") as fh:
        fh.seek(0, 2)
        if fh.tell() < len(BGZF_EOF):
            return False
        fh.seek(-len(BGZF_EOF), 2)
        return fh.read() == BGZF_EOF


def check_alignment_readable(path):
    """Raise InputError unless `path` is a complete BAM/CRAM that samtools quickcheck accepts; return its format."""
    name = Path(path).name
    fmt = alignment_format(path)
    if fmt == "BAM" and not has_bgzf_eof(path):
        raise InputError(
            f"{name} is truncated: it lacks the BGZF end-of-file marker (an incomplete copy or an interrupted "
            "write); copy or write it again"
        )
    try:
        run(["samtools", "quickcheck", path])
    except ToolError:
        raise InputError(
            f"{name} failed samtools quickcheck: it is truncated or damaged, or has no @SQ header lines "
            "(not aligned to a reference)"
        ) from None
    return fmt


def build_index(alignment, index_out):
    """`samtools index -o` the alignment into `index_out` atomically; InputError when it is not coordinate-sorted."""
    name = Path(alignment).name
    with atomic_path(index_out) as tmp:
        try:
            run(["samtools", "index", "-o", tmp, alignment])
        except ToolError as error:
            if any(marker in str(error) for marker in UNSORTED_MARKERS):
                raise InputError(
                    f"{name} is not sorted by coordinate; sort it with samtools sort (samtools index said: {error})"
                ) from None
            raise InputError(f"{name} cannot be indexed: {error}") from None


def index_alignment(alignment, index_out):
    """Check the alignment, then write its index (.bai for BAM, .crai for CRAM) to `index_out`."""
    log = get_logger()
    fmt = check_alignment_readable(alignment)
    expected = ".crai" if fmt == "CRAM" else ".bai"
    if not str(index_out).endswith(expected):
        raise InputError(
            f"{Path(alignment).name} is a {fmt} file but its index would be written as {Path(index_out).name} "
            f"(expected a {expected} name: check the file's extension)"
        )
    log.info("indexing a %s file", fmt)
    build_index(alignment, index_out)
    log.info("index written")


def main(smk):
    setup_logging(smk.log[0])
    index_alignment(smk.input.alignment, smk.output.index)


if __name__ == "__main__":
    main(snakemake)  # noqa: F821
