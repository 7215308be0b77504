"""scripts/pgx/guidance.py: prescribing guidance rows from pharmacogene results.

Expected values come from outside the code: the CPIC/DPWG guideline files as PharmCAT 2.12 ships them (read here
with json, not through the shipped data), the data's README (clopidogrel and CYP2C19 Poor Metabolizer), and
PharmCAT v3.1's report of its own example sample (the oracle test).
"""

import gzip
import html
import json
import re
from pathlib import Path

import pytest

from pgx import guidance as gd

REPO = Path(__file__).resolve().parents[2]
SHIPPED = REPO / "config" / "panels" / "pgx" / "guidance" / "guidance.json.gz"
GUIDELINES = "cpic_guidance_pharmcat_2.12/guidelines"
EXAMPLE = "pharmcat_definitions_grch38_all/examples/pharmcat.example.report.json"


@pytest.fixture(scope="module")
def data():
    return gd.load_guidance(SHIPPED)


def called(phenotype, diplotype="*1/*1", score=None, **extra):
    return {"status": "called", "diplotypes": [diplotype], "phenotype": phenotype, "activity_score": score,
            "missing": [], "not_covered": [], **extra}  # fmt: skip


def uncalled(status, missing=(), not_covered=()):
    return {"status": status, "diplotypes": [], "phenotype": None, "activity_score": None, "missing": list(missing),
            "not_covered": list(not_covered)}  # fmt: skip


def rows_for(data, results, drug, source="CPIC"):
    return [r for r in gd.sample_rows(results, data) if r["drug"] == drug and r["source"] == source]


def source_rows(testdata, file_name):
    """The recommendations of one guideline file as PharmCAT ships it."""
    return json.loads((testdata / GUIDELINES / file_name).read_text())["recommendations"]


# ---------------------------------------------------------------- hand-made inputs


def test_clopidogrel_poor_metabolizer_gives_the_readmes_three_population_rows(data):
    rows = rows_for(data, {"CYP2C19": called("Poor Metabolizer", "*2/*2")}, "clopidogrel")
    by_population = {r["population"]: r for r in rows}
    # the README: three rows, "CVI ACS PCI" Strong, "CVI non-ACS non-PCI" and "NVI" Moderate; PMIDs as listed
    assert set(by_population) == {"CVI ACS PCI", "CVI non-ACS non-PCI", "NVI"}
    assert {p: r["classification"] for p, r in by_population.items()} == {
        "CVI ACS PCI": "Strong", "CVI non-ACS non-PCI": "Moderate", "NVI": "Moderate"}  # fmt: skip
    assert by_population["CVI ACS PCI"]["recommendation"].startswith(
        "Avoid clopidogrel if possible. Use prasugrel or ticagrelor at standard dose"
    )
    for row in rows:
        assert row["status"] == "recommendation"
        assert row["lookup"] == {"CYP2C19": "Poor Metabolizer"}
        assert row["genes"] == ["CYP2C19"]
        assert [c["pmid"] for c in row["citations"]] == ["35034351", "23698643", "21716271"]
        assert row["url"] == "https://www.pharmgkb.org/guidelineAnnotation/PA166104948"
        assert row["actionable"] is True


def test_clopidogrel_normal_metabolizer_is_not_actionable(data):
    rows = rows_for(data, {"CYP2C19": called("Normal Metabolizer", "*1/*1")}, "clopidogrel")
    assert len(rows) == 3
    assert all(r["recommendation"].startswith("If considering clopidogrel, use at standard dose") for r in rows)
    assert not any(r["actionable"] for r in rows)


@pytest.mark.parametrize("status", ["missing_positions", "no_match", "no_data"])
def test_an_uncalled_cyp2c19_cannot_be_assessed_for_clopidogrel(data, status):
    results = {"CYP2C19": uncalled(status, missing=["rs4244285"], not_covered=["rs12248560"])}
    (row,) = rows_for(data, results, "clopidogrel")
    assert row["status"] == "cannot_be_assessed"
    assert row["recommendation"] is None and row["classification"] is None and row["actionable"] is False
    expected = {
        "missing_positions": "CYP2C19 not called: 1 position(s) without a genotype and 1 position(s) not covered by "
        "the reference/target",
        "no_match": "CYP2C19 not called: no named diplotype fits the genotypes",
        "no_data": "CYP2C19 not called: no position has a genotype",
    }
    assert row["why"] == expected[status]


def test_an_ambiguous_gene_without_one_phenotype_cannot_be_assessed(data):
    result = {**uncalled("ambiguous"), "diplotypes": ["*1/*3A", "*3B/*3C"]}
    rows = rows_for(data, {"TPMT": result, "NUDT15": called("Normal Metabolizer")}, "thioguanine", "DPWG")
    (tpmt,) = [r for r in rows if r["genes"] == ["TPMT"]]
    assert tpmt["status"] == "cannot_be_assessed" and tpmt["why"].startswith("TPMT ambiguous: more than")
    (nudt15,) = [r for r in rows if r["genes"] == ["NUDT15"]]  # DPWG's other thioguanine guideline
    assert nudt15["status"] == "recommendation" and nudt15["lookup"] == {"NUDT15": "Normal Metabolizer"}


def test_an_ambiguous_gene_whose_diplotypes_share_a_phenotype_is_looked_up_by_it(data):
    result = {**uncalled("ambiguous"), "diplotypes": ["*1/*2", "*2/*38"], "phenotype": "Intermediate Metabolizer"}
    rows = rows_for(data, {"CYP2C19": result}, "citalopram")
    assert [r["lookup"] for r in rows] == [{"CYP2C19": "Intermediate Metabolizer"}]


def test_two_gene_lookup_with_one_gene_missing_uses_only_the_guidelines_no_result_row(data, testdata):
    # NUDT15 not called; TPMT Poor Metabolizer. CPIC's azathioprine file has a row for exactly this case.
    results = {"TPMT": called("Poor Metabolizer", "*3A/*3A"), "NUDT15": uncalled("missing_positions", ["rs116855232"])}
    (row,) = rows_for(data, results, "azathioprine")
    expected = [r for r in source_rows(testdata, "CPIC_azathioprine_and_NUDT15_TPMT.json")
                if r["lookupKey"] == {"TPMT": "Poor Metabolizer", "NUDT15": "No Result"}]  # fmt: skip
    assert len(expected) == 1
    assert row["status"] == "recommendation"
    assert row["lookup"] == {"NUDT15": "No Result", "TPMT": "Poor Metabolizer"}
    assert row["recommendation"].startswith("Based on TPMT status, for non-malignant conditions")
    assert row["classification"] == expected[0]["classification"]["term"]
    assert row["why"] == (
        "NUDT15 not called: 1 position(s) without a genotype: the guideline's recommendation for a missing result"
    )
    # never the row of an assumed normal NUDT15
    assumed = [r for r in source_rows(testdata, "CPIC_azathioprine_and_NUDT15_TPMT.json")
               if r["lookupKey"] == {"TPMT": "Poor Metabolizer", "NUDT15": "Normal Metabolizer"}]  # fmt: skip
    assert _strip(assumed[0]["text"]["html"]) != _words(row["recommendation"])


def test_two_gene_lookup_without_a_no_result_row_cannot_be_assessed(data):
    guideline = {"source": "CPIC", "name": "made up", "url": "u", "citations": [], "genes": ["GENEA", "GENEB"],
                 "drugs": ["x"]}  # fmt: skip
    rec = {"id": "1", "drug": "x", "population": "general", "classification": "Strong", "text": "Avoid x.",
           "implications": [], "lookup": {"GENEA": "Poor Metabolizer", "GENEB": "Normal Metabolizer"},
           "dosing_information": False, "alternate_drug": True, "other_guidance": False}  # fmt: skip
    results = {"GENEA": called("Poor Metabolizer"), "GENEB": uncalled("no_data")}
    (row,) = gd.assess_drug(guideline, "x", [rec], results)
    assert row["status"] == "cannot_be_assessed"
    why = "GENEB not called: no position has a genotype (the guideline has no recommendation without it)"
    assert row["why"] == why
    assert row["lookup"] == {"GENEA": "Poor Metabolizer", "GENEB": "No Result"}
    # both genes called: the row
    results["GENEB"] = called("Normal Metabolizer")
    (row,) = gd.assess_drug(guideline, "x", [rec], results)
    assert (row["status"], row["recommendation"], row["actionable"]) == ("recommendation", "Avoid x.", True)


def test_a_guideline_whose_genes_were_not_tested_gives_no_row(data):
    rows = gd.sample_rows({"CYP2C19": called("Normal Metabolizer")}, data)
    assert {r["drug"] for r in rows if "CYP2D6" in r["genes"] and "CYP2C19" not in r["genes"]} == set()
    # amitriptyline (CPIC: CYP2C19 and CYP2D6) is there: CYP2D6 not tested, the guideline's CYP2D6 "No Result" row
    (row,) = rows_for(data, {"CYP2C19": called("Normal Metabolizer")}, "amitriptyline")
    assert row["lookup"] == {"CYP2C19": "Normal Metabolizer", "CYP2D6": "No Result"}
    assert row["why"].startswith("CYP2D6 was not tested")


def test_activity_score_genes_are_looked_up_by_score_and_dpwg_by_diplotype_first(data):
    results = {"CYP2C9": called("Intermediate Metabolizer", "*1/*2", 1.5)}
    (cpic,) = rows_for(data, results, "celecoxib")
    assert cpic["lookup"] == {"CYP2C9": "1.5"}
    (dpwg,) = rows_for(data, results, "warfarin", "DPWG")
    # DPWG warfarin has a *1/*2 row ("NO action is required") and an Intermediate Metabolizer row ("use 65%")
    assert dpwg["lookup"] == {"CYP2C9": "{'*1': 1.0, '*2': 1.0}"}
    assert dpwg["recommendation"].startswith("NO action is required") and dpwg["actionable"] is False
    (cpic_warfarin,) = rows_for(data, results, "warfarin")
    assert cpic_warfarin["status"] == "cannot_be_assessed" and "no lookup table" in cpic_warfarin["why"]


def test_dpwg_dpyd_keys(data):
    (row,) = rows_for(data, {"DPYD": called("Intermediate Metabolizer", "Reference/c.1905+1G>A", 1.5)},
                      "capecitabine", "DPWG")  # fmt: skip
    assert row["lookup"] == {"DPYD": "1.5 (Intermediate Metabolizer)"} and row["actionable"] is True
    (row,) = rows_for(data, {"DPYD": called("Intermediate Metabolizer", "c.1905+1G>A/Reference", 1.0)},
                      "capecitabine", "DPWG")  # fmt: skip
    assert row["status"] == "cannot_be_assessed" and "1.0 (Phenotyping)" in row["why"]


def test_hla_allele_status_from_the_diplotype(data):
    results = {"HLA-B": called(None, "*15:02/*57:01", source="outside")}
    (abacavir,) = rows_for(data, results, "abacavir")
    assert abacavir["lookup"] == {"HLA-B": "*57:01 positive"} and abacavir["actionable"] is True
    (allopurinol,) = rows_for(data, results, "allopurinol")
    assert allopurinol["lookup"] == {"HLA-B": "*58:01 negative"} and allopurinol["actionable"] is False
    (dpwg,) = rows_for(data, results, "allopurinol", "DPWG")  # DPWG has a row for *58:01 positive only
    assert dpwg["status"] == "cannot_be_assessed"
    assert dpwg["why"] == "the guideline has no recommendation for HLA-B=*58:01 negative"


def test_a_called_gene_without_a_phenotype_cannot_be_assessed(data):
    (row,) = rows_for(data, {"CYP2C19": called(None, "*1/*99")}, "citalopram")
    assert row["status"] == "cannot_be_assessed"
    assert row["why"] == "the guideline has no recommendation for CYP2C19 without a phenotype to look up"


def test_lookup_key_of_the_result_wins_over_derivation(data):
    results = {"CYP2C9": called("Normal Metabolizer", "*1/*1", 2.0, lookup_key={"CYP2C9": "1.0"})}
    (row,) = rows_for(data, results, "celecoxib")
    assert row["lookup"] == {"CYP2C9": "1.0"}


@pytest.mark.parametrize(
    ("source", "classification", "text", "flags", "expected"),
    [
        ("CPIC", "Strong", "Initiate therapy with recommended starting dose.", (True, False, False), False),
        ("CPIC", "Moderate", "Initiate standard starting daily dose. Consider increasing dose by 50–100% for the "
         "treatment of H. pylori", (True, False, False), True),
        ("CPIC", "Strong", "Prescribe desired starting dose and adjust doses based on disease-specific guidelines.\n"
         "Other Considerations\nThe potential for drug-drug interactions and dose limits should be considered.",
         (False, False, True), False),
        ("CPIC", "Strong", "Initiate therapy with recommended starting dose.\nOther Considerations\nPatients may "
         "receive an initial low dose, which is then increased", (True, False, False), False),
        ("CPIC", "Strong", "Avoid codeine use because of potential for serious toxicity.", (False, True, False), True),
        ("CPIC", "Strong", "Increase starting dose 1.5 to 2 times recommended starting dose.", (True, False, False),
         True),
        ("CPIC", "No recommendation", "No recommendation", (False, False, False), False),
        ("CPIC", "N/A", "Avoid x.", (False, True, False), False),
        ("CPIC", "Strong", "No RYR1 genotype is available. Based on CACNA1S status, halogenated volatile anesthetics "
         "... are relatively contraindicated", (False, True, True), True),
        ("CPIC", "Strong", "No RYR1 genotype is available. Based on CACNA1S status, clinical findings, family "
         "history, further genetic testing ... should guide use", (False, False, True), False),
        ("DPWG", "N/A", "- Abacavir is contra-indicated for HLA-B*57:01-positive patients.", (False, True, False),
         True),
        ("DPWG", "N/A", "NO action is needed for this gene-drug interaction.", (False, False, False), False),
        ("DPWG", "N/A", "The loading dose does not need to be adjusted. For the other doses, use 75% of the standard "
         "dose", (True, False, True), True),
        ("DPWG", "No recommendation", "The guideline does not provide a recommendation for x.", (True, True, True),
         False),
    ],
)  # fmt: skip
def test_actionable_rule(source, classification, text, flags, expected):
    rec = {"classification": classification, "text": text, "dosing_information": flags[0],
           "alternate_drug": flags[1], "other_guidance": flags[2]}  # fmt: skip
    assert gd.is_actionable(source, rec) is expected


def test_outputs(tmp_path, data):
    calls = {"S1": {"CYP2C19": called("Poor Metabolizer", "*2/*2")}, "S2": {"CYP2C19": uncalled("no_data")}}
    (tmp_path / "calls.json").write_text(json.dumps(calls))
    gd.pgx_guidance(tmp_path / "calls.json", SHIPPED, tmp_path / "g.json", tmp_path / "g.tsv")
    back = json.loads((tmp_path / "g.json").read_text())
    assert list(back) == ["S1", "S2"]
    lines = (tmp_path / "g.tsv").read_text().splitlines()
    header = lines[0].split("\t")
    assert header == gd.TSV_COLUMNS
    table = [dict(zip(header, line.split("\t"), strict=True)) for line in lines[1:]]
    clopidogrel = [r for r in table if r["drug"] == "clopidogrel" and r["source"] == "CPIC"]
    assert [(r["sample_id"], r["population"], r["status"], r["actionable"]) for r in clopidogrel] == [
        ("S1", "CVI ACS PCI", "recommendation", "yes"), ("S1", "CVI non-ACS non-PCI", "recommendation", "yes"),
        ("S1", "NVI", "recommendation", "yes"), ("S2", "NA", "cannot_be_assessed", "no")]  # fmt: skip
    assert clopidogrel[0]["pmids"] == "35034351;23698643;21716271"
    assert clopidogrel[0]["lookup"] == "CYP2C19=Poor Metabolizer"
    assert {r["data_version"] for r in table} == {"2024-03-25-16-13"}
    assert all(r["status"] == "cannot_be_assessed" for r in table if r["sample_id"] == "S2")


# ---------------------------------------------------------------- PharmCAT's example as the oracle


def _strip(text):
    """PharmCAT's recommendation HTML as plain words (this test's own stripping: inline tags out, other tags a space,
    entities decoded)."""
    text = re.sub(r"</?(a|strong|em)\b[^>]*>", "", text or "")
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", text)).split())


def _words(text):
    """The shipped plain text as plain words: list markers, table separators and link addresses out."""
    text = re.sub(r"^- ", "", text or "", flags=re.M).replace(" | ", " ")
    return " ".join(re.sub(r" \(https?://[^)]*\)", "", text).split())


def example_results(report):
    """The example sample's gene results as pgx_calls.json gives them, from PharmCAT's report (outside calls
    included; HLA-A has no call at all there, so it is absent)."""
    results = {}
    for gene, block in report["genes"].items():
        if block["callSource"] == "NONE":
            continue
        (dip,) = block["recommendationDiplotypes"]
        keys = dip["lookupKey"]
        results[gene] = {
            "status": "called", "diplotypes": [dip["label"]],
            "phenotype": dip["phenotypes"][0] if len(dip["phenotypes"]) == 1 else None,
            "activity_score": float(dip["activityScore"]) if dip["activityScore"] else None,
            "lookup_key": {gene: keys if len(keys) > 1 else keys[0]} if keys else {},
            "source": "outside" if block["callSource"] == "OUTSIDE" else "vcf",
        }  # fmt: skip
    return results


# Where PharmCAT v3.1 (2025 data) and the 2024 data genorisk ships differ for the example, and why.
EXPECTED_DIFFERENCES = {
    ("hydralazine", "general"): "CPIC hydralazine/NAT2 is not in the 2024 data (PROVENANCE: a known gap)",
    ("metoprolol", None): "CPIC metoprolol/CYP2D6 is not in the 2024 data (PROVENANCE: a known gap)",
    ("warfarin", "n/a"): "CPIC warfarin is a dosing flowchart: PharmCAT prints an empty annotation with a note to "
    "follow it, genorisk a cannot-be-assessed row saying the data has no lookup table",
}
# Drugs PharmCAT printed no annotation for, where genorisk gives a cannot-be-assessed row.
EXPECTED_NOT_ASSESSED = {
    **dict.fromkeys(["amikacin", "gentamicin", "kanamycin", "paromomycin", "plazomicin", "streptomycin",
                     "tobramycin"], "the MT-RNR1 outside call 1555A>G has lookup key 'n/a' in PharmCAT's report: "
                    "no guideline row for it (PharmCAT prints none either)"),
    **dict.fromkeys(["peginterferon alfa-2a", "peginterferon alfa-2b", "ribavirin"], "no lookup rows for IFNL3 in "
                    "the 2024 data (PROVENANCE: a known gap; PharmCAT prints none for this sample either)"),
    "warfarin": "the flowchart, as above",
}  # fmt: skip


def compare_cpic(rows, printed):
    """(ours, theirs, agreeing keys, {key: our row's status and classification}) of genorisk's guidance `rows` for
    PharmCAT's example against the CPIC annotations PharmCAT v3.1 printed (`printed`: its report.json), keyed by
    (drug, population); agreement is classification and text after stripping markup."""
    ours = {(r["drug"], r["population"]): r for r in rows if r["source"] == "CPIC"}
    theirs = {(drug, a["population"]): a
              for drug, block in printed["drugs"]["CPIC Guideline Annotation"].items()
              for guideline in block["guidelines"] for a in guideline["annotations"]}  # fmt: skip
    agree, differ = [], {}
    for key, annotation in theirs.items():
        row = ours.get(key)
        if row and row["status"] == "recommendation" and (row["classification"], _words(row["recommendation"])) == (
            annotation["classification"], _strip(annotation["drugRecommendation"])):  # fmt: skip
            agree.append(key)
        else:
            differ[key] = row and (row["status"], row["classification"])
    return ours, theirs, agree, differ


@pytest.mark.parametrize("keys", ["pharmcat_lookup_keys", "derived_here"])
def test_pharmcats_example_cpic_recommendations(testdata, data, keys):
    """With the lookup keys PharmCAT's report gives, and with none (guidance.py derives them from the phenotype,
    activity score and diplotype), the same agreement."""
    report = json.loads((testdata / EXAMPLE).read_text())
    results = example_results(report)
    if keys == "derived_here":
        results = {gene: {k: v for k, v in result.items() if k != "lookup_key"} for gene, result in results.items()}
    ours, theirs, agree, differ = compare_cpic(gd.sample_rows(results, data), report)
    assert set(differ) == set(EXPECTED_DIFFERENCES), differ
    assert len(agree) == 80 and len(theirs) == 83
    extra = {key for key, row in ours.items() if key not in theirs}
    assert {drug for drug, _ in extra} == set(EXPECTED_NOT_ASSESSED)
    assert all(ours[key]["status"] == "cannot_be_assessed" for key in extra)
    # the two-gene lookups PharmCAT made with "No Result" (carbamazepine without HLA-A): the same three rows
    carbamazepine = {k[1]: r for k, r in ours.items() if k[0] == "carbamazepine"}
    assert set(carbamazepine) == {"CBZ naive", "CBZ use >3mos", "CBZ-no alternatives"}
    assert all(r["lookup"] == {"HLA-A": "No Result", "HLA-B": "*15:02 positive"} for r in carbamazepine.values())


def test_pharmcats_example_lookup_keys_match_the_rows_pharmcat_used(testdata, data):
    """Every CPIC annotation's lookup key in PharmCAT's report is the lookup genorisk used for that drug."""
    report = json.loads((testdata / EXAMPLE).read_text())
    rows = gd.sample_rows(example_results(report), data)
    ours = {(r["drug"], r["population"]): r["lookup"] for r in rows if r["source"] == "CPIC"}
    for drug, block in report["drugs"]["CPIC Guideline Annotation"].items():
        for guideline in block["guidelines"]:
            for a in guideline["annotations"]:
                if (drug, a["population"]) in EXPECTED_DIFFERENCES:
                    continue
                (key,) = a["lookupKey"]
                assert ours[(drug, a["population"])] == dict(sorted(key.items())), drug


def test_shipped_text_agrees_with_the_source_files(testdata, data):
    """Every shipped recommendation's words are the source HTML's (this test's stripping), and its lookup,
    classification and population are the source's."""
    shipped = {(r["id"], r["drug"]): r for g in data["guidelines"] for r in g["recommendations"]}
    n = 0
    for path in sorted((testdata / GUIDELINES).glob("*.json")):
        for rec in json.loads(path.read_text())["recommendations"]:
            mine = shipped[(rec["id"], rec["relatedChemicals"][0]["name"])]
            assert _words(mine["text"]) == _strip((rec.get("text") or {}).get("html")), rec["id"]
            assert mine["lookup"] == {gene: value if isinstance(value, str) else
                                      "{" + ", ".join(f"'{a}': {float(n)}" for a, n in sorted(value.items())) + "}"
                                      for gene, value in rec["lookupKey"].items()}  # fmt: skip
            assert mine["population"] == rec.get("population")
            assert mine["classification"] == (rec.get("classification") or {}).get("term")
            n += 1
    assert n == len(shipped) == 2583


def test_shipped_file_is_gzip_without_name_or_time():
    raw = SHIPPED.read_bytes()
    assert raw[:2] == b"\x1f\x8b" and raw[4:8] == b"\x00\x00\x00\x00" and not raw[3] & 0x08
    assert json.loads(gzip.decompress(raw))["data_version"] == "2024-03-25-16-13"
