"""Split the calling target (a regions BED, or every reference contig) into equal-sized genomic chunks."""

from common.input_error import InputError


def read_fai(fai_path):
    """[(contig, length)] in reference order."""
    with open(fai_path) as fh:
        return [(f[0], int(f[1])) for f in (line.rstrip("\n").split("\t") for line in fh) if f[0]]


def read_bed(bed_path, contig_lengths):
    """[(contig, start0, end0)] from a BED file, checked against the reference, sorted in reference order and merged."""
    order = {name: i for i, (name, _) in enumerate(contig_lengths)}
    lengths = dict(contig_lengths)
    intervals = []
    with open(bed_path) as fh:
        for line_no, line in enumerate(fh, start=1):
            if not line.strip() or line.startswith(("#", "track", "browser")):
                continue
            fields = line.rstrip("\n").split("\t")
            try:
                contig, start, end = fields[0], int(fields[1]), int(fields[2])
            except (IndexError, ValueError):
                raise InputError(f"{bed_path}: line {line_no} is not a BED interval (contig, start, end)") from None
            if contig not in lengths:
                raise InputError(f"{bed_path}: line {line_no}: contig {contig!r} is not in the reference")
            if not 0 <= start < end <= lengths[contig]:
                raise InputError(
                    f"{bed_path}: line {line_no}: interval {contig}:{start}-{end} is empty or outside the contig "
                    f"(length {lengths[contig]})"
                )
            intervals.append((contig, start, end))
    if not intervals:
        raise InputError(f"{bed_path}: the regions file has no intervals")
    intervals.sort(key=lambda iv: (order[iv[0]], iv[1], iv[2]))
    merged = [intervals[0]]
    for contig, start, end in intervals[1:]:
        last = merged[-1]
        if contig == last[0] and start <= last[2]:
            merged[-1] = (contig, last[1], max(last[2], end))
        else:
            merged.append((contig, start, end))
    return merged


def target_intervals(fai_path, bed_path=None):
    contigs = read_fai(fai_path)
    if bed_path:
        return read_bed(bed_path, contigs)
    return [(name, 0, length) for name, length in contigs]


def split_into_chunks(intervals, n_chunks):
    """Cut the intervals into `n_chunks` consecutive pieces of (nearly) equal total length.

    Returns a list of n_chunks lists of (contig, start0, end0); a chunk may be empty only when the
    target has fewer bases than chunks. Chunk k covers bases [k*T/n, (k+1)*T/n) of the concatenated target.
    """
    total = sum(end - start for _, start, end in intervals)
    bounds = [total * k // n_chunks for k in range(n_chunks + 1)]
    chunks = [[] for _ in range(n_chunks)]
    offset = 0
    for contig, start, end in intervals:
        length = end - start
        for k in range(n_chunks):
            lo, hi = max(bounds[k], offset), min(bounds[k + 1], offset + length)
            if lo < hi:
                chunks[k].append((contig, start + lo - offset, start + hi - offset))
        offset += length
    return chunks


def write_bed(intervals, path):
    with open(path, "w") as fh:
        fh.writelines(f"{c}\t{s}\t{e}\n" for c, s, e in intervals)
