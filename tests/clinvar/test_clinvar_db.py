"""scripts/clinvar/clinvar_db.py on the real 2016 ClinVar records (tests/clinvar/clinvar_fixture.py writes them in
NCBI's layout). Expected counts are PROVENANCE.md's (6,781 P/LP records in 22 genes; review status: single submitter
2,769, expert panel 1,593, no assertion criteria 1,523, multiple submitters 708, conflicting 165, practice
guideline 23): with one star required, 2,769 + 1,593 + 708 + 23 = 5,093 kept."""

from collections import Counter
from pathlib import Path

import pytest
from clinvar_fixture import RELEASE, ncbi_records, write_ncbi_vcf

from clinvar.clinvar_db import check_build, classify, load_genes, select_records
from common.input_error import InputError

GENES = ["BRCA1", "BRCA2", "MLH1", "MSH2", "MSH6", "PMS2", "APC", "MUTYH", "TP53", "PALB2", "CHEK2", "ATM", "LDLR",
         "APOB", "PCSK9", "HFE", "GJB2", "SERPINA1", "CFTR", "HBB", "F5", "F2"]  # fmt: skip


@pytest.fixture(scope="module")
def fixture_vcf(tmp_path_factory):
    return write_ncbi_vcf(tmp_path_factory.mktemp("clinvar") / "clinvar.vcf", ncbi_records())


@pytest.mark.parametrize(("stars", "kept", "below"), [(0, 6616, 0), (1, 5093, 1523), (2, 2324, 4292),
                                                      (3, 1616, 5000), (4, 23, 6593)])  # fmt: skip
def test_counts_follow_the_review_status_table(fixture_vcf, stars, kept, below):
    # 6,781 - 165 conflicting = 6,616 P/LP; >= 2 stars: 708 + 1,593 + 23; >= 3: 1,593 + 23; 4: 23
    release, records, counts = select_records(fixture_vcf, GENES, stars)
    assert release == RELEASE
    assert counts == {"records_read": 6781, "in_genes": 6781, "plp_kept": kept, "conflicting_excluded": 165,
                      "below_review_stars": below, "not_plp": 0}  # fmt: skip
    assert len(records) == kept  # one ALT per record in this release


def test_a_gene_list_restricts_and_a_record_keeps_its_annotation(fixture_vcf):
    _, records, counts = select_records(fixture_vcf, ["BRCA1"], 1)
    assert counts["in_genes"] == 1204  # PROVENANCE: BRCA1 1204
    assert {r.gene for r in records} == {"BRCA1"}
    # the MUTYH p.Tyr179Cys record (GRCh37 1:45798475 T>C, MEASURESET_ID 5293, multiple submitters: 2 stars)
    _, mutyh, _ = select_records(fixture_vcf, ["MUTYH"], 2)
    record = next(r for r in mutyh if r.pos == 45798475)
    assert (record.variation_id, record.ref, record.alt, record.review_stars) == ("5293", "T", "C", 2)


def test_conflicting_classifications_are_never_kept():
    assert classify("Conflicting_interpretations_of_pathogenicity") == "conflicting"
    assert classify("Conflicting_classifications_of_pathogenicity|risk_factor") == "conflicting"
    assert classify("Pathogenic/Likely_pathogenic|other") == "plp"
    assert classify("Uncertain_significance") == "other"


def test_an_unknown_review_status_names_the_record(tmp_path):
    record = ("17", 41215954, "55392", "A", "G", "CLNSIG=Pathogenic;CLNREVSTAT=four_stars_please;GENEINFO=BRCA1")
    vcf = write_ncbi_vcf(tmp_path / "odd.vcf", [record])
    with pytest.raises(InputError, match=r"odd\.vcf:\d+ \(record 17:41215954 ID 55392\): CLNREVSTAT 'four_stars"):
        select_records(vcf, ["BRCA1"], 1)


def _fasta(path, contig_bases):
    """A FASTA of contigs ({name: {pos: base}}), N elsewhere, long enough for every position."""
    lines = []
    for name, bases in contig_bases.items():
        seq = ["N"] * (max(bases) + 10)
        for pos, base in bases.items():
            seq[pos - 1] = base
        lines += [f">{name}", "".join(seq)]
    path.write_text("\n".join(lines) + "\n")
    import pysam

    pysam.faidx(str(path))
    return path


def test_a_clinvar_vcf_of_another_build_is_refused(tmp_path):
    # BRCA1 c.5089T>C is GRCh37 17:41215954 A>G (MEASURESET_ID 55392) and GRCh38 17:43063937 A>G; MUTYH
    # p.Tyr179Cys GRCh37 1:45798475 T>C, GRCh38 1:45332803 T>C (config/panels/clinvar/SOURCE.md). A "GRCh38"
    # reference holding those two GRCh38 bases, and the base the GRCh37 position would need made different.
    grch37 = [r for r in ncbi_records(["BRCA1", "MUTYH"]) if (r[0], r[1]) in (("17", 41215954), ("1", 45798475))]
    assert len(grch37) == 2
    reference = _fasta(tmp_path / "ref.fa", {"1": {45332803: "T", 45798475: "G"}, "17": {43063937: "A"}})
    _, records, _ = select_records(write_ncbi_vcf(tmp_path / "grch37.vcf", grch37), ["BRCA1", "MUTYH"], 0)
    message = r"grch37\.vcf: record 1:45798475 ID 5293 \(MUTYH\) has REF T, the reference ref\.fa has G there: the"
    with pytest.raises(InputError, match=message + " ClinVar VCF is not of this reference"):
        check_build(records, tmp_path / "grch37.vcf", reference)
    # the rule reads its prepared copy of the reference; the message names the user's file
    with pytest.raises(InputError, match=r"has REF T, the reference hs37d5\.fa\.gz has G there"):
        check_build(records, tmp_path / "grch37.vcf", reference, reference_name="hs37d5.fa.gz")
    # the same records at their GRCh38 positions pass (BRCA1's GRCh37 position is N here: not checked)
    grch38 = [("1", 45332803, "5293", "T", "C", grch37[0][5]), ("17", 43063937, "55392", "A", "G", grch37[1][5])]
    _, records, _ = select_records(write_ncbi_vcf(tmp_path / "grch38.vcf", grch38), ["BRCA1", "MUTYH"], 0)
    check_build(records, tmp_path / "grch38.vcf", reference)


def test_the_shipped_gene_list_is_acmg_sf_v3_3_plus_chek2():
    # Expected from the ACMG SF v3.3 statement as transcribed (config/panels/clinvar/SOURCE.md): 84 genes, 72 AD,
    # 9 AR, 3 XL; v3.3 added ABCD1, CYP27A1 and PLN to v3.2, which had added CALM1-3.
    genes = load_genes(Path(__file__).parents[2] / "config/panels/clinvar/clinvar_genes.tsv")
    acmg = {gene: row for gene, row in genes.items() if "acmg_sf" in row["group"].split(";")}
    assert len(acmg) == 84 and set(genes) - set(acmg) == {"CHEK2"}
    assert Counter(row["inheritance"] for row in acmg.values()) == {"AD": 72, "AR": 9, "XL": 3}
    assert {gene for gene, row in acmg.items() if row["inheritance"] == "AR"} == {
        "ATP7B", "BTD", "CASQ2", "CYP27A1", "GAA", "HFE", "MUTYH", "RPE65", "TRDN"}  # fmt: skip
    assert {"ABCD1", "CYP27A1", "PLN", "CALM1", "CALM2", "CALM3", "BRCA1", "BRCA2", "TTR"} <= set(acmg)
