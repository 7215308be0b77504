"""2,504 sheet rows pointing at one 3,202-sample 1000 Genomes 30x VCF, plus one row whose VCF has three wrong REFs,
through the workflow (joint mode; no alignment at all, so the sheet has no alignment column).

Oracles: NYGC's INFO in the panel (the allele count over the 2,504 unrelated samples, AC_*_unrel, per site) and
the records edited here (three REFs changed to a base that is neither REF nor ALT).
"""

import csv
import json
import re

import pytest
from test_import_vcf import edited_vcf

from workflow_runner import query, snakemake

pytestmark = pytest.mark.workflow
PANEL = "1000g_30x_3202_chr22_16.57-16.61Mb_grch38"
CHR22 = "nfcore_na12878_chr22_grch38/derived/chr22_padded.fa.gz"
COHORT = "results/calls/bcftools/cohort.vcf.gz"
VARIANTS = "results/af/variants.tsv"


@pytest.fixture(scope="module")
def testdata_dir():
    from conftest import TESTDATA

    if not (TESTDATA / PANEL).is_dir() or not (TESTDATA / CHR22).exists():
        pytest.skip(f"real test data {TESTDATA / PANEL} or {TESTDATA / CHR22} is absent")
    return TESTDATA


@pytest.fixture(scope="module")
def panel_run(tmp_path_factory, testdata_dir):
    panel = testdata_dir / PANEL
    batch = tmp_path_factory.mktemp("panel")
    ids = [line.split("\t")[0] for line in (panel / "integrated_call_samples_v3.20130502.ALL.panel").read_text()
           .splitlines()[1:]]  # fmt: skip
    changed = {}

    def three_bad(fields, n):
        if n in (10, 20, 30):
            changed[int(fields[1])] = fields[3]
            fields[3] = next(b for b in "ACGT" if b not in (fields[3], fields[4]))

    edited_vcf(panel / "1000GP.chr22.vcf.gz", batch / "badref.vcf.gz", "NA12878", three_bad)
    rows = "".join(f"P_{i}\t{panel / '1000GP.chr22.vcf.gz'}\t{i}\n" for i in ids) + "BADREF\tbadref.vcf.gz\t\n"
    (batch / "samples.tsv").write_text("sample_id\tvcf\tvcf_sample\n" + rows)
    (batch / "config.yaml").write_text(
        f"samples: samples.tsv\nreference: {testdata_dir / CHR22}\nbuild: GRCh38\nstructure:\n  panel: none\n"
    )
    targets = (COHORT, "results/qc/batch_qc.tsv", VARIANTS)
    proc = snakemake(batch, "--cores", "2", *targets, configfile=batch / "config.yaml")
    return batch, panel, ids, changed, proc


def test_2504_rows_of_one_vcf_go_through_in_one_import_job(panel_run):
    batch, panel, ids, _, proc = panel_run
    assert re.search(r"^import_vcf\s+2$", proc.stdout + proc.stderr, flags=re.MULTILINE)  # one job per file
    assert len(list((batch / "logs/calls/import_vcf").iterdir())) == 2
    columns = query(batch / COHORT, "[%SAMPLE\t]\n")[0].split()
    assert columns == [f"P_{i}" for i in ids] + ["BADREF"]


def nygc_unrelated_counts(panel):
    """{(POS, REF, ALT): allele count over the 2,504 unrelated samples} from NYGC's INFO (AC_*_unrel)."""
    with open(panel / "expected/af_from_vcf_info.tsv") as fh:
        return {
            (int(row["POS"]), row["REF"], row["ALT"]): sum(
                int(row[f"AC_{p}_unrel"]) for p in ("AFR", "AMR", "EAS", "EUR", "SAS")
            )
            for row in csv.DictReader(fh, delimiter="\t")
        }


def test_panel_allele_counts_equal_nygc_counts_over_the_2504_unrelated(panel_run):
    """Every record of the VCF is in the cohort, the 13 sites none of the 2,504 carries included (AC 0)."""
    batch, panel, ids, _, _ = panel_run
    expected = nygc_unrelated_counts(panel)
    counted = {}
    for line in query(batch / COHORT, "%POS\t%REF\t%ALT[\t%GT]\n", "-s", ",".join(f"P_{i}" for i in ids)):
        pos, ref, alt, *gts = line.split("\t")
        alleles = "".join(gts).replace("|", "").replace("/", "")
        counted[(int(pos), ref, alt)] = alleles.count("1")
    assert len(expected) == 903 and sum(ac == 0 for ac in expected.values()) == 13
    assert counted == expected


def test_allele_frequency_table_keeps_the_sites_no_one_carries(panel_run):
    batch, panel, _, _, _ = panel_run
    rows = list(csv.DictReader(open(batch / VARIANTS), delimiter="\t"))
    expected = nygc_unrelated_counts(panel)
    assert len(rows) == 903
    # The table counts all 2,505 columns (BADREF is NA12878 again, without its three edited records).
    zero = [r for r in rows if (int(r["POS"]), r["REF"], r["ALT"]) in expected
            and expected[(int(r["POS"]), r["REF"], r["ALT"])] == 0]  # fmt: skip
    assert len(zero) == 13 and {r["AC"] for r in zero} <= {"0", "1", "2"}
    assert all(r["AN"] != "0" for r in zero)


def test_records_with_another_ref_are_left_out_listed_and_reported(panel_run):
    batch, _, _, changed, _ = panel_run
    at_changed = query(batch / COHORT, "%POS\t[%GT]\n", "-s", "BADREF", "-r", ",".join(f"chr22:{p}" for p in changed))
    assert all(line.endswith("\t./.") for line in at_changed)  # a no-call there (or no record), never its genotype
    warnings = list(csv.DictReader(open(batch / "results/qc/vcf_warnings.tsv"), delimiter="\t"))
    assert [(w["sample_id"], w["warning"], w["count"]) for w in warnings] == [("BADREF", "ref_mismatch", "3")]
    listed = (batch / f"results/qc/vcf_import/{warnings[0]['vcf_key']}.ref_mismatch.tsv").read_text().splitlines()
    assert [int(line.split("\t")[1]) for line in listed[1:]] == sorted(changed)
    reasons = json.loads((batch / "results/qc/BADREF.qc.json").read_text())["reasons"]
    assert "3 of 903 records left out: their REF differs from the reference" in reasons
    rows = {r["sample_id"]: r for r in csv.DictReader(open(batch / "results/qc/batch_qc.tsv"), delimiter="\t")}
    assert "3 of 903 records left out" in rows["BADREF"]["reasons"] and rows["BADREF"]["in_cohort"] == "yes"
