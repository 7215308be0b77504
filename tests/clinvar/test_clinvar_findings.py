"""scripts/clinvar/clinvar_findings.py on hand-made inputs: five P/LP records in three genes, five samples.

Expected values by hand from the issue's rules (issue 16, item 2): one copy in a dominant gene (BRCA1, AD) = at_risk,
two copies too; one copy of one variant in a recessive gene (MUTYH, AR) = carrier; two copies, or two variants in
one recessive gene = possibly_affected. A position the coverage table marks not covered counts as not_covered, a
genotype below min_depth (8) as no_call, any genotype at or above it as covered (found or not). Consent: without
consent_secondary only clinvar.ordered_genes are looked at; with none ordered the block is exactly
{"status": "not_requested"}, and every P/LP position of a gene not looked at is withheld.
"""

import json

import pytest

from clinvar.clinvar_findings import batch_findings, tsv_lines

GENES = """gene\tinheritance\tcondition\tgroup\tsource
BRCA1\tAD\tHereditary breast and ovarian cancer\thereditary_cancer\ttest
MUTYH\tAR\tMUTYH-associated polyposis\thereditary_cancer\ttest
LDLR\tAD\tFamilial hypercholesterolemia\tacmg_sf\ttest
"""
# gene, chrom, pos, ref, alt, Variation ID
RECORDS = [
    ("MUTYH", "1", 200, "C", "T", "2001"),
    ("MUTYH", "1", 300, "G", "A", "2002"),
    ("BRCA1", "17", 100, "A", "G", "1001"),
    ("BRCA1", "17", 500, "C", "A", "1002"),
    ("LDLR", "19", 400, "T", "C", "3001"),  # not covered by the (imagined) reference/target
]
SAMPLES = ["s1", "s2", "s3", "s4", "s5"]
# GT:DP per sample at each record's position (LDLR's position is not in the sites VCF: not covered)
SITES = {
    ("1", 200): ["0/1:30", "0/1:30", "1/1:30", "0/0:30", "0/1:30"],
    ("1", 300): ["0/0:30", "0/1:25", "0/0:30", "0/0:30", "0/0:30"],
    ("17", 100): ["0/1:30", "1/1:30", "0/0:30", "0/1:30", "0/1:30"],
    ("17", 500): ["0/0:3", "0/0:30", "./.:0", "0/0:30", "0/0:30"],
}


def write_inputs(folder):
    (folder / "genes.tsv").write_text(GENES)
    records = [{"gene": g, "chrom": c, "pos": p, "ref": r, "alt": a, "variation_id": v, "clnsig": "Pathogenic",
                "review_status": "reviewed_by_expert_panel", "review_stars": 3, "hgvs": f"{c}:g.{p}{r}>{a}",
                "condition": "test condition"} for g, c, p, r, a, v in RECORDS]  # fmt: skip
    plp = {"release": "20240101", "min_review_stars": 1, "counts": {"plp_kept": 5}, "records": records}
    (folder / "plp.json").write_text(json.dumps(plp))
    coverage = ["gene\tchrom\tpos\tref\talt\tid\tstatus\treason"]
    for g, c, p, r, a, v in RECORDS:
        state = "not_covered\tcontig not in the reference" if g == "LDLR" else "covered\t."
        coverage.append(f"{g}\t{c}\t{p}\t{r}\t{a}\t{v}\t{state}")
    (folder / "coverage.tsv").write_text("\n".join(coverage) + "\n")
    header = [
        "##fileformat=VCFv4.2",
        "##contig=<ID=1>",
        "##contig=<ID=17>",
        '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">',
        '##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Depth">',
        "\t".join(["#CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO", "FORMAT", *SAMPLES]),
    ]
    rows = [
        "\t".join([c, str(p), ".", r, a, ".", ".", ".", "GT:DP", *SITES[(c, p)]])
        for _g, c, p, r, a, _v in sorted(RECORDS, key=lambda x: (int(x[1]), x[2]))
        if (c, p) in SITES
    ]
    (folder / "sites.vcf").write_text("\n".join(header + rows) + "\n")
    paths = {
        "sites_vcf": "sites.vcf",
        "plp_json": "plp.json",
        "coverage_tsv": "coverage.tsv",
        "genes_path": "genes.tsv",
    }
    return {**{k: folder / v for k, v in paths.items()}, "calls_vcf": None, "samples": SAMPLES}


@pytest.fixture
def inputs(tmp_path):
    return write_inputs(tmp_path)


def summary(block):
    return [(f["gene"], f["variation_id"], f["zygosity"], f["interpretation"]) for f in block["findings"]]


def test_interpretation_follows_inheritance_and_zygosity(inputs):
    result = batch_findings(**inputs)  # everyone consents (no consent given)
    found = {s: sorted(summary(result["samples"][s])) for s in SAMPLES}
    assert found["s1"] == [("BRCA1", "1001", "heterozygous", "at_risk"), ("MUTYH", "2001", "heterozygous", "carrier")]
    # two variants in the recessive MUTYH: both possibly affected; two copies in dominant BRCA1: at risk
    assert found["s2"] == [("BRCA1", "1001", "homozygous", "at_risk"),
                           ("MUTYH", "2001", "heterozygous", "possibly_affected"),
                           ("MUTYH", "2002", "heterozygous", "possibly_affected")]  # fmt: skip
    assert found["s3"] == [("MUTYH", "2001", "homozygous", "possibly_affected")]
    assert found["s4"] == [("BRCA1", "1001", "heterozygous", "at_risk")]
    finding = next(f for f in result["samples"]["s1"]["findings"] if f["gene"] == "BRCA1")
    assert (finding["chrom"], finding["pos"], finding["ref"], finding["alt"]) == ("17", 100, "A", "G")
    assert finding["clinvar_url"] == "https://www.ncbi.nlm.nih.gov/clinvar/variation/1001/"
    assert (finding["inheritance"], finding["review_stars"], finding["genotype"]) == ("AD", 3, "0/1")


def test_coverage_counts_per_gene(inputs):
    result = batch_findings(**inputs)
    genes = result["samples"]["s1"]["genes"]
    counts = {g: (b["covered"], b["not_covered"], b["no_call"]) for g, b in genes.items()}
    # s1: BRCA1 100 typed, 500 at depth 3 (< 8) = no call; MUTYH both typed; LDLR off the reference
    assert counts == {"BRCA1": (1, 0, 1), "MUTYH": (2, 0, 0), "LDLR": (0, 1, 0)}
    s3 = result["samples"]["s3"]["genes"]["BRCA1"]  # ./. at 500: no call
    assert (s3["covered"], s3["no_call"]) == (1, 1)
    assert (result["release"], result["samples"]["s1"]["min_review_stars"]) == ("20240101", 1)


def test_without_consent_nothing_is_read_and_every_position_is_withheld(inputs):
    consent = {s: {"secondary": s in ("s1", "s2", "s3")} for s in SAMPLES}
    result = batch_findings(**inputs, consent=consent)
    assert result["samples"]["s4"] == {"status": "not_requested"}
    assert result["samples"]["s5"] == {"status": "not_requested"}
    everything = [["1", 200], ["1", 300], ["17", 100], ["17", 500], ["19", 400]]
    assert result["withheld"] == {"s4": everything, "s5": everything}
    rows = tsv_lines(result)[1:]
    assert sorted(r.split("\t")[0] for r in rows) == ["s1", "s1", "s2", "s2", "s2", "s3"]


def test_ordered_genes_are_reported_without_consent(inputs):
    consent = {s: {"secondary": s in ("s1", "s2", "s3")} for s in SAMPLES}
    result = batch_findings(**inputs, consent=consent, ordered_genes=["BRCA1"])
    for sample in ("s4", "s5"):
        block = result["samples"][sample]
        assert block["status"] == "reported" and list(block["genes"]) == ["BRCA1"]
        assert summary(block) == [("BRCA1", "1001", "heterozygous", "at_risk")]
        # BRCA1 is reported, so only the MUTYH and LDLR positions are left out of the deliverables
        assert result["withheld"][sample] == [["1", 200], ["1", 300], ["19", 400]]
    assert "s1" not in result["withheld"]
    assert list(result["samples"]["s1"]["genes"]) == ["BRCA1", "MUTYH", "LDLR"]  # the gene list's order
