"""The twelve genes added to the seven of tests/pgx/test_pgx_match.py, and PharmCAT's example sample for all 19.

Inputs are built from PharmCAT's own definition files (../shared/testdata/pharmcat_definitions_grch38_all, read here
with json, not with the code under test): every defining position reference unless a case says otherwise. The panel
under test is the shipped one (config/panels/pgx, byte-identical to those files:
test_pgx_match.test_shipped_panel_is_an_unmodified_copy_of_pharmcats_files). Expected values come from outside the
code, each cited where it is used:
- PharmCAT's tests at the definitions' commit (PharmGKB/PharmCAT @ 5431bf1, src/test/java/org/pharmgkb/pharmcat/...):
  genotypes and the calls PharmCAT expects, transcribed. Its TestVcfBuilder's `.variation(gene, rsid, a1, a2)` sets
  one position; where a Java test leaves the gene's other positions out of the VCF (PipelineTest), PharmCAT calls on
  the given positions only; genorisk never reads an absent position as reference, so those cases are written here
  with every other position reference, and said so.
- Phenotypes and lookup keys: the phenotype files' `diplotypes` rows (read with json here), and for G6PD and RYR1
  (shipped as allele functions only) CPIC's tables: G6PD, Gammal et al. 2022 (PMID:36049896) Table 1, and rows of
  upstream's G6PD.json quoted in config/panels/pgx/SOURCE.md; RYR1, the rows in the test data's
  phenotype_heads/RYR1.diplotype_examples.json.
- PharmCAT v3.1's output for its example (examples/pharmcat.example.{vcf,match.json,phenotype.json}).
Size: most lines are PharmCAT's test cases transcribed (genotypes and expected calls), one block per gene.
"""

import csv
import json

import pytest

from conftest import REPO, TESTDATA
from pgx.pgx_genotypes import call_batch, read_panel_calls, sample_sexes
from pgx.pgx_match import PANEL_GENES, load_gene, match_gene

ORIGINALS = TESTDATA / "pharmcat_definitions_grch38_all"
PANEL = REPO / "config" / "panels" / "pgx"
NAT2_SHEET = REPO / "tests" / "data" / "pharmcat_test_vcfs" / "NAT2" / "tests.tsv"
MED = "Mediterranean, Dallas, Panama, Sassari, Cagliari, Birmingham"
CFTR_REF = "ivacaftor non-responsive CFTR sequence"
NEW_GENES = ("ABCG2", "CACNA1S", "CFTR", "CYP2B6", "CYP3A4", "CYP3A5", "CYP4F2", "G6PD", "IFNL3", "NAT2", "RYR1",
             "UGT1A1")  # fmt: skip


@pytest.fixture(scope="module")
def definitions():
    if not ORIGINALS.is_dir():
        pytest.skip(f"PharmCAT definitions not found at {ORIGINALS} (real test data beside the checkout)")
    return {gene: load_gene(PANEL, gene) for gene in PANEL_GENES}


def positions(gene):
    """{rsID or chrom:pos: (POS, REF)} straight from PharmCAT's translation file."""
    variants = json.loads((ORIGINALS / "alleles" / f"{gene}_translation.json").read_text())["variants"]
    return {v["rsid"] or f"{v['chromosome']}:{v['position']}": (v["position"], v["ref"]) for v in variants}


def calls(gene, edits=None, missing=(), phased=False):
    """Every position hom-ref, then `edits` {rsID or POS: (a1, a2[, phased[, PS]])}; `missing` rsIDs left out."""
    where = positions(gene)
    result = {pos: (ref, ref, phased) for rsid, (pos, ref) in where.items() if rsid not in missing}
    for key, genotype in (edits or {}).items():
        pos = key if isinstance(key, int) else where[key][0]
        result[pos] = genotype if len(genotype) > 2 else (*genotype, phased)
    return result


def match(definitions, gene, edits=None, missing=(), phased=False, sex=None):
    return match_gene(definitions[gene], calls(gene, edits, missing, phased), sex=sex)


def table(gene, diplotype):
    """(generesult, lookupkey) of a diplotype in PharmCAT's phenotype file, read with json."""
    rows = json.loads((ORIGINALS / "phenotype" / f"{gene}.json").read_text())["diplotypes"]
    names = sorted(diplotype.split("/"))
    for row in rows:
        if sorted(n for n, k in row["diplotypekey"].items() for _ in range(int(k))) == names:
            return row["generesult"], row["lookupkey"]
    raise KeyError(diplotype)


def assert_called(result, diplotype, gene):
    assert result["status"] == "called", result["warnings"]
    assert result["diplotypes"] == [diplotype]
    phenotype, lookup = table(gene, diplotype)
    assert result["phenotype"] == phenotype
    assert result["lookup_key"] == {gene: lookup}


# --------------------------------------------------------------------------------------------------------- CYP3A5


@pytest.mark.parametrize(
    ("edits", "diplotype"),
    [
        # NamedAlleleMatcherCyp3a5Test.cyp3a5s3s9 (haplotype/cyp3a5/s3s9.vcf: rs28383479 0|1, rs776746 1|0)
        ({"rs28383479": ("C", "T", True), "rs776746": ("C", "T", True)}, "*3/*9"),
        # cyp3a5s3s9Homozygous (s3s9-homozygous.vcf: the same, unphased 0/1)
        ({"rs28383479": ("C", "T"), "rs776746": ("T", "C")}, "*3/*9"),
        # cyp3a5s1s7 (s1s7.vcf: the rs41303343 insertion T/TA)
        ({"rs41303343": ("T", "TA")}, "*1/*7"),
        # PipelineTest.testCyp3a5v1 / v4 (rs776746 T/C), v3 (C/C)
        ({"rs776746": ("T", "C")}, "*1/*3"),
        ({"rs776746": ("C", "C")}, "*3/*3"),
    ],
)
def test_cyp3a5_pharmcat_calls(definitions, edits, diplotype):
    assert_called(match(definitions, "CYP3A5", edits), diplotype, "CYP3A5")


def test_cyp3a5_missing_rs776746_is_not_read_as_reference(definitions):
    # PipelineTest.testCyp3a5Missing3Message: rs776746 (*3) left out, PharmCAT calls *1/*1 from the rest; genorisk
    # does not call a gene with a missing position, but keeps PharmCAT's answer and lists what *3 would make.
    result = match(definitions, "CYP3A5", missing=("rs776746",))
    assert result["status"] == "missing_positions" and result["diplotypes"] == [] and result["lookup_key"] is None
    assert result["pharmcat_top"] == ["*1/*1"]
    assert {"*1/*1", "*1/*3", "*3/*3"} <= set(result["possible_diplotypes_if_missing"])


# --------------------------------------------------------------------------------------------------------- UGT1A1


@pytest.mark.parametrize(
    ("edits", "expected"),
    [
        # NamedAlleleMatcherUgt1a1Test (haplotype/UGT1A1/*.vcf; rs3064744 is REF CAT, ALT CATAT = *28, CATATAT = *37)
        ({"rs3064744": ("CATAT", "CATATAT")}, ["*28/*37"]),  # ugt1a1s28s37
        ({"rs4148323": ("A", "A")}, ["*6/*6"]),  # ugt1a1s6s6
        ({"rs887829": ("C", "T")}, ["*1/*80"]),  # ugt1a1s1s60s80 (unphased)
        ({"rs887829": ("C", "T"), "rs3064744": ("CAT", "CATAT")}, ["*1/*80+*28", "*28/*80"]),  # ugt1a1s28s80unphased
        # ugt1a1s28s80phased: *80 and *28 on one chromosome
        ({"rs887829": ("C", "T", True), "rs3064744": ("CAT", "CATAT", True)}, ["*1/*80+*28"]),
        # ugt1a1s28s80s6s60unphased (1/0, 1/0, 0/1) and ...phased (1|0, 1|0, 0|1)
        ({"rs887829": ("T", "C"), "rs3064744": ("CATAT", "CAT"), "rs4148323": ("G", "A")}, ["*6/*80+*28"]),
        (
            {"rs887829": ("T", "C", True), "rs3064744": ("CATAT", "CAT", True), "rs4148323": ("G", "A", True)},
            ["*6/*80+*28"],
        ),
        # ugt1a1s1s37s80s60phased (rs887829 1|0, rs3064744 3|0)
        ({"rs887829": ("T", "C", True), "rs3064744": ("CATATAT", "CAT", True)}, ["*1/*80+*37"]),
        # ugt1a1HG00436: *80, *28 and *27 all on one chromosome: no named allele, no match
        ({"rs887829": ("T", "C", True), "rs3064744": ("CATAT", "CAT", True), "rs35350960": ("A", "C", True)}, []),
    ],
)
def test_ugt1a1_pharmcat_all_results(definitions, edits, expected):
    result = match(definitions, "UGT1A1", edits)
    assert result["diplotypes"] == expected  # PharmCAT's all-results mode, best first
    if len(expected) == 1:
        assert_called(result, expected[0], "UGT1A1")
    elif expected:
        # ugt1a1s28s80unphasedTopCandidateOnly: PharmCAT's default reports *1/*80+*28 alone. Its phenotype differs
        # from *28/*80's in UGT1A1.json (*80 is of unknown function), so genorisk gives none
        assert result["pharmcat_top"] == expected[:1]
        assert table("UGT1A1", expected[0])[0] != table("UGT1A1", expected[1])[0]
        assert result["status"] == "ambiguous" and result["phenotype"] is None and result["lookup_key"] is None
    else:
        assert result["status"] == "no_match"


def test_ugt1a1_missing_repeat_lists_pharmcats_candidates(definitions):
    # ugt1a1s6s60s80s28missingunphased: rs3064744 absent, rs887829 and rs4148323 het; PharmCAT (all results):
    # *6/*80, *6/*80+*28, *6/*80+*37: exactly what the missing repeat could make.
    edits = {"rs887829": ("C", "T"), "rs4148323": ("G", "A")}
    result = match(definitions, "UGT1A1", edits, missing=("rs3064744",))
    assert result["status"] == "missing_positions"
    assert set(result["possible_diplotypes_if_missing"]) == {"*6/*80", "*6/*80+*28", "*6/*80+*37"}


def test_ugt1a1_28_28_is_a_poor_metabolizer(definitions):
    # CPIC UGT1A1 (atazanavir) guideline: two decreased-function alleles (*28/*28) = poor metabolizer
    result = match(definitions, "UGT1A1", {"rs3064744": ("CATAT", "CATAT")})
    assert_called(result, "*28/*28", "UGT1A1")
    assert result["lookup_key"] == {"UGT1A1": "Poor Metabolizer"}


# ------------------------------------------------------------------------------------------ CYP2B6, CYP3A4, CYP4F2


def test_cyp2b6_star1_star34(definitions):
    # PipelineTest.testCyp2b6star1star34 (top match *1/*34) and ...AllMatch (all results: *1/*34 and *33/*36, "two
    # different phenotypes"). PharmCAT's test VCF has only these four positions; here every other one is reference.
    edits = {"rs34223104": ("T", "C"), "rs3211371": ("C", "A"), "rs3745274": ("G", "T"), "rs2279343": ("A", "G")}
    result = match(definitions, "CYP2B6", edits)
    assert result["diplotypes"] == ["*1/*34", "*33/*36"] and result["pharmcat_top"] == ["*1/*34"]
    assert table("CYP2B6", "*1/*34")[0] != table("CYP2B6", "*33/*36")[0]
    assert result["status"] == "ambiguous" and result["phenotype"] is None and result["lookup_key"] is None


def test_cyp3a4_star8_homozygous(definitions):
    # PipelineTest.testCyp3a4: rs72552799 T/T -> *8/*8 (other positions absent there, reference here)
    assert_called(match(definitions, "CYP3A4", {"rs72552799": ("T", "T")}), "*8/*8", "CYP3A4")


@pytest.mark.parametrize(
    ("edits", "diplotype"),
    [
        # NamedAlleleMatcherCyp4f2Test.s1_s4 and s2_s4 (rs3093105 REF A: C/A het, C/C hom ALT)
        ({"rs3093105": ("C", "A"), "rs2108622": ("C", "T")}, "*1/*4"),
        ({"rs3093105": ("C", "C"), "rs2108622": ("C", "T")}, "*2/*4"),
    ],
)
def test_cyp4f2_diplotype_without_phenotype(definitions, edits, diplotype):
    result = match(definitions, "CYP4F2", edits)
    assert result["pharmcat_top"] == [diplotype]
    assert result["diplotypes"][0] == diplotype
    assert result["phenotype"] is None and result["lookup_key"] is None  # PharmCAT ships no CYP4F2 phenotype file


# ---------------------------------------------------------------------------------------------- ABCG2, IFNL3


@pytest.mark.parametrize(
    ("genotype", "diplotype"),
    [
        # NamedAlleleMatcherIfnl3Test.rs12979860CC / CT / TT
        (("C", "C"), "rs12979860 reference (C)/rs12979860 reference (C)"),
        (("C", "T"), "rs12979860 reference (C)/rs12979860 variant (T)"),
        (("T", "T"), "rs12979860 variant (T)/rs12979860 variant (T)"),
    ],
)
def test_ifnl3_calls_without_phenotype(definitions, genotype, diplotype):
    result = match(definitions, "IFNL3", {"rs12979860": genotype})
    assert result["status"] == "called" and result["diplotypes"] == [diplotype]
    assert result["phenotype"] is None  # IFNL3.json has no diplotypes (PharmCAT reports n/a)


def test_abcg2_variant(definitions):
    # PipelineTest.testRosuvastatin: rs2231142 G/T is called; phenotype and lookup key from ABCG2.json
    diplotype = "rs2231142 reference (G)/rs2231142 variant (T)"
    assert_called(match(definitions, "ABCG2", {"rs2231142": ("G", "T")}), diplotype, "ABCG2")


# --------------------------------------------------------------------------------------- CFTR, CACNA1S, RYR1


def test_cftr_allele_status(definitions):
    # NamedAlleleMatcherCftrTest.reference_Reference and G1244E_reference (rs267606723 G/A)
    reference = match(definitions, "CFTR")
    assert_called(reference, f"{CFTR_REF}/{CFTR_REF}", "CFTR")
    assert reference["variant_alleles"] == []
    result = match(definitions, "CFTR", {"rs267606723": ("G", "A")})
    assert_called(result, f"G1244E/{CFTR_REF}", "CFTR")
    assert result["variant_alleles"] == ["G1244E"]
    assert result["lookup_key"] == {"CFTR": "ivacaftor responsive in CF patients"}


@pytest.mark.parametrize(
    ("edits", "diplotype"),
    [
        # Cacna1sTest.cacna1sHet_ryr1Missing (rs772226819 G/A) and cacna1sHet2_ryr1Missing (+ rs1800559 C/T)
        ({"rs772226819": ("G", "A")}, "Reference/c.520C>T"),
        ({"rs772226819": ("G", "A"), "rs1800559": ("C", "T")}, "c.520C>T/c.3257G>A"),
    ],
)
def test_cacna1s_allele_status(definitions, edits, diplotype):
    result = match(definitions, "CACNA1S", edits)
    assert_called(result, diplotype, "CACNA1S")
    assert result["phenotype"] == "Malignant Hyperthermia Susceptibility"  # Cacna1sTest's expected lookup
    assert result["variant_alleles"] == [n for n in diplotype.split("/") if n != "Reference"]


def ryr1_function(name):
    return json.loads((ORIGINALS / "phenotype_heads" / "RYR1.head.json").read_text())["haplotypes"][name]


@pytest.mark.parametrize(
    ("edits", "diplotype", "found"),
    [
        # NamedAlleleMatcherRyr1Test.reference and rs137933390Het (c.4178A>G)
        ({}, "Reference/Reference", []),
        ({"rs137933390": ("A", "G")}, "Reference/c.4178A>G", ["c.4178A>G"]),
        # Ryr1Test.cacna1sRef_ryr1Undocumented: A/T at rs193922749 (REF C): T is undocumented, read as reference
        ({"rs193922749": ("A", "T")}, "Reference/c.152C>A", ["c.152C>A"]),
        # Ryr1Test.cacna1sRef_ryr1Het2 (two unphased hets: both listed, presumed in trans)
        ({"rs34694816": ("A", "G"), "rs137933390": ("A", "G")}, "c.4024A>G/c.4178A>G", ["c.4024A>G", "c.4178A>G"]),
        # Ryr1Test.cacna1sRef_ryr1Het3: three listed, the recommendation from c.4024A>G/c.4178A>G (no MH allele)
        (
            {"rs34694816": ("A", "G"), "rs137933390": ("A", "G"), "rs145573319": ("A", "G")},
            "c.4024A>G/c.4178A>G",
            ["c.4024A>G", "c.4178A>G", "c.4400A>G"],
        ),
        # Cacna1sTest.cacna1sHom_ryr1Het2: c.97A>G and c.152C>A
        ({"rs193922746": ("A", "G"), "rs193922749": ("C", "A")}, "c.97A>G/c.152C>A", ["c.97A>G", "c.152C>A"]),
    ],
)
def test_ryr1_lowest_function(definitions, edits, diplotype, found):
    result = match(definitions, "RYR1", edits)
    assert result["status"] == "called" and result["diplotypes"] == [diplotype]
    assert result["variant_alleles"] == found
    malignant = any(ryr1_function(n) == "Malignant Hyperthermia associated" for n in diplotype.split("/"))
    expected = "Malignant Hyperthermia Susceptibility" if malignant else "Uncertain Susceptibility"
    assert result["phenotype"] == expected and result["lookup_key"] == {"RYR1": expected}


def test_ryr1_malignant_allele_ranks_first(definitions):
    # RYR1.diplotype_examples.json: Reference/c.38T>G is Malignant Hyperthermia Susceptibility; with an uncertain
    # variant beside it (c.4400A>G), PharmCAT's Ryr1ActivityComparator puts the malignant one first
    assert ryr1_function("c.38T>G") == "Malignant Hyperthermia associated"
    variants = json.loads((ORIGINALS / "alleles" / "RYR1_translation.json").read_text())
    allele = next(a for a in variants["namedAlleles"] if a["name"] == "c.38T>G")
    index = next(i for i, cell in enumerate(allele["alleles"]) if cell is not None)
    site = variants["variants"][index]
    edits = {
        site["position"]: (site["ref"], allele["alleles"][index], False),
        "rs145573319": ("A", "G"),
        "rs34694816": ("A", "G"),
    }
    result = match(definitions, "RYR1", edits)
    assert result["diplotypes"] == ["c.38T>G/c.4024A>G"]
    assert result["phenotype"] == "Malignant Hyperthermia Susceptibility"


def test_ryr1_missing_position_keeps_pharmcats_call(definitions):
    # NamedAlleleMatcherRyr1Test.rs137933390Het_missing1: rs193922753 absent, PharmCAT still calls
    # Reference/c.4178A>G; genorisk does not call it, and reports PharmCAT's answer
    result = match(definitions, "RYR1", {"rs137933390": ("A", "G")}, missing=("rs193922753",))
    assert result["status"] == "missing_positions" and result["pharmcat_top"] == ["Reference/c.4178A>G"]


# ------------------------------------------------------------------------------------------------------------ G6PD


def g6pd_function(name):
    return json.loads((ORIGINALS / "phenotype_heads" / "G6PD.head.json").read_text())["haplotypes"][name]


@pytest.mark.parametrize(
    ("edits", "sex", "diplotype", "phenotype"),
    [
        # ToxicGenesTest.testG6pdRef_male / testG6pd_Ref_female
        ({}, "male", "B (reference)", "Normal"),
        ({}, "female", "B (reference)/B (reference)", "Normal"),
        # testG6pd_MDPSCB_male (rs5030868 A), _female_homo (A/A), _female_het (G/A); Mediterranean is II/Deficient
        ({"rs5030868": ("A", "A")}, "male", MED, "Deficient"),
        ({"rs5030868": ("A", "A")}, "female", f"{MED}/{MED}", "Deficient"),
        ({"rs5030868": ("G", "A")}, "female", f"B (reference)/{MED}", "Variable"),
        # testG6pd_chatham_male (rs5030869 T), _female_homo, _female_het; Chatham is II/Deficient
        ({"rs5030869": ("T", "T")}, "male", "Chatham", "Deficient"),
        ({"rs5030869": ("T", "T")}, "female", "Chatham/Chatham", "Deficient"),
        ({"rs5030869": ("C", "T")}, "female", "B (reference)/Chatham", "Variable"),
        # testG6pd_Arakawa_male (chrX:154532082 A), _female_het, _female_homo; Arakawa is I/Deficient with CNSHA
        ({154532082: ("A", "A", False)}, "male", "Arakawa", "Deficient with CNSHA"),
        ({154532082: ("G", "A", False)}, "female", "Arakawa/B (reference)", "Variable"),
        ({154532082: ("A", "A", False)}, "female", "Arakawa/Arakawa", "Deficient with CNSHA"),
    ],
)
def test_g6pd_by_sex(definitions, edits, sex, diplotype, phenotype):
    result = match(definitions, "G6PD", edits, sex=sex)
    assert result["status"] == "called" and result["diplotypes"] == [diplotype]
    assert result["phenotype"] == phenotype and result["lookup_key"] == {"G6PD": phenotype}
    assert result["sex"] == sex and not any("sex unknown" in w for w in result["warnings"])


def test_g6pd_functions_behind_the_expected_phenotypes():
    if not ORIGINALS.is_dir():
        pytest.skip("PharmCAT definitions not found")
    assert g6pd_function(MED) == g6pd_function("Chatham") == "II/Deficient"
    assert g6pd_function("Arakawa") == "I/Deficient with CNSHA" and g6pd_function("B (reference)") == "IV/Normal"


@pytest.mark.parametrize(
    ("diplotype", "phenotype"),
    [  # rows of upstream's G6PD.json (config/panels/pgx/SOURCE.md)
        ("A", "Normal"),
        ("A- 202A_376G", "Deficient"),
        ("202G>A_376A>G_1264C>G", "Deficient with CNSHA"),
        ("A/Gidra", "Indeterminate"),
        ("A/Insuli", "Normal"),
        ("A/Durham", "Variable"),
        ("202G>A_376A>G_1264C>G/Alhambra", "Deficient with CNSHA"),
        ("202G>A_376A>G_1264C>G/Abeno", "Deficient"),
        ("202G>A_376A>G_1264C>G/Dagua", "Indeterminate"),
        ("202G>A_376A>G_1264C>G/B (reference)", "Variable"),
    ],
)
def test_g6pd_phenotype_rows(definitions, diplotype, phenotype):
    from pgx.pgx_match import phenotype_of

    assert phenotype_of(definitions["G6PD"], diplotype) == (phenotype, None, phenotype)


def test_g6pd_unknown_sex_and_heterozygous_male(definitions):
    # Unknown sex: two alleles, as PharmCAT calls a diploid genotype, with a note; a male cannot be heterozygous
    unknown = match(definitions, "G6PD", {"rs5030868": ("G", "A")})
    assert unknown["diplotypes"] == [f"B (reference)/{MED}"] and unknown["sex"] is None
    assert any("sex unknown" in w for w in unknown["warnings"])
    male = match(definitions, "G6PD", {"rs5030868": ("G", "A")}, sex="male")
    assert male["status"] == "no_match" and male["phenotype"] is None
    assert any("heterozygous at rs5030868 in a male" in w for w in male["warnings"])


# ------------------------------------------------------------------------------------------------------------ NAT2


def nat2_rows():
    with open(NAT2_SHEET) as fh:
        rows = list(csv.reader(fh, delimiter="\t"))[1:]
    return [pytest.param(row, id=f"row_{n:03d}") for n, row in enumerate(rows, start=2)]


@pytest.mark.parametrize("row", nat2_rows())
def test_nat2_pharmcat_sheet(definitions, row):
    # NamedAlleleMatcherNat2Test.nat2Sheet on haplotype/NAT2/tests.tsv (a copy in tests/data/pharmcat_test_vcfs/NAT2)
    missing = [] if row[0] in ("", "none") else [part.split("(")[0].strip() for part in row[0].split("),")]
    keys = ("rs1801279", "rs1801280", "rs1799930", "rs1208", "rs1799931")
    edits = {key: tuple(g.split("/")) for key, g in zip(keys, row[2:7])}
    result = match(definitions, "NAT2", edits, missing=missing)
    output = [] if row[7] == "not called" else [d.strip() for d in row[7].split(" or ")]
    pick = row[8] if len(row) > 8 and row[8] else None
    expected = [pick] if pick else output
    if missing:  # genorisk never reads the left-out positions as reference: not called, PharmCAT's call kept
        assert result["status"] in ("missing_positions", "no_match") and result["diplotypes"] == []
        assert result["pharmcat_top"] == expected
        assert set(output) <= set(result["possible_diplotypes_if_missing"])
    elif not output:
        assert result["status"] == "no_match"
    else:
        assert result["diplotypes"] == expected
        candidates = [c["diplotype"] for c in result["candidates"]]
        if pick:  # the sheet lists every candidate PharmCAT picked from (its order is the sheet's, not the code's)
            assert set(candidates) == set(output)
        else:  # one call: alone, or the pick of a priority list the sheet does not spell out (row 37: *6/*14)
            assert set(output) <= set(candidates)
        assert result["lookup_key"] == {"NAT2": table("NAT2", expected[0])[1]}
        assert any("unphased NAT2" in w for w in result["warnings"]) == (len(candidates) > 1)


def test_nat2_required_position(definitions):
    # NamedAlleleMatcherNat2Test.requiredPosition: rs1801279 absent -> no call
    result = match(definitions, "NAT2", missing=("rs1801279",))
    assert result["diplotypes"] == [] and result["pharmcat_top"] == []
    assert any("missing required position(s) rs1801279" in w for w in result["warnings"])


# ------------------------------------------------------------------------------------------ PharmCAT's example


# Where genorisk's result for the example differs from PharmCAT's report, and why.
EXAMPLE_DIFFERENCES = {
    # PharmCAT's phenotyper prints "n/a" for a gene without a diplotype table; genorisk gives none (null).
    "IFNL3": "phenotype: PharmCAT n/a (IFNL3.json has no diplotypes), genorisk null",
    # PharmCAT ships no CYP4F2 phenotype file; its report gives an empty phenotype list, genorisk null.
    "CYP4F2": "phenotype: PharmCAT [] (no phenotype file), genorisk null",
}


def compare_with_example(results, examples, genes):
    """(genes that agree, {gene: (ours, PharmCAT's phenotype)}) of genorisk's `results` for PharmCAT's example sample
    against PharmCAT v3.1's matcher and phenotyper output in `examples`; diplotypes must equal the matcher's names
    (the reporter relabels CFTR's reference sequence "Reference") and every position must have been called."""
    matcher = {c["gene"]: c for c in json.loads((examples / "pharmcat.example.match.json").read_text())["results"]}
    reports = json.loads((examples / "pharmcat.example.phenotype.json").read_text())["geneReports"]
    agree, differ = [], {}
    for gene in genes:
        ours, recommended = results[gene], reports[gene]["recommendationDiplotypes"][0]
        assert ours["diplotypes"] == [d["name"] for d in matcher[gene]["diplotypes"]], gene
        assert ours["missing"] == [] and ours["status"] == "called", gene
        phenotype = recommended["phenotypes"][0] if recommended["phenotypes"] else None
        lookup = recommended["lookupKey"][0] if recommended["lookupKey"] else None
        if (ours["phenotype"], ours["lookup_key"]) == (phenotype, {gene: lookup}):
            agree.append(gene)
        else:
            differ[gene] = (ours["phenotype"], phenotype)
    return agree, differ


def test_pharmcat_example_gene_by_gene(definitions):
    examples = ORIGINALS / "examples"
    ids, sample_calls = read_panel_calls(examples / "pharmcat.example.vcf", definitions)
    results = call_batch(definitions, sample_calls)[ids[0]]
    agree, differ = compare_with_example(results, examples, PANEL_GENES)
    assert set(differ) == set(EXAMPLE_DIFFERENCES), differ
    assert len(agree) == 17
    # G6PD: the example's sex is unknown; both call it as two alleles, genorisk with a note
    assert any("sex unknown" in w for w in results["G6PD"]["warnings"])
    assert set(NEW_GENES) <= set(PANEL_GENES) and "CYP2D6" not in PANEL_GENES


def test_g6pd_from_a_vcf_with_haploid_male_calls(definitions, tmp_path):
    # A caller writes a male's chrX as haploid GTs: read as his one allele. Sex comes from the sheet, else the
    # inferred sex of results/af/samples.tsv (ToxicGenesTest.testG6pd_MDPSCB_male / _female_het for the calls).
    variants = json.loads((ORIGINALS / "alleles" / "G6PD_translation.json").read_text())["variants"]
    lines = ["##fileformat=VCFv4.2", '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">',
             "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tm1\tf1\tu1"]  # fmt: skip
    for v in variants:
        med = v["rsid"] == "rs5030868"
        gts = ("1", "0/1", "0/1") if med else ("0", "0/0", "0/0")
        alt = v["alts"][0] if med else "."
        lines.append("\t".join([v["chromosome"], str(v["position"]), v["rsid"] or ".", v["ref"], alt, ".", "PASS", ".",
                                "GT", *gts]))  # fmt: skip
    vcf = tmp_path / "g6pd.vcf"
    vcf.write_text("\n".join(lines) + "\n")
    af_samples = tmp_path / "samples.tsv"
    af_samples.write_text("sample_id\tinferred_sex\nm1\tmale\nf1\tmale\nu1\tambiguous\n")
    sexes = sample_sexes(["m1", "f1", "u1"], {"m1": "", "f1": "female", "u1": "unknown"}, af_samples)
    assert sexes == {"m1": "male", "f1": "female", "u1": None}  # the sheet wins; ambiguous is unknown
    g6pd = {"G6PD": definitions["G6PD"]}
    ids, sample_calls = read_panel_calls(vcf, g6pd)
    results = call_batch(g6pd, sample_calls, sexes=sexes)
    assert results["m1"]["G6PD"]["diplotypes"] == [MED] and results["m1"]["G6PD"]["phenotype"] == "Deficient"
    assert results["f1"]["G6PD"]["diplotypes"] == [f"B (reference)/{MED}"]
    assert results["f1"]["G6PD"]["phenotype"] == "Variable"
    assert results["u1"]["G6PD"]["sex"] is None and results["u1"]["G6PD"]["phenotype"] == "Variable"


def test_ryr1_mnp_written_as_its_snvs(definitions, tmp_path):
    # genotype_sites lists an MNP's SNVs one by one; rs193922862 TC>CT (c.13994_13995delTCinsCT) is put back
    # together: both SNVs het = the MNP het (on one chromosome); one alone makes an allele no definition uses, read
    # as reference for RYR1 (PharmCAT's TREAT_UNDOCUMENTED_VARIATIONS_AS_REFERENCE)
    variants = json.loads((ORIGINALS / "alleles" / "RYR1_translation.json").read_text())["variants"]
    lines = ["##fileformat=VCFv4.2", '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">',
             "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tboth\tnone\tone"]  # fmt: skip
    for v in variants:
        if v["rsid"] == "rs193922862":
            assert (v["position"], v["ref"], v["alts"]) == (38572266, "TC", ["CT"])
            lines.append("chr19\t38572266\trs193922862\tT\tC\t.\tPASS\t.\tGT\t0/1\t0/0\t0/1")
            lines.append("chr19\t38572267\trs193922862\tC\tT\t.\tPASS\t.\tGT\t0/1\t0/0\t0/0")
        else:
            lines.append(f"{v['chromosome']}\t{v['position']}\t.\t{v['ref']}\t.\t.\tPASS\t.\tGT\t0/0\t0/0\t0/0")
    vcf = tmp_path / "ryr1.vcf"
    vcf.write_text("\n".join(lines) + "\n")
    ryr1 = {"RYR1": definitions["RYR1"]}
    ids, sample_calls = read_panel_calls(vcf, ryr1)
    results = {s: r["RYR1"] for s, r in call_batch(ryr1, sample_calls).items()}
    assert results["both"]["diplotypes"] == ["Reference/c.13994_13995delTCinsCT"]
    assert results["none"]["diplotypes"] == ["Reference/Reference"]
    assert results["one"]["diplotypes"] == ["Reference/Reference"]
    assert any("undocumented allele CC" in w for w in results["one"]["warnings"])
