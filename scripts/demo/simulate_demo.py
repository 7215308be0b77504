"""Simulate the demo batch: a GRCh38-shaped reference, known variants, and six samples' aligned paired-end reads.

The demo genome has GRCh38's contig names and coordinates, so the shipped panels apply unchanged: around every
defining position of the shipped PharmCAT definitions (config/panels/pgx: each gene's `variants` and its exemptions'
extra positions, read with pgx_match.load_gene) and every row of the shipped carrier panel
(config/panels/carrier/carrier_panel.tsv), a window of FLANK bp either side carries sequence, with the panel's REF
allele written at the site; overlapping windows merge. Only those panel bases are GRCh38's: no GRCh38 FASTA is
available here, so the rest of each window is synthetic (a first-order Markov chain with human-like, CpG-depleted
base composition), everything outside the windows is N, and each contig ends where its last window ends.

Everything follows from one seed, so every run writes byte-identical files:
- reference.fa.gz: the genome, bgzipped (some 750 Mb of mostly N become ~3 MB; prepare_reference unpacks it);
- regions.bed: the windows' cores, REGION_MARGIN in from their ends, MARKER_MARGIN for an ancestry marker's window
  (the demo config's `regions`: QC and calling look only there; depth ramps down to 0 over the last ~300 bp of a
  window);
- pgx_sites.vcf: the PGx panel positions (REF, ALTs, rsID) from the same definitions (for the tests: the workflow
  makes the same records itself, rule pgx_sites, for any GRCh38 batch);
- ancestry markers (demo/demo_ancestry.py): 300 of the shipped ancestry panel's GRCh38 sites in windows of their own,
  genotypes drawn from named panel populations (demo01-02 EUR, demo03-04 AFR, demo05-06 EAS), in the truth with
  IDs `anc_<contig>_<pos>` where some sample carries the ALT;
- truth.vcf.gz: the planted panel variants (PLANTED: a spread of star alleles and carrier findings) and random SNVs
  and short indels (left-aligned, not shiftable; inside windows, away from panel sites), genotypes for every
  sample, the random ones with allele frequencies that differ between popA and popB;
- demo_score.txt: a synthetic polygenic score in the PGS Catalog format over the random variants (random weights;
  not a published score), the demo config's `pgs.scoring_files`;
- demo_score_reference.vcf and _labels.tsv: the score's reference panel (demo/demo_score_reference.py: the
  ancestry panel's people with synthetic genotypes at the score's variants), the demo config's `pgs.reference_panel`;
- one alignment per sample: 2x100 bp pairs from the sample's two haplotypes, with sequencing errors and PCR
  duplicates, as BAM (CRAM for demo06). One window gets no reads in one sample (DROPOUT), so the reports show a
  panel position that is not covered (a no-call, never reference). The read group's SM is deliberately not the
  sample_id, and no index files are written.

Alignment: minimap2 on the full contigs would index hundreds of Mb of N for each sample, so reads are aligned to a
compact FASTA of the windows alone and then moved to GRCh38 coordinates (window contig + offset, a header with the
real contig lengths), then fixmate, sort and markdup as usual.

Size: over 400 lines because one deterministic simulation (genome, truth, reads, alignment) whose steps share one
random stream and must stay in order for byte-identical demos.
"""

import bisect
import dataclasses
import hashlib
import shutil
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pysam

from carrier.carrier_panel import load_panel
from common.atomic import atomic_path, write_text
from common.rule_logging import get_logger, setup_logging
from common.tool_run import ToolError, run
from demo import demo_ancestry, demo_score_reference
from demo.demo_layout import DEMO_SAMPLES, demo_files
from pgx.pgx_match import PANEL_GENES, load_gene

# Population of each demo sample, as in config/samples.tsv.
POPULATIONS = {
    "demo01": "popA",
    "demo02": "popA",
    "demo03": "popA",
    "demo04": "popB",
    "demo05": "popB",
    "demo06": "popB",
}
# Panel variants planted in the samples: (gene, rsID, ALT, genotype of demo01..demo06 as haplotype1|haplotype2).
# Positions and REF come from the shipped panels (looked up by rsID). The star alleles they make, per PharmCAT's
# definitions: CYP2C19 *1/*2, *2/*2, *1/*17, *17/*17, *1/*1, *2/*17 (GRCh38 is *38; *1, *2 and *17 all carry
# rs3758581 G, *2 also rs12769205 G and rs4244285 A, *17 rs12248560 T); CYP2C9 *1/*3, *1/*2; VKORC1 -1639 AG and
# AA; SLCO1B1 *1/*5, *5/*5; DPYD c.1905+1G>A (*2A) and TPMT *3C carriers; CYP3A5 *1/*3 (rs776746 C: an
# expresser, intermediate metabolizer); UGT1A1 *28/*28 (rs3064744 CAT>CATAT, an insertion in the TA repeat: poor
# metabolizer); G6PD Mediterranean (rs5030868 A) in demo04, a male (config/samples.tsv): hemizygous, deficient; F5
# Leiden and HBB S carriers; APOE e3/e4 and e2/e3 (tests/workflow/test_demo_panels.py states the expected calls).
PLANTED = (
    ("CYP2C19", "rs3758581", "G", ("1|1", "1|1", "1|1", "1|1", "1|1", "1|1")),
    ("CYP2C19", "rs12769205", "G", ("0|1", "1|1", "0|0", "0|0", "0|0", "1|0")),
    ("CYP2C19", "rs4244285", "A", ("0|1", "1|1", "0|0", "0|0", "0|0", "1|0")),
    ("CYP2C19", "rs12248560", "T", ("0|0", "0|0", "0|1", "1|1", "0|0", "0|1")),
    ("CYP2C9", "rs1057910", "C", ("0|1", "0|0", "0|0", "0|0", "0|0", "0|0")),
    ("CYP2C9", "rs1799853", "T", ("0|0", "0|1", "0|0", "0|0", "0|0", "0|0")),
    ("VKORC1", "rs9923231", "T", ("0|0", "0|1", "0|0", "1|1", "0|0", "0|0")),
    ("SLCO1B1", "rs4149056", "C", ("0|0", "0|0", "0|1", "0|0", "0|0", "1|1")),
    ("DPYD", "rs3918290", "T", ("0|0", "0|0", "0|0", "0|0", "0|1", "0|0")),
    ("TPMT", "rs1142345", "C", ("0|0", "0|0", "0|0", "0|0", "0|0", "0|1")),
    ("CYP3A5", "rs776746", "C", ("0|1", "0|0", "0|0", "0|0", "0|0", "0|0")),
    ("UGT1A1", "rs3064744", "CATAT", ("0|0", "0|0", "1|1", "0|0", "0|0", "0|0")),
    ("G6PD", "rs5030868", "A", ("0|0", "0|0", "0|0", "1|1", "0|0", "0|0")),
    ("F5", "rs6025", "T", ("0|1", "0|0", "0|0", "0|0", "0|0", "0|0")),
    ("APOE", "rs429358", "C", ("0|0", "0|1", "0|0", "0|0", "0|0", "0|0")),
    ("APOE", "rs7412", "T", ("0|0", "0|0", "0|1", "0|0", "0|0", "0|0")),
    ("HBB", "rs334", "A", ("0|0", "0|0", "0|0", "1|0", "0|0", "0|0")),
    # ClinVar demo records (config/panels/clinvar/demo_clinvar_GRCh38.vcf, SOURCE.md there): BRCA1 c.5089T>C
    # (Variation ID 55392) in demo01 (consents to secondary findings: at risk) and demo05 (refuses: withheld);
    # MUTYH c.536A>G p.Tyr179Cys (Variation ID 5293, recessive) in demo02: a carrier.
    ("BRCA1", "clinvar:55392", "G", ("0|1", "0|0", "0|0", "0|0", "1|0", "0|0")),
    ("MUTYH", "clinvar:5293", "C", ("0|0", "0|1", "0|0", "0|0", "0|0", "0|0")),
)
# Sample -> panel sites whose whole window gets no reads in that sample (nothing is planted in those windows).
DROPOUT = {"demo03": ("rs116855232",)}

FLANK = 1000  # bp of sequence either side of a panel site
# The ClinVar demo records' windows: small (regions.bed keeps REGION_MARGIN in from each end: 2 x 100 bp + the site),
# with their own random stream and no random variants, so the rest of the genome is what it was without them.
CLINVAR_FLANK = 400
FASTA_WIDTH = 60
REFERENCE_CHUNK = FASTA_WIDTH * 100_000  # bases formatted at a time when writing the mostly-N reference
N_SNVS = 40
N_INDELS = 10
MAX_INDEL_LEN = 5
MIN_VARIANT_GAP = 50  # bp between the ends of two variants: far above the 10 bp callers need
PANEL_GAP = 100  # bp between a random variant and any panel site
EDGE_MARGIN = 500  # no random variant this close to a window end (coverage thins there)
REGION_MARGIN = 300  # regions.bed leaves out this much of each window end: depth is full beyond it
MARKER_MARGIN = 150  # the same for a window of ancestry markers only (501 bp: its central 201 bp are kept)
READ_LEN = 100
INSERT_MEAN = 300
INSERT_SD = 30
MEAN_DEPTH = 25  # over the windows, counting unique pairs only
ERROR_RATE = 0.001  # substitutions per base (Q30); three equal errors at one position in ~25 reads make a false call
LOW_QUAL_RATE = 0.02  # bases given a lower quality (Q20-Q30) instead of 'I' (Q40)
DUPLICATE_FRACTION = 0.03  # extra exact copies of this fraction of pairs
CRAM_SLICE_READS = 300  # reads per CRAM slice: about one window (see bam_to_cram)

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
STREAM_GENOME, STREAM_VARIANTS, STREAM_GENOTYPES, STREAM_SCORE, STREAM_ANCESTRY, STREAM_READS = 1, 2, 3, 4, 5, 100
STREAM_CLINVAR_GENOME, STREAM_CLINVAR_READS = 6, 101
STREAM_SCORE_REFERENCE = 7


@dataclasses.dataclass(frozen=True)
class PanelSite:
    """A panel position: GRCh38 contig, 1-based position, the panel's REF and ALTs, rsID (None without), gene."""

    contig: str
    pos: int
    ref: str
    alts: tuple
    rsid: str | None
    gene: str
    panel: str  # "pgx", "carrier", "clinvar" or "ancestry"

    @property
    def label(self):
        return self.rsid or f"{self.contig}:{self.pos}"

    @property
    def end(self):
        """0-based end (exclusive) of the REF allele."""
        return self.pos - 1 + len(self.ref)


@dataclasses.dataclass(frozen=True)
class Window:
    """A stretch of sequence in the demo genome: 0-based half-open [start, end) on a GRCh38 contig."""

    index: int
    contig: str
    start: int
    end: int

    @property
    def name(self):
        """Its name in the compact alignment FASTA."""
        return f"w{self.index:03d}"

    @property
    def length(self):
        return self.end - self.start


@dataclasses.dataclass(frozen=True)
class Variant:
    """A biallelic variant, VCF-style: 1-based position, REF and ALT strings (indels with an anchor base), ID."""

    contig: str
    pos: int
    ref: str
    alt: str
    id: str = "."

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


def contig_rank(name):
    """GRCh38 order: chr1..chr22, chrX, chrY, chrM, then any other name alphabetically."""
    bare = name[3:] if name.startswith("chr") else name
    special = {"X": 23, "Y": 24, "M": 25, "MT": 25}
    if bare.isdigit():
        return (0, int(bare), "")
    return (0, special[bare], "") if bare in special else (1, 0, name)


# ---------------------------------------------------------------- panels and windows


def clinvar_sites(clinvar_vcf):
    """[PanelSite] of the records of a small ClinVar VCF (NCBI layout: bare contigs, ID = Variation ID, GENEINFO),
    labelled clinvar:<Variation ID>, on the demo's 'chr' contigs."""
    sites = []
    for line in Path(clinvar_vcf).read_text().splitlines():
        if line.startswith("#"):
            continue
        chrom, pos, vid, ref, alt, _, _, info = line.split("\t")[:8]
        gene = dict(kv.split("=", 1) for kv in info.split(";"))["GENEINFO"].split(":")[0]
        sites.append(PanelSite(f"chr{chrom}", int(pos), ref, tuple(alt.split(",")), f"clinvar:{vid}", gene, "clinvar"))
    return sites


def panel_sites(pgx_dir, carrier_panel, genes=PANEL_GENES, clinvar_vcf=None):
    """[PanelSite] of every PGx defining and extra position (definition order per gene), then every carrier row,
    then the ClinVar demo records."""
    sites = []
    for gene in genes:
        definition = load_gene(pgx_dir, gene)
        for locus in (*definition.loci, *definition.extra_loci):
            sites.append(PanelSite(locus.chrom, locus.pos, locus.ref, tuple(locus.alts), locus.rsid, gene, "pgx"))
    for row in load_panel(carrier_panel):
        rsid = None if row.rsid == "." else row.rsid
        sites.append(PanelSite(row.chrom, row.pos, row.ref, (row.alt,), rsid, row.gene, "carrier"))
    return sites + (clinvar_sites(clinvar_vcf) if clinvar_vcf else [])


def make_windows(sites, flank=FLANK):
    """[Window] covering every site's REF +- flank (ancestry markers: their own), overlapping ones merged, in GRCh38
    contig order."""
    flanks = {"ancestry": demo_ancestry.FLANK}
    spans = sorted(
        ((s.contig, max(0, s.pos - 1 - flanks.get(s.panel, flank)), s.end + flanks.get(s.panel, flank)) for s in sites),
        key=lambda span: (contig_rank(span[0]), span[1], span[2]),
    )
    merged = []
    for contig, start, end in spans:
        if merged and merged[-1][0] == contig and start <= merged[-1][2]:
            merged[-1][2] = max(merged[-1][2], end)
        else:
            merged.append([contig, start, end])
    return [Window(i, contig, start, end) for i, (contig, start, end) in enumerate(merged)]


def contig_lengths(windows):
    """{contig: length} in window (GRCh38) order: each contig ends where its last window ends."""
    lengths = {}
    for window in windows:
        lengths[window.contig] = max(lengths.get(window.contig, 0), window.end)
    return lengths


def window_of(windows, contig, pos0):
    """The window holding 0-based position `pos0` of `contig` (ValueError if none does)."""
    for window in windows:
        if window.contig == contig and window.start <= pos0 < window.end:
            return window
    raise ValueError(f"{contig}:{pos0 + 1} lies in no window of the demo genome")


def site_by_label(sites):
    """{rsID or chrom:pos: PanelSite}; a label the panels give twice must name the same position and REF."""
    table = {}
    for site in sites:
        known = table.setdefault(site.label, site)
        if (known.contig, known.pos, known.ref) != (site.contig, site.pos, site.ref):
            raise ValueError(f"panel position {site.label} is given as two different positions or REFs")
    return table


# ---------------------------------------------------------------- reference


def markov_chain(rng, length):
    """Base codes (length,) uint8 from the MARKOV chain."""
    cumulative = [list(np.cumsum(row)[:3]) for row in MARKOV]
    draws = rng.random(length).tolist()
    codes = bytearray(length)
    previous = int(rng.integers(4))
    # A Markov chain is sequential, with no vectorised numpy form; a plain loop does 100 kb in ~50 ms.
    for i, u in enumerate(draws):
        previous = bisect.bisect_right(cumulative[previous], u)
        codes[i] = previous
    return np.frombuffer(bytes(codes), dtype=np.uint8).copy()


def simulate_windows(seed, windows, sites, part=STREAM_GENOME):
    """[base codes (window length,) uint8] per window: synthetic sequence with every panel REF written at its site."""
    rng = stream(seed, part)
    codes = [markov_chain(rng, window.length) for window in windows]
    written = {}
    for site in sites:
        window = window_of(windows, site.contig, site.pos - 1)
        for k, base in enumerate(site.ref.upper()):
            pos0 = site.pos - 1 + k
            earlier = written.setdefault((site.contig, pos0), (base, site.label))
            if earlier[0] != base:
                raise ValueError(
                    f"panel REFs disagree at {site.contig}:{pos0 + 1}: {earlier[1]} has {earlier[0]}, "
                    f"{site.label} has {base}"
                )
            codes[window.index][pos0 - window.start] = "ACGT".index(base)
    return codes


def to_text(codes):
    return BASES[codes].tobytes().decode("ascii")


def fasta_lines(ascii_codes):
    """FASTA_WIDTH-column lines (with newlines) of an ASCII base array, as bytes."""
    full = len(ascii_codes) // FASTA_WIDTH
    grid = np.full((full, FASTA_WIDTH + 1), ord("\n"), dtype=np.uint8)
    grid[:, :FASTA_WIDTH] = ascii_codes[: full * FASTA_WIDTH].reshape(full, FASTA_WIDTH)
    tail = ascii_codes[full * FASTA_WIDTH :]
    return grid.tobytes() + (tail.tobytes() + b"\n" if len(tail) else b"")


def reference_pieces(windows, codes, lengths, md5s):
    """The genome as FASTA text, yielded in pieces of at most REFERENCE_CHUNK bases (N outside the windows).

    Fills `md5s` {contig: MD5 of its sequence}, the @SQ M5 of the SAM spec (upper case, no line breaks): with M5 in
    the alignment header, samtools need not read the whole reference again to make the CRAM.
    """
    for contig, length in lengths.items():
        yield f">{contig}\n".encode()
        on_contig = [w for w in windows if w.contig == contig]
        digest = hashlib.md5()
        for offset in range(0, length, REFERENCE_CHUNK):  # a multiple of FASTA_WIDTH, so lines never straddle
            end = min(offset + REFERENCE_CHUNK, length)
            chunk = np.full(end - offset, ord("N"), dtype=np.uint8)
            for w in on_contig:
                lo, hi = max(w.start, offset), min(w.end, end)
                if lo < hi:
                    chunk[lo - offset : hi - offset] = BASES[codes[w.index][lo - w.start : hi - w.start]]
            digest.update(chunk.tobytes())
            yield fasta_lines(chunk)
        md5s[contig] = digest.hexdigest()


def write_bgzipped_fasta(pieces, path, threads=1):
    """Stream FASTA text pieces through `bgzip -c` into `path` (bgzip's blocks make it indexable by samtools)."""
    get_logger().info("running: bgzip -c -@ %d > %s", threads, Path(path).name)
    with open(path, "wb") as out:
        proc = subprocess.Popen(["bgzip", "-c", "-@", str(threads)], stdin=subprocess.PIPE, stdout=out)
        try:
            for piece in pieces:
                proc.stdin.write(piece)
        finally:
            proc.stdin.close()
        if proc.wait() != 0:
            raise ToolError(f"bgzip failed (exit {proc.returncode}) writing {Path(path).name}")


def write_compact_fasta(windows, codes, path):
    """Plain FASTA of the windows alone, named Window.name: what minimap2 aligns to."""
    with open(path, "wb") as out:
        for window in windows:
            out.write(f">{window.name}\n".encode())
            out.write(fasta_lines(BASES[codes[window.index]]))


def regions_bed_text(windows, margin=REGION_MARGIN, sites=()):
    """The windows' cores as BED (0-based, half-open), in reference order: `margin` bp in from each end, where
    read depth ramps down to 0 (fragments stay inside a window) and a lone sequencing error can look like a variant.
    A window of ancestry markers only (of `sites`, the PanelSites; 2 x demo_ancestry.FLANK + 1 bp, too short for
    that) leaves out MARKER_MARGIN: 2x100 bp pairs of ~300 bp fragments give about 1.25x the mean depth there.
    """
    held = {window_of(windows, s.contig, s.pos - 1).index for s in sites if s.panel != "ancestry"}
    held |= {w.index for w in windows} if not sites else set()
    margins = [margin if w.index in held else MARKER_MARGIN for w in windows]
    return "".join(f"{w.contig}\t{w.start + m}\t{w.end - m}\n" for w, m in zip(windows, margins, strict=True))


def pgx_sites_vcf_text(sites, lengths):
    """Sites-only VCF of the PGx panel positions: one record per position (ALTs united), rsID as ID, sorted."""
    records = {}
    for site in (s for s in sites if s.panel == "pgx"):
        key = (site.contig, site.pos, site.ref)
        alts, ids = records.setdefault(key, ([], []))
        alts.extend(a for a in site.alts if a not in alts)
        if site.rsid and site.rsid not in ids:
            ids.append(site.rsid)
    header = [
        "##fileformat=VCFv4.2",
        "##source=genorisk simulate_demo (PharmCAT definition positions of the shipped PGx panel)",
        *(f"##contig=<ID={name},length={length}>" for name, length in lengths.items()),
        "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO",
    ]
    lines = [
        f"{contig}\t{pos}\t{';'.join(ids) or '.'}\t{ref}\t{','.join(alts)}\t.\t.\t."
        for (contig, pos, ref), (alts, ids) in sorted(records.items(), key=lambda r: (contig_rank(r[0][0]), r[0][1:]))
    ]
    return "\n".join(header + lines) + "\n"


# ---------------------------------------------------------------- variants


def planted_variants(sites, planted=PLANTED, samples=DEMO_SAMPLES):
    """([Variant], (n_planted, n_samples, 2) uint8 haplotype alleles) of PLANTED, positions from the panels. A ClinVar
    record's row is skipped when the genome was simulated without the demo ClinVar VCF (tests that build a genome of
    the PGx and carrier panels alone)."""
    table = site_by_label(sites)
    variants, alleles = [], []
    for gene, rsid, alt, genotypes in planted:
        if rsid.startswith("clinvar:") and rsid not in table:
            continue
        site = table[rsid]
        if alt not in site.alts or site.gene != gene:
            raise ValueError(f"planted {gene} {rsid}>{alt} is not a panel allele ({site.gene} {site.alts})")
        if len(genotypes) != len(samples):
            raise ValueError(f"planted {rsid}: {len(genotypes)} genotypes for {len(samples)} samples")
        variants.append(Variant(site.contig, site.pos, *trim_suffix(site.ref, alt), rsid))
        alleles.append([[int(a) for a in gt.split("|")] for gt in genotypes])
    return variants, np.array(alleles, dtype=np.uint8).reshape(len(variants), len(samples), 2)


def trim_suffix(ref, alt):
    """REF and ALT without their common ending (one base kept): the definitions' UGT1A1 CAT>CATAT is C>CAT, the form
    bcftools norm writes and the truth VCF keeps (same start, same haplotype)."""
    while len(ref) > 1 and len(alt) > 1 and ref[-1] == alt[-1]:
        ref, alt = ref[:-1], alt[:-1]
    return ref, alt


def dropout_windows(windows, sites, dropout=DROPOUT):
    """{sample: set of window indices without reads in that sample}."""
    table = site_by_label(sites)
    return {
        sample: {window_of(windows, table[label].contig, table[label].pos - 1).index for label in labels}
        for sample, labels in dropout.items()
    }


def allowed_mask(window, sites):
    """(window length,) bool: offsets where a random variant may start (away from window ends and panel sites)."""
    mask = np.zeros(window.length, dtype=bool)
    mask[EDGE_MARGIN : window.length - EDGE_MARGIN - MAX_INDEL_LEN - 1] = True
    for site in sites:
        if site.contig == window.contig and window.start <= site.pos - 1 < window.end:
            lo = site.pos - 1 - window.start - PANEL_GAP - MAX_INDEL_LEN - 1
            mask[max(0, lo) : site.end - window.start + PANEL_GAP] = False
    return mask


def make_snv(rng, contig, seq, start, offset):
    ref = seq[start]
    alt = rng.choice([b for b in "ACGT" if b != ref])
    return Variant(contig, offset + start + 1, ref, str(alt))


def make_indel(rng, contig, seq, start, offset, deletion):
    """A 1-MAX_INDEL_LEN bp indel anchored at `start` of `seq` (which begins at 0-based `offset`), or None
    where it could be shifted left or right.

    Unshiftable indels have one representation, so the truth is already what a normalising caller writes.
    """
    length = int(rng.integers(1, MAX_INDEL_LEN + 1))
    if deletion:
        # Deleting seq[start+1 : start+1+length] shifts left if seq[start] equals its last base, right if
        # the base after it equals its first base.
        if seq[start] == seq[start + length] or seq[start + 1] == seq[start + 1 + length]:
            return None
        return Variant(contig, offset + start + 1, seq[start : start + 1 + length], seq[start])
    inserted = "".join(rng.choice(list("ACGT"), size=length))
    if inserted[-1] == seq[start] or inserted[0] == seq[start + 1]:
        return None
    return Variant(contig, offset + start + 1, seq[start], seq[start] + inserted)


def too_close(variant, placed):
    return any(
        other.contig == variant.contig
        and variant.start < other.end + MIN_VARIANT_GAP
        and other.start < variant.end + MIN_VARIANT_GAP
        for other in placed
    )


def sort_key(variant):
    return (contig_rank(variant.contig), variant.pos, variant.ref, variant.alt)


def choose_variants(seed, windows, codes, sites, excluded=(), placed=(), n_snvs=N_SNVS, n_indels=N_INDELS):
    """Random SNVs and indels (deletions and insertions alternating) in the windows, sorted.

    Not in `excluded` windows, MIN_VARIANT_GAP from each other and from `placed` variants, PANEL_GAP from every
    panel site.
    """
    rng = stream(seed, STREAM_VARIANTS)
    texts = [to_text(c) for c in codes]
    candidates = [
        (w.index, int(offset))
        for w in windows
        if w.index not in excluded
        for offset in np.flatnonzero(allowed_mask(w, sites))
    ]
    kinds = ["snv"] * n_snvs + ["del", "ins"] * (n_indels // 2) + ["del"] * (n_indels % 2)
    chosen, placed = [], list(placed)
    for kind in kinds:
        for _attempt in range(10_000):
            index, start = candidates[int(rng.integers(len(candidates)))]
            window, seq = windows[index], texts[index]
            if kind == "snv":
                variant = make_snv(rng, window.contig, seq, start, window.start)
            else:
                variant = make_indel(rng, window.contig, seq, start, window.start, deletion=kind == "del")
            if variant is not None and not too_close(variant, placed):
                placed.append(variant)
                chosen.append(variant)
                break
        else:
            raise RuntimeError(f"could not place {len(kinds)} variants {MIN_VARIANT_GAP} bp apart in the demo genome")
    return sorted(chosen, key=sort_key)


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


def merge_truth(planted, planted_alleles, random, random_alleles):
    """All variants sorted in reference order, with their (n_variants, n_samples, 2) alleles in the same order."""
    variants = [*planted, *random]
    alleles = np.concatenate([planted_alleles, random_alleles])
    order = sorted(range(len(variants)), key=lambda i: sort_key(variants[i]))
    return [variants[i] for i in order], alleles[order]


# ---------------------------------------------------------------- demo polygenic score

DEMO_SCORE_HEADER = [
    "###PGS CATALOG SCORING FILE format (synthetic: made by genorisk's demo simulator, not a published score)",
    "#format_version=2.0",
    "##POLYGENIC SCORE (PGS) INFORMATION",
    "#pgs_id=genorisk_demo_score",
    "#pgs_name=genorisk demo score",
    "#trait_reported=synthetic demo trait (no real trait: random weights)",
    "#weight_type=beta",
    "#genome_build=GRCh38",
    "##SOURCE INFORMATION",
    "#citation=genorisk demo simulator (random weights, fixed seed); not a PGS Catalog score",
]
DEMO_SCORE_COLUMNS = ["chr_name", "chr_position", "effect_allele", "other_allele", "effect_weight"]


def demo_score_text(seed, variants):
    """A scoring file in the PGS Catalog format over the demo's random (unplanted) variants, so the demo reports show
    a polygenic score section: weights ~ N(0, 0.2) rounded to 4 decimals, the effect allele REF or ALT at random
    (matching then meets both orientations; A/T and C/G SNPs among them count as strand-ambiguous and are dropped).
    A synthetic score, labelled so: a real PGS Catalog score spans every autosome, which this genome does not carry."""
    rng = stream(seed, STREAM_SCORE)
    chosen = [v for v in variants if v.id == "."]
    weights = np.round(rng.normal(0.0, 0.2, size=len(chosen)), 4)
    alt_effect = rng.random(len(chosen)) < 0.5
    lines = [*DEMO_SCORE_HEADER, "\t".join(DEMO_SCORE_COLUMNS)]
    for v, weight, on_alt in zip(chosen, weights.tolist(), alt_effect.tolist(), strict=True):
        effect, other = (v.alt, v.ref) if on_alt else (v.ref, v.alt)
        lines.append("\t".join([v.contig.removeprefix("chr"), str(v.pos), effect, other, f"{weight:.4f}"]))
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- truth VCF


def genotype_string(alleles):
    """'0/0', '0/1' or '1/1' from a (2,) haplotype allele pair (unphased, as a caller writes it)."""
    return {0: "0/0", 1: "0/1", 2: "1/1"}[int(alleles.sum())]


def truth_vcf_text(variants, haplotypes, lengths, samples=DEMO_SAMPLES):
    """The truth as VCF text: header with contig lengths, one line per variant, GT for every sample."""
    header = [
        "##fileformat=VCFv4.2",
        '##FILTER=<ID=PASS,Description="All filters passed">',
        "##source=genorisk simulate_demo (simulated truth)",
        "##reference=reference.fa.gz",
        *(f"##contig=<ID={name},length={length}>" for name, length in lengths.items()),
        '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">',
        "\t".join(["#CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO", "FORMAT", *samples]),
    ]
    lines = [
        "\t".join(
            [v.contig, str(v.pos), v.id, v.ref, v.alt, ".", "PASS", ".", "GT"]
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


def build_haplotype(codes, offset, variants, alleles):
    """Base codes of one haplotype of one window (which starts at 0-based `offset`): the carried ALTs applied.

    `variants` are this window's, sorted; `alleles` (n_variants,) is 1 where the haplotype carries ALT.
    """
    pieces, cursor = [], 0
    for variant, allele in zip(variants, alleles, strict=True):
        if not allele:
            continue
        pieces.append(codes[cursor : variant.start - offset])
        pieces.append(np.searchsorted(BASES[:4], np.frombuffer(variant.alt.encode(), dtype=np.uint8)).astype(np.uint8))
        cursor = variant.end - offset
    pieces.append(codes[cursor:])
    return np.concatenate(pieces)


def draw_fragments(rng, haplotype, n_pairs):
    """(n_pairs,) starts and lengths of fragments drawn uniformly over the haplotype (N-free: one window)."""
    length = np.clip(np.rint(rng.normal(INSERT_MEAN, INSERT_SD, size=n_pairs)), READ_LEN, 2 * INSERT_MEAN)
    length = length.astype(np.int64)
    start = rng.integers(0, len(haplotype) - length + 1)
    return start, length


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


def simulate_pairs(seed, sample_index, haplotypes, depth=MEAN_DEPTH, part=STREAM_READS):
    """Read pairs of one sample: (read1, read2, qual1, qual2), each (n_pairs, READ_LEN) uint8.

    `haplotypes` is a list of (window length, [hap1 codes, hap2 codes]); each haplotype gets half the pairs of
    its window. DUPLICATE_FRACTION of the pairs are then copied exactly, and the order shuffled.
    """
    rng = stream(seed, part, sample_index)
    reads1, reads2 = [], []
    for length, pair in haplotypes:
        n_pairs = int(round(depth * length / (2 * READ_LEN) / len(pair)))
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
    """FASTQ with neutral names r000001... (nothing that identifies the sample); reads, quals (n, READ_LEN) uint8.

    Every record has the same length, so the file is one (n, record length) byte array: a loop writing 200,000
    records one by one took seconds.
    """
    n = len(reads)
    names = np.char.encode(np.char.mod("@r%06d\n", np.arange(1, n + 1)), "ascii")
    names = np.frombuffer(names.tobytes(), dtype=np.uint8).reshape(n, -1)
    newline, plus = np.full((n, 1), ord("\n"), np.uint8), np.full((n, 3), list(b"\n+\n"), np.uint8)
    records = np.hstack([names, BASES[reads], plus, quals, newline])
    Path(path).write_bytes(records.tobytes())


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


def _lift_sa(value, places):
    """An SA tag value (rname,pos,strand,CIGAR,mapQ,NM;...) moved from window names to GRCh38 coordinates."""
    parts = []
    for entry in filter(None, value.split(";")):
        name, pos, *rest = entry.split(",")
        contig, offset = places[name]
        parts.append(",".join([contig, str(int(pos) + offset), *rest]))
    return "".join(f"{p};" for p in parts)


def lift_alignments(sam, out_bam, windows, lengths, md5s=None):
    """Rewrite minimap2's SAM against the compact window FASTA as an uncompressed BAM on GRCh38 contigs.

    A window's position p becomes its contig's position window.start + p; the header gets the real contigs, their
    lengths and (when given) their M5 checksums, and keeps minimap2's @RG, not its @PG. Record order is kept, so
    mates stay adjacent.
    """
    names = list(lengths)
    places = {w.name: (w.contig, w.start) for w in windows}
    squares = [{"SN": name, "LN": length, **({"M5": md5s[name]} if md5s else {})} for name, length in lengths.items()]
    with pysam.AlignmentFile(str(sam), "r") as src:
        header = {"HD": {"VN": "1.6", "SO": "unsorted"}, "SQ": squares, "RG": src.header.to_dict().get("RG", [])}
        # window index in the SAM header -> (GRCh38 contig index, offset)
        shift = {i: (names.index(places[name][0]), places[name][1]) for i, name in enumerate(src.references)}
        with pysam.AlignmentFile(str(out_bam), "wbu", header=header) as out:
            for read in src:
                # Records hold contig indexes and positions only, so moving them is integer arithmetic.
                if read.reference_id >= 0:
                    tid, offset = shift[read.reference_id]
                    read.reference_id, read.reference_start = tid, read.reference_start + offset
                if read.next_reference_id >= 0:
                    tid, offset = shift[read.next_reference_id]
                    read.next_reference_id, read.next_reference_start = tid, read.next_reference_start + offset
                if read.has_tag("SA"):
                    read.set_tag("SA", _lift_sa(read.get_tag("SA"), places))
                out.write(read)


def align(compact, windows, lengths, md5s, fastq1, fastq2, read_group_sm, out_bam, workdir, threads):
    """minimap2 -ax sr on the window FASTA, lifted to GRCh38 coordinates, fixmate, sort, markdup; no @PG lines."""
    work = Path(workdir)
    sam, lifted, fixed = work / "aln.sam", work / "lifted.bam", work / "fixed.bam"
    sorted_bam, marked = work / "sorted.bam", work / "marked.bam"
    read_group = f"@RG\\tID:{read_group_sm}.1\\tSM:{read_group_sm}\\tLB:{read_group_sm}\\tPL:ILLUMINA"
    with open(sam, "w") as out:
        run(["minimap2", "-ax", "sr", "-t", threads, "-R", read_group, compact, fastq1, fastq2], stdout=out)
    lift_alignments(sam, lifted, windows, lengths, md5s)
    run(["samtools", "fixmate", "--no-PG", "-m", "-u", lifted, fixed])
    run(["samtools", "sort", "--no-PG", "-@", max(threads - 1, 0), "-u", "-T", work / "sort", "-o", sorted_bam, fixed])
    run(["samtools", "markdup", "--no-PG", "-@", max(threads - 1, 0), "-T", work / "markdup", sorted_bam, marked])
    header = clean_header(marked, work)
    with open(out_bam, "wb") as out:
        run(["samtools", "reheader", "--no-PG", header, marked], stdout=out)


def bam_to_cram(bam, reference, out_cram, workdir, threads):
    """CRAM against `reference`, written through stdout (htslib stores an output file's name inside a CRAM).

    Slices of CRAM_SLICE_READS reads, one contig each: htslib loads the reference over a slice's whole span to
    decode it, and htslib's default 10,000-read slices would span tens of Mb of this sparse genome (on a real 30x
    genome they span ~20 kb), which made every region query of the CRAM several times slower than of a BAM.
    """
    raw = Path(workdir) / "raw.cram"
    options = [
        "--output-fmt-option",
        f"seqs_per_slice={CRAM_SLICE_READS}",
        "--output-fmt-option",
        "multi_seq_per_slice=0",
    ]
    with open(raw, "wb") as out:
        run(
            ["samtools", "view", "--no-PG", "-C", "-T", reference, *options, "-@", max(threads - 1, 0), bam], stdout=out
        )
    header = clean_header(raw, workdir, drop_ur=True)
    with open(out_cram, "wb") as out:
        run(["samtools", "reheader", "--no-PG", header, raw], stdout=out)


# ---------------------------------------------------------------- the whole batch


@dataclasses.dataclass
class DemoGenome:
    """The simulated genome and truth: windows, their base codes, contig lengths, variants and alleles."""

    sites: list
    windows: list
    codes: list
    lengths: dict
    variants: list
    alleles: np.ndarray  # (n_variants, n_samples, 2) uint8
    dropout: dict
    clinvar_windows: frozenset = frozenset()  # their reads come from a stream of their own (simulate_sample)


def genome_windows(seed, sites):
    """(windows, base codes, indexes of the ClinVar windows). The PGx and carrier windows and their sequence are drawn
    exactly as without the ClinVar records (same stream, same order); the ClinVar windows (CLINVAR_FLANK, their own
    stream) are merged in reference order, and the caller keeps random variants out of them, so the random variants
    (and the demo score over them) stay those of the genome without ClinVar windows."""
    panels = [s for s in sites if s.panel != "clinvar"]
    clinvar = [s for s in sites if s.panel == "clinvar"]
    base = make_windows(panels)
    pieces = [(w, c, False) for w, c in zip(base, simulate_windows(seed, base, panels), strict=True)]
    if clinvar:
        extra = make_windows(clinvar, CLINVAR_FLANK)
        for window in extra:
            if any(w.contig == window.contig and w.start < window.end and window.start < w.end for w in base):
                raise ValueError(f"a ClinVar demo window overlaps a panel window on {window.contig}")
        codes = simulate_windows(seed, extra, clinvar, part=STREAM_CLINVAR_GENOME)
        pieces += [(w, c, True) for w, c in zip(extra, codes, strict=True)]
    pieces.sort(key=lambda p: (contig_rank(p[0].contig), p[0].start))
    windows = [Window(i, w.contig, w.start, w.end) for i, (w, _, _) in enumerate(pieces)]
    return windows, [c for _, c, _ in pieces], {i for i, (_, _, is_clinvar) in enumerate(pieces) if is_clinvar}


def ancestry_markers(seed, ancestry_panel, sites):
    """(PanelSites, truth Variants, their alleles) of the demo's ancestry markers (demo/demo_ancestry.py); none
    without `ancestry_panel` ((sites file, labels file) of the shipped GRCh38 panel). Markers lie on the contigs of
    the PGx and carrier windows, kept away from every site given (the ClinVar sites included)."""
    if not ancestry_panel:
        return [], [], np.zeros((0, len(DEMO_SAMPLES), 2), dtype=np.uint8)
    lengths = contig_lengths(make_windows([s for s in sites if s.panel != "clinvar"]))
    markers, alleles = demo_ancestry.demo_markers(*ancestry_panel, lengths, sites, stream(seed, STREAM_ANCESTRY),
                                                  DEMO_SAMPLES, FLANK + demo_ancestry.FLANK + 100)  # fmt: skip
    marker_sites = [PanelSite(c, p, r, (a,), None, "ancestry", "ancestry") for c, p, r, a in markers]
    carried = alleles.any(axis=(1, 2))
    variants = [
        Variant(c, p, r, a, f"anc_{c}_{p}") for (c, p, r, a), keep in zip(markers, carried, strict=True) if keep
    ]
    return marker_sites, variants, alleles[carried]


def simulate_genome(seed, pgx_dir, carrier_panel, clinvar_vcf=None, ancestry_panel=None):
    """Windows, sequence and truth of the demo genome (no files written)."""
    sites = panel_sites(pgx_dir, carrier_panel, clinvar_vcf=clinvar_vcf)
    marker_sites, markers, marker_alleles = ancestry_markers(seed, ancestry_panel, sites)
    sites = [*sites, *marker_sites]
    windows, codes, clinvar_windows = genome_windows(seed, sites)
    planted, planted_alleles = planted_variants(sites)
    planted, planted_alleles = [*planted, *markers], np.concatenate([planted_alleles, marker_alleles])
    dropout = dropout_windows(windows, sites)
    planted_windows = {window_of(windows, v.contig, v.start).index for v in planted}
    excluded = set().union(*dropout.values())
    if excluded & planted_windows:
        raise ValueError("a DROPOUT window holds a PLANTED variant: the truth there could not be called")
    random = choose_variants(seed, windows, codes, sites, excluded=excluded | clinvar_windows, placed=planted)
    random_alleles = draw_genotypes(seed, len(random))
    variants, alleles = merge_truth(planted, planted_alleles, random, random_alleles)
    return DemoGenome(sites, windows, codes, contig_lengths(windows), variants, alleles, dropout,
                      frozenset(clinvar_windows))  # fmt: skip


def sample_haplotypes(genome, sample_index, sample, clinvar=False):
    """[(window length, [hap1, hap2])] for the windows this sample has reads in: the ClinVar windows (`clinvar`) or
    the others."""
    result = []
    skipped = genome.dropout.get(sample, set())
    for window in genome.windows:
        if window.index in skipped or (window.index in genome.clinvar_windows) != clinvar:
            continue
        idx = [
            i
            for i, v in enumerate(genome.variants)
            if v.contig == window.contig and window.start <= v.start < window.end
        ]
        on_window = [genome.variants[i] for i in idx]
        pair = [
            build_haplotype(genome.codes[window.index], window.start, on_window, genome.alleles[idx, sample_index, h])
            for h in range(2)
        ]
        result.append((window.length, pair))
    return result


def write_reference(genome, path, work, threads):
    """reference.fa.gz to `path` (and in `work`, with its samtools .fai/.gzi for the CRAM); returns (work copy, M5s)."""
    reference, md5s = work / "reference.fa.gz", {}
    write_bgzipped_fasta(reference_pieces(genome.windows, genome.codes, genome.lengths, md5s), reference, threads)
    run(["samtools", "faidx", reference])
    with atomic_path(path) as tmp:
        shutil.copyfile(reference, tmp)
    return reference, md5s


def simulate_sample(genome, seed, index, sample, target, compact, work, threads, reference_job):
    """Simulate, align and write one sample's alignment (CRAM when `target` ends in .cram: waits for the reference)."""
    log = get_logger()
    sample_dir = work / f"s{index + 1}"
    sample_dir.mkdir()
    pairs = simulate_pairs(seed, index, sample_haplotypes(genome, index, sample))
    if genome.clinvar_windows:  # appended, from their own stream: the other windows' reads stay as without them
        extra = simulate_pairs(seed, index, sample_haplotypes(genome, index, sample, clinvar=True),
                               part=STREAM_CLINVAR_READS)  # fmt: skip
        pairs = tuple(np.concatenate([a, b]) for a, b in zip(pairs, extra, strict=True))
    fastq1, fastq2 = sample_dir / "r1.fq", sample_dir / "r2.fq"
    write_fastq(pairs[0], pairs[2], fastq1)
    write_fastq(pairs[1], pairs[3], fastq2)
    log.info("%s: %d read pairs simulated, aligning", sample, len(pairs[0]))
    cram = str(target).endswith(".cram")
    # M5 in a CRAM's header spares samtools a pass over the whole reference; BAMs do without.
    reference, md5s = reference_job.result() if cram else (None, None)
    with atomic_path(target) as tmp:
        bam = sample_dir / "final.bam" if cram else tmp
        align(compact, genome.windows, genome.lengths, md5s, fastq1, fastq2, f"LIB-{index + 1}", bam, sample_dir,
              threads)  # fmt: skip
        if cram:
            bam_to_cram(bam, reference, tmp, sample_dir, threads)
    shutil.rmtree(sample_dir)
    log.info("%s: written", sample)


def simulate_demo(outputs, seed, pgx_dir, carrier_panel, threads=1, clinvar_vcf=None, ancestry_panel=None):
    """Write the demo batch. `outputs` maps demo_layout.demo_files() keys to paths; a .cram path gets CRAM.

    The mostly-N reference is written (and indexed for the CRAM) in a second thread while the BAM samples are made.
    """
    log = get_logger()
    threads = max(int(threads), 1)
    missing = set(demo_files()) - set(outputs)
    if missing:
        raise ValueError(f"simulate_demo: outputs lack {sorted(missing)}")
    genome = simulate_genome(seed, pgx_dir, carrier_panel, clinvar_vcf, ancestry_panel)
    window_bases = sum(w.length for w in genome.windows)
    log.info(
        "genome: %d panel positions in %d windows (%d bp of sequence) on %d contigs (%d bp with N)",
        len(genome.sites), len(genome.windows), window_bases, len(genome.lengths), sum(genome.lengths.values()),
    )  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="simulate_demo.") as workdir, ThreadPoolExecutor(1) as pool:
        work = Path(workdir)
        reference_job = pool.submit(write_reference, genome, outputs["reference"], work, threads)
        compact = work / "windows.fa"
        write_compact_fasta(genome.windows, genome.codes, compact)
        write_text(outputs["regions"], regions_bed_text(genome.windows, sites=genome.sites))
        write_text(outputs["pgx_sites"], pgx_sites_vcf_text(genome.sites, genome.lengths))
        write_truth(truth_vcf_text(genome.variants, genome.alleles, genome.lengths), outputs["truth"], work)
        write_text(outputs["pgs_score"], demo_score_text(seed, genome.variants))
        scored = [i for i, v in enumerate(genome.variants) if v.id == "."]  # the demo score's variants
        vcf_text, labels_text = demo_score_reference.reference_texts(
            [genome.variants[i] for i in scored], genome.alleles[scored], ancestry_panel and ancestry_panel[1],
            stream(seed, STREAM_SCORE_REFERENCE),
        )  # fmt: skip
        write_text(outputs["pgs_reference"], vcf_text)
        write_text(outputs["pgs_reference_labels"], labels_text)
        n_snv = sum(len(v.ref) == len(v.alt) == 1 for v in genome.variants)
        n_planted = sum(v.id != "." for v in genome.variants)
        log.info(
            "truth: %d variants (%d planted panel variants; %d SNVs, %d indels)",
            len(genome.variants), n_planted, n_snv, len(genome.variants) - n_snv,
        )  # fmt: skip
        for index, sample in enumerate(DEMO_SAMPLES):
            simulate_sample(genome, seed, index, sample, outputs[sample], compact, work, threads, reference_job)
        reference_job.result()
        log.info("reference written")


def main(smk):
    setup_logging(smk.log[0])
    outputs = {key: smk.output[key] for key in demo_files()}
    pgx_dir = Path(smk.input.pgx_panel[0]).parent.parent  # {panel}/alleles/CYP2C19_translation.json(.gz)
    simulate_demo(outputs, int(smk.params.seed), pgx_dir, smk.input.carrier_panel, smk.threads,
                  clinvar_vcf=smk.input.clinvar_vcf,
                  ancestry_panel=(smk.input.ancestry_sites, smk.input.ancestry_labels))  # fmt: skip


if __name__ == "__main__":
    main(snakemake)  # noqa: F821
