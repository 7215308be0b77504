"""The panels on a reference whose contigs are named without 'chr' (1, 6, 13 ... as Ensembl/NCBI name them), against
the chr-named demo (issue 19: any reference naming; the rule in scripts/common/contig_names.py).

The chr-named case is the shared demo (tests/conftest.py `shared_demo`): its reference is chr-named, the shipped PGx
and carrier panels too, and its ClinVar VCF (config/panels/clinvar/demo_clinvar_GRCh38.vcf, NCBI's layout) names
contigs 1 and 17, so the demo maps a plain-named panel to a chr-named reference.

The plain-named batch is made here from the finished demo, small enough to run in seconds:
- reference: the demo's own prepared reference (resources/reference/genome.fa), contigs chr6, chr11, chr13, chr16,
  chr17 and chr19 only (232 Mb), renamed 6, 11, 13, 16, 17, 19 (samtools faidx | sed: the same bases at the same
  positions). The other contigs are left out on purpose: their panel positions must be not_covered, naming the contig,
  never silently missing;
- samples: the six demo samples as VCF rows, one multi-sample VCF: the demo's results/calls/bcftools/sites.vcf.gz
  (every panel position genotyped from the reads, hom-ref and no-calls included), contigs renamed chrN -> N by
  `bcftools annotate --rename-chrs`; the demo sheet's sex and consent columns;
- regions: the demo's target windows on those contigs, renamed; ClinVar: the demo's VCF; no ancestry panel.
So the chr-named PGx and carrier panels meet a plain-named reference, and the plain-named ClinVar VCF an exact match.

Oracle: the shared demo's own results (whose calls tests/workflow/test_demo_panels.py checks by hand) at the positions
on the kept contigs, and, by hand from the panel files (read here with json/csv): PGx genes with every position on a
kept contig: CYP2B6, CYP4F2, IFNL3, RYR1 (chr19), NUDT15 (chr13), TPMT (chr6), VKORC1 (chr16); carrier rows on kept
contigs: HBB x4 and F2 (chr11), GJB2 (chr13), APOE x2 (chr19); ClinVar: BRCA1 17:43063937 kept, MUTYH 1:45332803 not.
Only the targets read here are asked for (the panels' results and sites.vcf.gz); the run takes about 15 s on 2 cores.
"""

import csv
import gzip
import json
import re
import shutil
import subprocess
import time

import pytest

from conftest import REPO
from workflow_runner import query, snakemake

pytestmark = pytest.mark.workflow
SAMPLES = ["demo01", "demo02", "demo03", "demo04", "demo05", "demo06"]
KEPT = ("chr6", "chr11", "chr13", "chr16", "chr17", "chr19")
PLAIN_PGX_GENES = {"CYP2B6", "CYP4F2", "IFNL3", "RYR1", "NUDT15", "TPMT", "VKORC1"}
PLAIN_CARRIER_ROWS = {"HBB": 4, "F2": 1, "GJB2": 1, "APOE": 2}
SITES = "results/calls/bcftools/sites.vcf.gz"
TARGETS = ["results/pgx/pgx_calls.json", "results/carrier/carrier_findings.json", "results/clinvar/findings.json",
           SITES]  # fmt: skip
NOT_IN_REFERENCE = "contig {} is not in the reference"
SITES_FORMAT = "%CHROM\t%POS\t%ID\t%REF\t%ALT[\t%GT:%DP:%AD]\n"


def plain(name):
    return name.removeprefix("chr")


@pytest.fixture(scope="module")
def plain_run(tmp_path_factory, shared_demo):
    demo, configfile = shared_demo
    batch = tmp_path_factory.mktemp("plain_contigs")
    with open(batch / "plain.fa", "wb") as fh:
        faidx = subprocess.Popen(["samtools", "faidx", str(demo / "resources/reference/genome.fa"), *KEPT],
                                 stdout=subprocess.PIPE)  # fmt: skip
        subprocess.run(["sed", "s/^>chr/>/"], stdin=faidx.stdout, stdout=fh, check=True)
        assert faidx.wait() == 0
    names = batch / "names.txt"
    names.write_text("".join(f"chr{c}\t{c}\n" for c in [*range(1, 23), "X", "Y"]) + "chrM\tMT\n")
    subprocess.run(["bcftools", "annotate", "--no-version", "--rename-chrs", str(names), "-Oz", "-o",
                    str(batch / "demo_sites.vcf.gz"), str(demo / SITES)], check=True)  # fmt: skip
    windows = (demo / "resources/demo/regions.bed").read_text().splitlines()
    (batch / "regions.bed").write_text("".join(plain(w) + "\n" for w in windows if w.split("\t")[0] in KEPT))
    shutil.copy(configfile.parent / "panels/clinvar/demo_clinvar_GRCh38.vcf", batch / "clinvar.vcf")
    with open(configfile.parent / "samples.tsv") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    columns = [c for c in rows[0] if c not in ("sample_id", "alignment")]
    lines = ["\t".join(["sample_id", "vcf", "vcf_sample", *columns])]
    lines += ["\t".join([r["sample_id"], "demo_sites.vcf.gz", r["sample_id"], *(r[c] for c in columns)]) for r in rows]
    (batch / "samples.tsv").write_text("\n".join(lines) + "\n")
    (batch / "config.yaml").write_text(
        "samples: samples.tsv\nreference: plain.fa\nbuild: GRCh38\nregions: regions.bed\ncallers: [bcftools]\n"
        "structure: {panel: none}\nclinvar: {vcf: clinvar.vcf}\n"
    )
    started = time.monotonic()
    snakemake(batch, "--cores", "2", *TARGETS, configfile=batch / "config.yaml")
    print(f"plain-named batch: snakemake took {time.monotonic() - started:.0f} s")
    return batch


def results(batch, path):
    return json.loads((batch / path).read_text())


def test_hand_lists_are_the_panel_files():
    kept_genes = set()
    for path in (REPO / "config/panels/pgx/alleles").glob("*_translation.json.gz"):
        definition = json.loads(gzip.decompress(path.read_bytes()))
        if {v["chromosome"] for v in definition["variants"]} <= set(KEPT):
            kept_genes.add(definition["gene"])
    assert kept_genes == PLAIN_PGX_GENES
    with open(REPO / "config/panels/carrier/carrier_panel.tsv") as fh:
        rows = [r for r in csv.DictReader(fh, delimiter="\t") if r["chrom"] in KEPT]
    assert {g: sum(r["gene"] == g for r in rows) for g in PLAIN_CARRIER_ROWS} == PLAIN_CARRIER_ROWS
    assert len(rows) == sum(PLAIN_CARRIER_ROWS.values())


def test_the_reference_and_the_samples_are_plain_named(plain_run):
    with open(plain_run / "resources/reference/genome.fa.fai") as fh:
        assert [line.split("\t")[0] for line in fh] == [plain(c) for c in KEPT]
    assert {line.split("\t")[0] for line in query(plain_run / SITES, "%CHROM\n")} == {plain(c) for c in KEPT}


def test_pgx_calls_on_the_kept_contigs_are_the_chr_named_runs(plain_run, shared_demo):
    demo = results(shared_demo[0], "results/pgx/pgx_calls.json")
    got = results(plain_run, "results/pgx/pgx_calls.json")
    assert set(got) == set(SAMPLES) and all(set(got[s]) == set(demo[s]) for s in SAMPLES)
    for sample in SAMPLES:
        for gene, result in got[sample].items():
            if gene in PLAIN_PGX_GENES:
                assert result == demo[sample][gene], (sample, gene)
            else:  # every position on a contig the reference lacks: not covered, never reference, no phenotype
                assert {c["status"] for c in result["calls"]} == {"not_covered"}, (sample, gene)
                assert (result["diplotypes"], result["phenotype"]) == ([], None), (sample, gene)
    # hand anchors (test_demo_panels): demo06 TPMT *1/*3C; demo03 has no reads at NUDT15 rs116855232
    assert (got["demo06"]["TPMT"]["diplotypes"], got["demo06"]["TPMT"]["phenotype"]) == (
        ["*1/*3C"], "Intermediate Metabolizer"
    )  # fmt: skip
    assert next(c["status"] for c in got["demo03"]["NUDT15"]["calls"] if c["rsid"] == "rs116855232") == "no_call"


def test_carrier_findings_on_the_kept_contigs_are_the_chr_named_runs(plain_run, shared_demo):
    demo = results(shared_demo[0], "results/carrier/carrier_findings.json")
    got = results(plain_run, "results/carrier/carrier_findings.json")
    for sample in SAMPLES:
        assert len(got[sample]) == len(demo[sample]) == 16, sample  # 15 rows, then the APOE genotype
        for mine, theirs in zip(got[sample], demo[sample], strict=True):
            if mine["kind"] == "apoe_genotype" or mine["chrom"] in KEPT:
                assert mine == theirs, sample
            elif theirs["status"] == "not_requested":  # no consent: never looked at, on any reference
                assert mine == theirs, sample
            else:
                assert (mine["status"], mine["genotype"]) == ("not_covered", None), (sample, mine["gene"])
                assert mine["reason"] == "not covered by this reference/target: " + NOT_IN_REFERENCE.format(
                    mine["chrom"]
                )
    hbb_s = next(f for f in got["demo04"] if f.get("rsid") == "rs334")
    assert (hbb_s["status"], hbb_s["genotype"]) == ("found", "0/1")
    assert next(f for f in got["demo02"] if f["kind"] == "apoe_genotype")["genotype"] == "e3/e4"


def test_clinvar_findings_on_the_kept_contigs_are_the_chr_named_runs(plain_run, shared_demo):
    demo = results(shared_demo[0], "results/clinvar/findings.json")
    got = results(plain_run, "results/clinvar/findings.json")
    assert got["withheld"] == demo["withheld"] and got["release"] == demo["release"]
    for sample in SAMPLES:
        mine, theirs = got["samples"][sample], demo["samples"][sample]
        if theirs == {"status": "not_requested"}:
            assert mine == theirs, sample
            continue
        assert mine["findings"] == [f for f in theirs["findings"] if f["chrom"] == "17"], sample
        assert mine["genes"]["BRCA1"] == theirs["genes"]["BRCA1"]
        mutyh = mine["genes"]["MUTYH"]
        assert (mutyh["covered"], mutyh["not_covered"], mutyh["no_call"]) == (0, 1, 0), sample
    assert [f["variation_id"] for f in got["samples"]["demo01"]["findings"]] == ["55392"]  # BRCA1, at risk
    with open(plain_run / "resources/panels/clinvar_coverage.tsv") as fh:
        rows = {r["id"]: (r["status"], r["reason"]) for r in csv.DictReader(fh, delimiter="\t")}
    assert rows == {"55392": ("covered", "."), "5293": ("not_covered", NOT_IN_REFERENCE.format("1"))}


def trimmed(ref, alt):
    """REF and ALT without their shared trailing bases (one base kept): one indel, however a caller pads it."""
    while len(ref) > 1 and len(alt) > 1 and ref[-1] == alt[-1]:
        ref, alt = ref[:-1], alt[:-1]
    return ref, alt


def site_lines(vcf, *args):
    """Sorted (CHROM without 'chr', POS, ID, trimmed REF/ALT, per-sample GT:DP:AD) of a sites VCF."""
    lines = []
    for line in query(vcf, SITES_FORMAT, *args):
        chrom, pos, vid, ref, alt, *samples = line.split("\t")
        lines.append((plain(chrom), int(pos), vid, *trimmed(ref, alt), *samples))
    return sorted(lines)


def test_sites_genotyped_are_the_chr_named_runs_on_the_kept_contigs(plain_run, shared_demo):
    # the same records with the same genotypes, depths and allele depths in every sample; a VCF row's indel comes back
    # normalised (NUDT15's rs746071566 as A>AGGAGTC, the demo's sites file writes AGGAGTC>AGGAGTCGGAGTC), so REF/ALT
    # are compared trimmed
    demo = site_lines(shared_demo[0] / SITES, "-r", ",".join(KEPT))
    got = site_lines(plain_run / SITES)
    assert len(got) == len(demo) > 400
    assert got == demo


def test_the_logs_name_the_renamed_contigs_and_count_the_missing_ones(plain_run, shared_demo):
    # the kept contigs holding positions of each panel (the panel files: PGx genes above, carrier rows)
    holding = {"pgx": {"chr6", "chr13", "chr16", "chr19"}, "carrier": {"chr11", "chr13", "chr19"}}
    for panel, contigs in holding.items():
        log = (plain_run / f"logs/{panel}/{panel}_sites.log").read_text()
        renamed = re.search(r"panel contigs named otherwise in the reference: (.*)", log)[1].split(", ")
        assert sorted(renamed) == sorted(f"{c}->{plain(c)}" for c in contigs)
        with open(plain_run / f"resources/panels/{panel}_coverage.tsv") as fh:
            missing = [r for r in csv.DictReader(fh, delimiter="\t") if r["reason"].startswith("contig ")]
        assert {r["chrom"] for r in missing}.isdisjoint(KEPT) and missing
        assert all(r["reason"] == NOT_IN_REFERENCE.format(r["chrom"]) for r in missing)
        assert f"{len(missing)} panel position(s) on contigs the reference lacks (not covered)" in log
    # the chr-named demo maps the NCBI-named ClinVar VCF the other way
    demo_log = (shared_demo[0] / "logs/clinvar/clinvar_sites.log").read_text()
    assert "panel contigs named otherwise in the reference: 1->chr1, 17->chr17" in demo_log
