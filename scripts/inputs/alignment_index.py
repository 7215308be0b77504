"""Where an alignment's index is: beside the file, or made by the workflow under resources/."""

from pathlib import Path


def index_candidates(path):
    """Index names htslib looks for, in its order: x.bam.bai, x.bai, x.bam.csi (x.cram.crai for CRAM)."""
    p = Path(path)
    if p.suffix == ".cram":
        return [Path(f"{p}.crai"), p.with_suffix(".crai")]
    return [Path(f"{p}.bai"), p.with_suffix(".bai"), Path(f"{p}.csi")]


def existing_index(path):
    for candidate in index_candidates(path):
        if candidate.is_file():
            return str(candidate)
    return None


def made_index_path(sample, path):
    """Where the index_alignment rule writes an index the user did not supply."""
    ext = "crai" if str(path).endswith(".cram") else "bai"
    return f"resources/index/{sample}.{ext}"
