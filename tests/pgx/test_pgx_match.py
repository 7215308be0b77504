"""scripts/pgx/pgx_match.py: PharmCAT-style star-allele matching and CPIC phenotypes.

Inputs are built from PharmCAT's own definition files (the ORIGINALS in ../shared/testdata, read here with json, not
with the code under test): every defining position reference unless a case says otherwise. Expected values come from
outside the code:
- CPIC phenotype tables: the definitions' phenotype/{GENE}.json (CPIC via PharmCAT), and published tables:
  CYP2C19 *1/*1 NM, *1/*17 RM, *17/*17 UM, *1/*2 IM, *2/*17 IM, *2/*2 PM: Medical Genetics Summaries "Carisoprodol
  Therapy and CYP2C19 Genotype" Table 2 (NCBI Bookshelf NBK425390, adapted from CPIC, Hicks et al. 2016,
  doi:10.1002/cpt.597), and PMC5771818 Table 2; CYP2C9 activity scores *1/*3 1.0 (IM), *3/*3 0 (PM): CPIC CYP2C9/NSAID
  guideline (Theken et al. 2020, doi:10.1002/cpt.1830); DPYD -/c.1905+1G>A AS 1, c.2846A>T/c.1905+1G>A AS 0.5:
  CPIC DPYD 2017 update (Amstutz et al. 2018, PMID:29152729) as tabulated in PMC8301551 Table 2; TPMT *1/*3A
  intermediate (one functional + one nonfunctional allele), two nonfunctional alleles (*3B/*3C) deficient/poor: CPIC
  TPMT guideline Table 1 (Relling et al. 2011, PMID:21270794, PMC3098761).
- PharmCAT's own tests at the definitions' commit (PharmGKB/PharmCAT @ 5431bf1, src/test/java/org/pharmgkb/pharmcat/
  haplotype/NamedAlleleMatcher{Cyp2c19,Cyp2c9,Slco1b1,Tpmt}Test.java, DpydTest.java): genotype sets and the
  diplotype lists PharmCAT returns for them (all-results mode, best first), transcribed.
"""

import gzip
import json

import pytest

from common.input_error import InputError
from conftest import REPO, TESTDATA
from pgx.pgx_match import Genotype, diplotype_name, load_gene, match_gene, name_key

DEFINITIONS = TESTDATA / "pharmcat_positions_grch38" / "definitions"
HAPB3 = "c.1129-5923C>G, c.1236G>A (HapB3)"


@pytest.fixture(scope="module")
def definitions():
    if not DEFINITIONS.is_dir():
        pytest.skip(f"PharmCAT definitions not found at {DEFINITIONS} (real test data beside the checkout)")
    return {g: load_gene(DEFINITIONS, g) for g in ("CYP2C19", "CYP2C9", "DPYD", "NUDT15", "SLCO1B1", "TPMT", "VKORC1")}


def positions(gene):
    """{rsID or chrom:pos: (POS, REF)} straight from PharmCAT's translation file."""
    variants = json.loads((DEFINITIONS / "alleles" / f"{gene}_translation.json").read_text())["variants"]
    return {v["rsid"] or f"{v['chromosome']}:{v['position']}": (v["position"], v["ref"]) for v in variants}


def calls(gene, edits=None, missing=(), phased=False):
    """Every position hom-ref, then `edits` {rsID: (a1, a2[, phased[, PS]])}; `missing` rsIDs left out."""
    result = {pos: (ref, ref, phased) for rsid, (pos, ref) in positions(gene).items() if rsid not in missing}
    for rsid, genotype in (edits or {}).items():
        result[positions(gene)[rsid][0]] = genotype if len(genotype) > 2 else (*genotype, phased)
    return result


def match(definitions, gene, edits=None, missing=(), phased=False):
    return match_gene(definitions[gene], calls(gene, edits, missing, phased))


def test_shipped_panel_is_an_unmodified_copy_of_pharmcats_files():
    everything = TESTDATA / "pharmcat_definitions_grch38_all"
    if not everything.is_dir():
        pytest.skip(f"PharmCAT definitions not found at {everything}")
    shipped = REPO / "config" / "panels" / "pgx"
    names = sorted(p.relative_to(shipped).as_posix() for p in shipped.rglob("*.json.gz") if "guidance" not in p.parts)
    # 19 translations + exemptions + 18 phenotype files (none for CYP4F2), stored with gzip -n
    assert len(names) == 38
    for name in names:
        original = everything / name.removesuffix(".gz")
        if name in ("phenotype/G6PD.json.gz", "phenotype/RYR1.json.gz"):  # only their heads (SOURCE.md)
            gene = name.removeprefix("phenotype/").removesuffix(".json.gz")
            original = everything / "phenotype_heads" / f"{gene}.head.json"
        assert gzip.decompress((shipped / name).read_bytes()) == original.read_bytes(), name
    for gene in ("CYP2C19", "CYP2C9", "DPYD", "NUDT15", "SLCO1B1", "TPMT", "VKORC1"):  # the same files as before
        for kind in (f"alleles/{gene}_translation.json", f"phenotype/{gene}.json"):
            assert (DEFINITIONS / kind).read_bytes() == (everything / kind).read_bytes()
    licence = everything / "LICENSE.PharmCAT.txt"
    assert (shipped / "LICENSE.PharmCAT.txt").read_bytes().endswith(licence.read_bytes())  # after our one-line note


# CYP2C19. GRCh38 carries *38; *1 is defined by rs3758581 G, so every *1-containing genotype has rs3758581 G/G, and *2
# is rs12769205 G + rs4244285 A + rs3758581 G (PharmCAT test s1s2 builds *1/*2 exactly so).
S1S1 = {"rs3758581": ("G", "G")}
S1S2 = {"rs12769205": ("A", "G"), "rs4244285": ("G", "A"), "rs3758581": ("G", "G")}


@pytest.mark.parametrize(
    ("edits", "diplotype", "phenotype"),
    [
        ({}, "*38/*38", "Normal Metabolizer"),
        (S1S1, "*1/*1", "Normal Metabolizer"),
        (S1S2, "*1/*2", "Intermediate Metabolizer"),
        ({"rs12769205": ("G", "G"), "rs4244285": ("A", "A"), "rs3758581": ("G", "G")}, "*2/*2", "Poor Metabolizer"),
        ({"rs12248560": ("C", "T"), "rs3758581": ("G", "G")}, "*1/*17", "Rapid Metabolizer"),
        ({"rs12248560": ("T", "T"), "rs3758581": ("G", "G")}, "*17/*17", "Ultrarapid Metabolizer"),
        ({**S1S2, "rs12248560": ("C", "T")}, "*2/*17", "Intermediate Metabolizer"),
        # PharmCAT rs12769205call; *35 is "No function" in CYP2C19.json
        ({"rs12769205": ("A", "G"), "rs3758581": ("G", "G")}, "*1/*35", "Intermediate Metabolizer"),
        ({"rs12248560": ("T", "T"), "rs28399504": ("A", "G"), **S1S1}, "*4/*17", "Intermediate Metabolizer"),
    ],
)
def test_cyp2c19_diplotypes_and_cpic_phenotypes(definitions, edits, diplotype, phenotype):
    result = match(definitions, "CYP2C19", edits)
    assert result["status"] == "called"
    assert result["diplotypes"] == [diplotype]
    assert result["phenotype"] == phenotype
    assert result["activity_score"] is None  # CPIC gives CYP2C19 no activity score
    assert result["missing"] == [] and result["possible_diplotypes_if_missing"] == []


def test_cyp2c19_rs4244285_alone_is_no_named_allele(definitions):
    # With the current definitions *2 needs rs12769205 G and rs3758581 G too: rs4244285 A alone matches nothing
    # (PharmCAT test s2s35: rs12769205 A/G + rs4244285 A/A is "no call").
    assert match(definitions, "CYP2C19", {"rs4244285": ("G", "A")})["status"] == "no_match"
    result = match(definitions, "CYP2C19", {"rs12769205": ("A", "G"), "rs4244285": ("A", "A")})
    assert result["status"] == "no_match" and result["diplotypes"] == [] and result["phenotype"] is None


def test_scores_rank_the_candidates_like_pharmcat(definitions):
    # PharmCAT test s1s4: "top candidate is *1/*4 (over *4/*17)". *1 defines all 35 positions, *4 three (its Y at
    # rs12248560 counts, the sample's T not being REF): 35 + 3 = 38; *4/*17 = 3 + 2 = 5, less *4's Y matched by
    # the REF C on that chromosome (PharmCAT scoreForSample) = 4.
    result = match(definitions, "CYP2C19", {"rs12248560": ("C", "T"), "rs28399504": ("A", "G"), **S1S1})
    assert result["diplotypes"] == ["*1/*4", "*4/*17"]
    assert [c["score"] for c in result["candidates"]] == [38, 4]
    assert result["pharmcat_top"] == ["*1/*4"]
    assert result["status"] == "ambiguous"
    assert result["phenotype"] == "Intermediate Metabolizer"  # both are IM in the CPIC table: not ambiguous


def test_iupac_code_matches_either_base(definitions):
    # *2 carries R (A or G) at rs58973490. PharmCAT test s1s2rs58973490het: called *1/*2 (its top candidate); *11
    # (rs58973490 A) with *2 on the other chromosome also fits: IUPAC R accepts that chromosome's G.
    result = match(definitions, "CYP2C19", {**S1S2, "rs58973490": ("G", "A")})
    assert result["diplotypes"] == ["*1/*2", "*2/*11"]
    assert result["pharmcat_top"] == ["*1/*2"]
    assert result["phenotype"] == "Intermediate Metabolizer"


@pytest.mark.parametrize(
    ("edits", "diplotype", "activity", "phenotype"),
    [
        ({}, "*1/*1", 2.0, "Normal Metabolizer"),
        ({"rs1057910": ("A", "C")}, "*1/*3", 1.0, "Intermediate Metabolizer"),
        ({"rs1057910": ("C", "C")}, "*3/*3", 0.0, "Poor Metabolizer"),
        ({"rs1799853": ("C", "T"), "rs1057910": ("A", "C")}, "*2/*3", 0.5, "Poor Metabolizer"),  # PharmCAT s2_s3
        # PharmCAT s2_s25 (the *25 deletion as PharmCAT writes it); CYP2C9.json: *25 activity 0.0, *2/*25 AS 0.5
        ({"rs1799853": ("C", "T"), "rs1304490498": ("CAATGGAAAGA", "C")}, "*2/*25", 0.5, "Poor Metabolizer"),
    ],
)
def test_cyp2c9_activity_scores(definitions, edits, diplotype, activity, phenotype):
    result = match(definitions, "CYP2C9", edits)
    assert result["diplotypes"] == [diplotype]
    assert result["activity_score"] == activity
    assert result["phenotype"] == phenotype


def test_cyp2c9_undocumented_allele_is_not_called(definitions):
    # rs1057910 A>C defines *3; a G there is in no definition, and CYP2C9 is not a treat-as-reference gene.
    result = match(definitions, "CYP2C9", {"rs1057910": ("A", "G")})
    assert result["status"] == "no_match"
    assert "undocumented allele G" in result["warnings"][0]


# TPMT *3A = rs1800460 T (*3B) + rs1142345 C (*3C) on one chromosome.
@pytest.mark.parametrize(
    ("genotypes", "diplotypes", "phenotype", "top"),
    [
        ((("C", "T", True), ("T", "C", True)), ["*1/*3A"], "Intermediate Metabolizer", ["*1/*3A"]),
        ((("C", "T", True), ("C", "T", True)), ["*3B/*3C"], "Poor Metabolizer", ["*3B/*3C"]),
        ((("C", "T", False), ("T", "C", False)), ["*1/*3A", "*3B/*3C"], None, ["*1/*3A"]),  # PharmCAT tpmts3bs3c
        ((("C", "T", True, 1), ("T", "C", True, 2)), ["*1/*3A", "*3B/*3C"], None, ["*1/*3A"]),  # two phase sets
        ((("C", "T", True, 7), ("C", "T", True, 7)), ["*3B/*3C"], "Poor Metabolizer", ["*3B/*3C"]),
    ],
    ids=["cis", "trans", "unphased", "different-PS", "same-PS-trans"],
)
def test_tpmt_3a_needs_both_variants_on_one_chromosome(definitions, genotypes, diplotypes, phenotype, top):
    result = match(definitions, "TPMT", {"rs1800460": genotypes[0], "rs1142345": genotypes[1]})
    assert result["diplotypes"] == diplotypes
    assert result["phenotype"] == phenotype
    assert result["pharmcat_top"] == top
    if len(diplotypes) == 2:
        assert result["status"] == "ambiguous"
        assert [c["phenotype"] for c in result["candidates"]] == ["Intermediate Metabolizer", "Poor Metabolizer"]


def test_tpmt_multiallelic_position_and_undocumented_allele(definitions):
    # PharmCAT tpmts16s22: rs144041067 C>G,T, T (*16) on one chromosome and G (*22) on the other.
    assert match(definitions, "TPMT", {"rs144041067": ("T", "G")})["diplotypes"] == ["*16/*22"]
    # TPMT treats undocumented alleles as reference (PharmCAT NamedAlleleMatcher-101 "Undocumented Variations").
    result = match(definitions, "TPMT", {"rs1142345": ("T", "A")})
    assert result["diplotypes"] == ["*1/*1"]
    assert result["warnings"] == ["rs1142345: undocumented allele A read as reference T"]
    call = next(c for c in result["calls"] if c["rsid"] == "rs1142345")
    assert (call["genotype"], call["status"]) == ("T/A", "variant")  # reported as the VCF has it


@pytest.mark.parametrize(
    ("edits", "phased", "diplotype", "activity", "phenotype"),
    [
        ({}, False, "Reference/Reference", 2.0, "Normal Metabolizer"),
        ({"rs3918290": ("C", "T")}, False, "Reference/c.1905+1G>A (*2A)", 1.0, "Intermediate Metabolizer"),
        ({"rs67376798": ("T", "A")}, True, "Reference/c.2846A>T", 1.5, "Intermediate Metabolizer"),
        ({"rs67376798": ("A", "A")}, True, "c.2846A>T/c.2846A>T", 1.0, "Intermediate Metabolizer"),
        # lowest function, unphased: two different variants are presumed in trans
        (
            {"rs3918290": ("C", "T"), "rs67376798": ("T", "A")},
            False,
            "c.1905+1G>A (*2A)/c.2846A>T",
            0.5,
            "Poor Metabolizer",
        ),
        # PharmCAT testDpydUnphasedMultiple1: activities 0, 0.5, 0.5, 1 -> the two lowest (ties by name)
        (
            {
                "rs183385770": ("C", "T"),
                "rs186169810": ("A", "C"),
                "rs112766203": ("G", "A"),
                "rs144395748": ("G", "C"),
            },
            False,
            "c.1024G>A/c.1314T>G",
            0.5,
            "Poor Metabolizer",
        ),
        # PharmCAT testDpydPhasedMultiTrans: lowest per chromosome, [c.2846A>T + c.2933A>G]/[c.498G>A + c.2582A>G]
        (
            {"rs67376798": ("A", "T"), "rs72547601": ("C", "T"), "rs60139309": ("T", "C"), "rs139834141": ("C", "T")},
            True,
            "c.498G>A/c.2933A>G",
            1.0,
            "Intermediate Metabolizer",
        ),
        # PharmCAT hapB3AndIntronicC: intronic ALT on both chromosomes, exonic on one
        (
            {"rs56038477": ("C", "T"), "rs75017182": ("C", "C")},
            True,
            f"c.1129-5923C>G/{HAPB3}",
            1.0,
            "Intermediate Metabolizer",
        ),
        # PharmCAT testDpydUndocumentedVariation: rs3918290 C>G is read as reference
        ({"rs3918290": ("C", "G")}, False, "Reference/Reference", 2.0, "Normal Metabolizer"),
    ],
)
def test_dpyd_lowest_function(definitions, edits, phased, diplotype, activity, phenotype):
    result = match(definitions, "DPYD", edits, phased=phased)
    assert result["diplotypes"] == [diplotype]
    assert result["activity_score"] == activity
    assert result["phenotype"] == phenotype


def test_dpyd_phase_sets_keep_variants_that_travel_together(definitions):
    # PharmCAT phaseSet_lowFunctionsOnSameStrand: *5 in one phase set; HapB3 and c.61C>T together in another.
    # The lowest-function choice is per chromosome: c.61C>T/Reference (AS 1.0), not c.61C>T + HapB3 in trans (0.5).
    edits = {
        "rs1801159": ("C", "T", True, 97513581),
        "rs56038477": ("C", "T", True, 97571276),
        "rs75017182": ("G", "C", True, 97571276),
        "rs72549310": ("G", "A", True, 97571276),
    }
    result = match(definitions, "DPYD", edits)
    assert result["diplotypes"] == ["Reference/c.61C>T"]
    assert result["activity_score"] == 1.0


def test_dpyd_exonic_hapb3_tag_alone_is_reference(definitions):
    # PharmCAT Gene-Definition-Exceptions: HapB3 is called from the intronic rs75017182 when the two disagree.
    result = match(definitions, "DPYD", {"rs56038477": ("C", "T")})
    assert result["diplotypes"] == ["Reference/Reference"]
    assert "rs56038477 ALT without the intronic rs75017182 ALT" in result["warnings"][0]


def test_vkorc1_label_is_the_phenotype(definitions):
    result = match(definitions, "VKORC1", {"rs9923231": ("C", "T")})
    assert result["diplotypes"] == ["rs9923231 reference (C)/rs9923231 variant (T)"]
    assert result["phenotype"] == "-1639 AG"  # VKORC1.json generesult; -1639G>A is rs9923231 on the minus strand
    assert result["activity_score"] is None


def test_nudt15_indels_and_slco1b1_suballeles(definitions):
    assert match(definitions, "NUDT15", {"rs116855232": ("C", "T")})["diplotypes"] == ["*1/*3"]
    # *2 = the GAGTCG repeat insertion + rs116855232 T; unphased it could also be *3 (T) with *6 (insertion).
    result = match(definitions, "NUDT15", {"rs746071566": ("AGGAGTC", "AGGAGTCGGAGTC"), "rs116855232": ("C", "T")})
    assert result["diplotypes"] == ["*1/*2", "*3/*6"]
    # SLCO1B1 *45.001 (rs71581941 T) is reported as *45 (suballelesMap).
    assert match(definitions, "SLCO1B1", {"rs71581941": ("C", "T")})["diplotypes"] == ["*1/*45"]
    # PharmCAT slco1b1s1s15: "*1/*15", "*5/*37" (unphased, ranked)
    result = match(definitions, "SLCO1B1", {"rs2306283": ("A", "G"), "rs4149056": ("T", "C")})
    assert result["diplotypes"] == ["*1/*15", "*5/*37"]


def test_missing_position_is_never_reference(definitions):
    # A *1/*2 carrier whose rs4244285 (the *2 SNV) is absent: not called, and *2 stays possible. *35 (rs12769205 G,
    # no rs4244285 A) explains the rest too.
    edits = {"rs12769205": ("A", "G"), "rs3758581": ("G", "G")}
    result = match(definitions, "CYP2C19", edits, missing=("rs4244285",))
    assert result["status"] == "missing_positions"
    assert result["diplotypes"] == [] and result["phenotype"] is None and result["activity_score"] is None
    assert result["missing"] == ["rs4244285"]
    assert result["possible_diplotypes_if_missing"] == ["*1/*2", "*1/*35"]
    call = next(c for c in result["calls"] if c["rsid"] == "rs4244285")
    assert call == {"rsid": "rs4244285", "chrom": "chr10", "pos": 94781859, "genotype": "./.", "status": "no_call"}


def test_not_covered_position_is_missing_data_even_with_a_genotype(definitions):
    # The genotypes of test_missing_position_is_never_reference, but rs4244285 is given (G/G: reference) and not
    # covered by the reference/target: the call is ignored, so the result is the same as for the missing position,
    # with the position listed as not_covered instead of missing.
    edits = {"rs12769205": ("A", "G"), "rs3758581": ("G", "G")}
    pos = positions("CYP2C19")["rs4244285"][0]
    result = match_gene(definitions["CYP2C19"], calls("CYP2C19", edits), not_covered=frozenset({pos}))
    assert result["status"] == "missing_positions"
    assert result["diplotypes"] == [] and result["phenotype"] is None and result["activity_score"] is None
    assert (result["missing"], result["not_covered"]) == ([], ["rs4244285"])
    assert result["possible_diplotypes_if_missing"] == ["*1/*2", "*1/*35"]
    call = next(c for c in result["calls"] if c["rsid"] == "rs4244285")
    assert call == {"rsid": "rs4244285", "chrom": "chr10", "pos": 94781859, "genotype": "./.", "status": "not_covered"}
    assert sum(c["status"] == "not_covered" for c in result["calls"]) == 1


def test_gene_with_no_covered_position_has_no_data(definitions):
    # VKORC1 has one defining position (rs9923231); not covered, its reference genotype is not read.
    pos = positions("VKORC1")["rs9923231"][0]
    result = match_gene(definitions["VKORC1"], calls("VKORC1"), not_covered=frozenset({pos}))
    assert (result["status"], result["phenotype"], result["not_covered"]) == ("no_data", None, ["rs9923231"])
    assert [c["status"] for c in result["calls"]] == ["not_covered"]


def test_all_reference_but_missing_is_not_reported_as_reference(definitions):
    result = match(definitions, "CYP2C19", {"rs3758581": ("G", "G")}, missing=("rs12248560",))
    assert result["diplotypes"] == []
    # PharmCAT test s1s1rs12248560missing returns exactly these, in this order (its all-results mode)
    assert result["possible_diplotypes_if_missing"] == ["*1/*1", "*1/*17", "*17/*17"]
    assert result["pharmcat_top"] == ["*1/*1"]  # what PharmCAT's default mode would report


@pytest.mark.parametrize(
    ("gene", "edits", "missing", "pharmcat"),
    [
        ("CYP2C19", {"rs4244285": ("G", "A"), "rs3758581": ("G", "G")}, ("rs12769205",), ["*1/*2", "*2/*35"]),
        (
            "CYP2C19",
            {"rs17882687": ("C", "C"), "rs113934938": ("G", "A")},
            ("rs3758581", "rs17885179"),
            ["*15/*28", "*28/*39"],
        ),
        (
            "SLCO1B1",
            {"rs2306283": ("A", "G"), "rs4149056": ("T", "C")},
            ("rs200995543", "rs140790673"),
            ["*1/*15", "*5/*29", "*5/*37"],
        ),
    ],
)
def test_possible_diplotypes_include_pharmcats_partial_data_calls(definitions, gene, edits, missing, pharmcat):
    # PharmCAT drops alleles defined only at missing positions; genorisk keeps them possible (SLCO1B1 *34 is
    # rs200995543 alone), so PharmCAT's list is the subsequence of ours made of alleles it keeps.
    result = match(definitions, gene, edits, missing=missing)
    assert result["diplotypes"] == []
    assert [d for d in result["possible_diplotypes_if_missing"] if d in pharmcat] == pharmcat
    if gene == "SLCO1B1":
        assert "*15/*34" in result["possible_diplotypes_if_missing"]


def test_half_call_limits_the_possibilities(definitions):
    edits = {"rs12769205": ("A", "G"), "rs3758581": ("G", "G"), "rs4244285": ("A", None)}
    result = match(definitions, "CYP2C19", edits)
    assert result["diplotypes"] == [] and result["missing"] == ["rs4244285"]
    assert result["possible_diplotypes_if_missing"] == ["*1/*2"]  # the known A must be *2's
    assert next(c for c in result["calls"] if c["rsid"] == "rs4244285")["genotype"] == "A/."
    assert result["pharmcat_top"] == []  # PharmCAT cannot call a gene with a half call either


def test_no_data_and_bad_keys(definitions):
    assert match_gene(definitions["TPMT"], {})["status"] == "no_data"
    with pytest.raises(ValueError, match="rs4244285"):
        match_gene(definitions["TPMT"], {"rs4244285": Genotype("G", "A")})


def test_names_sort_like_pharmcat():
    names = ["*10", "*3B", "Reference", "*1", "*3A", "c.1905+1G>A (*2A)", "c.1627A>G (*5)"]
    assert sorted(names, key=name_key) == [
        "Reference",
        "*1",
        "*3A",
        "*3B",
        "*10",
        "c.1627A>G (*5)",
        "c.1905+1G>A (*2A)",
    ]
    assert diplotype_name("*17", "*2") == "*2/*17"


def test_bad_panel_files_are_named(tmp_path):
    with pytest.raises(InputError, match=r"CYP2C19_translation\.json: PGx definition file not found"):
        load_gene(tmp_path, "CYP2C19")
    (tmp_path / "alleles").mkdir()
    (tmp_path / "alleles" / "TPMT_translation.json").write_text('{"gene": "DPYD"}')
    with pytest.raises(InputError, match="file is for gene 'DPYD', expected TPMT"):
        load_gene(tmp_path, "TPMT")
