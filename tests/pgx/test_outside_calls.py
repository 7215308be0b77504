"""scripts/pgx/outside_calls.py: PharmCAT-format outside calls (CYP2D6, HLA-A/B, MT-RNR1, genorisk's own genes).

Expected values come from outside the code:
- CYP2D6 allele activity values, read by hand from PharmCAT's phenotype/CYP2D6.json (../shared/testdata/
  pharmcat_definitions_grch38_all/phenotype_heads/CYP2D6.head.json): *1 1.0, *2 1.0, *2x2 2.0, *2x≥3 ≥3.0, *4 0.0,
  *5 0.0, *10 0.25, *41 0.25, *22 n/a. Scores are their sums.
- CPIC's CYP2D6 activity-score ranges (Caudle et al. 2020, PMID 31647186): 0 PM, 0.25-1.0 IM, 1.25-2.25 NM, >2.25 UM;
  PharmCAT's own checks of them: Cyp2d6Test.testCyp2d6PhenotypeHasMultipleActivityScore (IM is 0.25, 0.5, 0.75, 1.0),
  PipelineTest.testOutsideCallActivityScore ("CYP2D6\\t\\t\\t1.25" is Normal Metabolizer (1.25)).
- PharmCAT docs/Phenotypes-List.md, CYP2D6 "CPIC Activity Scores": the 21 scores transcribed in CPIC_CYP2D6_SCORES.
- HLA alleles of interest (PharmCAT Constants.java): HLA-A *31:01; HLA-B *15:02, *57:01, *58:01.
- MT-RNR1 phenotypes: PharmCAT phenotype/MT_RNR1.json (m.1555A>G increased risk, m.827A>G normal risk).
- CYP2C19 *1/*2 IM and CYP2C9 *1/*3 activity score 1.0 (IM): the CPIC tables cited in tests/pgx/test_pgx_match.py.
- The oracle: PharmCAT v3.1's pharmcat.example.phenotype.json for its own pharmcat.example.outsideCall.tsv.
"""

import hashlib
import json

import pytest

from common.input_error import InputError
from conftest import REPO, TESTDATA, require
from inputs.preflight import check_outside_calls
from inputs.sample_sheet import read_sample_sheet
from pgx.outside_calls import cyp2d6_scores, load_tables, merge_outside_results, read_outside_calls
from pgx.pgx_genotypes import tsv_rows
from pgx.pgx_match import PANEL_GENES, load_gene

PANEL = REPO / "config" / "panels" / "pgx"
OUTSIDE = PANEL / "outside"
EXAMPLES = TESTDATA / "pharmcat_definitions_grch38_all" / "examples"
CPIC_CYP2D6_SCORES = ["0.0", "0.25", "0.5", "0.75", "1.0", "1.25", "1.5", "1.75", "2.0", "2.25", "2.5", "2.75",
                      "3.0", "≥3.0", "≥3.25", "≥3.5", "≥3.75", "4.0", "≥4.0", "≥5.0", "≥6.0"]  # fmt: skip
HLA_B_NEGATIVE = ["*15:02 negative", "*57:01 negative", "*58:01 negative"]
INCREASED_RISK = "increased risk of aminoglycoside-induced hearing loss"


@pytest.fixture(scope="module")
def tables():
    return load_tables(OUTSIDE, {gene: load_gene(PANEL, gene) for gene in PANEL_GENES})


def outside_file(tmp_path, *lines, name="calls.tsv"):
    path = tmp_path / name
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def one(tmp_path, tables, line):
    (result,) = read_outside_calls(outside_file(tmp_path, line), tables).values()
    return result


def summary(result):
    return result["diplotypes"], result["phenotype"], result["activity_score"], result["lookup_key"]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("CYP2D6\t*1/*4", (["*1/*4"], "Intermediate Metabolizer", 1.0, ["1.0"])),
        ("CYP2D6\t*41/*1", (["*1/*41"], "Normal Metabolizer", 1.25, ["1.25"])),
        ("CYP2D6\t*10/*10", (["*10/*10"], "Intermediate Metabolizer", 0.5, ["0.5"])),
        ("CYP2D6\t*4/*5", (["*4/*5"], "Poor Metabolizer", 0.0, ["0.0"])),
        ("CYP2D6\t*1/*2x2", (["*1/*2x2"], "Ultrarapid Metabolizer", 3.0, ["3.0"])),
        ("CYP2D6\t*1/*2", (["*1/*2"], "Normal Metabolizer", 2.0, ["2.0"])),
        ("CYP2D6\t*2x≥3/*4", (["*2x≥3/*4"], "Ultrarapid Metabolizer", "≥3.0", ["≥3.0"])),
        ("CYP2D6\t*1/*22", (["*1/*22"], "Indeterminate", None, ["n/a"])),
        ("CYP2D6\t\t\t2.25", ([], "Normal Metabolizer", 2.25, ["2.25"])),
        ("CYP2D6\t\t\t2.5", ([], "Ultrarapid Metabolizer", 2.5, ["2.5"])),
        ("CYP2D6\t\t\t0.0", ([], "Poor Metabolizer", 0.0, ["0.0"])),
        ("CYP2D6\t\tPM", ([], "Poor Metabolizer", None, ["0.0"])),
        ("CYP2D6\t\tIntermediate Metabolizer", ([], "Intermediate Metabolizer", None, ["0.25", "0.5", "0.75", "1.0"])),
        ("CYP2D6\t\tCYP2D6 normal metabolisers (NM)", ([], "Normal Metabolizer", None,
                                                     ["1.25", "1.5", "1.75", "2.0", "2.25"])),
        ("CYP2D6\t*1/*4\tIM\t1.0", (["*1/*4"], "Intermediate Metabolizer", 1.0, ["1.0"])),
    ],
)  # fmt: skip
def test_cyp2d6_phenotype_from_activity_values_and_cpic_ranges(tmp_path, tables, line, expected):
    diplotypes, phenotype, score, lookup = expected
    result = one(tmp_path, tables, line)
    assert summary(result) == (diplotypes, phenotype, score, {"CYP2D6": lookup})
    assert (result["source"], result["status"], result["replaced"], result["calls"]) == ("outside", "called", False, [])


def test_cyp2d6_scores_are_cpics_list(tables):
    assert cyp2d6_scores(tables) == CPIC_CYP2D6_SCORES


def test_cyp2d6_sub_alleles_and_copy_numbers_are_read_as_cpics_names(tmp_path, tables):
    result = one(tmp_path, tables, "CYP2D6\tCYP2D6*4.024/*1x4")
    assert summary(result)[:3] == (["*1x≥3/*4"], "Ultrarapid Metabolizer", "≥3.0")
    assert result["warnings"] == ["CYP2D6 allele *4.024 read as *4 (the name CPIC's activity values use)",
                                  "CYP2D6 allele *1x4 read as *1x≥3 (the name CPIC's activity values use)"]  # fmt: skip


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("HLA-B\t*57:01/*44:02", (["*44:02/*57:01"], "*15:02 negative; *57:01 positive; *58:01 negative", None,
                                  ["*15:02 negative", "*57:01 positive", "*58:01 negative"])),
        ("HLA-B\tB*07:02:01:127/*08:01", (["*07:02/*08:01"], "; ".join(HLA_B_NEGATIVE), None, HLA_B_NEGATIVE)),
        ("HLA-B\t\t*57:01 positive", ([], "*57:01 positive", None, ["*57:01 positive"])),
        ("HLA-A\t*31:01/*02:01", (["*02:01/*31:01"], "*31:01 positive", None, ["*31:01 positive"])),
        ("HLA-A\t*01:01/*02:01\t*31:01 negative", (["*01:01/*02:01"], "*31:01 negative", None, ["*31:01 negative"])),
    ],
)  # fmt: skip
def test_hla_positive_or_negative_per_allele_of_interest(tmp_path, tables, line, expected):
    gene = line.split("\t")[0]
    diplotypes, phenotype, score, lookup = expected
    assert summary(one(tmp_path, tables, line)) == (diplotypes, phenotype, score, {gene: lookup})


def test_mt_rnr1_phenotype_from_pharmcats_table(tmp_path, tables):
    assert summary(one(tmp_path, tables, "MT-RNR1\tm.1555A>G")) == (
        ["m.1555A>G"], INCREASED_RISK, None, {"MT-RNR1": [INCREASED_RISK]})  # fmt: skip
    normal = "normal risk of aminoglycoside-induced hearing loss"
    assert summary(one(tmp_path, tables, "MT-RNR1\tm.827A>G\tNormal risk of aminoglycoside-induced hearing loss")) == (
        ["m.827A>G"], normal, None, {"MT-RNR1": [normal]})  # fmt: skip


def test_genorisks_own_genes_use_the_panels_cpic_tables(tmp_path, tables):
    assert summary(one(tmp_path, tables, "CYP2C19\t*2/*1")) == (
        ["*1/*2"], "Intermediate Metabolizer", None, {"CYP2C19": ["Intermediate Metabolizer"]})  # fmt: skip
    assert summary(one(tmp_path, tables, "CYP2C9\tCYP2C9*1/CYP2C9*3")) == (
        ["*1/*3"], "Intermediate Metabolizer", 1.0, {"CYP2C9": ["1.0"]})  # fmt: skip


def test_comments_blank_lines_and_crlf_are_skipped(tmp_path, tables):
    path = tmp_path / "calls.tsv"
    path.write_bytes(b"\xef\xbb\xbf# from caller X\r\n\r\nCYP2D6\t*1/*4\r\nHLA-B\t*57:01/*08:01\r\n")
    assert [(g, r["diplotypes"], r["outside_call"]) for g, r in read_outside_calls(path, tables).items()] == [
        ("CYP2D6", ["*1/*4"], {"file": "calls.tsv", "line": 3}),
        ("HLA-B", ["*08:01/*57:01"], {"file": "calls.tsv", "line": 4}),
    ]


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        (["CYP2D6\t*1/*4\tIM\t1.0\textra"], r"line 1: 5 tab-separated fields, at most 4"),
        (["CYP2D7\t*1/*1"], r"line 1: unknown gene 'CYP2D7' \(outside calls are read for ABCG2, .*HLA-B, .*MT-RNR1"),
        (["# a comment", "CYP2D6\t*1/*4\tNormal Metabolizer"],
         r"line 2: CYP2D6: the diplotype \*1/\*4 gives Intermediate Metabolizer, but the line's phenotype is "
         r"Normal Metabolizer"),
        (["CYP2D6\t*1/*1\t\t1.0"], r"line 1: CYP2D6: the diplotype \*1/\*1 gives activity score 2.0, but the line's "
                                   r"score is 1.0"),
        (["CYP2D6\t\tPoor Metabolizer\t1.0"], r"line 1: CYP2D6: the activity score 1.0 gives Intermediate Metabolizer"),
        (["HLA-B\t*57:01/*08:01\t*57:01 negative"], r"line 1: HLA-B: the diplotype \*08:01/\*57:01 gives \*57:01 "
                                                   r"positive, but the line's phenotype is \*57:01 negative"),
        (["MT-RNR1\tm.1555A>G\tnormal risk of aminoglycoside-induced hearing loss"],
         r"line 1: MT-RNR1: the allele m.1555A>G gives increased risk"),
        (["CYP2C19\t*1/*2\tPoor Metabolizer"],
         r"line 1: CYP2C19: the diplotype \*1/\*2 gives Intermediate Metabolizer"),
        (["CYP2D6\t*1/*4", "HLA-B\t*57:01/*08:01", "CYP2D6\t*1/*1"], r"line 3: CYP2D6 is listed twice \(line 1 too\)"),
        (["CYP2D6"], r"line 1: CYP2D6 has no diplotype, phenotype or activity score"),
        (["CYP2D6\t*1/*999"], r"line 1: CYP2D6 allele '\*999' has no CPIC activity value"),
        (["CYP2D6\t*1xN/*4"], r"line 1: CYP2D6 allele '\*1xN': an unknown copy number \(xN\)"),
        (["CYP2D6\t\t\t7.0"], r"line 1: CYP2D6 activity score 7.0 is not a CPIC score"),
        (["CYP2D6\t\tFast Metabolizer"], r"line 1: CYP2D6 phenotype 'Fast Metabolizer' is not one of the CPIC terms"),
        (["HLA-B\t\t*44:02 positive"], r"line 1: HLA-B phenotype '\*44:02 positive' is not '<allele> positive"),
        (["HLA-B\t57:01/*08:01"], r"line 1: HLA-B allele '57:01' is not an HLA allele name"),
        (["MT-RNR1\tm.1555A>G/m.1555A>G"], r"line 1: MT-RNR1 'm.1555A>G/m.1555A>G': MT-RNR1 is mitochondrial"),
        (["CYP2C19\t*1/*2/*3"], r"line 1: CYP2C19 '\*1/\*2/\*3' has 3 alleles, at most 2"),
        (["CYP2C19\t./."], r"line 1: CYP2C19 '\./\.': an allele is empty or '\.'"),
        (["# nothing"], r"the outside-call file names no gene"),
    ],
)  # fmt: skip
def test_malformed_files_name_the_file_line_and_problem(tmp_path, tables, lines, message):
    path = outside_file(tmp_path, *lines, name="sample7.outside.tsv")
    with pytest.raises(InputError, match=rf"^{path}: {message}"):
        read_outside_calls(path, tables)


def test_a_file_that_is_not_utf8_is_refused(tmp_path, tables):
    path = tmp_path / "latin1.tsv"
    path.write_bytes("CYP2D6\t*1x\u22653/*4\n".encode("utf-16"))
    with pytest.raises(InputError, match="is not UTF-8 text"):
        read_outside_calls(path, tables)


def own_result(diplotype, phenotype):
    return {"gene": "CYP2C19", "status": "called", "diplotypes": [diplotype], "phenotype": phenotype,
            "activity_score": None, "missing": [], "not_covered": []}  # fmt: skip


def test_an_outside_call_replaces_genorisks_call_and_says_so(tmp_path, tables):
    ours = {"S1": {"CYP2C19": own_result("*1/*2", "Intermediate Metabolizer"), "TPMT": {"gene": "TPMT"}},
            "S2": {"CYP2C19": own_result("*1/*1", "Normal Metabolizer")}}  # fmt: skip
    outside = {"S1": read_outside_calls(outside_file(tmp_path, "MT-RNR1\tm.1555A>G", "CYP2C19\t*1/*1"), tables),
               "S3": read_outside_calls(outside_file(tmp_path, "CYP2D6\t*4/*4", name="s3.tsv"), tables)}  # fmt: skip
    merged = merge_outside_results(ours, outside)
    assert {s: list(genes) for s, genes in merged.items()} == {
        "S1": ["CYP2C19", "TPMT", "MT-RNR1"], "S2": ["CYP2C19"], "S3": ["CYP2D6"]}  # fmt: skip
    replaced = merged["S1"]["CYP2C19"]
    assert (replaced["source"], replaced["replaced"], replaced["diplotypes"], replaced["phenotype"]) == (
        "outside", True, ["*1/*1"], "Normal Metabolizer")  # fmt: skip
    assert replaced["replaced_call"] == {"status": "called", "diplotypes": ["*1/*2"],
                                         "phenotype": "Intermediate Metabolizer", "activity_score": None}  # fmt: skip
    assert replaced["warnings"] == [
        "an outside call replaces genorisk's own call (*1/*2, Intermediate Metabolizer)"]  # fmt: skip
    assert merged["S1"]["MT-RNR1"]["replaced"] is False and merged["S2"] == ours["S2"]
    assert "source" not in ours["S1"]["CYP2C19"]  # the inputs are left as they were


def test_batch_tsv_writes_outside_scores_as_text(tmp_path, tables):
    results = {"S1": read_outside_calls(outside_file(tmp_path, "CYP2D6\t*1x≥3/*1", "CYP2C9\t*1/*3"), tables)}
    assert tsv_rows(results) == [
        ["S1", "CYP2D6", "*1/*1x≥3", "Ultrarapid Metabolizer", "≥4.0", "0", "called", "0"],
        ["S1", "CYP2C9", "*1/*3", "Intermediate Metabolizer", "1.0", "0", "called", "0"],
    ]


# ------------------------------------------------------------------ PharmCAT's example as the oracle


@pytest.fixture(scope="module")
def pharmcat_example():
    return json.loads(require(EXAMPLES / "pharmcat.example.phenotype.json").read_text())["geneReports"]


def test_pharmcats_example_outside_calls_give_pharmcats_results(tables, pharmcat_example):
    """Diplotype, phenotypes and lookup keys as PharmCAT v3.1 reports them for its own example file.

    One difference, on purpose: the example writes MT-RNR1 `1555A>G` without the `m.` its table uses; PharmCAT 3.1
    then finds no such allele ("Unassigned function", phenotype and lookup key "n/a", so no aminoglycoside advice),
    while genorisk reads it as m.1555A>G (increased risk of aminoglycoside-induced hearing loss), with a warning.
    """
    ours = read_outside_calls(EXAMPLES / "pharmcat.example.outsideCall.tsv", tables)
    assert list(ours) == ["CYP2D6", "HLA-B", "MT-RNR1"]
    compared = {}
    for gene, result in ours.items():
        (theirs,) = pharmcat_example[gene]["recommendationDiplotypes"]
        assert pharmcat_example[gene]["callSource"] == "OUTSIDE"
        compared[gene] = (
            (result["diplotypes"], [theirs["label"]]),
            (result["lookup_key"][gene], theirs["lookupKey"]),
            (result["activity_score"], None if theirs["activityScore"] is None else float(theirs["activityScore"])),
        )
    assert compared["CYP2D6"][0][0] == compared["CYP2D6"][0][1] == ["*1/*3"]
    assert compared["CYP2D6"][1][0] == compared["CYP2D6"][1][1] == ["1.0"]
    assert compared["CYP2D6"][2][0] == compared["CYP2D6"][2][1] == 1.0
    assert [ours["CYP2D6"]["phenotype"]] == pharmcat_example["CYP2D6"]["recommendationDiplotypes"][0]["phenotypes"]
    assert compared["HLA-B"][0][0] == compared["HLA-B"][0][1] == ["*15:02/*57:01"]
    assert compared["HLA-B"][1][0] == compared["HLA-B"][1][1] == ["*15:02 positive", "*57:01 positive",
                                                                  "*58:01 negative"]  # fmt: skip
    # the documented difference
    assert compared["MT-RNR1"][0] == (["m.1555A>G"], ["1555A>G"])
    assert compared["MT-RNR1"][1] == ([INCREASED_RISK], ["n/a"])
    assert ours["MT-RNR1"]["warnings"] == ["MT-RNR1 allele 1555A>G read as m.1555A>G (the name PharmCAT's table uses)"]


def test_shipped_tables_are_the_test_datas_copies(testdata):
    source = testdata / "pharmcat_definitions_grch38_all"
    for shipped, original in (("CYP2D6.head.json", "phenotype_heads/CYP2D6.head.json"),
                              ("MT_RNR1.json", "phenotype/MT_RNR1.json")):  # fmt: skip
        digest = [hashlib.md5((folder / name).read_bytes()).hexdigest()
                  for folder, name in ((OUTSIDE, shipped), (source, original))]  # fmt: skip
        assert digest[0] == digest[1], shipped


# ------------------------------------------------------------------ sample sheet and preflight

SCHEMA = REPO / "workflow" / "schemas" / "samples.schema.yaml"


def sheet_with(tmp_path, cell):
    (tmp_path / "a.bam").write_bytes(b"")
    sheet = tmp_path / "samples.tsv"
    sheet.write_text(f"sample_id\talignment\tpgx_outside_calls\nS1\ta.bam\t{cell}\nS2\ta.bam\t\n")
    return sheet


def test_sheet_column_resolves_the_file_beside_the_sheet(tmp_path):
    outside_file(tmp_path, "CYP2D6\t*1/*4", name="s1.tsv")
    samples = read_sample_sheet(sheet_with(tmp_path, "s1.tsv"), SCHEMA)
    assert samples["S1"]["pgx_outside_calls"].endswith("s1.tsv") and "pgx_outside_calls" not in samples["S2"]


@pytest.mark.parametrize(
    ("cell", "message"),
    [("s1.vcf", r"column 'pgx_outside_calls': 's1\.vcf' is not a \.tsv or \.txt path"),
     ("gone.tsv", r"column 'pgx_outside_calls': file gone\.tsv does not exist")],
)  # fmt: skip
def test_sheet_refuses_a_wrong_or_missing_outside_call_file(tmp_path, cell, message):
    with pytest.raises(InputError, match=rf"row 1 \(sample 'S1'\): {message}"):
        read_sample_sheet(sheet_with(tmp_path, cell), SCHEMA)


def test_preflight_reads_every_outside_call_file_before_any_job(tmp_path):
    outside_file(tmp_path, "CYP2D6\t*1/*4", "HLA-B\t*57:01/*08:01", name="s1.tsv")
    sheet = sheet_with(tmp_path, "s1.tsv")
    samples = read_sample_sheet(sheet, SCHEMA)
    assert check_outside_calls(samples, sheet, PANEL_GENES, PANEL, OUTSIDE) == [
        "outside calls checked: 1 file(s), 2 gene call(s)"]  # fmt: skip
    outside_file(tmp_path, "CYP2D6\t*1/*4", "CYP2D6\t*1/*1", name="s1.tsv")
    with pytest.raises(InputError, match=r"samples\.tsv row 1 \(sample 'S1'\): column 'pgx_outside_calls': "
                                         r".*s1\.tsv: line 2: CYP2D6 is listed twice"):  # fmt: skip
        check_outside_calls(samples, sheet, PANEL_GENES, PANEL, OUTSIDE)


# ------------------------------------------------------------------ the report's pharmacogenomics table


def cell_text(cell):
    parts = cell if isinstance(cell, list) else [cell]
    return "".join(getattr(p, "text", p) for p in parts)


def test_report_table_shows_outside_calls_as_such(tmp_path, tables):
    from reports.content import Table, pgx_section
    from reports.sections import pgx_gene

    own = own_result("*1/*2", "Intermediate Metabolizer")
    own |= {"calls": [], "warnings": [], "possible_diplotypes_if_missing": [], "n_possible_diplotypes": 0}
    ours = {"S1": {"CYP2C19": own}}
    outside = {"S1": read_outside_calls(outside_file(tmp_path, "CYP2D6\t*1x≥3/*1", "CYP2C19\t*1/*1"), tables)}
    merged = merge_outside_results(ours, outside)["S1"]
    report = {"sections": {"pgx": {"status": "reported"}}, "pgx": {g: pgx_gene(r) for g, r in sorted(merged.items())}}
    assert {g: (b["source"], b["replaced"]) for g, b in report["pgx"].items()} == {
        "CYP2C19": ("outside", True), "CYP2D6": ("outside", False)}  # fmt: skip
    (table,) = [b for b in pgx_section(report).blocks if isinstance(b, Table)]
    assert [[cell_text(c) for c in row] for row in table.rows] == [
        ["CYP2C19", "*1/*1", "Normal Metabolizer", "\u2014",
         "Called from an outside call; replaces genorisk's own call", "\u2014"],
        ["CYP2D6", "*1/*1x≥3", "Ultrarapid Metabolizer", "≥4.0", "Called from an outside call", "\u2014"],
    ]  # fmt: skip
