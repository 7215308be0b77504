"""scripts/pgx/pgx_genotypes.py and rule pgx_genotypes: PGx calls for a batch VCF, written as JSON and TSV.

Inputs: PharmCAT's example VCF and tiny VCFs written here from PharmCAT's positions VCF (the ORIGINALS in
../shared/testdata/pharmcat_positions_grch38), shuffled, renamed and split the ways users' VCFs come; bcftools
(norm -m -any, view, index) makes the split and indexed variants. Expected calls: PharmCAT's own output for its example
(docs/examples/pharmcat.example.report.tsv at PharmGKB/PharmCAT @ 5431bf1, transcribed below) and the CPIC/PharmCAT
values cited in tests/pgx/test_pgx_match.py.
"""

import json
import re
import subprocess

import pytest
import yaml

from common.input_error import InputError
from conftest import TESTDATA
from pgx.pgx_genotypes import pgx_genotypes
from workflow_runner import demo_batch, demo_on_build_other, snakemake

PANEL = TESTDATA / "pharmcat_positions_grch38"
DEFINITIONS = PANEL / "definitions"
GENES = ["CYP2C19", "CYP2C9", "DPYD", "NUDT15", "SLCO1B1", "TPMT", "VKORC1"]
HEADER = "##fileformat=VCFv4.2\n"
FORMAT_LINES = (
    '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\n'
    '##FORMAT=<ID=PS,Number=1,Type=Integer,Description="Phase set">\n'
    '##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Depth">\n'
)
# PharmCAT's report for pharmcat.example.vcf (all reference): gene, diplotype, phenotype, activity score, match score.
PHARMCAT_EXAMPLE = [
    ("CYP2C19", "*38/*38", "Normal Metabolizer", "NA", 70),
    ("CYP2C9", "*1/*1", "Normal Metabolizer", "2.0", 166),
    ("DPYD", "Reference/Reference", "Normal Metabolizer", "2.0", 166),
    ("NUDT15", "*1/*1", "Normal Metabolizer", "NA", 36),
    ("SLCO1B1", "*1/*1", "Normal Function", "NA", 70),
    ("TPMT", "*1/*1", "Normal Metabolizer", "NA", 86),
    ("VKORC1", "rs9923231 reference (C)/rs9923231 reference (C)", "-1639 GG", "NA", 2),
]


@pytest.fixture(scope="module")
def panel_rows():
    """{gene: [[CHROM, POS, ID, REF, ALT], ...]} from PharmCAT's positions VCF (INFO PX=gene)."""
    if not DEFINITIONS.is_dir():
        pytest.skip(f"PharmCAT panel not found at {PANEL} (real test data beside the checkout)")
    rows = {}
    for line in (PANEL / "pharmcat_positions.vcf").read_text().splitlines():
        if not line.startswith("#"):
            fields = line.split("\t")
            rows.setdefault(fields[7].removeprefix("PX="), []).append(fields[:5])
    return rows


def write_vcf(path, rows, samples, genotypes, contigs=(), fmt="GT:PS:DP"):
    """A VCF of `rows` ([CHROM, POS, ID, REF, ALT]); genotypes {rsID: [per-sample field]}, default 0/0 (PS ., DP 30)."""
    lines = [HEADER, *(f"##contig=<ID={c}>\n" for c in contigs), FORMAT_LINES]
    lines.append("\t".join(["#CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO", "FORMAT", *samples]) + "\n")
    default = "0/0:.:30" if fmt == "GT:PS:DP" else "0/0"
    for chrom, pos, rsid, ref, alt in rows:
        fields = genotypes.get(rsid, [default] * len(samples))
        lines.append("\t".join([chrom, pos, rsid, ref, alt, ".", "PASS", ".", fmt, *fields]) + "\n")
    path.write_text("".join(lines))
    return path


def run(vcf, tmp_path, genes=("CYP2C19", "TPMT"), **kwargs):
    json_path, tsv_path = tmp_path / "pgx_calls.json", tmp_path / "pgx_calls.tsv"
    pgx_genotypes(vcf, DEFINITIONS, list(genes), json_path, tsv_path, **kwargs)
    return json.loads(json_path.read_text()), tsv_path.read_text().splitlines()


def test_pharmcat_example_vcf_gives_pharmcats_own_calls(tmp_path):
    if not DEFINITIONS.is_dir():
        pytest.skip(f"PharmCAT panel not found at {PANEL}")
    results, tsv = run(PANEL / "pharmcat.example.vcf", tmp_path, genes=GENES)
    assert tsv[0] == "sample_id\tgene\tdiplotypes\tphenotype\tactivity_score\tn_missing\tstatus\tn_not_covered"
    assert tsv[1:] == [f"Sample_1\t{g}\t{d}\t{p}\t{a}\t0\tcalled\t0" for g, d, p, a, _ in PHARMCAT_EXAMPLE]
    for gene, _, _, _, score in PHARMCAT_EXAMPLE:
        assert results["Sample_1"][gene]["candidates"][0]["score"] == score, gene
    assert results["Sample_1"]["CYP2C9"]["extra_calls"][0]["rsid"] == "rs12777823"  # exemptions' extra position


def test_vcf_as_users_send_it(panel_rows, tmp_path):
    # No 'chr', no ##contig lines, records in reverse order, ALT '.' at hom-ref rows, phased genotypes with PS.
    rows = [[c.removeprefix("chr"), p, i, r, a] for c, p, i, r, a in panel_rows["TPMT"] + panel_rows["CYP2C19"]]
    variant_ids = {"rs1800460", "rs1142345", "rs12248560", "rs3758581"}
    rows = [[c, p, i, r, a if i in variant_ids else "."] for c, p, i, r, a in reversed(rows)]
    genotypes = {
        "rs1800460": ["0/0:.:30", "0|1:100:30", "0|1:100:30", "0/1:.:30", "0|1:5:30"],
        "rs1142345": ["0/0:.:30", "0|1:100:30", "1|0:100:30", "0/1:.:30", "0|1:6:30"],
        "rs12248560": ["0/0:.:30", "0/1:.:30", "0/0:.:30", "0/0:.:30", "0/0:.:30"],
        "rs3758581": ["0/0:.:30", "1/1:.:30", "1/1:.:30", "1/1:.:30", "1/1:.:30"],
    }
    samples = ["S1", "S2", "S3", "S4", "S5"]
    vcf = write_vcf(tmp_path / "users.vcf", rows, samples, genotypes)
    results, tsv = run(vcf, tmp_path)
    assert [results[s]["TPMT"]["diplotypes"] for s in samples] == [
        ["*1/*1"],  # all reference
        ["*1/*3A"],  # both ALTs on chromosome 2 of phase set 100
        ["*3B/*3C"],  # same phase set, ALTs on different chromosomes
        ["*1/*3A", "*3B/*3C"],  # unphased: both phasings
        ["*1/*3A", "*3B/*3C"],  # phased, but in different phase sets: unknown relative phase
    ]
    assert [results[s]["CYP2C19"]["diplotypes"] for s in samples] == [["*38/*38"], ["*1/*17"], *[["*1/*1"]] * 3]
    assert "S2\tCYP2C19\t*1/*17\tRapid Metabolizer\tNA\t0\tcalled\t0" in tsv
    assert "S4\tTPMT\t*1/*3A;*3B/*3C\tNA\tNA\t0\tambiguous\t0" in tsv
    call = next(c for c in results["S2"]["TPMT"]["calls"] if c["rsid"] == "rs1800460")
    assert call == {"rsid": "rs1800460", "chrom": "chr6", "pos": 18138997, "genotype": "C|T", "status": "variant"}


def test_multiallelic_joint_or_split_by_bcftools_is_the_same(panel_rows, tmp_path):
    # TPMT rs144041067 C>G,T: G is *22, T is *16 (PharmCAT tpmts16s22 calls T/G *16/*22).
    genotypes = {"rs144041067": ["1/2:.:30", "1|2:.:30", "0/2:.:30", "2/2:.:30"]}
    contigs = ["chr6", "chr10"]
    joint = write_vcf(tmp_path / "joint.vcf", panel_rows["TPMT"], ["S1", "S2", "S3", "S4"], genotypes, contigs)
    split = tmp_path / "split.vcf"
    subprocess.run(["bcftools", "norm", "--no-version", "-m", "-any", "-o", str(split), str(joint)], check=True)
    assert sum(line.split("\t")[2:3] == ["rs144041067"] for line in split.read_text().splitlines()) == 2
    expected = [["*16/*22"], ["*16/*22"], ["*1/*16"], ["*16/*16"]]
    for vcf in (joint, split):
        results, _ = run(vcf, tmp_path, genes=["TPMT"])
        assert [results[s]["TPMT"]["diplotypes"] for s in ("S1", "S2", "S3", "S4")] == expected, vcf.name


def test_no_calls_low_depth_and_half_calls_are_missing(panel_rows, tmp_path):
    genotypes = {"rs1142345": ["./.:.:30", "0/0:.:0", "0/.:.:30", "1/.:.:30", "0/0:.:.", "0/1:.:3"]}
    samples = ["nocall", "dp0", "refhalf", "althalf", "nodp", "dp3"]
    vcf = write_vcf(tmp_path / "calls.vcf", panel_rows["TPMT"], samples, genotypes)
    results, tsv = run(vcf, tmp_path, genes=["TPMT"], min_depth=5)
    for sample in ("nocall", "dp0", "refhalf", "dp3"):
        assert results[sample]["TPMT"]["missing"] == ["rs1142345"], sample
        assert results[sample]["TPMT"]["diplotypes"] == []
    assert results["nocall"]["TPMT"]["possible_diplotypes_if_missing"][:2] == ["*1/*1", "*1/*3C"]
    half = results["althalf"]["TPMT"]
    assert half["missing"] == ["rs1142345"] and half["status"] == "missing_positions"
    assert next(c for c in half["calls"] if c["rsid"] == "rs1142345")["genotype"] == "C/."
    assert "*1/*1" not in half["possible_diplotypes_if_missing"]  # the known C must be on one chromosome
    assert results["nodp"]["TPMT"]["diplotypes"] == ["*1/*1"]  # no DP: kept
    assert "dp3\tTPMT\tNA\tNA\tNA\t1\tmissing_positions\t0" in tsv


def test_indel_with_a_longer_ref_and_a_ref_conflict(panel_rows, tmp_path):
    rows = [list(r) for r in panel_rows["NUDT15"] + panel_rows["TPMT"]]
    for row in rows:
        if row[2] == "rs746071566":  # PharmCAT: AGGAGTC>A,AGGAGTCGGAGTC; the deletion (*9) with 2 more REF bases
            row[3], row[4] = "AGGAGTCGG", "AGG"
        if row[2] == "rs1142345":  # TPMT REF is T at chr6:18130687; an A there is another genome
            row[3] = "A"
    vcf = write_vcf(tmp_path / "indel.vcf", rows, ["S1"], {"rs746071566": ["0/1:.:30"]})
    results, _ = run(vcf, tmp_path, genes=["NUDT15", "TPMT"])
    assert results["S1"]["NUDT15"]["diplotypes"] == ["*1/*9"]
    assert results["S1"]["NUDT15"]["phenotype"] == "Intermediate Metabolizer"  # NUDT15.json: *9 no function
    assert results["S1"]["TPMT"]["missing"] == ["rs1142345"]


def test_indexed_bgzipped_vcf_gives_the_same_calls(panel_rows, tmp_path):
    genotypes = {"rs1800460": ["0|1:100:30"], "rs1142345": ["0|1:100:30"]}
    plain = write_vcf(tmp_path / "plain.vcf", panel_rows["TPMT"], ["S1"], genotypes, contigs=["chr6"])
    indexed = tmp_path / "indexed.vcf.gz"
    subprocess.run(["bcftools", "view", "--no-version", "-Oz", "-o", str(indexed), str(plain)], check=True)
    subprocess.run(["bcftools", "index", "-t", str(indexed)], check=True)
    first, _ = run(plain, tmp_path, genes=["TPMT"])
    second, _ = run(indexed, tmp_path, genes=["TPMT"])
    assert first == second and first["S1"]["TPMT"]["diplotypes"] == ["*1/*3A"]


def test_samples_follow_the_sheet_and_bad_inputs_are_named(panel_rows, tmp_path):
    genotypes = {"rs9923231": ["0/0", "0/1", "1/1"]}
    vcf = write_vcf(tmp_path / "s.vcf", panel_rows["VKORC1"], ["A", "B", "C"], genotypes, fmt="GT")
    results, tsv = run(vcf, tmp_path, genes=["VKORC1"], samples=["C", "missing", "A"])
    assert list(results) == ["C", "A"]
    assert [line.split("\t")[3] for line in tsv[1:]] == ["-1639 AA", "-1639 GG"]
    with pytest.raises(InputError, match=r"s\.vcf: none of the sample sheet's IDs is a sample of this VCF"):
        run(vcf, tmp_path, genes=["VKORC1"], samples=["x"])
    wrong = [
        [c, p, i, {"A": "T", "C": "G", "G": "C", "T": "A"}[r[0]] + r[1:], a] for c, p, i, r, a in panel_rows["TPMT"]
    ]
    with pytest.raises(InputError, match=r"REF disagrees .* at 43 of 43 panel records; is the VCF on GRCh38\?"):
        run(write_vcf(tmp_path / "hg19.vcf", wrong, ["S1"], {}), tmp_path, genes=["TPMT"])


@pytest.mark.workflow
@pytest.mark.workflow
def test_rule_runs_only_when_enabled(panel_rows, tmp_path):
    config_path = demo_batch(tmp_path)
    assert "pgx_genotypes" in snakemake(tmp_path, "-n", configfile=config_path).stdout  # GRCh38 + panel sites
    demo_on_build_other(config_path)
    plan = snakemake(tmp_path, "-n", configfile=config_path).stdout
    assert "pgx_genotypes" not in plan  # not GRCh38: pgx.enabled auto stays off

    write_vcf(tmp_path / "cohort.vcf", panel_rows["VKORC1"], [f"demo0{i}" for i in range(1, 7)], {}, fmt="GT")
    config = yaml.safe_load(config_path.read_text())
    config["pgx"] = {"enabled": True, "genes": ["VKORC1"], "vcf": "../cohort.vcf"}
    pgx_config = tmp_path / "config" / "pgx.yaml"
    pgx_config.write_text(yaml.safe_dump(config))
    snakemake(tmp_path, "--cores", "1", "results/pgx/pgx_calls.tsv", configfile=pgx_config)
    tsv = (tmp_path / "results" / "pgx" / "pgx_calls.tsv").read_text().splitlines()
    assert tsv[1] == "demo01\tVKORC1\trs9923231 reference (C)/rs9923231 reference (C)\t-1639 GG\tNA\t0\tcalled\t0"
    assert len(tsv) == 7

    # Without pgx.vcf the workflow genotypes the definitions' positions itself (no sites.files needed), even on
    # build other when pgx.enabled is true.
    del config["pgx"]["vcf"]
    config["build"] = "other"
    pgx_config.write_text(yaml.safe_dump(config))
    plan = snakemake(tmp_path, "-n", configfile=pgx_config).stdout
    for rule in ("pgx_sites", "genotype_sites", "pgx_genotypes"):
        assert re.search(rf"^(local)?rule {rule}:", plan, re.MULTILINE), rule
