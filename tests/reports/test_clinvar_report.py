"""scripts/reports/clinvar_findings.py and its hooks (schema, panel QC, delivered VCF exclusion) on a findings.json
written by hand: s1 consents and carries BRCA1 Variation ID 55392 heterozygous; s2 did not consent."""

import json
from pathlib import Path

import jsonschema
import pytest

from deliver.deliver import withheld_targets
from reports import clinvar_findings as cf
from reports import render_reports as rr
from reports.content import Link, Para, Section

SCHEMA = json.loads((Path(__file__).parents[2] / "workflow/schemas/report.schema.json").read_text())
FINDING = {"gene": "BRCA1", "chrom": "17", "pos": 43063937, "ref": "A", "alt": "G", "variation_id": "55392",
           "clnsig": "Pathogenic", "review_stars": 3, "zygosity": "heterozygous", "inheritance": "AD",
           "interpretation": "at_risk", "hgvs": "NC_000017.11:g.43063937A>G", "condition": "Hereditary cancer",
           "genotype": "0/1", "review_status": "reviewed_by_expert_panel", "depth": 30, "source": "sites",
           "clinvar_url": "https://www.ncbi.nlm.nih.gov/clinvar/variation/55392/"}  # fmt: skip
GENES = {
    "BRCA1": {"covered": 4, "not_covered": 0, "no_call": 1, "inheritance": "AD", "condition": "HBOC"},
    "MUTYH": {"covered": 0, "not_covered": 2, "no_call": 0, "inheritance": "AR", "condition": "MAP"},
    "TP53": {"covered": 3, "not_covered": 0, "no_call": 0, "inheritance": "AD", "condition": "Li-Fraumeni"},
    "LDLR": {"covered": 0, "not_covered": 0, "no_call": 0, "inheritance": "AD", "condition": "FH"},
}
DATA = {"release": "20240101", "min_review_stars": 1, "counts": {},
        "samples": {"s1": {"status": "reported", "release": "20240101", "min_review_stars": 1, "genes": GENES,
                           "findings": [FINDING]}, "s2": {"status": "not_requested"}},
        "withheld": {"s2": [["1", 45332803], ["17", 43063937]]}}  # fmt: skip


def words(blocks):
    out = []
    for block in blocks:
        for item in getattr(block, "blocks", [block]):
            if isinstance(item, Para):
                out += [str(x) for x in item.text]
            elif hasattr(item, "rows"):
                out += [str(c) for row in item.rows for c in row] + [str(h) for h in item.header]
    return " ".join(out)


def test_blocks_and_schema():
    status, block = cf.stage_block("s2", "pass", {"clinvar": DATA})
    assert (status["status"], block) == ("not_requested", {"status": "not_requested"})
    status, block = cf.stage_block("s1", "pass", {"clinvar": DATA})
    assert status == {"status": "reported", "reason": None}
    assert set(block) == {"status", "release", "min_review_stars", "genes", "findings"}
    assert {k: block["findings"][0][k] for k in ("variation_id", "interpretation", "pos")} == {
        "variation_id": "55392", "interpretation": "at_risk", "pos": 43063937}  # fmt: skip
    validator = jsonschema.Draft7Validator({"$ref": "#/definitions/clinvar", "definitions": SCHEMA["definitions"]})
    assert validator.is_valid(block) and validator.is_valid({"status": "not_requested"})
    assert not validator.is_valid({"status": "not_requested", "release": "20240101"})  # no other key
    assert cf.stage_block("s9", "fail", {"clinvar": DATA})[0]["status"] == "no_result"
    assert cf.stage_block("s1", "pass", {}, {"clinvar": "off"})[0] == {"status": "not_run", "reason": "off"}


def test_nothing_found_is_never_said_of_an_uncovered_gene():
    assert cf.gene_result("MUTYH", GENES["MUTYH"], set()) == "not known: no position had a genotype"
    assert cf.gene_result("TP53", GENES["TP53"], set()) == "nothing found"
    assert cf.gene_result("BRCA1", {**GENES["BRCA1"]}, set()) == (
        "nothing found at the 4 position(s) with a genotype; 1 not known"
    )
    report = {"sections": {"clinvar": {"status": "reported", "reason": None}},
              "clinvar": cf.stage_block("s1", "pass", {"clinvar": DATA})[1]}  # fmt: skip
    [section] = cf.section(report)
    assert isinstance(section, Section) and section.title == "Hereditary disease findings (ClinVar)"
    text = words([section])
    assert "At risk for a dominant condition" in text and "one copy of the variant" in text and "55392" in text
    assert "not known: no position had a genotype" in text and "Not tested" in text and "LDLR" in text
    links = [x for b in section.blocks if isinstance(b, Para) for x in b.text if isinstance(x, Link)]
    assert links == ["https://www.ncbi.nlm.nih.gov/clinvar/variation/55392/"]
    assert "20240101" in cf.methods_text(report) and "at least 1 review star" in cf.methods_text(report)


def test_a_sample_without_any_typed_position_is_never_told_nothing_was_found():
    """No finding and no position with a genotype (a BAM without reads on the genes' contigs): the summary and the
    section say "not known", never "no ... variant found"."""
    untyped = {g: {**c, "covered": 0, "no_call": c["no_call"] + c["covered"]} for g, c in GENES.items()}
    block = {**DATA["samples"]["s1"], "genes": untyped, "findings": []}
    report = {"sections": {"clinvar": {"status": "reported", "reason": None}},
              "clinvar": cf.stage_block("s3", "pass", {"clinvar": {**DATA, "samples": {"s3": block}}})[1]}  # fmt: skip
    summary = " ".join(str(x) for x in cf.summary(report))
    text = words(cf.section(report))
    for said in (summary, text):
        assert "Not known: no pathogenic or likely pathogenic position of these genes had a genotype" in said
        assert "variant found" not in said and "variant was found" not in said and "nothing found" not in said
    # one typed position is enough for the plain sentence again
    typed = {**untyped, "TP53": GENES["TP53"]}
    report["clinvar"] = {**report["clinvar"], "genes": typed}
    assert "no pathogenic or likely pathogenic variant found in the 1 gene(s)" in " ".join(map(str, cf.summary(report)))
    assert "No pathogenic or likely pathogenic ClinVar variant was found" in words(cf.section(report))


@pytest.mark.parametrize("sample", ["s1", "s2"])
def test_a_refused_sample_leaves_the_positions_out_of_panel_qc(sample):
    own = [{"chrom": "chr17", "pos": 43063937, "id": None, "called": True, "depth": 30},
           {"chrom": "chr10", "pos": 100, "id": None, "called": False, "depth": 2}]  # fmt: skip
    sites = {"s1": own, "s2": own}
    out = rr.stage_sections(sample, "pass", {"clinvar": DATA, "sites": sites, "sites_min_depth": 8})
    assert out["panel_qc"]["sites"]["n_positions"] == (2 if sample == "s1" else 1)
    assert out["clinvar"]["status"] == ("reported" if sample == "s1" else "not_requested")


def test_the_delivered_vcf_excludes_the_withheld_positions(tmp_path):
    path = tmp_path / "findings.json"
    path.write_text(json.dumps(DATA))
    assert withheld_targets(None, path) == {"s2": "^chr1:45332803,1:45332803,chr17:43063937,17:43063937"}
