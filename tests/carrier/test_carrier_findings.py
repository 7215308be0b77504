"""Carrier findings (scripts/carrier/carrier_findings.py, carrier_panel.find_carriers) and the panel's sites VCF
(scripts/sites/panel_to_sites.py).

Oracles: hand-made sites VCFs whose genotypes, depths and missing records are written here, so every status is known
by construction; the APOE haplotype table as SNPedia states it (Rs429358: C with rs7412 C on one chromosome is e4,
T is the common allele; Rs7412: T is e2; so e2 = T+T, e3 = T+C, e4 = C+C, plus strand); and, end to end through
bcftools genotyping of real reads, GIAB v3.3.2 truth genotypes of HG001 (GRCh37 trio window) and samtools depth.
Size: 21 cases; most lines are hand-written sites VCFs whose every status is known by construction.
"""

import json
import re
import subprocess

import pysam
import pytest

from carrier.carrier_findings import TSV_COLUMNS, write_carrier_findings
from carrier.carrier_panel import PANEL_COLUMNS, find_carriers, load_panel, read_site_calls
from conftest import REPO, TESTDATA
from sites.genotype_sites import collect_sites, genotype_sites
from sites.panel_to_sites import panel_to_sites
from trio_data import TRIO as TRIO_NAME
from trio_data import TRIO_BAMS, TRIO_TRUTH
from workflow_runner import demo_batch, demo_on_build_other, snakemake

PANEL = REPO / "config" / "panels" / "carrier" / "carrier_panel.tsv"
FORMAT_HEADER = (
    '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\n'
    '##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Depth">\n'
)


def write_vcf(path, samples, records, contigs=("chr1", "chr7", "chr11", "chr19")):
    """A VCF from (chrom, pos, ref, alt, [per-sample 'GT:DP' or 'GT'], format) rows, written by hand."""
    header = "##fileformat=VCFv4.2\n" + "".join(f"##contig=<ID={c}>\n" for c in contigs) + FORMAT_HEADER
    header += "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\t" + "\t".join(samples) + "\n"
    body = "".join(f"{c}\t{p}\t.\t{r}\t{a}\t.\t.\t.\t{fmt}\t" + "\t".join(s) + "\n" for c, p, r, a, s, fmt in records)
    path.write_text(header + body)
    return path


@pytest.fixture(scope="module")
def panel():
    return load_panel(PANEL)


def by_gene_hgvs(findings):
    return {(f["gene"], f.get("hgvs")): f for f in findings}


def one_sample(tmp_path, records, sample="S1", **kwargs):
    vcf = write_vcf(tmp_path / "sites.vcf", [sample], records, **kwargs)
    _, calls = read_site_calls(vcf)
    return calls[sample]


F5 = ("F5", "NM_000130.5:c.1601G>A (p.Arg534Gln)")
F2 = ("F2", "NM_000506.5:c.*97G>A (prothrombin G20210A)")
F508DEL = ("CFTR", "NM_000492.4:c.1521_1523del (p.Phe508del)")


# ---------------------------------------------------------------- statuses on a hand-made sites VCF


@pytest.mark.parametrize(
    ("sample_field", "status", "genotype", "zygosity"),
    [
        ("0/1:30", "found", "0/1", "heterozygous"),
        ("1/1:30", "found", "1/1", "homozygous"),
        ("0|1:30", "found", "0|1", "heterozygous"),
        ("0/0:30", "not_found", "0/0", None),
        ("./.:30", "no_call", "./.", None),
        ("./.:0", "no_call", "./.", None),
        ("0/0:3", "no_call", "0/0", None),  # hom-ref, but too shallow to say so (min_depth 8)
        ("0/1:3", "no_call", "0/1", None),  # below min_depth: not used either way
        ("1/.:30", "found", "1/.", "heterozygous"),  # a half call carrying the ALT
        ("0/.:30", "no_call", "0/.", None),
        ("1:30", "found", "1", "hemizygous"),
    ],
)
def test_f5_status_from_the_genotype(panel, tmp_path, sample_field, status, genotype, zygosity):
    calls = one_sample(tmp_path, [("chr1", 169549811, "C", "T", [sample_field], "GT:DP")])
    finding = by_gene_hgvs(find_carriers(panel, calls, min_depth=8))[F5]
    assert (finding["status"], finding["genotype"], finding["zygosity"]) == (status, genotype, zygosity)
    assert finding["depth"] == int(sample_field.split(":")[1])
    assert (finding["clinvar_variation_id"], finding["rsid"], finding["pos"]) == ("642", "rs6025", 169549811)


def test_a_position_absent_from_the_vcf_is_no_call_never_not_found(panel, tmp_path):
    calls = one_sample(tmp_path, [("chr1", 169549811, "C", "T", ["0/0:30"], "GT:DP")])
    findings = by_gene_hgvs(find_carriers(panel, calls))
    assert findings[F2]["status"] == "no_call" and findings[F2]["genotype"] is None
    assert findings[F2]["reason"] == "position not in the genotype file"
    statuses = [f["status"] for f in find_carriers(panel, calls) if f["kind"] != "apoe_genotype"]
    assert statuses.count("not_found") == 1 and statuses.count("no_call") == len(panel) - 1


# ---------------------------------------------------------------- genotypes on the gene's strand, kinds, consent

HBS = ("HBB", "NM_000518.5:c.20A>T (p.Glu7Val)")
F508DEL = ("CFTR", "NM_000492.4:c.1521_1523del (p.Phe508del)")
IVS1_110 = ("HBB", "NM_000518.5:c.93-21G>A (IVS-I-110)")


@pytest.mark.parametrize(
    ("key", "record", "field", "coding", "genomic"),
    [
        # HBB lies on the minus strand: the VCF's T>A at chr11:5,227,002 is c.20A>T; hom-ref T/T reads A/A
        (HBS, ("chr11", 5227002, "T", "A"), "0/0:30", "A/A", "T/T"),
        (HBS, ("chr11", 5227002, "T", "A"), "0/1:30", "A/T", "T/A"),
        (HBS, ("chr11", 5227002, "T", "A"), "1/1:30", "T/T", "A/A"),
        # F5 (minus strand): VCF C>T is c.1601G>A; a carrier of factor V Leiden is G/A, not C/T
        (F5, ("chr1", 169549811, "C", "T"), "0/1:30", "G/A", "C/T"),
        (F5, ("chr1", 169549811, "C", "T"), "0/0:30", "G/G", "C/C"),
        # CFTR (plus strand, NCBI Gene 1080): F508del's VCF bases ATCT>A do not spell the HGVS; ref/del does
        (F508DEL, ("chr7", 117559590, "ATCT", "A"), "0/0:30", "ref/ref", "ATCT/ATCT"),
        (F508DEL, ("chr7", 117559590, "ATCT", "A"), "0/1:30", "ref/del", "ATCT/A"),
    ],
)
def test_genotypes_are_written_on_the_gene_coding_strand(panel, tmp_path, key, record, field, coding, genomic):
    calls = one_sample(tmp_path, [(*record, [field], "GT:DP")])
    finding = by_gene_hgvs(find_carriers(panel, calls))[key]
    assert (finding["coding_genotype"], finding["genomic_genotype"]) == (coding, genomic)


def test_panel_kinds_and_strands_match_the_genes(panel):
    kinds = {v.gene: (v.kind, v.strand) for v in panel}
    assert kinds == {
        "F5": ("risk_factor", "-"), "F2": ("risk_factor", "+"), "APOE": ("apoe", "+"), "CFTR": ("carrier", "+"),
        "HBB": ("carrier", "-"), "PAH": ("carrier", "-"), "GJB2": ("carrier", "-"), "HEXA": ("carrier", "-"),
    }  # fmt: skip


@pytest.mark.parametrize(
    ("hbs", "ivs", "expected"),
    [
        ("0/1:30", "0/0:30", {HBS: "carrier"}),  # one copy of one variant: carrier
        ("1/1:30", "0/0:30", {HBS: "possibly_affected"}),  # two copies: sickle cell disease possible
        ("0/1:30", "0/1:30", {HBS: "possibly_affected", IVS1_110: "possibly_affected"}),  # two variants, one gene
    ],
)
def test_carrier_interpretation_by_gene(panel, tmp_path, hbs, ivs, expected):
    records = [("chr11", 5227002, "T", "A", [hbs], "GT:DP"), ("chr11", 5226820, "C", "T", [ivs], "GT:DP")]
    findings = find_carriers(panel, one_sample(tmp_path, records))
    found = {(f["gene"], f["hgvs"]): f["interpretation"] for f in findings if f["status"] == "found"}
    assert found == expected
    assert all(f.get("interpretation") is None for f in findings if f["status"] != "found")


def test_risk_factors_are_not_carrier_findings(panel, tmp_path):
    calls = one_sample(tmp_path, [("chr1", 169549811, "C", "T", ["0/1:30"], "GT:DP")])
    finding = by_gene_hgvs(find_carriers(panel, calls))[F5]
    assert (finding["kind"], finding["status"], finding["zygosity"], finding["interpretation"]) == (
        "risk_factor", "found", "heterozygous", None)  # fmt: skip


def test_without_consent_apoe_and_risk_factors_are_not_requested_and_not_read(panel, tmp_path):
    records = [
        ("chr1", 169549811, "C", "T", ["0/1:30"], "GT:DP"),  # F5 Leiden
        ("chr19", 44908684, "T", "C", ["0/1:30"], "GT:DP"),  # APOE e4 site
        ("chr19", 44908822, "C", "T", ["0/0:30"], "GT:DP"),
        ("chr11", 5227002, "T", "A", ["0/1:30"], "GT:DP"),  # HbS carrier
    ]
    calls = one_sample(tmp_path, records)
    given = find_carriers(panel, calls, consent={"apoe": True, "secondary": True})
    refused = find_carriers(panel, calls, consent={"apoe": False, "secondary": False})
    assert next(f for f in given if f["kind"] == "apoe_genotype")["genotype"] == "e3/e4"
    for f in refused:
        if f["kind"] in ("risk_factor", "apoe", "apoe_genotype"):
            assert f["status"] == "not_requested" and f["genotype"] is None, f
            assert f.get("reason", f.get("note")).startswith("not requested (consent_")
    assert by_gene_hgvs(refused)[HBS]["status"] == "found"  # carrier status needs no extra consent
    assert by_gene_hgvs(refused)[F5]["reason"] == "not requested (consent_secondary: no)"


def test_the_batch_tables_mark_a_refused_section_not_requested(tmp_path):
    vcf = write_vcf(tmp_path / "sites.vcf", ["yes", "no"], [
        ("chr19", 44908684, "T", "C", ["0/1:30", "1/1:30"], "GT:DP"),
        ("chr19", 44908822, "C", "T", ["0/0:30", "0/0:30"], "GT:DP"),
    ])  # fmt: skip
    consent = {"yes": {"apoe": True, "secondary": True}, "no": {"apoe": False, "secondary": True}}
    write_carrier_findings(vcf, PANEL, tmp_path / "c.json", tmp_path / "c.tsv", consent=consent)
    rows = [dict(zip(TSV_COLUMNS, line.split("\t"))) for line in (tmp_path / "c.tsv").read_text().splitlines()[1:]]
    apoe = {(r["sample_id"], r["kind"], r["rsid"]): (r["status"], r["genotype"]) for r in rows if r["gene"] == "APOE"}
    assert apoe[("no", "apoe", "rs429358")] == ("not_requested", "NA")
    assert apoe[("no", "apoe_genotype", "NA")] == ("not_requested", "NA")
    assert apoe[("yes", "apoe", "rs429358")] == ("found", "0/1")
    assert apoe[("yes", "apoe_genotype", "NA")] == ("called", "e3/e4")
    data = json.loads((tmp_path / "c.json").read_text())
    assert "1/1" not in json.dumps(data["no"])  # the refused sample's e4/e4 genotype is written nowhere


def test_homref_without_depth_is_no_call_unless_min_depth_is_0(panel, tmp_path):
    calls = one_sample(tmp_path, [("chr1", 169549811, "C", "T", ["0/0"], "GT")])
    assert by_gene_hgvs(find_carriers(panel, calls))[F5]["status"] == "no_call"
    assert by_gene_hgvs(find_carriers(panel, calls, min_depth=0))[F5]["status"] == "not_found"
    carrier = one_sample(tmp_path, [("chr1", 169549811, "C", "T", ["0/1"], "GT")])
    assert by_gene_hgvs(find_carriers(panel, carrier))[F5]["status"] == "found"


def test_multiallelic_record_and_other_contig_names(panel, tmp_path):
    # One record C>G,T named "1" (no prefix): GT 0/2 carries the panel ALT T once; 0/1 carries only G.
    records = [("1", 169549811, "C", "G,T", ["0/2:30", "0/1:30", "1/2:30"], "GT:DP")]
    vcf = write_vcf(tmp_path / "multi.vcf", ["A", "B", "C"], records, contigs=("1",))
    _, calls = read_site_calls(vcf)
    got = {s: by_gene_hgvs(find_carriers(panel, calls[s]))[F5] for s in "ABC"}
    assert [(got[s]["status"], got[s]["genotype"]) for s in "ABC"] == [
        ("found", "0/1"),
        ("not_found", "0/2"),
        ("found", "2/1"),
    ]


def test_f508del_as_listed_and_with_an_extra_trailing_base(panel, tmp_path):
    listed = one_sample(tmp_path, [("chr7", 117559590, "ATCT", "A", ["1/1:25"], "GT:DP")])
    assert by_gene_hgvs(find_carriers(panel, listed))[F508DEL]["genotype"] == "1/1"
    # The same deletion written with one more reference base on both alleles (as a split record may be).
    longer = one_sample(tmp_path, [("chr7", 117559590, "ATCTT", "AT", ["0/1:25"], "GT:DP")])
    finding = by_gene_hgvs(find_carriers(panel, longer))[F508DEL]
    assert (finding["status"], finding["genotype"]) == ("found", "0/1")


# ---------------------------------------------------------------- APOE


def apoe(panel, tmp_path, gt_429358, gt_7412, **kwargs):
    records = [
        ("chr19", 44908684, "T", "C", [gt_429358], "GT:DP"),
        ("chr19", 44908822, "C", "T", [gt_7412], "GT:DP"),
    ]
    findings = find_carriers(panel, one_sample(tmp_path, records), **kwargs)
    return next(f for f in findings if f["kind"] == "apoe_genotype")


@pytest.mark.parametrize(
    ("gt_429358", "gt_7412", "expected"),
    [
        # rs429358 T>C (C marks e4 with rs7412 C), rs7412 C>T (T marks e2); genotypes by hand from the table.
        ("0/0:30", "0/0:30", "e3/e3"),  # T/T, C/C: T+C twice
        ("0/1:30", "0/0:30", "e3/e4"),  # T/C, C/C: T+C and C+C
        ("1/1:30", "0/0:30", "e4/e4"),
        ("0/0:30", "0/1:30", "e2/e3"),  # T/T, C/T: T+T and T+C
        ("0/0:30", "1/1:30", "e2/e2"),
        ("0/1:30", "0/1:30", "e2/e4"),  # unphased: e2/e4 (or the rare e1/e3)
        ("0|1:30", "1|0:30", "e2/e4"),  # phased: T+T on one chromosome, C+C on the other
        ("0|1:30", "0|1:30", "e1/e3"),  # phased: T+C, C+T
        ("1/1:30", "0/1:30", "e1/e4"),
    ],
)
def test_apoe_genotype_from_the_haplotype_table(panel, tmp_path, gt_429358, gt_7412, expected):
    finding = apoe(panel, tmp_path, gt_429358, gt_7412)
    assert (finding["status"], finding["genotype"]) == ("called", expected)
    assert (finding["rs429358"], finding["rs7412"]) == (gt_429358.split(":")[0], gt_7412.split(":")[0])
    assert (finding["note"] is not None) is (expected == "e2/e4" and "|" not in gt_429358)


@pytest.mark.parametrize(("gt_429358", "gt_7412"), [("./.:30", "0/0:30"), ("0/1:30", "0/0:2"), ("0/0:30", "0/.:30")])
def test_apoe_is_no_call_when_either_site_is_not_called(panel, tmp_path, gt_429358, gt_7412):
    finding = apoe(panel, tmp_path, gt_429358, gt_7412)
    assert (finding["status"], finding["genotype"]) == ("no_call", None)
    assert "not called" in finding["note"]


# ---------------------------------------------------------------- the rule's batch files


def test_batch_json_and_tsv(panel, tmp_path):
    samples = ["S1", "S2", "S3"]
    records = [
        ("chr1", 169549811, "C", "T", ["0/1:30", "0/0:30", "./.:0"], "GT:DP"),
        ("chr19", 44908684, "T", "C", ["0/1:30", "0/0:30", "0/0:30"], "GT:DP"),
        ("chr19", 44908822, "C", "T", ["0/0:30", "0/1:30", "0/0:30"], "GT:DP"),
    ]
    vcf = write_vcf(tmp_path / "sites.vcf", samples, records)
    out_json, out_tsv = tmp_path / "out" / "carrier_findings.json", tmp_path / "out" / "carrier_findings.tsv"
    # The sheet: S2 first, then S1, a sample the VCF lacks (failed QC), then S3.
    write_carrier_findings(vcf, PANEL, out_json, out_tsv, samples=["S2", "S1", "QCFAIL", "S3"], min_depth=8)
    data = json.loads(out_json.read_text())
    assert list(data) == ["S2", "S1", "QCFAIL", "S3"]
    assert all(len(findings) == len(panel) + 1 for findings in data.values())
    f5 = {s: by_gene_hgvs(data[s])[F5] for s in data}
    assert {s: (f["status"], f["genotype"]) for s, f in f5.items()} == {
        "S2": ("not_found", "0/0"),
        "S1": ("found", "0/1"),
        "QCFAIL": ("no_call", None),
        "S3": ("no_call", "./."),
    }
    assert f5["QCFAIL"]["reason"] == "sample not in the genotype file (e.g. failed QC)"
    apoe_by_sample = {s: data[s][-1]["genotype"] for s in data}
    assert apoe_by_sample == {"S2": "e2/e3", "S1": "e3/e4", "QCFAIL": None, "S3": "e3/e3"}
    lines = out_tsv.read_text().splitlines()
    assert lines[0].split("\t") == TSV_COLUMNS
    assert len(lines) == 1 + 4 * (len(panel) + 1)
    rows = [dict(zip(TSV_COLUMNS, line.split("\t"))) for line in lines[1:]]
    s1_f5 = next(r for r in rows if r["sample_id"] == "S1" and r["rsid"] == "rs6025")
    assert [s1_f5[k] for k in ("status", "genotype", "zygosity", "depth")] == ["found", "0/1", "heterozygous", "30"]
    s1_apoe = next(r for r in rows if r["sample_id"] == "S1" and r["kind"] == "apoe_genotype")
    assert (s1_apoe["status"], s1_apoe["genotype"]) == ("called", "e3/e4")
    # Byte-stable: a second run writes the same files.
    first = (out_json.read_bytes(), out_tsv.read_bytes())
    write_carrier_findings(vcf, PANEL, out_json, out_tsv, samples=["S2", "S1", "QCFAIL", "S3"], min_depth=8)
    assert (out_json.read_bytes(), out_tsv.read_bytes()) == first


# ---------------------------------------------------------------- panel -> sites VCF


def test_sites_vcf_uses_the_reference_names_order_and_leaves_out_what_it_lacks(panel, tmp_path):
    fai = tmp_path / "ref.fa.fai"
    # The reference: '7' before '1' (no prefix), chr11 too short for HBB, no chr12/13/15/19.
    fai.write_text("7\t159345973\t0\t60\t61\n1\t248956422\t0\t60\t61\n11\t1000\t0\t60\t61\n")
    out = tmp_path / "sites" / "carrier_sites.vcf"
    assert panel_to_sites(PANEL, fai, out) == 3
    with pysam.VariantFile(str(out)) as vcf:
        got = [(r.chrom, r.pos, r.id, r.ref, r.alts[0], r.info["CARRIER_GENE"], r.info["CLNVID"]) for r in vcf]
    assert got == [
        ("7", 117559590, "rs113993960", "ATCT", "A", "CFTR", "NA"),
        ("7", 117627580, "rs78984783", "CC", "C", "CFTR", "35868"),
        ("1", 169549811, "rs6025", "C", "T", "F5", "642"),
    ]


def test_a_reference_without_any_panel_row_gives_an_empty_sites_file(tmp_path):
    # Not an error: a partial reference (chr22, a panel) may hold none of the rows; they are all not_covered
    # (tests/sites/test_panel_to_sites.py) and the report says the stage did not run.
    fai = tmp_path / "demo.fa.fai"
    fai.write_text("chr1\t60000\t0\t60\t61\nchr2\t40000\t0\t60\t61\n")  # the demo: chr1, chr2, far too short
    assert panel_to_sites(PANEL, fai, tmp_path / "sites.vcf") == 0
    with pysam.VariantFile(str(tmp_path / "sites.vcf")) as vcf:
        assert list(vcf) == []


def test_sites_vcf_is_read_by_genotype_sites(tmp_path):
    """A hand-made two-row panel on a 40 bp chr1: collect_sites checks its REFs against the FASTA and keeps both."""
    fasta = tmp_path / "ref.fa"
    fasta.write_text(">chr1\nACGTACGTACGTTTTTACGTACGTACGTACGTACGTACGT\n")
    pysam.faidx(str(fasta))
    # 1-based: G at 3; T at 12-16 (a run of five), one T deleted: SPDI over the whole run.
    rows = [
        ["G1", "carrier", "+", "chr1", "3", "G", "A", "rs1", "1", "c.1G>A", "c", "P", "r", "AR", "https://x",
         "NC_000001.11:2:G:A"],
        ["G2", "carrier", "+", "chr1", "12", "TT", "T", ".", "2", "c.2del", "c", "P", "r", "AR", "https://x",
         "NC_000001.11:11:TTTTT:TTTT"],
    ]  # fmt: skip
    panel_path = tmp_path / "panel.tsv"
    panel_path.write_text("\t".join(PANEL_COLUMNS) + "\n" + "".join("\t".join(r) + "\n" for r in rows))
    out = tmp_path / "carrier_sites.vcf"
    panel_to_sites(panel_path, f"{fasta}.fai", out)
    sites = collect_sites([out], fasta, f"{fasta}.fai")
    assert [(s.contig, s.pos, s.ref, s.alt, s.ids) for s in sites] == [
        ("chr1", 3, "G", "A", ("rs1",)),
        ("chr1", 12, "TT", "T", ("clinvar:2",)),
    ]


# ---------------------------------------------------------------- end to end on real reads (GRCh37 trio window)

TRIO = TESTDATA / TRIO_NAME
TRUTH = TRIO / TRIO_TRUTH
BAMS = {s: TRIO_BAMS[s] for s in ("HG001", "NA12891", "NA12892")}  # HG002 is reported as not genotyped
# (pos, ref, alt): a het SNV, a hom SNV, a het deletion, a hom deletion, a hom-ref position (all inside the GIAB
# confident BED and the reads), and one past the trio's reads (20:10,050,000).
TRIO_SITES = [
    (10_000_117, "C", "T"),
    (10_000_439, "T", "G"),
    (10_004_769, "TAAAACTATGC", "T"),
    (10_008_146, "TA", "T"),
    (10_003_000, "A", "G"),
    (10_050_000, "A", "G"),
]


def giab_hg001(pos, ref, alt):
    """HG001's GIAB genotype at a site, unphased: the truth record's GT, or 0/0 (inside the confident BED)."""
    out = subprocess.run(
        ["bcftools", "query", "-f", "%REF\t%ALT\t[%GT]\n", "-r", f"20:{pos}-{pos}", str(TRUTH)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    for line in out.splitlines():
        t_ref, t_alt, gt = line.split("\t")
        if (t_ref, t_alt) == (ref, alt):
            return "/".join(sorted(gt.replace("|", "/").split("/")))
    return "0/0"


def samtools_depth(sample, pos):
    out = subprocess.run(
        ["samtools", "depth", "-a", "-r", f"20:{pos}-{pos}", str(TRIO / BAMS[sample])],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    return int(out[2]) if out else 0


def trio_panel(path):
    """A test panel on the trio's GRCh37 window: 'chr20' rows (the SPDI accession only has to name chromosome 20)."""
    lines = ["\t".join(PANEL_COLUMNS)]
    for k, (pos, ref, alt) in enumerate(TRIO_SITES):
        spdi = f"NC_000020.11:{pos - 1}:{ref}:{alt}"
        lines.append("\t".join(["GENE", "carrier", "+", "chr20", str(pos), ref, alt, f"rs{k + 1}", str(k + 1), f"v{k}",
                                "c", "Pathogenic", "r", "AR", "https://example.org", spdi]))  # fmt: skip
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture(scope="module")
def trio_findings(tmp_path_factory, plain_trio_reference):
    if not TRIO.is_dir():
        pytest.skip(f"real test data {TRIO} is absent")
    work = tmp_path_factory.mktemp("carrier_trio")
    fasta = plain_trio_reference
    panel_path = trio_panel(work / "panel.tsv")
    sites = work / "carrier_sites.vcf"
    panel_to_sites(panel_path, f"{fasta}.fai", sites)  # the reference names the contig "20"
    bams = [TRIO / b for b in BAMS.values()]
    out = work / "sites.vcf.gz"
    genotype_sites(list(BAMS), bams, [f"{b}.bai" for b in bams], str(fasta), f"{fasta}.fai", [sites], out,
                   f"{out}.tbi", min_depth=8)  # fmt: skip
    json_path = work / "carrier_findings.json"
    write_carrier_findings(out, panel_path, json_path, work / "carrier_findings.tsv", samples=[*BAMS, "HG002"])
    return json.loads(json_path.read_text())


def test_trio_hg001_findings_match_giab(trio_findings):
    findings = {f["pos"]: f for f in trio_findings["HG001"] if f["kind"] == "carrier"}
    for pos, ref, alt in TRIO_SITES[:5]:
        truth = giab_hg001(pos, ref, alt)
        f = findings[pos]
        assert f["genotype"] == truth, (pos, f)
        assert f["status"] == ("not_found" if truth == "0/0" else "found"), (pos, f)
        assert f["zygosity"] == {"0/1": "heterozygous", "1/1": "homozygous", "0/0": None}[truth]
        assert 8 <= f["depth"] <= samtools_depth("HG001", pos)
    assert [findings[p]["genotype"] for p, _, _ in TRIO_SITES[:5]] == ["0/1", "1/1", "0/1", "1/1", "0/0"]


def test_trio_site_without_reads_is_no_call_for_every_sample(trio_findings):
    assert [samtools_depth(s, 10_050_000) for s in BAMS] == [0, 0, 0]
    for sample in BAMS:
        (f,) = [f for f in trio_findings[sample] if f.get("pos") == 10_050_000]
        assert (f["status"], f["genotype"], f["depth"]) == ("no_call", "./.", 0)


def test_trio_sheet_sample_not_genotyped_is_all_no_call(trio_findings):
    assert list(trio_findings) == ["HG001", "NA12891", "NA12892", "HG002"]
    assert {f["status"] for f in trio_findings["HG002"]} == {"no_call"}


# ---------------------------------------------------------------- the workflow (once the Snakefile includes the stage)


@pytest.mark.workflow
def test_workflow_dry_run_schedules_sites_genotyping_and_findings(tmp_path):
    if 'include: "workflow/rules/carrier.smk"' not in (REPO / "Snakefile").read_text():
        pytest.skip("the Snakefile does not include workflow/rules/carrier.smk yet (the lead wires the stage in)")
    config = demo_batch(tmp_path)
    config.write_text(config.read_text() + "carrier:\n  enabled: true\n")
    dry = snakemake(tmp_path, "-n", configfile=config).stdout
    for rule in ("carrier_sites", "genotype_sites", "carrier_findings"):
        assert re.search(rf"^(local)?rule {rule}:", dry, re.MULTILINE), rule
    assert "resources/panels/carrier_sites.vcf" in dry
    # The demo is GRCh38 with genotyped panel sites: auto runs the stage; with build "other" auto leaves it out.
    default = demo_batch(tmp_path / "auto")
    assert "carrier_findings" in snakemake(tmp_path / "auto", "-n", configfile=default).stdout
    demo_on_build_other(default)
    assert "carrier_findings" not in snakemake(tmp_path / "auto", "-n", configfile=default).stdout
