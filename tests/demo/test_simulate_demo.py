"""The demo simulator (scripts/demo/simulate_demo.py): a GRCh38-shaped genome whose panel positions carry the shipped
panels' REF alleles, a byte-stable batch, a truth that matches the reference and the planted table written here by
hand, and reads that really carry the truth, judged by samtools, pysam and an independent bcftools call.

Oracles: the shipped panel files read here directly (json/csv, not through the project's readers), PharmCAT's own
positions file (../shared/testdata/pharmcat_positions_grch38/pharmcat_positions.vcf) when present, samtools/bcftools.
"""

import csv
import gzip
import hashlib
import json
import re
import subprocess
import sys
from pathlib import Path

import pysam
import pytest

from demo.demo_layout import DEMO_SAMPLES, demo_files
from demo.simulate_demo import simulate_demo, simulate_genome

REPO = Path(__file__).resolve().parents[2]
PGX_PANEL = REPO / "config" / "panels" / "pgx"
CARRIER_PANEL = REPO / "config" / "panels" / "carrier" / "carrier_panel.tsv"
CLINVAR_VCF = REPO / "config" / "panels" / "clinvar" / "demo_clinvar_GRCh38.vcf"  # as workflow/rules/demo.smk gives
ANCESTRY_SITES = REPO / "config" / "panels" / "ancestry" / "GRCH38.sites"
ANCESTRY_PANEL = (ANCESTRY_SITES, ANCESTRY_SITES.with_name("labels_2504.tsv"))
PHARMCAT_POSITIONS = REPO.parent / "shared" / "testdata" / "pharmcat_positions_grch38" / "pharmcat_positions.vcf"
GENES = ("ABCG2", "CACNA1S", "CFTR", "CYP2B6", "CYP2C19", "CYP2C9", "CYP3A4", "CYP3A5", "CYP4F2", "DPYD", "G6PD",
         "IFNL3", "NAT2", "NUDT15", "RYR1", "SLCO1B1", "TPMT", "UGT1A1", "VKORC1")  # fmt: skip
SEED = 20261125
# The planted panel variants as the brief asks for them, written by hand: rsID -> ALT and genotype per sample.
PLANTED = {
    "rs3758581": ("G", ["1/1"] * 6),
    "rs12769205": ("G", ["0/1", "1/1", "0/0", "0/0", "0/0", "0/1"]),
    "rs4244285": ("A", ["0/1", "1/1", "0/0", "0/0", "0/0", "0/1"]),
    "rs12248560": ("T", ["0/0", "0/0", "0/1", "1/1", "0/0", "0/1"]),
    "rs1057910": ("C", ["0/1", "0/0", "0/0", "0/0", "0/0", "0/0"]),
    "rs1799853": ("T", ["0/0", "0/1", "0/0", "0/0", "0/0", "0/0"]),
    "rs9923231": ("T", ["0/0", "0/1", "0/0", "1/1", "0/0", "0/0"]),
    "rs4149056": ("C", ["0/0", "0/0", "0/1", "0/0", "0/0", "1/1"]),
    "rs3918290": ("T", ["0/0", "0/0", "0/0", "0/0", "0/1", "0/0"]),
    "rs1142345": ("C", ["0/0", "0/0", "0/0", "0/0", "0/0", "0/1"]),
    "rs776746": ("C", ["0/1", "0/0", "0/0", "0/0", "0/0", "0/0"]),
    "rs3064744": ("CATAT", ["0/0", "0/0", "1/1", "0/0", "0/0", "0/0"]),
    "rs5030868": ("A", ["0/0", "0/0", "0/0", "1/1", "0/0", "0/0"]),
    "rs6025": ("T", ["0/1", "0/0", "0/0", "0/0", "0/0", "0/0"]),
    "rs429358": ("C", ["0/0", "0/1", "0/0", "0/0", "0/0", "0/0"]),
    "rs7412": ("T", ["0/0", "0/0", "0/1", "0/0", "0/0", "0/0"]),
    "rs334": ("A", ["0/0", "0/0", "0/0", "0/1", "0/0", "0/0"]),
    # the demo ClinVar VCF's records (config/panels/clinvar/SOURCE.md): BRCA1 in demo01 and demo05, MUTYH in demo02
    "clinvar:55392": ("G", ["0/1", "0/0", "0/0", "0/0", "0/1", "0/0"]),
    "clinvar:5293": ("C", ["0/0", "0/1", "0/0", "0/0", "0/0", "0/0"]),
}
CLINVAR_POSITIONS = {"clinvar:55392": ("chr17", 43063937, "A"), "clinvar:5293": ("chr1", 45332803, "T")}
# UGT1A1 *28 (rs3064744 CAT>CATAT, the definition's form) is the insertion of AT after the C: trimmed, C>CAT.
NORMALISED = {"rs3064744": ("C", "CAT")}
DROPOUT_SAMPLE, DROPOUT_RSID = "demo03", "rs116855232"  # NUDT15 *3's position: no reads there in demo03


def outputs_in(folder):
    """demo_files() keys mapped to paths in `folder` (same file names as the workflow's)."""
    return {key: Path(folder) / Path(path).name for key, path in demo_files().items()}


def md5s(paths):
    return {key: hashlib.md5(Path(p).read_bytes()).hexdigest() for key, p in paths.items()}


def sh(cmd, **kwargs):
    return subprocess.run([str(c) for c in cmd], capture_output=True, text=True, check=True, **kwargs)


def panel_positions():
    """{label: (chrom, pos, ref)} of every PGx defining/extra position and carrier row, read straight from the files."""
    positions = {}
    for gene in GENES:
        with gzip.open(PGX_PANEL / "alleles" / f"{gene}_translation.json.gz", "rt") as fh:
            variants = json.load(fh)["variants"]
        with gzip.open(PGX_PANEL / "alleles" / "exemptions.json.gz", "rt") as fh:
            variants += (json.load(fh).get(gene) or {}).get("extraPositions", [])
        for v in variants:
            label = v.get("rsid") or f"{v['chromosome']}:{v['position']}"
            positions[label] = (v["chromosome"], v["position"], v["ref"])
    with open(CARRIER_PANEL) as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            label = row["rsid"] if row["rsid"] != "." else f"{row['chrom']}:{row['pos']}"
            positions[label] = (row["chrom"], int(row["pos"]), row["ref"])
    return positions


SIMULATE = """
import sys
sys.path.insert(0, {scripts!r})
from demo.simulate_demo import simulate_demo
simulate_demo({outputs!r}, {seed}, {pgx!r}, {carrier!r}, threads=1, clinvar_vcf={clinvar!r},
              ancestry_panel={ancestry!r})
"""


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Two batches from the same seed: A in this process, B at the same time in another (they must be identical)."""
    folder_a, folder_b = tmp_path_factory.mktemp("demo_a"), tmp_path_factory.mktemp("demo_b")
    outputs_a, outputs_b = outputs_in(folder_a), outputs_in(folder_b)
    code = SIMULATE.format(
        scripts=str(REPO / "scripts"),
        outputs={k: str(v) for k, v in outputs_b.items()},
        seed=SEED,
        pgx=str(PGX_PANEL),
        carrier=str(CARRIER_PANEL),
        clinvar=str(CLINVAR_VCF),
        ancestry=tuple(str(p) for p in ANCESTRY_PANEL),
    )
    second = subprocess.Popen([sys.executable, "-c", code], stderr=subprocess.PIPE, text=True)
    simulate_demo(
        outputs_a, SEED, PGX_PANEL, CARRIER_PANEL, threads=1, clinvar_vcf=CLINVAR_VCF, ancestry_panel=ANCESTRY_PANEL
    )
    _, err = second.communicate(timeout=300)
    assert second.returncode == 0, err[-2000:]
    return outputs_a, outputs_b


@pytest.fixture(scope="module")
def demo(runs, tmp_path_factory):
    """Batch A with samtools indexes beside its alignments and an indexed copy of its reference (fasta key)."""
    outputs = dict(runs[0])
    for sample in DEMO_SAMPLES:
        sh(["samtools", "index", outputs[sample]])
    fasta = tmp_path_factory.mktemp("reference") / "reference.fa.gz"
    fasta.write_bytes(outputs["reference"].read_bytes())
    sh(["samtools", "faidx", fasta])
    outputs["fasta"] = fasta
    return outputs


@pytest.fixture(scope="module")
def truth(demo):
    """[(contig, pos, id, ref, alt, {sample: 'a/b'})] read from truth.vcf.gz with pysam."""
    with pysam.VariantFile(str(demo["truth"])) as vcf:
        return [
            (
                rec.chrom,
                rec.pos,
                rec.id or ".",
                rec.ref,
                rec.alts[0],
                {s: "/".join(str(a) for a in rec.samples[s]["GT"]) for s in vcf.header.samples},
            )
            for rec in vcf
        ]


def is_marker(variant_id):
    return variant_id.startswith("anc_")


def is_planted(variant_id):
    return variant_id != "." and not is_marker(variant_id)


def ancestry_sites():
    """{(contig, pos): (ref, alt)} of the shipped panel's GRCh38 sites, read straight from the sites file."""
    rows = (line.split(":") for line in ANCESTRY_SITES.read_text().split())
    return {(f"chr{c}", int(p)): (r, a) for c, p, r, a in rows}


def windows(demo, margin=300, marker_margin=150):
    """[(contig, start, end)] of the sequence windows; regions.bed holds their cores, `margin` bp in from each end
    (`marker_margin` for a window without a PGx, carrier or ClinVar position: an ancestry marker's)."""
    rows = [(c, int(s), int(e)) for c, s, e in (line.split("\t") for line in demo["regions"].read_text().splitlines())]
    positions = [*panel_positions().values(), *CLINVAR_POSITIONS.values()]
    held = {(c, s) for c, s, e in rows for chrom, pos, _ in positions if c == chrom and s < pos <= e}
    return [(c, s - (margin if (c, s) in held else marker_margin), e + (margin if (c, s) in held else marker_margin))
            for c, s, e in rows]  # fmt: skip


def is_snv(record):
    return len(record[3]) == 1 and len(record[4]) == 1


def test_same_seed_gives_byte_identical_files_and_no_alignment_indexes(runs):
    outputs_a, outputs_b = runs
    assert md5s(outputs_a) == md5s(outputs_b)
    written = sorted(p.name for p in outputs_b["reference"].parent.iterdir())
    assert written == sorted([*(p.name for p in outputs_b.values()), "truth.vcf.gz.tbi"])


def test_another_seed_changes_the_synthetic_flanks_but_not_the_panel_bases():
    one = simulate_genome(SEED, PGX_PANEL, CARRIER_PANEL, CLINVAR_VCF, ANCESTRY_PANEL)
    other = simulate_genome(SEED + 1, PGX_PANEL, CARRIER_PANEL, CLINVAR_VCF, ANCESTRY_PANEL)
    assert one.windows == other.windows  # the ancestry markers' sites too: chosen without randomness
    assert all((a != b).mean() > 0.5 for a, b in zip(one.codes, other.codes, strict=True))
    assert [v for v in one.variants if is_planted(v.id)] == [v for v in other.variants if is_planted(v.id)]
    # the markers' genotypes are drawn from the seed
    assert [v for v in one.variants if is_marker(v.id)] != [v for v in other.variants if is_marker(v.id)]
    assert [v for v in one.variants if v.id == "."] != [v for v in other.variants if v.id == "."]


def test_every_panel_position_carries_the_panels_ref_allele(demo):
    positions = panel_positions() | CLINVAR_POSITIONS
    assert len(positions) >= 300  # 7 PharmCAT genes (~300 positions) and 15 carrier rows
    with pysam.FastaFile(str(demo["fasta"])) as fasta:
        wrong = [
            (label, chrom, pos, ref, fasta.fetch(chrom, pos - 1, pos - 1 + len(ref)))
            for label, (chrom, pos, ref) in positions.items()
            if fasta.fetch(chrom, pos - 1, pos - 1 + len(ref)) != ref
        ]
    assert wrong == []


def test_contigs_are_grch38_names_with_sequence_only_in_the_windows(demo):
    with pysam.FastaFile(str(demo["fasta"])) as fasta:
        lengths = dict(zip(fasta.references, fasta.lengths, strict=True))
        # the panels' contigs in GRCh38 order (chr2 UGT1A1, chr4 ABCG2, chr8 NAT2, chrX G6PD with the 19 PGx genes)
        assert list(lengths) == ["chr1", "chr2", "chr4", "chr6", "chr7", "chr8", "chr10", "chr11", "chr12", "chr13",
                                 "chr15", "chr16", "chr17", "chr19", "chrX"]  # fmt: skip
        spans = windows(demo)
        for chrom, start, end in spans:
            inside = fasta.fetch(chrom, start, end)
            assert "N" not in inside and set(inside) == set("ACGT")
            before = fasta.fetch(chrom, start - 1, start) if start > 0 else "N"
            after = fasta.fetch(chrom, end, end + 1) if end < lengths[chrom] else "N"
            assert (before, after) == ("N", "N"), (chrom, start, end)
        # each contig ends where its last window ends; between windows there is only N
        assert {c: max(e for cc, _, e in spans if cc == c) for c in lengths} == lengths
        chr1 = sorted((s, e) for c, s, e in spans if c == "chr1")
        gap = max(((e, s) for (_, e), (s, _) in zip(chr1, chr1[1:])), key=lambda g: g[1] - g[0])
        assert gap[1] - gap[0] > 100_000 and set(fasta.fetch("chr1", *gap)) == {"N"}
    # every panel position is 1 kb or more inside a window
    for chrom, pos, ref in panel_positions().values():
        assert any(c == chrom and s + 1000 <= pos - 1 and pos - 1 + len(ref) + 1000 <= e for c, s, e in spans)
    # the ClinVar demo records get small windows of their own: 400 bp either side
    for chrom, pos, ref in CLINVAR_POSITIONS.values():
        assert (chrom, pos - 1 - 400, pos - 1 + len(ref) + 400) in spans


def test_ancestry_markers_are_the_panels_sites_inside_the_regions(demo, truth):
    """300 of the shipped panel's GRCh38 sites, each with 100 bp of regions.bed either side; those where a sample
    carries the ALT are in the truth with the panel's REF/ALT (the sites file read here directly)."""
    sites = ancestry_sites()
    cores = [(c, int(s), int(e)) for c, s, e in (line.split("\t") for line in demo["regions"].read_text().splitlines())]
    clinvar = [(chrom, pos) for chrom, pos, _ in CLINVAR_POSITIONS.values()]  # its own 801 bp windows, 201 bp cores
    marker_cores = [(c, s, e) for c, s, e in cores if e - s == 201 and not any(
        c == chrom and s < pos <= e for chrom, pos in clinvar)]  # fmt: skip
    assert len(marker_cores) >= 290  # 300 sites; two closer than a window merge into one longer core
    markers = [r for r in truth if is_marker(r[2])]
    assert 250 <= len(markers) <= 300
    for chrom, pos, variant_id, ref, alt, gts in markers:
        assert variant_id == f"anc_{chrom}_{pos}" and sites[(chrom, pos)] == (ref, alt)
        assert any(c == chrom and s + 100 <= pos - 1 and pos + 100 <= e for c, s, e in cores), variant_id
        assert any(gt != "0/0" for gt in gts.values())
    for chrom, start, _ in marker_cores:
        assert (chrom, start + 101) in sites  # the core's centre is a panel site


def test_pgx_sites_are_pharmcats_positions(demo):
    with pysam.VariantFile(str(demo["pgx_sites"])) as vcf:
        sites = {(rec.chrom, rec.pos, rec.ref): set(rec.alts) for rec in vcf}
    expected = {(c, p, r) for label, (c, p, r) in panel_positions().items()}
    with open(CARRIER_PANEL) as fh:
        carrier = {(row["chrom"], int(row["pos"]), row["ref"]) for row in csv.DictReader(fh, delimiter="\t")}
    assert set(sites) == expected - carrier
    if not PHARMCAT_POSITIONS.exists():
        pytest.skip(f"real test data {PHARMCAT_POSITIONS} is absent")
    with pysam.VariantFile(str(PHARMCAT_POSITIONS)) as vcf:
        pharmcat = {(rec.chrom, rec.pos, rec.ref): set(rec.alts or ()) for rec in vcf}
    # PharmCAT's own positions file has every one of them, with the same REF and at least our ALTs
    assert [k for k in sites if k not in pharmcat or not sites[k] <= pharmcat[k]] == []


def test_truth_has_the_planted_panel_variants_with_their_genotypes(truth):
    positions = panel_positions() | CLINVAR_POSITIONS
    planted = {r[2]: r for r in truth if is_planted(r[2])}
    assert set(planted) == set(PLANTED)
    for rsid, (alt, genotypes) in PLANTED.items():
        chrom, pos, _, ref, got_alt, gts = planted[rsid]
        if rsid in NORMALISED:  # the truth holds bcftools norm's form of the definition's allele
            assert positions[rsid][2] + alt[len(positions[rsid][2]) :] == alt and (ref, got_alt) == NORMALISED[rsid]
            ref, got_alt = positions[rsid][2], alt
        assert (chrom, pos, ref, got_alt) == (*positions[rsid], alt)
        assert [gts[s] for s in DEMO_SAMPLES] == genotypes, rsid


def test_random_truth_is_inside_windows_away_from_panel_sites_and_matches_the_reference(demo, truth):
    random = [r for r in truth if r[2] == "."]
    assert sum(is_snv(r) for r in random) == 40 and sum(not is_snv(r) for r in random) == 10
    spans = windows(demo)
    panel = list(panel_positions().values())
    chrom_d, pos_d, _ = panel_positions()[DROPOUT_RSID]
    dropout = next((c, s, e) for c, s, e in spans if c == chrom_d and s < pos_d <= e)
    with pysam.FastaFile(str(demo["fasta"])) as fasta:
        for chrom, pos, _, ref, _, gts in random:
            assert fasta.fetch(chrom, pos - 1, pos - 1 + len(ref)) == ref
            assert any(c == chrom and s + 500 <= pos - 1 and pos + len(ref) + 500 <= e for c, s, e in spans)
            assert all(c != chrom or abs(p - pos) >= 100 for c, p, _ in panel)
            assert not (chrom == dropout[0] and dropout[1] <= pos <= dropout[2])
            assert any(gt != "0/0" for gt in gts.values())
    # normalised already: bcftools norm changes nothing
    out = sh(["bcftools", "norm", "-f", demo["fasta"], "-c", "e", "-Ov", demo["truth"]]).stderr
    assert re.search(rf"total/split/realigned/skipped:\s+{len(truth)}/0/0/0", out), out


def alt_fraction(alignment, reference, contig, pos, alt):
    """Fraction of reads (duplicates and low-quality bases included) showing `alt` at 1-based `pos`, and the depth."""
    with pysam.AlignmentFile(str(alignment), reference_filename=str(reference)) as aln:
        counts = aln.count_coverage(contig, pos - 1, pos, quality_threshold=0, read_callback="nofilter")
    by_base = dict(zip("ACGT", (c[0] for c in counts), strict=True))
    return by_base[alt] / max(sum(by_base.values()), 1), sum(by_base.values())


def test_reads_carry_the_planted_and_random_snvs(demo, truth):
    checked = 0
    for sample in DEMO_SAMPLES:
        for contig, pos, _, _, alt, gts in [r for r in truth if is_snv(r)]:
            fraction, depth = alt_fraction(demo[sample], demo["fasta"], contig, pos, alt)
            assert depth >= 8, (sample, contig, pos, depth)
            if gts[sample] == "1/1":
                assert fraction > 0.9, (sample, contig, pos, fraction)
                checked += 1
            elif gts[sample] == "0/0":
                assert fraction < 0.1, (sample, contig, pos, fraction)
            else:
                assert 0.1 < fraction < 0.9, (sample, contig, pos, fraction)
    assert checked >= 20


def test_the_dropout_window_has_no_reads_in_one_sample_only(demo):
    chrom, pos, _ = panel_positions()[DROPOUT_RSID]
    for sample in DEMO_SAMPLES:
        depth = int(sh(["samtools", "view", "-c", "-T", demo["fasta"], demo[sample], f"{chrom}:{pos}-{pos}"]).stdout)
        assert (depth == 0) == (sample == DROPOUT_SAMPLE), (sample, depth)


def test_depth_and_duplicates(demo):
    bed = demo["regions"]
    bases = sum(e - s for _, s, e in windows(demo, margin=0))
    for sample in DEMO_SAMPLES:
        out = sh(["samtools", "bedcov", "-j", "--reference", demo["fasta"], bed, demo[sample]]).stdout
        depth = sum(int(line.rsplit("\t", 1)[1]) for line in out.splitlines()) / bases  # duplicates not counted
        assert 20 <= depth <= 30, (sample, depth)
        stats = sh(["samtools", "flagstat", "-O", "tsv", demo[sample]]).stdout
        rows = {f[2]: int(f[0]) for f in (line.split("\t") for line in stats.splitlines()) if f[0].isdigit()}
        assert 0.02 < rows["duplicates"] / rows["primary"] < 0.04, sample
        assert rows["primary mapped"] == rows["primary"] and rows["properly paired"] >= 0.99 * rows["primary"]


def test_headers_have_grch38_contigs_no_paths_and_a_read_group_that_is_not_the_sample_id(demo):
    fai = [line.split("\t")[:2] for line in Path(f"{demo['fasta']}.fai").read_text().splitlines()]
    read_group_samples = set()
    for sample in DEMO_SAMPLES:
        path = demo[sample]
        sh(["samtools", "quickcheck", path])
        assert path.read_bytes()[:4] == (b"CRAM" if path.suffix == ".cram" else b"\x1f\x8b\x08\x04")
        header = sh(["samtools", "view", "--no-PG", "-H", path]).stdout
        assert "/" not in header and "@PG" not in header, header
        assert re.findall(r"^@SQ\tSN:(\S+)\tLN:(\d+)", header, flags=re.M) == [tuple(f) for f in fai]
        sms = re.findall(r"^@RG\t.*\tSM:([^\t\n]+)", header, flags=re.M)
        assert len(sms) == 1 and sms[0] != sample and "demo" not in sms[0]
        read_group_samples.add(sms[0])
        names = sh(["samtools", "view", "--no-PG", "-T", demo["fasta"], path]).stdout.splitlines()[:2000]
        assert not any("demo" in line.split("\t")[0] for line in names)
    assert len(read_group_samples) == len(DEMO_SAMPLES)


def test_bcftools_calls_every_truth_snv_with_its_genotype(demo, truth, tmp_path):
    """An independent caller on all six alignments: every truth SNV with the right genotype in every sample."""
    groups = tmp_path / "read_groups.txt"
    groups.write_text("".join(f"*\t{demo[s]}\t{s}\n" for s in DEMO_SAMPLES))
    calls = tmp_path / "calls.vcf"
    mpileup = ["bcftools", "mpileup", "-f", demo["fasta"], "-R", demo["regions"], "-a", "AD,DP", "-G", groups, "-Ou"]
    with subprocess.Popen([str(c) for c in mpileup + [demo[s] for s in DEMO_SAMPLES]], stdout=subprocess.PIPE) as mp:
        sh(["bcftools", "call", "-mv", "-o", calls], stdin=mp.stdout)
    with pysam.VariantFile(str(calls)) as vcf:
        called = {
            (rec.chrom, rec.pos, rec.ref, rec.alts[0]): {
                s: "/".join("." if a is None else str(a) for a in sorted(rec.samples[s]["GT"], key=str))
                for s in DEMO_SAMPLES
            }
            for rec in vcf
            if len(rec.alts) == 1
        }
    keyed = {(c, p, r, a): gts for c, p, _, r, a, gts in truth}
    missed = [k for k, gts in keyed.items() if len(k[2]) == len(k[3]) == 1 and called.get(k) != gts]
    assert missed == []
    indel_hits = sum(called.get(k) == gts for k, gts in keyed.items() if len(k[2]) != len(k[3]))
    false_snvs = [k for k in called if k not in keyed and len(k[2]) == len(k[3]) == 1]
    assert indel_hits >= 9
    assert false_snvs == []
