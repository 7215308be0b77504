"""Tests of scripts/reports/batch_summary.py: three report JSONs written by hand, their summary rows written by hand."""

import json

import pytest

from common.input_error import InputError
from reports.batch_summary import COLUMNS, write_batch_summary


def section(status="reported", reason=None):
    return {"status": status, "reason": reason}


SECTIONS = (
    "panel_qc",
    "identity",
    "carrier",
    "risk_factors",
    "apoe",
    "pgx",
    "prs",
    "ancestry",
    "provenance",
    "clinvar",
)
NOT_RUN = {name: section("not_run", "off in this batch") for name in SECTIONS}


def base(sample, verdict, in_cohort, depth, notices):
    return {"sample_id": sample, "qc": {"verdict": verdict, "metrics": {"mean_depth": depth}}, "in_cohort": in_cohort,
            "variants": {"sample": None}, "sections": dict(NOT_RUN), "panel_qc": None, "identity": None,
            "carrier": [], "risk_factors": [], "apoe": None, "pgx": {}, "prs": [], "ancestry": None,
            "notices": notices}  # fmt: skip


def pgx_gene(status, diplotypes, phenotype):
    return {"status": status, "diplotypes": diplotypes, "phenotype": phenotype}


def carrier(gene, variant, status, zygosity=None, interpretation=None):
    return {"gene": gene, "variant": variant, "status": status, "zygosity": zygosity, "interpretation": interpretation}


def report_a():
    """Every section reported."""
    report = base("A", "pass", True, 31.46, ["Relatedness to C disagrees with the pedigree"])
    report["sections"] = {name: section() for name in NOT_RUN}
    report["variants"]["sample"] = {"call_rate": 0.9, "n_snv_het": 3, "n_snv_hom_alt": 1, "n_indel_het": 2,
                                    "n_indel_hom_alt": 1}  # fmt: skip
    report["panel_qc"] = {"sites": None, "no_calls": [{}, {}], "panels": [
        {"panel": "Pharmacogenes (7 genes)", "n_positions": 78, "n_called": 77},
        {"panel": "Carrier panel", "n_positions": 15, "n_called": 14}]}  # fmt: skip
    report["carrier"] = [carrier("PAH", "c.204A>T", "not_found"),
                         carrier("CFTR", "p.Phe508del", "found", "heterozygous", "carrier"),
                         carrier("HBB", "p.Glu7Val", "no_call")]  # fmt: skip
    report["risk_factors"] = [
        carrier("F5", "c.1601G>A", "found", "heterozygous"),
        carrier("F2", "c.*97G>A", "not_found"),
    ]
    report["apoe"] = {"genotype": "e3/e4", "status": "called", "note": None, "sites": []}
    report["pgx"] = {"TPMT": pgx_gene("ambiguous", ["*1/*3A", "*3B/*3C"], None),
                     "CYP2C19": pgx_gene("called", ["*1/*17"], "Rapid Metabolizer"),
                     "DPYD": pgx_gene("missing_positions", [], None)}  # fmt: skip
    report["prs"] = [{"pgs_id": "PGS000001", "percentile": 66.6667}, {"pgs_id": "PGS000002", "percentile": None}]
    report["ancestry"] = {"ancestry": "EUR", "probability": 0.998}
    report["clinvar"] = {"status": "reported", "genes": {"BRCA2": {"covered": 3, "not_covered": 0, "no_call": 1}},
                         "findings": [{"gene": "BRCA2", "variation_id": "9325", "zygosity": "heterozygous",
                                       "interpretation": "at_risk"}]}  # fmt: skip
    report["identity"] = {"sex": {"inferred": "male", "agrees": True}, "relatives": [
        {"sample": "B", "pedigree_agrees": True}, {"sample": "C", "pedigree_agrees": False}]}  # fmt: skip
    return report


def report_b():
    """Stages off; only the identity checks ran: sex disagrees."""
    report = base("B", "warn", True, 12.0, ["passed QC with warnings", "sex differs"])
    report["variants"]["sample"] = {"call_rate": 0.85, "n_snv_het": 10, "n_snv_hom_alt": 5, "n_indel_het": 0,
                                    "n_indel_hom_alt": 0}  # fmt: skip
    report["sections"]["identity"] = section()
    report["identity"] = {"sex": {"inferred": "female", "agrees": False}, "relatives": []}
    report["sections"]["clinvar"] = section("not_requested", "not requested (consent_secondary: no)")
    report["clinvar"] = {"status": "not_requested"}
    return report


def report_c():
    """Failed QC: the stages ran but have no result for it."""
    report = base("C", "fail", False, 2.1, ["failed QC"])
    for name in ("panel_qc", "identity", "carrier", "risk_factors", "apoe", "pgx", "prs", "ancestry", "clinvar"):
        report["sections"][name] = section("no_result", "the sample failed QC")
    report["sections"]["provenance"] = section()
    return report


# Rows by hand. A: panel call rate (77 + 14) / (78 + 15) = 91 / 93 = 0.978495 -> 0.9785; SNVs 3 + 1, indels 2 + 1;
# PGx genes sorted by name; PGS000001 66.6667 -> 66.7, PGS000002 not computed. Section lists sorted by name.
EXPECTED = [
    ["A", "pass", "yes", "31.46", "0.9", "4", "3", "0.9785", "2", "CFTR p.Phe508del (heterozygous, carrier)", "1",
     "F5 c.1601G>A (heterozygous)", "e3/e4", "BRCA2 9325 (heterozygous, at_risk)",
     "CYP2C19=Rapid Metabolizer;DPYD=not called;TPMT=ambiguous", "CYP2C19=*1/*17;DPYD=not called;TPMT=*1/*3A|*3B/*3C",
     "PGS000001=66.7;PGS000002=refused", "EUR", "0.998", "male", "yes", "C", "none", "none", "none", "1"],
    ["B", "warn", "yes", "12", "0.85", "15", "0", "NA", "NA", "NA", "NA", "NA", "NA", "not_requested", "NA", "NA",
     "NA", "NA", "NA", "female", "no", "none", "ancestry;apoe;carrier;panel_qc;pgx;provenance;prs;risk_factors",
     "none", "clinvar", "2"],
    ["C", "fail", "no", "2.1", "NA", "NA", "NA", "NA", "NA", "NA", "NA", "NA", "NA", "NA", "NA", "NA", "NA", "NA", "NA",
     "NA", "NA", "NA", "none", "ancestry;apoe;carrier;clinvar;identity;panel_qc;pgx;prs;risk_factors", "none", "1"],
]  # fmt: skip


def write_reports(folder, reports):
    paths = []
    for report in reports:
        path = folder / f"{report['sample_id']}.json"
        path.write_text(json.dumps(report))
        paths.append(path)
    return paths


def test_rows_by_hand(tmp_path):
    paths = write_reports(tmp_path, [report_a(), report_b(), report_c()])
    out = tmp_path / "batch_summary.tsv"
    write_batch_summary(paths, ["A", "B", "C"], out)
    lines = out.read_text().splitlines()
    assert lines[0].split("\t") == COLUMNS
    assert [line.split("\t") for line in lines[1:]] == EXPECTED


def test_carrier_panel_without_any_genotype_is_not_tested_rather_than_none(tmp_path):
    report = report_b()
    report["sections"]["carrier"] = section()
    report["carrier"] = [carrier("F5", "c.1601G>A", "no_call"), carrier("HBB", "p.Glu7Val", "no_call")]
    report["apoe"] = {"genotype": None, "status": "no_call", "note": "rs429358 not called"}
    (path,) = write_reports(tmp_path, [report])
    write_batch_summary([path], ["B"], tmp_path / "out.tsv")
    row = dict(zip(COLUMNS, (tmp_path / "out.tsv").read_text().splitlines()[1].split("\t")))
    assert (row["carrier_found"], row["carrier_no_calls"], row["apoe"]) == ("not tested", "2", "NA")


def test_sections_without_consent_are_marked_not_requested(tmp_path):
    report = report_a()
    for name in ("risk_factors", "apoe", "prs"):
        report["sections"][name] = section("not_requested", f"not requested (consent_{name}: no)")
    report["risk_factors"], report["apoe"], report["prs"] = [], None, []
    (path,) = write_reports(tmp_path, [report])
    write_batch_summary([path], ["A"], tmp_path / "out.tsv")
    row = dict(zip(COLUMNS, (tmp_path / "out.tsv").read_text().splitlines()[1].split("\t")))
    assert [row[c] for c in ("risk_factors_found", "apoe", "prs_percentiles")] == ["not_requested"] * 3
    assert row["not_requested"] == "apoe;prs;risk_factors" and row["carrier_found"].startswith("CFTR")


def test_sheet_order_and_a_swapped_report_is_named(tmp_path):
    paths = write_reports(tmp_path, [report_a(), report_b()])
    with pytest.raises(InputError, match=r"B.json: holds sample 'B', expected 'A'"):
        write_batch_summary(paths[::-1], ["A", "B"], tmp_path / "out.tsv")
    assert not (tmp_path / "out.tsv").exists()


def test_report_of_an_older_layout_is_refused(tmp_path):
    old = {"sample_id": "A", "report_version": "1.0", "qc": {}}
    (path,) = write_reports(tmp_path, [old])
    with pytest.raises(InputError, match=r"A.json: report version '1.0' has no sections"):
        write_batch_summary([path], ["A"], tmp_path / "out.tsv")
