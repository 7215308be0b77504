"""The demo simulator (scripts/simulate_demo.py): byte-stable output, a truth that matches the reference,
and reads that really carry the truth, judged by samtools, pysam and an independent bcftools call."""

import csv
import hashlib
import re
import subprocess
from pathlib import Path

import pysam
import pytest

from demo_layout import DEMO_SAMPLES, demo_files
from simulate_demo import simulate_demo

REPO = Path(__file__).resolve().parents[1]
SEED = 20261125


def outputs_in(folder):
    """demo_files() keys mapped to paths in `folder` (same file names as the workflow's)."""
    return {key: Path(folder) / Path(path).name for key, path in demo_files().items()}


def md5s(paths):
    return {key: hashlib.md5(Path(p).read_bytes()).hexdigest() for key, p in paths.items()}


def sh(cmd, **kwargs):
    return subprocess.run([str(c) for c in cmd], capture_output=True, text=True, check=True, **kwargs)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """One simulated batch shared by the read-level tests (they may add indexes beside it)."""
    outputs = outputs_in(tmp_path_factory.mktemp("demo"))
    simulate_demo(outputs, SEED, threads=2)
    return outputs


@pytest.fixture(scope="module")
def indexed(demo):
    """The shared batch with samtools indexes beside its alignments (the simulator writes none)."""
    for sample in DEMO_SAMPLES:
        sh(["samtools", "index", demo[sample]])
    return demo


@pytest.fixture(scope="module")
def truth(demo):
    """[(contig, pos, ref, alt, {sample: 'a/b'})] read from truth.vcf.gz with pysam."""
    with pysam.VariantFile(str(demo["truth"])) as vcf:
        samples = list(vcf.header.samples)
        return [
            (
                rec.chrom,
                rec.pos,
                rec.ref,
                rec.alts[0],
                {s: "/".join(str(a) for a in rec.samples[s]["GT"]) for s in samples},
            )
            for rec in vcf
        ]


def is_snv(record):
    return len(record[2]) == 1 and len(record[3]) == 1


def sheet_populations():
    with open(REPO / "config" / "samples.tsv") as fh:
        return {row["sample_id"]: row["population"] for row in csv.DictReader(fh, delimiter="\t")}


def test_same_seed_gives_byte_identical_files_and_no_alignment_indexes(demo, tmp_path):
    again = outputs_in(tmp_path)
    simulate_demo(again, SEED, threads=1)  # another thread count too: the output must not depend on it
    assert md5s(again) == md5s(demo)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [p.name for p in again.values()] + ["truth.vcf.gz.tbi"]
    ), "only the declared outputs and the truth's .tbi (no .bai/.crai/.fai)"


def test_another_seed_changes_every_file(demo, tmp_path):
    other = outputs_in(tmp_path)
    simulate_demo(other, SEED + 1, threads=2)
    first, second = md5s(demo), md5s(other)
    assert [key for key in first if first[key] == second[key]] == []


def test_reference_is_plain_fasta_with_an_n_run(demo):
    text = Path(demo["reference"]).read_text()
    assert text.startswith(">chr1\n")
    assert {len(line) for line in text.splitlines() if not line.startswith(">")} <= set(range(1, 61))
    assert max(len(line) for line in text.splitlines()) == 60
    with pysam.FastaFile(str(demo["reference"])) as fa:
        assert dict(zip(fa.references, fa.lengths, strict=True)) == {"chr1": 60_000, "chr2": 40_000}
        seq = fa.fetch("chr1") + fa.fetch("chr2")
    assert seq.count("N") == 1000 and "N" * 1000 in seq
    gc = (seq.count("G") + seq.count("C")) / (len(seq) - seq.count("N"))
    assert 0.36 < gc < 0.46, gc  # human-like GC content
    cpg_ratio = seq.count("CG") / (seq.count("C") * seq.count("G") / len(seq))
    assert cpg_ratio < 0.4, cpg_ratio  # CpG depleted as in human DNA


def test_truth_matches_the_reference_and_is_already_normalised(demo, truth):
    # bcftools norm -c e fails on any REF mismatch; "realigned" counts records it had to left-align.
    norm = ["bcftools", "norm", "--no-version", "-f", demo["reference"], "-c", "e", "-o", "/dev/null"]
    proc = sh([*norm, demo["truth"]])
    assert re.search(r"total/split/realigned/skipped:\s+50/0/0/0", proc.stderr), proc.stderr
    with pysam.FastaFile(str(demo["reference"])) as fa:
        for contig, pos, ref, _alt, _gts in truth:
            assert fa.fetch(contig, pos - 1, pos - 1 + len(ref)) == ref
            flank = fa.fetch(contig, max(pos - 300, 0), pos + 300)
            assert "N" not in flank and 300 <= pos <= fa.get_reference_length(contig) - 300


def test_truth_has_the_planned_variants_spread_apart(demo, truth):
    snvs = [r for r in truth if is_snv(r)]
    indels = [r for r in truth if not is_snv(r)]
    assert len(snvs) == 40 and len(indels) == 10
    assert all(1 <= abs(len(r[2]) - len(r[3])) <= 5 for r in indels)
    assert {len(r[2]) > len(r[3]) for r in indels} == {True, False}, "both deletions and insertions"
    for a, b in zip(truth, truth[1:], strict=False):
        if a[0] == b[0]:
            assert b[1] - (a[1] + len(a[2]) - 1) > 10, (a[:2], b[:2])
    header = sh(["bcftools", "view", "-h", demo["truth"]]).stdout
    assert "##contig=<ID=chr1,length=60000>" in header and "##contig=<ID=chr2,length=40000>" in header
    assert header.rstrip().split("\n")[-1].split("\t")[9:] == list(DEMO_SAMPLES)


def test_every_variant_has_a_carrier_and_populations_differ(truth):
    populations = sheet_populations()
    diffs = []
    for record in truth:
        gts = record[4]
        assert set(gts.values()) <= {"0/0", "0/1", "1/1"}
        assert any(gt != "0/0" for gt in gts.values()), record[:2]
        af = {}
        for pop in ("popA", "popB"):
            alleles = [int(a) for s, gt in gts.items() if populations[s] == pop for a in gt.split("/")]
            af[pop] = sum(alleles) / len(alleles)
        diffs.append(abs(af["popA"] - af["popB"]))
    assert sum(d > 0 for d in diffs) >= 0.8 * len(diffs)
    assert sum(diffs) / len(diffs) > 0.3


def alt_fraction(alignment, reference, contig, pos, alt):
    """Fraction of reads (duplicates and low-quality bases included) showing `alt` at 1-based `pos`."""
    with pysam.AlignmentFile(str(alignment), reference_filename=str(reference)) as aln:
        counts = aln.count_coverage(contig, pos - 1, pos, quality_threshold=0, read_callback="nofilter")
    by_base = dict(zip("ACGT", (c[0] for c in counts), strict=True))
    return by_base[alt] / sum(by_base.values()), sum(by_base.values())


def test_reads_carry_the_hom_alt_and_hom_ref_snvs(indexed, truth):
    demo = indexed
    checked = 0
    for sample in DEMO_SAMPLES:
        for contig, pos, _ref, alt, gts in [r for r in truth if is_snv(r)][:15]:
            fraction, depth = alt_fraction(demo[sample], demo["reference"], contig, pos, alt)
            assert depth >= 8, (sample, contig, pos, depth)
            if gts[sample] == "1/1":
                assert fraction > 0.9, (sample, contig, pos, fraction)
                checked += 1
            elif gts[sample] == "0/0":
                assert fraction < 0.1, (sample, contig, pos, fraction)
            else:
                assert 0.2 < fraction < 0.8, (sample, contig, pos, fraction)
    assert checked >= 5


def non_n_mean_depth(alignment, reference):
    """Mean samtools depth (duplicates excluded, its default) over the reference's non-N bases."""
    with pysam.FastaFile(str(reference)) as fa:
        n_positions = {(c, i + 1) for c in fa.references for i, b in enumerate(fa.fetch(c)) if b == "N"}
        non_n = sum(fa.lengths) - len(n_positions)
    out = sh(["samtools", "depth", "-a", "--reference", reference, alignment]).stdout
    total = 0
    for line in out.splitlines():
        contig, pos, depth = line.split("\t")
        if (contig, int(pos)) not in n_positions:
            total += int(depth)
    return total / non_n


def test_depth_and_duplicates(demo):
    for sample in DEMO_SAMPLES:
        depth = non_n_mean_depth(demo[sample], demo["reference"])
        assert 20 <= depth <= 30, (sample, depth)
        stats = sh(["samtools", "flagstat", "-O", "tsv", demo[sample]]).stdout
        fields = [line.split("\t") for line in stats.splitlines()]
        rows = {f[2]: int(f[0]) for f in fields if f[0].isdigit()}
        dup_rate = rows["duplicates"] / rows["primary"]
        assert 0.02 < dup_rate < 0.04, (sample, dup_rate)
        assert rows["primary mapped"] == rows["primary"] and rows["properly paired"] >= 0.99 * rows["primary"]


def test_headers_have_no_paths_and_a_read_group_that_is_not_the_sample_id(demo):
    read_group_samples = set()
    for sample in DEMO_SAMPLES:
        path = demo[sample]
        sh(["samtools", "quickcheck", path])
        assert Path(path).read_bytes()[:4] == (b"CRAM" if path.suffix == ".cram" else b"\x1f\x8b\x08\x04")
        header = sh(["samtools", "view", "--no-PG", "-H", path]).stdout
        assert "/" not in header and "@PG" not in header, header
        sms = re.findall(r"^@RG\t.*\tSM:([^\t\n]+)", header, flags=re.M)
        assert len(sms) == 1 and sms[0] != sample and "demo" not in sms[0]
        read_group_samples.add(sms[0])
        names = sh(["samtools", "view", "--no-PG", "-T", demo["reference"], path]).stdout.splitlines()[:2000]
        assert not any(sample in line.split("\t")[0] or "demo" in line.split("\t")[0] for line in names)
    assert len(read_group_samples) == len(DEMO_SAMPLES)


def test_bcftools_calls_every_truth_snv_with_its_genotype(indexed, truth, tmp_path):
    """An independent caller on all six alignments: every truth SNV with the right genotype in every sample."""
    demo = indexed
    groups = tmp_path / "read_groups.txt"
    groups.write_text("".join(f"*\t{demo[s]}\t{s}\n" for s in DEMO_SAMPLES))
    calls = tmp_path / "calls.vcf"
    mpileup = ["bcftools", "mpileup", "-f", demo["reference"], "-a", "AD,DP", "-G", groups, "-Ou"]
    with subprocess.Popen([str(c) for c in mpileup + [demo[s] for s in DEMO_SAMPLES]], stdout=subprocess.PIPE) as mp:
        sh(["bcftools", "call", "-mv", "-o", calls], stdin=mp.stdout)
    with pysam.VariantFile(str(calls)) as vcf:
        called = {
            (rec.chrom, rec.pos, rec.ref, rec.alts[0]): {
                s: "/".join(str(a) for a in sorted(rec.samples[s]["GT"])) for s in DEMO_SAMPLES
            }
            for rec in vcf
            if len(rec.alts) == 1
        }
    missed = [r[:4] for r in truth if is_snv(r) and called.get(r[:4]) != r[4]]
    assert missed == []
    indels = [r for r in truth if not is_snv(r)]
    indel_hits = sum(called.get(r[:4]) == r[4] for r in indels)
    truth_keys = {r[:4] for r in truth}
    false_snvs = [k for k in called if k not in truth_keys and len(k[2]) == len(k[3]) == 1]
    print(f"indel recall with genotypes: {indel_hits}/{len(indels)}; false-positive SNVs: {len(false_snvs)}")
    assert indel_hits >= 9
    assert false_snvs == []
