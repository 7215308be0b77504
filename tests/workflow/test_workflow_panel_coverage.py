"""The shipped panels where the reference or target holds only part of the genome.

1. NA12878's real reads on GRCh38 chr22 (nf-core
test data, ../shared/testdata/nfcore_na12878_chr22_grch38, see its PROVENANCE.md: a full-length chr22, N outside
16.57-16.61 Mb), with a config of `samples`, `reference` and `build: GRCh38` only
(and `structure.panel: none`: ancestry is not its subject).

Oracle, worked out by hand from the panel files (read here with json/csv, not with the code under test): no PGx
definition position and no carrier panel row lies on chr22 (the 19 genes are on chr1, 2, 4, 6, 7, 8, 10, 12, 13, 16,
19 and X; CYP2D6, on chr22, is not among them; the carrier rows on chr1, 7, 11, 12, 13, 15, 19). So every position is
not_covered, counted per gene (PGx defining positions = each translation file's `variants`: ABCG2 1, CACNA1S 2, CFTR
93, CYP2B6 48, CYP2C19 35, CYP2C9 83, CYP3A4 42, CYP3A5 5, CYP4F2 20, DPYD 83, G6PD 171, IFNL3 1, NAT2 47, NUDT15 18,
RYR1 313, SLCO1B1 35, TPMT 43, UGT1A1 4, VKORC1 1; carrier rows: F5 1, CFTR 2, HBB 4, F2 1, PAH 3, GJB2 1, HEXA 1,
APOE 2), nothing is read as reference or not_found, both stages say "not run: no panel position lies on this
reference", and the run goes on.

2. The demo batch with its target (`regions`) cut down by hand: the windows around VKORC1 rs9923231 (chr16, the
gene's one defining position) and around the four HBB rows (chr11:5,226,820-5,227,002) are left out. Those positions
are not_covered in every sample, even demo04's HBB S (rs334) that the plain demo finds
(tests/workflow/test_demo_panels.py);
every other call is the plain demo's.
"""

import csv
import gzip
import json

import pytest

from conftest import REPO, TESTDATA
from workflow_runner import demo_batch, query, snakemake

pytestmark = pytest.mark.workflow
DATA = TESTDATA / "nfcore_na12878_chr22_grch38"
PGX_DEFINING = {"ABCG2": 1, "CACNA1S": 2, "CFTR": 93, "CYP2B6": 48, "CYP2C19": 35, "CYP2C9": 83, "CYP3A4": 42,
                "CYP3A5": 5, "CYP4F2": 20, "DPYD": 83, "G6PD": 171, "IFNL3": 1, "NAT2": 47, "NUDT15": 18, "RYR1": 313,
                "SLCO1B1": 35, "TPMT": 43, "UGT1A1": 4, "VKORC1": 1}  # fmt: skip
CARRIER_ROWS = {"F5": 1, "CFTR": 2, "HBB": 4, "F2": 1, "PAH": 3, "GJB2": 1, "HEXA": 1, "APOE": 2}
NOT_RUN = "no panel position lies on this reference"


@pytest.fixture(scope="module")
def chr22_run(tmp_path_factory):
    bam = DATA / "bam" / "NA12878.chr22.bam"
    reference = DATA / "derived" / "chr22_padded.fa.gz"
    if not bam.exists() or not reference.exists():
        pytest.skip(f"real test data {DATA} (NA12878 chr22 BAM and its padded reference) is absent")
    batch = tmp_path_factory.mktemp("chr22")
    (batch / "samples.tsv").write_text(f"sample_id\talignment\nNA12878\t{bam}\n")
    config = batch / "config.yaml"
    config.write_text(f"samples: samples.tsv\nreference: {reference}\nbuild: GRCh38\nstructure:\n  panel: none\n")
    proc = snakemake(batch, "--cores", "2", configfile=config, timeout=1500)
    return batch, proc


def test_hand_counts_are_the_panel_files():
    """The oracle above, re-read from the shipped files: positions per gene and their contigs."""
    for gene, n in PGX_DEFINING.items():
        path = REPO / "config" / "panels" / "pgx" / "alleles" / f"{gene}_translation.json.gz"
        variants = json.loads(gzip.decompress(path.read_bytes()))["variants"]
        assert len(variants) == n and "chr22" not in {v["chromosome"] for v in variants}
    with open(REPO / "config" / "panels" / "carrier" / "carrier_panel.tsv") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    assert {g: sum(r["gene"] == g for r in rows) for g in CARRIER_ROWS} == CARRIER_ROWS
    assert len(rows) == 15 and "chr22" not in {r["chrom"] for r in rows}


def test_run_succeeds_with_every_report(chr22_run):
    batch, proc = chr22_run
    assert proc.returncode == 0
    for ext in ("json", "html", "pdf"):
        assert (batch / "results" / "report" / f"NA12878.{ext}").stat().st_size > 0
    assert (batch / "results" / "report" / "batch_summary.tsv").exists()


def test_no_panel_site_is_genotyped(chr22_run):
    batch, _ = chr22_run
    sites = batch / "results" / "calls" / "bcftools" / "sites.vcf.gz"
    assert query(sites, "%CHROM:%POS\n") == []
    for panel in ("pgx", "carrier"):
        table = (batch / "resources" / "panels" / f"{panel}_coverage.tsv").read_text().splitlines()
        rows = [line.split("\t") for line in table[1:]]
        assert {r[6] for r in rows} == {"not_covered"}
        assert {r[7] for r in rows} == {f"contig {r[1]} is not in the reference" for r in rows}


def test_pgx_positions_are_not_covered_and_counted_per_gene(chr22_run):
    batch, _ = chr22_run
    tsv = (batch / "results" / "pgx" / "pgx_calls.tsv").read_text().splitlines()
    rows = [dict(zip(tsv[0].split("\t"), line.split("\t"))) for line in tsv[1:]]
    assert {r["gene"]: int(r["n_not_covered"]) for r in rows} == PGX_DEFINING
    assert {(r["phenotype"], r["n_missing"], r["status"]) for r in rows} == {("NA", "0", "no_data")}
    calls = json.loads((batch / "results" / "pgx" / "pgx_calls.json").read_text())["NA12878"]
    for gene, result in calls.items():
        assert [c["status"] for c in result["calls"]] == ["not_covered"] * PGX_DEFINING[gene], gene
        assert result["phenotype"] is None and result["diplotypes"] == []


def test_carrier_rows_are_not_covered_never_not_found(chr22_run):
    batch, _ = chr22_run
    findings = json.loads((batch / "results" / "carrier" / "carrier_findings.json").read_text())["NA12878"]
    variants = [f for f in findings if f["kind"] != "apoe_genotype"]
    assert {g: sum(f["gene"] == g for f in variants) for g in CARRIER_ROWS} == CARRIER_ROWS
    # carrier status rows are not covered; APOE and the risk factors need consent, which the default config does not
    # give (consent.apoe and consent.secondary: false), so they are not requested, never looked at
    assert {f["status"] for f in variants if f["kind"] == "carrier"} == {"not_covered"}
    assert {f["status"] for f in variants if f["kind"] != "carrier"} == {"not_requested"}
    (apoe,) = [f for f in findings if f["kind"] == "apoe_genotype"]
    assert (apoe["status"], apoe["genotype"]) == ("not_requested", None)


def test_report_says_the_panel_stages_did_not_run(chr22_run):
    batch, _ = chr22_run
    report = json.loads((batch / "results" / "report" / "NA12878.json").read_text())
    for section in ("pgx", "pgx_guidance", "carrier", "risk_factors", "apoe", "panel_qc"):
        assert report["sections"][section]["status"] == "not_run", section
        assert report["sections"][section]["reason"].startswith(NOT_RUN), section
    assert report["pgx_guidance"] == []
    assert report["pgx"] == {} and report["carrier"] == [] and report["risk_factors"] == [] and report["apoe"] is None
    html = (batch / "results" / "report" / "NA12878.html").read_text(encoding="utf-8")
    assert f"Not run: {NOT_RUN}" in html


# ---------------------------------------------------------------- 2. the demo with a cut-down target

DEMO_SAMPLES = ["demo01", "demo02", "demo03", "demo04", "demo05", "demo06"]


def around(bed_line, contig, first, last):
    """Whether the BED line's interval holds 1-based positions first..last (the chr16 line holds ancestry markers
    too: only VKORC1's window goes)."""
    chrom, start, end = bed_line.split("\t")[:3]
    return chrom == contig and int(start) < first and last <= int(end)


@pytest.fixture(scope="module")
def cut_target_run(tmp_path_factory):
    batch = tmp_path_factory.mktemp("cut_target")
    config = demo_batch(batch)
    snakemake(batch, "--cores", "2", "resources/demo/regions.bed", configfile=config)
    full = (batch / "resources/demo/regions.bed").read_text().splitlines()
    kept = [line for line in full if not around(line, "chr16", 31096368, 31096368)
            and not around(line, "chr11", 5226820, 5227002)]  # fmt: skip
    (batch / "cut.bed").write_text("\n".join(kept) + "\n")
    config.write_text(config.read_text().replace("regions: ../resources/demo/regions.bed", "regions: ../cut.bed"))
    snakemake(batch, "--cores", "2", configfile=config)
    return {s: json.loads((batch / f"results/report/{s}.json").read_text()) for s in DEMO_SAMPLES}, batch


def test_cut_target_drops_exactly_the_two_windows(cut_target_run):
    _, batch = cut_target_run
    full = (batch / "resources/demo/regions.bed").read_text().splitlines()
    cut = (batch / "cut.bed").read_text().splitlines()
    assert len(full) - len(cut) == 2
    assert [line.split("\t")[0] for line in set(full) - set(cut)] in (["chr11", "chr16"], ["chr16", "chr11"])


def test_positions_outside_the_target_are_not_covered_in_every_sample(cut_target_run):
    reports, _ = cut_target_run
    for sample, report in reports.items():
        vkorc1 = report["pgx"]["VKORC1"]
        assert [c["status"] for c in vkorc1["calls"]] == ["not_covered"], sample
        assert (vkorc1["phenotype"], vkorc1["diplotypes"]) == (None, []), sample
        hbb = [f for f in report["carrier"] if f["gene"] == "HBB"]
        assert len(hbb) == 4 and {f["status"] for f in hbb} == {"not_covered"}, sample
        assert {f["reason"] for f in hbb} == {"not covered by this reference/target: outside the target regions "
                                              "(config key regions)"}  # fmt: skip
        others = [f["status"] for f in report["carrier"] if f["gene"] != "HBB"]  # CFTR 2, PAH 3, GJB2, HEXA
        assert len(others) == 7 and "not_covered" not in others, sample
    rs334 = next(f for f in reports["demo04"]["carrier"] if f["rsid"] == "rs334")
    assert (rs334["status"], rs334["genotype"]) == ("not_covered", None)  # the plain demo finds 0/1 here


def test_positions_inside_the_target_keep_the_plain_demos_calls(cut_target_run):
    reports, _ = cut_target_run
    # tests/workflow/test_demo_panels.py's expectations for genes whose windows are kept
    assert reports["demo01"]["pgx"]["CYP2C19"]["diplotypes"] == ["*1/*2"]
    assert reports["demo06"]["pgx"]["TPMT"]["phenotype"] == "Intermediate Metabolizer"
    assert next(f for f in reports["demo01"]["risk_factors"] if f["rsid"] == "rs6025")["status"] == "found"
    assert reports["demo02"]["apoe"]["genotype"] == "e3/e4"
