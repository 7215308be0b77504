"""Simulate the demo batch: a small reference, known variants, and six samples' aligned paired-end reads.

Everything follows from one seed, so every run writes byte-identical files:
- reference.fa: two contigs from a first-order Markov chain with human-like, CpG-depleted base
  composition, and a run of N inside chr1 (so QC must count non-N bases);
- truth.vcf.gz: SNVs and short indels (left-aligned, not shiftable), genotypes for every sample, with
  allele frequencies that differ between popA and popB;
- one alignment per sample: 2x100 bp pairs from the sample's two haplotypes, with sequencing errors and
  PCR duplicates, aligned by minimap2, duplicate-marked by samtools, as BAM (CRAM for demo06). The
  read group's SM is deliberately not the sample_id, and no index files are written.
"""

import bisect
import dataclasses
import shutil
import tempfile
from pathlib import Path

import numpy as np

from atomic import atomic_path
from demo_layout import DEMO_SAMPLES, demo_files
from rule_logging import get_logger, setup_logging
from tool_run import run


@dataclasses.dataclass(frozen=True)
class ContigSpec:
    """One demo contig: its name, length and N runs as 0-based half-open (start, end) intervals."""

    name: str
    length: int
    n_runs: tuple = ()


# The demo genome: change here (a later issue places real pharmacogene positions and REF alleles in it).
CONTIGS = (
    ContigSpec("chr1", 60_000, n_runs=((30_000, 31_000),)),
    ContigSpec("chr2", 40_000),
)
# Population of each demo sample, as in config/samples.tsv (sex is not simulated: the demo genome has no X/Y).
POPULATIONS = {
    "demo01": "popA",
    "demo02": "popA",
    "demo03": "popA",
    "demo04": "popB",
    "demo05": "popB",
    "demo06": "popB",
}

FASTA_WIDTH = 60
N_SNVS = 40
N_INDELS = 10
MAX_INDEL_LEN = 5
MIN_VARIANT_GAP = 50  # bp between the ends of two variants: far above the 10 bp callers need
EDGE_MARGIN = 500  # no variant this close to a contig end or an N run (coverage thins there)
READ_LEN = 100
INSERT_MEAN = 300
INSERT_SD = 30
MEAN_DEPTH = 25  # over non-N bases, counting unique pairs only
ERROR_RATE = 0.002  # substitutions per base
LOW_QUAL_RATE = 0.02  # bases given a lower quality (Q20-Q30) instead of 'I' (Q40)
DUPLICATE_FRACTION = 0.03  # extra exact copies of this fraction of pairs

BASES = np.frombuffer(b"ACGTN", dtype=np.uint8)  # code 0-3 = A C G T, 4 = N
N_CODE = 4
# Next-base probabilities given the previous base (rows and columns A C G T): human-like, with few CpG.
MARKOV = np.array(
    [
        [0.33, 0.17, 0.24, 0.26],
        [0.35, 0.26, 0.05, 0.34],
        [0.29, 0.21, 0.26, 0.24],
        [0.22, 0.20, 0.25, 0.33],
    ]
)
# Independent random streams, so changing one part (say the depth) leaves the others unchanged.
STREAM_GENOME, STREAM_VARIANTS, STREAM_GENOTYPES, STREAM_READS = 1, 2, 3, 100


@dataclasses.dataclass(frozen=True)
class Variant:
    """A biallelic variant, VCF-style: 1-based position, REF and ALT strings (indels with an anchor base)."""

    contig: str
    pos: int
    ref: str
    alt: str

    @property
    def start(self):
        """0-based start of the REF allele."""
        return self.pos - 1

    @property
    def end(self):
        """0-based end (exclusive) of the REF allele."""
        return self.pos - 1 + len(self.ref)


def stream(seed, part, index=0):
    """The random generator for one part of the simulation."""
    return np.random.default_rng([seed, part, index])


# ---------------------------------------------------------------- reference


def simulate_contig(rng, spec):
    """Base codes (length,) uint8 of one contig: a Markov chain with N runs laid over it."""
    cumulative = [list(np.cumsum(row)[:3]) for row in MARKOV]
    draws = rng.random(spec.length).tolist()
    codes = bytearray(spec.length)
    previous = int(rng.integers(4))
    # A Markov chain is sequential, with no vectorised numpy form; a plain loop does 100 kb in ~50 ms.
    for i, u in enumerate(draws):
        previous = bisect.bisect_right(cumulative[previous], u)
        codes[i] = previous
    codes = np.frombuffer(bytes(codes), dtype=np.uint8).copy()
    for start, end in spec.n_runs:
        codes[start:end] = N_CODE
    return codes


def simulate_reference(seed, contigs=CONTIGS):
    """{contig name: base codes (length,) uint8}, in contig order."""
    rng = stream(seed, STREAM_GENOME)
    return {spec.name: simulate_contig(rng, spec) for spec in contigs}


def to_text(codes):
    return BASES[codes].tobytes().decode("ascii")


def write_fasta(genome, path):
    """Plain FASTA with lines of FASTA_WIDTH bases."""
    with open(path, "w") as out:
        for name, codes in genome.items():
            seq = to_text(codes)
            out.write(f">{name}\n")
            out.writelines(seq[i : i + FASTA_WIDTH] + "\n" for i in range(0, len(seq), FASTA_WIDTH))


# ---------------------------------------------------------------- variants


def allowed_mask(spec):
    """(length,) bool: positions where a variant may start (away from contig ends and N runs)."""
    mask = np.zeros(spec.length, dtype=bool)
    mask[EDGE_MARGIN : spec.length - EDGE_MARGIN - MAX_INDEL_LEN - 1] = True
    for start, end in spec.n_runs:
        mask[max(0, start - EDGE_MARGIN - MAX_INDEL_LEN - 1) : end + EDGE_MARGIN] = False
    return mask


def make_snv(rng, contig, seq, start):
    ref = seq[start]
    alt = rng.choice([b for b in "ACGT" if b != ref])
    return Variant(contig, start + 1, ref, str(alt))


def make_indel(rng, contig, seq, start, deletion):
    """A 1-MAX_INDEL_LEN bp indel anchored at `start`, or None where it could be shifted left or right.

    Unshiftable indels have one representation, so the truth is already what a normalising caller writes.
    """
    length = int(rng.integers(1, MAX_INDEL_LEN + 1))
    if deletion:
        # Deleting seq[start+1 : start+1+length] shifts left if seq[start] equals its last base, right if
        # the base after it equals its first base.
        if seq[start] == seq[start + length] or seq[start + 1] == seq[start + 1 + length]:
            return None
        return Variant(contig, start + 1, seq[start : start + 1 + length], seq[start])
    inserted = "".join(rng.choice(list("ACGT"), size=length))
    if inserted[-1] == seq[start] or inserted[0] == seq[start + 1]:
        return None
    return Variant(contig, start + 1, seq[start], seq[start] + inserted)


def too_close(variant, placed):
    return any(
        other.contig == variant.contig
        and variant.start < other.end + MIN_VARIANT_GAP
        and other.start < variant.end + MIN_VARIANT_GAP
        for other in placed
    )


def choose_variants(seed, genome, contigs=CONTIGS, n_snvs=N_SNVS, n_indels=N_INDELS):
    """SNVs and indels (deletions and insertions alternating), spread over the contigs by length, sorted."""
    rng = stream(seed, STREAM_VARIANTS)
    texts = {name: to_text(codes) for name, codes in genome.items()}
    candidates = [(spec.name, pos) for spec in contigs for pos in np.flatnonzero(allowed_mask(spec))]
    kinds = ["snv"] * n_snvs + ["del", "ins"] * (n_indels // 2) + ["del"] * (n_indels % 2)
    placed = []
    for kind in kinds:
        for _attempt in range(10_000):
            contig, start = candidates[int(rng.integers(len(candidates)))]
            seq = texts[contig]
            if kind == "snv":
                variant = make_snv(rng, contig, seq, int(start))
            else:
                variant = make_indel(rng, contig, seq, int(start), deletion=kind == "del")
            if variant is not None and not too_close(variant, placed):
                placed.append(variant)
                break
        else:
            raise RuntimeError(f"could not place {len(kinds)} variants {MIN_VARIANT_GAP} bp apart in the demo genome")
    order = {spec.name: i for i, spec in enumerate(contigs)}
    return sorted(placed, key=lambda v: (order[v.contig], v.pos))


def population_frequencies(rng, n_variants, populations):
    """(n_variants, n_populations) ALT frequencies: each variant common in one population, rare in the other."""
    n_pops = len(populations)
    high = rng.uniform(0.5, 0.95, size=n_variants)
    low = rng.uniform(0.0, 0.25, size=n_variants)
    common_in = rng.integers(n_pops, size=n_variants)
    freqs = np.repeat(low[:, None], n_pops, axis=1)
    freqs[np.arange(n_variants), common_in] = high
    return freqs


def draw_genotypes(seed, n_variants, samples=DEMO_SAMPLES, populations=POPULATIONS):
    """(n_variants, n_samples, 2) uint8 haplotype alleles (0 REF, 1 ALT); every variant has a carrier.

    Genotypes are binomial draws (Hardy-Weinberg) from the sample's population frequency; the phase of a
    heterozygote is random.
    """
    rng = stream(seed, STREAM_GENOTYPES)
    pop_names = sorted(set(populations[s] for s in samples))
    pop_index = np.array([pop_names.index(populations[s]) for s in samples])
    freqs = population_frequencies(rng, n_variants, pop_names)[:, pop_index]  # (n_variants, n_samples)
    haplotypes = np.zeros((n_variants, len(samples), 2), dtype=np.uint8)
    for i in range(n_variants):
        while not haplotypes[i].any():
            haplotypes[i] = rng.random((len(samples), 2)) < freqs[i][:, None]
    return haplotypes


# ---------------------------------------------------------------- truth VCF


def genotype_string(alleles):
    """'0/0', '0/1' or '1/1' from a (2,) haplotype allele pair (unphased, as a caller writes it)."""
    return {0: "0/0", 1: "0/1", 2: "1/1"}[int(alleles.sum())]


def truth_vcf_text(variants, haplotypes, contigs=CONTIGS, samples=DEMO_SAMPLES):
    """The truth as VCF text: header with contig lengths, one line per variant, GT for every sample."""
    header = [
        "##fileformat=VCFv4.2",
        '##FILTER=<ID=PASS,Description="All filters passed">',
        "##source=genorisk simulate_demo (simulated truth)",
        "##reference=reference.fa",
        *(f"##contig=<ID={spec.name},length={spec.length}>" for spec in contigs),
        '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">',
        "\t".join(["#CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO", "FORMAT", *samples]),
    ]
    lines = [
        "\t".join(
            [v.contig, str(v.pos), ".", v.ref, v.alt, ".", "PASS", ".", "GT"]
            + [genotype_string(haplotypes[i, j]) for j in range(len(samples))]
        )
        for i, v in enumerate(variants)
    ]
    return "\n".join(header + lines) + "\n"


def write_truth(text, path, workdir):
    """bgzipped VCF plus its .tbi beside it (an index of the truth, not of an alignment)."""
    plain = Path(workdir) / "truth.vcf"
    plain.write_text(text)
    with atomic_path(path) as tmp_vcf, atomic_path(f"{path}.tbi") as tmp_tbi:
        run(["bcftools", "view", "--no-version", "-Oz", "-o", tmp_vcf, plain])
        run(["bcftools", "index", "-t", "-f", "-o", tmp_tbi, tmp_vcf])


# ---------------------------------------------------------------- reads


def build_haplotype(codes, variants, alleles):
    """Base codes of one haplotype of one contig: the reference with the carried ALT alleles applied.

    `variants` are this contig's, sorted; `alleles` (n_variants,) is 1 where the haplotype carries ALT.
    """
    pieces, cursor = [], 0
    for variant, allele in zip(variants, alleles, strict=True):
        if not allele:
            continue
        pieces.append(codes[cursor : variant.start])
        pieces.append(np.searchsorted(BASES[:4], np.frombuffer(variant.alt.encode(), dtype=np.uint8)).astype(np.uint8))
        cursor = variant.end
    pieces.append(codes[cursor:])
    return np.concatenate(pieces)


def draw_fragments(rng, haplotype, n_pairs):
    """(n_pairs,) starts and lengths of fragments drawn uniformly over the haplotype, none touching an N."""
    n_before = np.concatenate([[0], np.cumsum(haplotype == N_CODE)])
    starts, lengths = [], []
    need = n_pairs
    while need > 0:
        length = np.clip(np.rint(rng.normal(INSERT_MEAN, INSERT_SD, size=need)), READ_LEN, 2 * INSERT_MEAN)
        length = length.astype(np.int64)
        start = rng.integers(0, len(haplotype) - length + 1)
        clean = n_before[start + length] == n_before[start]
        starts.append(start[clean])
        lengths.append(length[clean])
        need -= int(clean.sum())
    return np.concatenate(starts), np.concatenate(lengths)


def fragment_reads(rng, haplotype, starts, lengths):
    """(n, READ_LEN) base codes of read 1 and read 2 of each fragment; half the fragments from the minus strand."""
    offsets = np.arange(READ_LEN)
    forward = haplotype[starts[:, None] + offsets]
    reverse = 3 - haplotype[(starts + lengths - 1)[:, None] - offsets]  # reverse complement of the far end
    flip = rng.random(len(starts)) < 0.5
    read1 = np.where(flip[:, None], reverse, forward)
    read2 = np.where(flip[:, None], forward, reverse)
    return read1.astype(np.uint8), read2.astype(np.uint8)


def add_errors(rng, reads):
    """Substitute ERROR_RATE of the bases (n, READ_LEN) by one of the three other bases."""
    hit = rng.random(reads.shape) < ERROR_RATE
    shift = rng.integers(1, 4, size=reads.shape, dtype=np.uint8)
    return np.where(hit, (reads + shift) % 4, reads).astype(np.uint8)


def qualities(rng, shape):
    """Phred+33 quality characters (n, READ_LEN) uint8: 'I' (Q40), LOW_QUAL_RATE of them Q20-Q30."""
    low = rng.random(shape) < LOW_QUAL_RATE
    values = rng.integers(ord("5"), ord("?") + 1, size=shape, dtype=np.uint8)
    return np.where(low, values, np.uint8(ord("I"))).astype(np.uint8)


def simulate_pairs(seed, sample_index, haplotypes, depth=MEAN_DEPTH):
    """Read pairs of one sample: (read1, read2, qual1, qual2), each (n_pairs, READ_LEN) uint8.

    `haplotypes` is a list of (contig non-N length, [hap1 codes, hap2 codes]); each haplotype gets half the
    pairs of its contig. DUPLICATE_FRACTION of the pairs are then copied exactly, and the order shuffled.
    """
    rng = stream(seed, STREAM_READS, sample_index)
    reads1, reads2 = [], []
    for non_n, pair in haplotypes:
        n_pairs = int(round(depth * non_n / (2 * READ_LEN) / len(pair)))
        for hap in pair:
            starts, lengths = draw_fragments(rng, hap, n_pairs)
            r1, r2 = fragment_reads(rng, hap, starts, lengths)
            reads1.append(r1)
            reads2.append(r2)
    read1 = add_errors(rng, np.concatenate(reads1))
    read2 = add_errors(rng, np.concatenate(reads2))
    qual1, qual2 = qualities(rng, read1.shape), qualities(rng, read2.shape)
    copies = rng.choice(len(read1), size=int(round(DUPLICATE_FRACTION * len(read1))), replace=False)
    order = rng.permutation(len(read1) + len(copies))
    arrays = [np.concatenate([a, a[copies]])[order] for a in (read1, read2, qual1, qual2)]
    return tuple(arrays)


def write_fastq(reads, quals, path):
    """FASTQ with neutral names r000001... (nothing that identifies the sample)."""
    letters = BASES[reads]
    with open(path, "wb") as out:
        for i in range(len(reads)):
            out.write(b"@r%06d\n%s\n+\n%s\n" % (i + 1, letters[i].tobytes(), quals[i].tobytes()))


# ---------------------------------------------------------------- alignment


def clean_header(alignment, workdir, drop_ur=False):
    """The alignment's header without @PG lines (they carry command lines with paths), as a file."""
    text = run(["samtools", "view", "--no-PG", "-H", alignment])
    lines = [line for line in text.splitlines() if not line.startswith("@PG")]
    if drop_ur:  # htslib writes the CRAM reference's absolute path as UR; M5 identifies it instead
        lines = ["\t".join(f for f in line.split("\t") if not f.startswith("UR:")) for line in lines]
    header = Path(workdir) / "header.sam"
    header.write_text("\n".join(lines) + "\n")
    return header


def align(reference, fastq1, fastq2, read_group_sm, out_bam, workdir, threads):
    """minimap2 -ax sr, fixmate, sort, markdup into a BAM with no @PG lines."""
    work = Path(workdir)
    sam, fixed, sorted_bam, marked = (work / name for name in ("aln.sam", "fixed.bam", "sorted.bam", "marked.bam"))
    read_group = f"@RG\\tID:{read_group_sm}.1\\tSM:{read_group_sm}\\tLB:{read_group_sm}\\tPL:ILLUMINA"
    with open(sam, "w") as out:
        run(["minimap2", "-ax", "sr", "-t", threads, "-R", read_group, reference, fastq1, fastq2], stdout=out)
    run(["samtools", "fixmate", "--no-PG", "-m", "-u", sam, fixed])
    run(["samtools", "sort", "--no-PG", "-@", max(threads - 1, 0), "-u", "-T", work / "sort", "-o", sorted_bam, fixed])
    run(["samtools", "markdup", "--no-PG", "-@", max(threads - 1, 0), "-T", work / "markdup", sorted_bam, marked])
    header = clean_header(marked, work)
    with open(out_bam, "wb") as out:
        run(["samtools", "reheader", "--no-PG", header, marked], stdout=out)


def bam_to_cram(bam, reference, out_cram, workdir, threads):
    """CRAM against `reference`, written through stdout (htslib stores an output file's name inside a CRAM)."""
    raw = Path(workdir) / "raw.cram"
    with open(raw, "wb") as out:
        run(["samtools", "view", "--no-PG", "-C", "-T", reference, "-@", max(threads - 1, 0), bam], stdout=out)
    header = clean_header(raw, workdir, drop_ur=True)
    with open(out_cram, "wb") as out:
        run(["samtools", "reheader", "--no-PG", header, raw], stdout=out)


# ---------------------------------------------------------------- the whole batch


def sample_haplotypes(genome, variants, haplotypes, sample_index, contigs=CONTIGS):
    """[(non-N length, [hap1, hap2])] per contig for one sample, from (n_variants, n_samples, 2) alleles."""
    result = []
    for spec in contigs:
        idx = [i for i, v in enumerate(variants) if v.contig == spec.name]
        on_contig = [variants[i] for i in idx]
        codes = genome[spec.name]
        pair = [build_haplotype(codes, on_contig, haplotypes[idx, sample_index, h]) for h in range(2)]
        result.append((int((codes != N_CODE).sum()), pair))
    return result


def simulate_demo(outputs, seed, threads=1):
    """Write the demo batch. `outputs` maps demo_layout.demo_files() keys to paths; a .cram path gets CRAM."""
    log = get_logger()
    threads = max(int(threads), 1)
    missing = set(demo_files()) - set(outputs)
    if missing:
        raise ValueError(f"simulate_demo: outputs lack {sorted(missing)}")
    with tempfile.TemporaryDirectory(prefix="simulate_demo.") as workdir:
        work = Path(workdir)
        reference = work / "reference.fa"
        genome = simulate_reference(seed)
        write_fasta(genome, reference)
        with atomic_path(outputs["reference"]) as tmp:
            shutil.copyfile(reference, tmp)
        log.info("reference: %s", ", ".join(f"{s.name} {s.length} bp" for s in CONTIGS))

        variants = choose_variants(seed, genome)
        haplotypes = draw_genotypes(seed, len(variants))
        write_truth(truth_vcf_text(variants, haplotypes), outputs["truth"], work)
        n_snv = sum(len(v.ref) == len(v.alt) == 1 for v in variants)
        log.info("truth: %d variants (%d SNVs, %d indels)", len(variants), n_snv, len(variants) - n_snv)

        for index, sample in enumerate(DEMO_SAMPLES):
            sample_dir = work / f"s{index + 1}"
            sample_dir.mkdir()
            pairs = simulate_pairs(seed, index, sample_haplotypes(genome, variants, haplotypes, index))
            fastq1, fastq2 = sample_dir / "r1.fq", sample_dir / "r2.fq"
            write_fastq(pairs[0], pairs[2], fastq1)
            write_fastq(pairs[1], pairs[3], fastq2)
            log.info("%s: %d read pairs simulated, aligning", sample, len(pairs[0]))
            target = outputs[sample]
            with atomic_path(target) as tmp:
                bam = sample_dir / "final.bam" if str(target).endswith(".cram") else tmp
                align(reference, fastq1, fastq2, f"LIB-{index + 1}", bam, sample_dir, threads)
                if str(target).endswith(".cram"):
                    bam_to_cram(bam, reference, tmp, sample_dir, threads)
            shutil.rmtree(sample_dir)
            log.info("%s: written", sample)


def main(smk):
    setup_logging(smk.log[0])
    outputs = {key: smk.output[key] for key in demo_files()}
    simulate_demo(outputs, int(smk.params.seed), smk.threads)


if __name__ == "__main__":
    main(snakemake)  # noqa: F821
