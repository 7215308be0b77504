"""scripts/sites/panel_to_sites.py: which panel positions this reference and target cover, and the sites VCF of them.

Oracle: a hand-written 40 bp chr1 with an N stretch and a 20 bp chr2, a hand-written BED, and positions whose status
is worked out here by reading those files (1-based positions; BED 0-based half-open), never from the code.
"""

import pysam
import pytest

from carrier.carrier_panel import find_carriers, load_panel
from conftest import REPO
from reports.stages import NO_POSITION_COVERED, coverage_reason
from sites.panel_to_sites import (
    COVERAGE_COLUMNS,
    PanelPosition,
    classify,
    panel_to_sites,
    read_not_covered,
    write_panel_sites,
)

CARRIER_PANEL = REPO / "config" / "panels" / "carrier" / "carrier_panel.tsv"
# chr1: 1-10 ACGTACGTAC, 11-15 NNNNN, 16-40 GTACG... (25 bases); chr2: ACGT x 5.
CHR1 = "ACGTACGTAC" + "NNNNN" + "GTACGTACGTACGTACGTACGTACG"
CHR2 = "ACGT" * 5
BED = "chr1\t0\t30\nchr2\t5\t10\n"  # chr1 1-30, chr2 6-10
POSITIONS = [
    PanelPosition("G1", "chr1", 3, "G", ("A",), ("rs1",)),  # base 3 = G, inside chr1 1-30: covered
    PanelPosition("G1", "chr1", 12, "C", ("T",), ("rs2",)),  # base 12 is N
    PanelPosition("G1", "chr1", 10, "CG", ("C",), ("rs3",)),  # REF span 10-11 reaches the N at 11
    PanelPosition("G2", "chr1", 35, "C", ("G",), ("rs4",)),  # base 35 = tail index 19 = C; outside chr1 1-30
    PanelPosition("G2", "chr2", 7, "G", ("T",), ("rs5",)),  # base 7 = G, inside chr2 6-10: covered
    PanelPosition("G2", "chr2", 5, "A", ("G",), ("rs6",)),  # base 5 = A, first base before the interval
    PanelPosition("G2", "chr2", 10, "C", ("A",), ("rs7",)),  # base 10 = C, last base of the interval: covered
    PanelPosition("G3", "chr3", 100, "A", ("G",), ("rs8",)),  # no chr3 in the reference
    PanelPosition("G3", "chr2", 20, "TA", ("T",), ("rs9",)),  # REF span 20-21 runs past chr2's 20 bp
]
REASONS = {
    "rs1": None,
    "rs2": "the reference has N there",
    "rs3": "the reference has N there",
    "rs4": "outside the target regions (config key regions)",
    "rs5": None,
    "rs6": "outside the target regions (config key regions)",
    "rs7": None,
    "rs8": "contig chr3 is not in the reference",
    "rs9": "beyond the end of chr2 in the reference (20 bp)",
}


@pytest.fixture
def reference(tmp_path):
    fasta = tmp_path / "ref.fa"
    fasta.write_text(f">chr1\n{CHR1}\n>chr2\n{CHR2}\n")
    pysam.faidx(str(fasta))
    bed = tmp_path / "target.bed"
    bed.write_text(BED)
    return fasta, f"{fasta}.fai", bed


def test_hand_written_reference_and_target_classify_every_position(reference):
    fasta, fai, bed = reference
    assert len(CHR1) == 40 and CHR1[34] == "C" and CHR2[6] == "G" and CHR2[9] == "C"  # the comments above
    got = {p.ids[0]: reason for p, reason in classify(POSITIONS, fai, fasta, bed)}
    assert got == REASONS


def test_without_a_target_only_the_reference_decides(reference):
    fasta, fai, _ = reference
    got = {p.ids[0]: reason for p, reason in classify(POSITIONS, fai, fasta)}
    assert got == REASONS | {"rs4": None, "rs6": None}


def test_sites_vcf_holds_the_covered_positions_and_the_table_every_one(reference, tmp_path, caplog):
    fasta, fai, bed = reference
    vcf, table = tmp_path / "sites.vcf", tmp_path / "coverage.tsv"
    write_panel_sites(POSITIONS, fai, vcf, fasta, bed, table)
    # the log's summary counts REASONS by hand (genes G1: rs2 rs3, G2: rs4 rs6, G3: rs8 rs9), absent contigs as one
    assert (
        "not covered by this reference/target, per gene: G1 2, G2 2, G3 2 (1 beyond the end of chr2 in the reference "
        "(20 bp); 1 on contigs the reference lacks; 2 outside the target regions (config key regions); 2 the "
        "reference has N there)"
    ) in caplog.text
    with pysam.VariantFile(str(vcf)) as sites:
        assert [(r.chrom, r.pos, r.id, r.ref, r.alts) for r in sites] == [
            ("chr1", 3, "rs1", "G", ("A",)),
            ("chr2", 7, "rs5", "G", ("T",)),
            ("chr2", 10, "rs7", "C", ("A",)),
        ]
    lines = table.read_text().splitlines()
    assert lines[0].split("\t") == COVERAGE_COLUMNS
    assert lines[2].split("\t") == ["G1", "chr1", "12", "C", "T", "rs2", "not_covered", "the reference has N there"]
    assert lines[1].split("\t")[-2:] == ["covered", "."]
    assert read_not_covered(table) == {
        ("G1", "1", 12, "C"): REASONS["rs2"],
        ("G1", "1", 10, "CG"): REASONS["rs3"],
        ("G2", "1", 35, "C"): REASONS["rs4"],
        ("G2", "2", 5, "A"): REASONS["rs6"],
        ("G3", "3", 100, "A"): REASONS["rs8"],
        ("G3", "2", 20, "TA"): REASONS["rs9"],
    }
    assert coverage_reason(table) is None  # three positions are covered: the stage runs


def test_a_plain_named_reference_takes_the_chr_named_panel_by_the_contig_name_rule(tmp_path, caplog):
    # The same bases as `reference` under NCBI names (1, 2) plus an MT: the 'chr'-named panel maps chr1 -> 1,
    # chr2 -> 2, chrM -> MT (scripts/common/contig_names.py); chr3 maps to nothing and is counted, never dropped.
    caplog.set_level("INFO", logger="genorisk")
    fasta = tmp_path / "plain.fa"
    fasta.write_text(f">1\n{CHR1}\n>2\n{CHR2}\n>MT\nGATC\n")
    pysam.faidx(str(fasta))
    bed = tmp_path / "target.bed"
    bed.write_text(BED.replace("chr", ""))
    mito = PanelPosition("G4", "chrM", 2, "A", ("G",), ("rs10",))  # MT base 2 = A
    vcf, table = tmp_path / "sites.vcf", tmp_path / "coverage.tsv"
    classified = write_panel_sites([*POSITIONS, mito], f"{fasta}.fai", vcf, fasta, str(bed), table)
    assert {p.ids[0]: reason for p, reason in classified} == REASONS | {
        "rs9": "beyond the end of 2 in the reference (20 bp)", "rs10": "outside the target regions (config key regions)"
    }  # fmt: skip
    assert {p.ids[0]: reason for p, reason in classify([mito], f"{fasta}.fai", fasta)} == {"rs10": None}
    with pysam.VariantFile(str(vcf)) as sites:
        assert list(sites.header.contigs) == ["1", "2"]
        assert [(r.chrom, r.pos, r.id) for r in sites] == [("1", 3, "rs1"), ("2", 7, "rs5"), ("2", 10, "rs7")]
    rows = [line.split("\t") for line in table.read_text().splitlines()[1:]]
    assert [r[1] for r in rows] == [p.chrom for p in POSITIONS] + ["chrM"]  # the table keeps the panel's names
    assert "panel contigs named otherwise in the reference: chr1->1, chr2->2, chrM->MT" in caplog.text
    assert "1 panel position(s) on contigs the reference lacks (not covered): chr3 1" in caplog.text


def test_a_reference_with_both_namings_keeps_the_panels_own(tmp_path):
    # 'chr1' as written wins over its other name '1' (a different sequence here: 3 is G on chr1, T on 1)
    fasta = tmp_path / "both.fa"
    fasta.write_text(f">1\n{'T' * 40}\n>chr1\n{CHR1}\n")
    pysam.faidx(str(fasta))
    vcf = tmp_path / "sites.vcf"
    classified = write_panel_sites(POSITIONS[:1], f"{fasta}.fai", vcf, fasta)
    assert [reason for _, reason in classified] == [None]
    with pysam.VariantFile(str(vcf)) as sites:
        assert [(r.chrom, r.pos, r.ref) for r in sites] == [("chr1", 3, "G")]


def test_reference_without_any_carrier_row_writes_an_empty_sites_file_and_says_why(tmp_path):
    # A chr22-only reference: the panel (config/panels/carrier/carrier_panel.tsv) has no row on chr22. Its rows per
    # gene, counted by hand from the file: F5 1, CFTR 2, HBB 4, F2 1, PAH 3, GJB2 1, HEXA 1, APOE 2 (15).
    fasta = tmp_path / "chr22.fa"
    fasta.write_text(">chr22\n" + "ACGT" * 25 + "\n")
    pysam.faidx(str(fasta))
    vcf, table = tmp_path / "carrier_sites.vcf", tmp_path / "carrier_coverage.tsv"
    assert panel_to_sites(CARRIER_PANEL, f"{fasta}.fai", vcf, fasta, None, table) == 0
    with pysam.VariantFile(str(vcf)) as sites:
        assert list(sites) == []
    uncovered = read_not_covered(table)
    per_gene = {}
    for gene, *_ in uncovered:
        per_gene[gene] = per_gene.get(gene, 0) + 1
    assert per_gene == {"F5": 1, "CFTR": 2, "HBB": 4, "F2": 1, "PAH": 3, "GJB2": 1, "HEXA": 1, "APOE": 2}
    assert set(uncovered.values()) == {f"contig chr{c} is not in the reference" for c in (1, 7, 11, 12, 13, 15, 19)}
    reason = coverage_reason(table)
    assert reason.startswith(NO_POSITION_COVERED)
    assert "all 15 positions of its 8 genes" in reason


def test_not_covered_carrier_row_is_never_read_even_with_a_genotype():
    # F5 rs6025 given as a confident hom-ref call (0/0, DP 30) that the coverage table says is not covered: the
    # finding is not_covered, not not_found; APOE without rs429358 is not determined, and says why.
    from carrier.carrier_panel import SiteCall

    panel = load_panel(CARRIER_PANEL)
    f5 = next(v for v in panel if v.rsid == "rs6025")
    apoe = next(v for v in panel if v.rsid == "rs429358")
    genotypes = {("1", 169549811, "C", "T"): SiteCall(gt=(0, 0), phased=False, depth=30, alleles=("C", "T"),
                                                      pos=169549811)}  # fmt: skip
    uncovered = {
        ("F5", "1", 169549811, "C"): "contig chr1 is not in the reference",
        ("APOE", "19", apoe.pos, apoe.ref): "the reference has N there",
    }
    findings = find_carriers(panel, genotypes, 8, uncovered)
    by_rsid = {f.get("rsid"): f for f in findings if f["kind"] != "apoe_genotype"}
    assert f5.pos == 169549811
    assert (by_rsid["rs6025"]["status"], by_rsid["rs6025"]["genotype"]) == ("not_covered", None)
    assert by_rsid["rs6025"]["reason"] == "not covered by this reference/target: contig chr1 is not in the reference"
    assert find_carriers(panel, genotypes, 8)[0]["status"] == "not_found"  # the same call when covered
    assert by_rsid["rs429358"]["status"] == "not_covered"
    assert by_rsid["rs334"]["status"] == "no_call"  # covered but absent from the genotypes
    (apoe_finding,) = [f for f in findings if f["kind"] == "apoe_genotype"]
    assert (apoe_finding["status"], apoe_finding["note"]) == (
        "no_call",
        "rs429358 not covered by this reference/target",
    )
