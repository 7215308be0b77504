"""The shipped panels on the demo batch: the whole workflow once, then each sample's report JSON against the star
alleles, CPIC phenotypes and carrier findings the planted variants must give.

Expected values are written by hand from the shipped definitions (config/panels/pgx, PharmCAT's data):
- CYP2C19 (alleles/CYP2C19_translation.json): the reference allele is *38; *1 = rs3758581 G; *2 = rs3758581 G +
  rs12769205 G + rs4244285 A (+ rs58973490 R, which the reference G satisfies); *17 = rs3758581 G + rs12248560 T.
  Phenotypes (phenotype/CYP2C19.json): *1/*1 Normal, *1/*2 Intermediate, *2/*2 Poor, *1/*17 Rapid, *17/*17
  Ultrarapid, *2/*17 Intermediate Metabolizer.
- CYP2C9: *2 = rs1799853 T, *3 = rs1057910 C; *1/*1 Normal (activity 2.0), *1/*2 Intermediate (1.5), *1/*3
  Intermediate (1.0).
- VKORC1 rs9923231 C>T: the phenotype file's labels -1639 GG / AG / AA (the gene is read on the minus strand).
- SLCO1B1: *5 = rs4149056 C alone (*15 needs rs2306283 G too); *1/*5 Decreased, *5/*5 Poor Function.
- DPYD: "c.1905+1G>A (*2A)" = rs3918290 T; Reference/c.1905+1G>A (*2A) Intermediate Metabolizer, activity 1.0.
- TPMT: *3C = rs1142345 C alone (*3A needs rs1800460 T too); *1/*3C Intermediate Metabolizer.
- CYP3A5 (alleles/CYP3A5_translation.json): *3 = rs776746 C alone; phenotype/CYP3A5.json: *1/*1 Normal, *1/*3
  Intermediate Metabolizer (a CYP3A5 expresser).
- UGT1A1: *28 = rs3064744 CATAT (REF CAT: the TA repeat one longer); *1/*1 Normal, *28/*28 Poor Metabolizer.
- G6PD (X-linked): Mediterranean, Dallas, Panama, Sassari, Cagliari, Birmingham = rs5030868 A, function II/Deficient
  (phenotype/G6PD.json); demo04 is male in config/samples.tsv: one allele, Deficient (CPIC G6PD table, PMID:36049896).
  Reference: a male "B (reference)", a female "B (reference)/B (reference)", both Normal; demo06's sheet sex is
  unknown: two alleles, as PharmCAT calls a diploid genotype, with a note.
- The other new genes are reference in every sample (their phenotype files' first rows): ABCG2 Normal Function,
  CACNA1S and RYR1 Reference/Reference Uncertain Susceptibility, CFTR's reference sequence ivacaftor non-responsive
  in CF patients, CYP2B6/CYP3A4 *1/*1 Normal Metabolizer, NAT2 *1/*1 Rapid Metabolizer; CYP4F2 *1/*1 and IFNL3
  reference without a phenotype (PharmCAT ships none).
- NUDT15 *1/*1 Normal Metabolizer; in demo03 the window around rs116855232 (NUDT15 *3) has no reads: no diplotype,
  rs116855232 listed as missing and its call no_call (never reference).
- Carrier panel (config/panels/carrier/carrier_panel.tsv): F5 rs6025, HBB rs334, APOE rs429358 (e4) and rs7412 (e2).
  APOE: rs429358 C = e4, rs7412 T = e2, neither = e3.
- Ancestry (the shipped peddy panel, config/panels/ancestry): the simulator draws demo01-02 from the panel's EUR,
  demo03-04 from its AFR and demo05-06 from its EAS allele frequencies at 300 of its PCA sites (issue 17), so each
  is assigned that superpopulation, typed at >= structure.min_sites (250) of them.
- Consent (config/samples.tsv, by hand; config defaults apoe no, secondary no, prs yes): APOE for demo02 only, risk
  factors for demo01 and demo02, polygenic scores for all but demo05.
- ClinVar (config/panels/clinvar/SOURCE.md: the two real records the demo plants, with their citations): BRCA1
  c.5089T>C at GRCh38 17:43063937 A>G, Variation ID 55392, Pathogenic, expert panel (3 stars), a dominant gene:
  heterozygous = at risk; MUTYH c.536A>G at 1:45332803 T>C, Variation ID 5293, Pathogenic/Likely pathogenic, multiple
  submitters (2 stars), a recessive gene: heterozygous = carrier. ClinVar findings are secondary findings: reported for
  demo01 and demo02 only (consent_secondary); demo05 carries the BRCA1 variant too, and refuses.
Size: one workflow run serves every assertion; most lines are the expected values, each with its source.
"""

import csv
import gzip
import json
import re
import subprocess

import numpy as np
import pytest

from demo.demo_ancestry import SAMPLE_POPULATIONS
from workflow_runner import delivered_texts

pytestmark = pytest.mark.workflow
SAMPLES = ["demo01", "demo02", "demo03", "demo04", "demo05", "demo06"]
VK_REF, VK_VAR = "rs9923231 reference (C)", "rs9923231 variant (T)"
DPYD_2A = "c.1905+1G>A (*2A)"
CFTR_REF = "ivacaftor non-responsive CFTR sequence"
MED = "Mediterranean, Dallas, Panama, Sassari, Cagliari, Birmingham"
G6PD_FEMALE = ("B (reference)/B (reference)", "Normal", None)
NORMAL = {
    "ABCG2": ("rs2231142 reference (G)/rs2231142 reference (G)", "Normal Function", None),
    "CACNA1S": ("Reference/Reference", "Uncertain Susceptibility", None),
    "CFTR": (f"{CFTR_REF}/{CFTR_REF}", "ivacaftor non-responsive in CF patients", None),
    "CYP2B6": ("*1/*1", "Normal Metabolizer", None),
    "CYP3A4": ("*1/*1", "Normal Metabolizer", None),
    "CYP3A5": ("*1/*1", "Normal Metabolizer", None),
    "CYP4F2": ("*1/*1", None, None),
    "G6PD": G6PD_FEMALE,
    "IFNL3": ("rs12979860 reference (C)/rs12979860 reference (C)", None, None),
    "NAT2": ("*1/*1", "Rapid Metabolizer", None),
    "RYR1": ("Reference/Reference", "Uncertain Susceptibility", None),
    "UGT1A1": ("*1/*1", "Normal Metabolizer", None),
    "CYP2C19": ("*1/*1", "Normal Metabolizer", None),
    "CYP2C9": ("*1/*1", "Normal Metabolizer", 2.0),
    "VKORC1": (f"{VK_REF}/{VK_REF}", "-1639 GG", None),
    "SLCO1B1": ("*1/*1", "Normal Function", None),
    "DPYD": ("Reference/Reference", "Normal Metabolizer", 2.0),
    "TPMT": ("*1/*1", "Normal Metabolizer", None),
    "NUDT15": ("*1/*1", "Normal Metabolizer", None),
}
# (diplotype, phenotype, activity score) per sample and gene, where they differ from NORMAL; None: not callable.
EXPECTED_PGX = {
    "demo01": {
        "CYP2C19": ("*1/*2", "Intermediate Metabolizer", None),
        "CYP2C9": ("*1/*3", "Intermediate Metabolizer", 1.0),
        "CYP3A5": ("*1/*3", "Intermediate Metabolizer", None),
    },
    "demo02": {
        "CYP2C19": ("*2/*2", "Poor Metabolizer", None),
        "CYP2C9": ("*1/*2", "Intermediate Metabolizer", 1.5),
        "VKORC1": (f"{VK_REF}/{VK_VAR}", "-1639 AG", None),
        "G6PD": ("B (reference)", "Normal", None),
    },
    "demo03": {
        "CYP2C19": ("*1/*17", "Rapid Metabolizer", None),
        "SLCO1B1": ("*1/*5", "Decreased Function", None),
        "NUDT15": None,
        "UGT1A1": ("*28/*28", "Poor Metabolizer", None),
    },
    "demo04": {
        "CYP2C19": ("*17/*17", "Ultrarapid Metabolizer", None),
        "VKORC1": (f"{VK_VAR}/{VK_VAR}", "-1639 AA", None),
        "G6PD": (MED, "Deficient", None),
    },
    "demo05": {"DPYD": (f"Reference/{DPYD_2A}", "Intermediate Metabolizer", 1.0)},
    "demo06": {
        "G6PD": G6PD_FEMALE,  # sex unknown: two alleles (a note says so)
        "CYP2C19": ("*2/*17", "Intermediate Metabolizer", None),
        "SLCO1B1": ("*5/*5", "Poor Function", None),
        "TPMT": ("*1/*3C", "Intermediate Metabolizer", None),
    },
}
# Carrier panel rows found per sample (rsID -> genotype in panel allele numbers); every other row is not_found.
EXPECTED_FOUND = {
    "demo01": {"rs6025": "0/1"},
    "demo02": {"rs429358": "0/1"},
    "demo03": {"rs7412": "0/1"},
    "demo04": {"rs334": "0/1"},
    "demo05": {},
    "demo06": {},
}
EXPECTED_APOE = {"demo01": "e3/e3", "demo02": "e3/e4", "demo03": "e2/e3", "demo04": "e3/e3", "demo05": "e3/e3",
                 "demo06": "e3/e3"}  # fmt: skip
UNCOVERED = ("demo03", "NUDT15", "rs116855232", "chr13", 48045719)
APOE_CONSENT, SECONDARY_CONSENT, PRS_REFUSED = {"demo02"}, {"demo01", "demo02"}, {"demo05"}
KIND_OF = {"rs6025": "risk_factor", "rs1799963": "risk_factor", "rs429358": "apoe", "rs7412": "apoe"}
# What a refused section would print (rsIDs, positions as the page and the VCF write them, genotype words).
TRACES = {
    "apoe": ["rs429358", "rs7412", "44,908,684", "44,908,822", "44908684", "44908822", "Alzheimer", "e2/e3", "e3/e3"],
    "risk_factors": ["rs6025", "rs1799963", "169,549,811", "169549811", "46,739,505", "Leiden", "thrombosis"],
    "prs": ["genorisk_demo_score", "demo_score.txt", "percentile"],
    "clinvar": [
        "55392",
        "43063937",
        "43,063,937",
        "BRCA1",
        "clinvar/variation",
        "demo_clinvar_GRCh38.vcf",
        "dominant condition",
        "Variation ID",
        "review star",
        "Coverage per gene",
    ],
}
# (gene, chrom, pos, ref, alt, Variation ID, clnsig, review stars, zygosity, inheritance, interpretation), SOURCE.md
CLINVAR_BRCA1 = ("BRCA1", "17", 43063937, "A", "G", "55392", "Pathogenic", 3, "heterozygous", "AD", "at_risk")
CLINVAR_MUTYH = (
    "MUTYH",
    "1",
    45332803,
    "T",
    "C",
    "5293",
    "Pathogenic/Likely_pathogenic",
    2,
    "heterozygous",
    "AR",
    "carrier",
)
EXPECTED_CLINVAR = {"demo01": [CLINVAR_BRCA1], "demo02": [CLINVAR_MUTYH]}


@pytest.fixture(scope="module")
def demo_run(shared_demo):
    return shared_demo[0]


@pytest.fixture(scope="module")
def reports(demo_run):
    return {s: json.loads((demo_run / f"results/report/{s}.json").read_text()) for s in SAMPLES}


@pytest.mark.parametrize("sample", SAMPLES)
def test_pgx_diplotypes_and_phenotypes(reports, sample):
    pgx = reports[sample]["pgx"]
    assert set(pgx) == set(NORMAL)
    for gene, normal in NORMAL.items():
        expected = EXPECTED_PGX[sample].get(gene, normal)
        if expected is None:
            continue
        diplotype, phenotype, activity = expected
        got = pgx[gene]
        assert (got["diplotypes"], got["phenotype"], got["activity_score"]) == ([diplotype], phenotype, activity), gene
        assert got["missing"] == [] and all(c["status"] in ("ref", "variant") for c in got["calls"]), gene


def test_variant_calls_behind_the_diplotypes(reports):
    calls = {c["rsid"]: c for c in reports["demo02"]["pgx"]["CYP2C19"]["calls"]}
    assert (calls["rs4244285"]["status"], calls["rs4244285"]["genotype"]) == ("variant", "A/A")
    assert (calls["rs12248560"]["status"], calls["rs12248560"]["genotype"]) == ("ref", "C/C")
    assert (calls["rs3758581"]["chrom"], calls["rs3758581"]["pos"]) == ("chr10", 94842866)
    vkorc1 = reports["demo04"]["pgx"]["VKORC1"]["calls"]
    assert [(c["rsid"], c["pos"], c["genotype"], c["status"]) for c in vkorc1] == [
        ("rs9923231", 31096368, "T/T", "variant")
    ]


def test_new_genes_lookup_keys_and_sex(demo_run):
    # results/pgx/pgx_calls.json: what the prescribing-guidance lookup reads, {GENE: lookup key} of each call (the
    # phenotype files' lookupkey), and the sex used for G6PD
    calls = json.loads((demo_run / "results/pgx/pgx_calls.json").read_text())
    assert calls["demo01"]["CYP3A5"]["lookup_key"] == {"CYP3A5": "Intermediate Metabolizer"}
    assert calls["demo01"]["CYP2C9"]["lookup_key"] == {"CYP2C9": "1.0"}
    ugt1a1 = calls["demo03"]["UGT1A1"]
    assert ugt1a1["lookup_key"] == {"UGT1A1": "Poor Metabolizer"}
    repeat = next(c for c in ugt1a1["calls"] if c["rsid"] == "rs3064744")
    assert (repeat["pos"], repeat["genotype"], repeat["status"]) == (233760233, "CATAT/CATAT", "variant")
    g6pd = calls["demo04"]["G6PD"]
    assert (g6pd["sex"], g6pd["lookup_key"]) == ("male", {"G6PD": "Deficient"})
    assert calls["demo01"]["G6PD"]["sex"] == "female"
    assert calls["demo06"]["G6PD"]["sex"] is None  # sheet: unknown; the demo's chrX is too short to infer it
    assert any("sex unknown" in w for w in calls["demo06"]["G6PD"]["warnings"])
    assert calls["demo02"]["RYR1"]["variant_alleles"] == [] and calls["demo02"]["CYP4F2"]["lookup_key"] is None


def test_the_uncovered_position_is_a_no_call_never_reference(reports):
    sample, gene, rsid, chrom, pos = UNCOVERED
    result = reports[sample]["pgx"][gene]
    assert result["diplotypes"] == [] and result["phenotype"] is None
    assert rsid in result["missing"]
    call = next(c for c in result["calls"] if c["rsid"] == rsid)
    assert (call["chrom"], call["pos"], call["status"], call["genotype"]) == (chrom, pos, "no_call", "./.")
    # the missing genotypes could make *1/*1 or *1/*3 (NUDT15 *3 = rs116855232 T): both stay possible
    assert {"*1/*1", "*1/*3"} <= set(result["possible_diplotypes_if_missing"])
    no_calls = [c for c in reports[sample]["panel_qc"]["no_calls"] if c["rsid"] == rsid]
    assert len(no_calls) == 1 and no_calls[0]["depth"] == 0
    for other in SAMPLES:  # every other sample is covered there and reference
        if other != sample:
            call = next(c for c in reports[other]["pgx"][gene]["calls"] if c["rsid"] == rsid)
            assert (call["status"], call["genotype"]) == ("ref", "C/C"), other


def consented(sample, kind):
    return kind == "carrier" or sample in {"apoe": APOE_CONSENT, "risk_factor": SECONDARY_CONSENT}[kind]


@pytest.mark.parametrize("sample", SAMPLES)
def test_carrier_findings(reports, sample):
    report = reports[sample]
    findings = report["carrier"] + report["risk_factors"] + (report["apoe"]["sites"] if report["apoe"] else [])
    kinds = {"carrier": 11, "risk_factor": 2, "apoe": 2}  # the panel's rows per kind
    assert len(findings) == sum(n for kind, n in kinds.items() if consented(sample, kind))
    found = {f["rsid"]: f["genotype"] for f in findings if f["status"] == "found"}
    expected = {r: g for r, g in EXPECTED_FOUND[sample].items() if consented(sample, KIND_OF.get(r, "carrier"))}
    assert found == expected
    assert {f["status"] for f in findings if f["rsid"] not in found} == {"not_found"}
    assert all(f["depth"] >= 8 for f in findings)
    if sample in APOE_CONSENT:
        assert report["apoe"]["genotype"] == EXPECTED_APOE[sample]
    else:
        assert report["apoe"] is None and report["sections"]["apoe"]["status"] == "not_requested"


def test_hbs_carrier_reads_on_the_coding_strand(reports):
    hbs = next(f for f in reports["demo04"]["carrier"] if f["rsid"] == "rs334")
    # HBB is on the minus strand: the VCF's T/A at chr11:5,227,002 is c.20A>T heterozygous, read A/T
    assert (hbs["genomic_genotype"], hbs["coding_genotype"], hbs["interpretation"]) == ("T/A", "A/T", "carrier")
    leiden = next(f for f in reports["demo01"]["risk_factors"] if f["rsid"] == "rs6025")
    assert (leiden["genomic_genotype"], leiden["coding_genotype"], leiden["kind"]) == ("C/T", "G/A", "risk_factor")


@pytest.mark.parametrize(("sample", "refused"), [("demo03", ("apoe", "risk_factors", "clinvar")),
                                                 ("demo05", ("apoe", "risk_factors", "prs", "clinvar"))])  # fmt: skip
def test_a_refused_section_is_absent_from_every_delivered_file(demo_run, reports, sample, refused):
    texts = delivered_texts(demo_run, sample)
    for section in refused:
        assert reports[sample]["sections"][section]["status"] == "not_requested"
        for name, text in texts.items():
            for trace in TRACES[section]:
                assert not re.search(rf"(?<![\w.]){re.escape(trace)}(?![\w])", text), (sample, section, name, trace)
    # demo03 carries rs7412 (e2) by construction: the cohort VCF has it, its delivered VCF does not
    cohort = subprocess.run(["bcftools", "view", "-H", "-s", "demo03", "-c", "1", "-r", "chr19:44908822",
                             str(demo_run / "results/calls/bcftools/cohort.vcf.gz")], capture_output=True, text=True,
                            check=True).stdout  # fmt: skip
    assert cohort.count("44908822") == 1
    if sample == "demo05":  # demo05 carries the BRCA1 ClinVar variant: the cohort VCF has it, its delivered VCF not
        cohort = subprocess.run(["bcftools", "view", "-H", "-s", "demo05", "-c", "1", "-r", "chr17:43063937",
                                 str(demo_run / "results/calls/bcftools/cohort.vcf.gz")], capture_output=True,
                                text=True, check=True).stdout  # fmt: skip
        assert cohort.count("43063937") == 1


@pytest.mark.parametrize("sample", SAMPLES)
def test_clinvar_findings_in_the_report(reports, sample):
    report = reports[sample]
    if sample not in EXPECTED_CLINVAR:  # no consent_secondary, no ordered gene
        assert report["clinvar"] == {"status": "not_requested"}
        assert report["sections"]["clinvar"]["status"] == "not_requested"
        return
    block = report["clinvar"]
    assert (block["release"], block["min_review_stars"]) == ("2026-12-05", 1)  # the demo VCF's fileDate, config
    keys = ("gene", "chrom", "pos", "ref", "alt", "variation_id", "clnsig", "review_stars", "zygosity", "inheritance",
            "interpretation")  # fmt: skip
    assert [tuple(f[k] for k in keys) for f in block["findings"]] == EXPECTED_CLINVAR[sample]
    url = f"https://www.ncbi.nlm.nih.gov/clinvar/variation/{EXPECTED_CLINVAR[sample][0][5]}/"
    assert block["findings"][0]["clinvar_url"] == url
    # the demo VCF holds one record in BRCA1 and one in MUTYH (85 genes listed: ACMG SF v3.3's 84 and CHEK2): both
    # covered, the rest have none
    assert len(block["genes"]) == 85
    assert {g: c["covered"] for g, c in block["genes"].items() if c["covered"]} == {"BRCA1": 1, "MUTYH": 1}
    assert sum(c["not_covered"] + c["no_call"] for c in block["genes"].values()) == 0


def test_the_clinvar_words_and_link_in_the_pages(demo_run):
    page = (demo_run / "results/report/demo01.html").read_text(encoding="utf-8")
    assert "Hereditary disease findings (ClinVar)" in page and "At risk for a dominant condition" in page
    assert '<a href="https://www.ncbi.nlm.nih.gov/clinvar/variation/55392/">' in page
    text = " ".join(delivered_texts(demo_run, "demo02")["report.pdf"].split())
    assert "Carrier" in text and "5293" in text and "release 2026-12-05" in text


def test_the_batch_tables_mark_refused_sections(demo_run):
    with open(demo_run / "results/report/batch_summary.tsv") as fh:
        rows = {r["sample_id"]: r for r in csv.DictReader(fh, delimiter="\t")}
    assert (rows["demo02"]["apoe"], rows["demo03"]["apoe"]) == ("e3/e4", "not_requested")
    assert rows["demo05"]["not_requested"] == "apoe;clinvar;prs;risk_factors"
    assert [rows[s]["clinvar"] for s in SAMPLES] == [
        "BRCA1 55392 (heterozygous, at_risk)",
        "MUTYH 5293 (heterozygous, carrier)",
    ] + ["not_requested"] * 4
    with open(demo_run / "results/carrier/carrier_findings.tsv") as fh:
        carrier = [r for r in csv.DictReader(fh, delimiter="\t") if r["sample_id"] == "demo03" and r["gene"] == "APOE"]
    assert {(r["status"], r["genotype"]) for r in carrier} == {("not_requested", "NA")}


ANCESTRY = {"demo01": "EUR", "demo02": "EUR", "demo03": "AFR", "demo04": "AFR", "demo05": "EAS", "demo06": "EAS"}


@pytest.mark.parametrize("sample", SAMPLES)
def test_ancestry_is_the_population_the_sample_was_drawn_from(reports, sample):
    report = reports[sample]
    assert report["sections"]["ancestry"]["status"] == "reported"
    block = report["ancestry"]
    assert (block["ancestry"], block["status"]) == (ANCESTRY[sample], "assigned")
    assert (
        block["probability"] >= 0.65 and block["panel_sites"] >= 250
    )  # the 300 markers, and panel sites in other windows
    assert {g["label"] for g in block["panel_groups"]} == {"AFR", "AMR", "EAS", "EUR", "SAS"}


def test_reports_name_the_build(reports):
    assert {r["build"] for r in reports.values()} == {"GRCh38"}


def test_the_demo_polygenic_score_equals_the_sum_over_the_truth_genotypes(demo_run, reports):
    """The synthetic demo score (resources/demo/demo_score.txt) against the simulated truth, by hand: SUM = sum of
    weight x effect-allele count over the rows that are not strand-ambiguous (A/T, C/G SNPs are dropped); the
    workflow calls every truth genotype, and 6 samples are too few to impute, so DENOM = 2 x matched."""
    rows = [line.split("\t") for line in (demo_run / "resources/demo/demo_score.txt").read_text().splitlines()
            if not line.startswith("#")][1:]  # fmt: skip
    truth = {}
    for line in gzip.open(demo_run / "resources/demo/truth.vcf.gz", "rt"):
        if not line.startswith("#"):
            fields = line.rstrip("\n").split("\t")
            truth[(fields[0].removeprefix("chr"), fields[1])] = (fields[3], fields[4], fields[9:])
    expected, n_matched, n_ambiguous = [0.0] * len(SAMPLES), 0, 0
    for chrom, pos, effect, _other, weight in rows:
        ref, alt, gts = truth[(chrom, pos)]
        if {ref, alt} in ({"A", "T"}, {"C", "G"}):
            n_ambiguous += 1
            continue
        n_matched += 1
        for i, gt in enumerate(gts):
            alt_count = gt.count("1")
            expected[i] += float(weight) * (alt_count if effect == alt else 2 - alt_count)
    assert n_matched + n_ambiguous == len(rows) == 50
    with open(demo_run / "results/prs/scores.tsv") as fh:
        table = {r["sample_id"]: r for r in csv.DictReader(fh, delimiter="\t")}
    scored = [(sample, value) for sample, value in zip(SAMPLES, expected, strict=True) if sample not in PRS_REFUSED]
    for sample in PRS_REFUSED:  # never scored, and not part of the reference distribution
        assert (table[sample]["sum"], table[sample]["status"]) == ("NA", "not_requested")
        assert reports[sample]["prs"] == [] and reports[sample]["sections"]["prs"]["status"] == "not_requested"
    for sample, value in scored:
        row = table[sample]
        assert float(row["sum"]) == pytest.approx(value, abs=1e-9), sample
        assert (int(row["n_matched"]), int(row["n_ambiguous"]), row["denom"]) == (n_matched, n_ambiguous,
                                                                                    str(2 * n_matched))  # fmt: skip
        assert [p["pgs_id"] for p in reports[sample]["prs"]] == ["genorisk_demo_score"]
    # The demo's reference panel (pgs.reference_panel): the ancestry panel's people with the genotypes of
    # resources/demo/demo_score_reference.vcf, scored here the same way; each sample is ranked among the people of
    # its population (the one it was drawn from, demo_ancestry's truth), scipy percentileofscore(kind="rank").
    weights = {(chrom, pos): (effect, float(weight)) for chrom, pos, effect, _other, weight in rows}
    ref_sums = None
    for line in open(demo_run / "resources/demo/demo_score_reference.vcf"):
        if line.startswith("#CHROM"):
            people = line.rstrip("\n").split("\t")[9:]
            ref_sums = np.zeros(len(people))
        elif not line.startswith("#"):
            fields = line.rstrip("\n").split("\t")
            ref, alt = fields[3], fields[4]
            if {ref, alt} in ({"A", "T"}, {"C", "G"}):
                continue
            effect, weight = weights[(fields[0].removeprefix("chr"), fields[1])]
            alt_count = np.array([gt.count("1") for gt in fields[9:]])
            ref_sums += weight * (alt_count if effect == alt else 2 - alt_count)
    with open(demo_run / "resources/demo/demo_score_reference_labels.tsv") as fh:
        population_of = {r["sample"]: r["population"] for r in csv.DictReader(fh, delimiter="\t")}
    labels = np.array([population_of[p] for p in people])
    for sample, value in scored:
        population = SAMPLE_POPULATIONS[sample]
        members = ref_sums[labels == population]
        below, equal = int((members < value - 1e-9).sum()), int((abs(members - value) <= 1e-9).sum())
        expected = (below + (equal + 1) / 2 if equal else below) * 100 / len(members)
        row, prs = table[sample], reports[sample]["prs"][0]
        assert (row["reference"], row["reference_population"], row["comparison"]) == (
            "reference_panel", population, "ok"), sample  # fmt: skip
        assert float(row["percentile"]) == pytest.approx(expected, abs=1e-4), sample
        assert prs["reference"] == {"name": "reference_panel", "n_samples": 2504, "population_size": len(members),
                                    "panel": "demo_score_reference.vcf"}  # fmt: skip
        assert prs["reference_population"] == population and prs["percentile"] == pytest.approx(expected, abs=1e-4)
        assert prs["distribution"]["n"] == len(members) and None not in (prs["z_norm1"], prs["z_norm2"])
        page = (demo_run / f"results/report/{sample}.html").read_text(encoding="utf-8")
        assert f"the {len(members)} {population} samples of the reference panel" in page
