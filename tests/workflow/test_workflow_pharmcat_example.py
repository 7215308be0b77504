"""PharmCAT's published example through the whole workflow: its VCF as a sample-sheet row, its outside-call file in
the row's pgx_outside_calls column, on the demo genome (the shipped definitions' GRCh38 REF at every defining
position, scripts/demo/simulate_demo.py).

Oracles: what PharmCAT v3.1 printed for the example (../shared/testdata/pharmcat_definitions_grch38_all/examples:
pharmcat.example.match.json, phenotype.json, report.json; PROVENANCE.md there). Every difference is listed with its
reason; the same differences as the unit tests that match the VCF directly (tests/pgx/test_pgx_genes.py) and look the
phenotypes up directly (tests/pgx/test_guidance.py), so the import, genotyping and Snakemake add none.
"""

import json

import pytest
from test_guidance import EXPECTED_DIFFERENCES, compare_cpic
from test_pgx_genes import EXAMPLE_DIFFERENCES, compare_with_example
from test_workflow_pharmcat_vcfs import panel_genome_batch

from workflow_runner import snakemake

pytestmark = pytest.mark.workflow
EXAMPLES = "pharmcat_definitions_grch38_all/examples"
SEED = 20261205
OUTSIDE = {"CYP2D6": ["*1/*3"], "HLA-B": ["*15:02/*57:01"], "MT-RNR1": ["1555A>G"]}


@pytest.fixture(scope="module")
def example_run(tmp_path_factory):
    from conftest import TESTDATA

    examples = TESTDATA / EXAMPLES
    if not examples.is_dir():
        pytest.skip(f"real test data {examples} is absent")
    batch = panel_genome_batch(tmp_path_factory.mktemp("pharmcat_example"), SEED)
    (batch / "samples.tsv").write_text(
        "sample_id\tvcf\tpgx_outside_calls\n"
        f"example\t{examples / 'pharmcat.example.vcf'}\t{examples / 'pharmcat.example.outsideCall.tsv'}\n"
    )
    (batch / "config.yaml").write_text(
        "samples: samples.tsv\nreference: reference.fa.gz\nregions: regions.bed\nbuild: GRCh38\n"
        "structure:\n  panel: none\n"
    )
    snakemake(batch, "--cores", "2", configfile=batch / "config.yaml")
    calls = json.loads((batch / "results/pgx/pgx_calls.json").read_text())["example"]
    guidance = json.loads((batch / "results/pgx/guidance.json").read_text())["example"]
    report = json.loads((batch / "results/report/example.json").read_text())
    return examples, calls, guidance, report


def test_every_gene_agrees_with_pharmcats_calls_but_the_listed_differences(example_run):
    examples, calls, _, _ = example_run
    own = [gene for gene, result in calls.items() if result.get("source") != "outside"]
    agree, differ = compare_with_example(calls, examples, own)
    assert set(differ) == set(EXAMPLE_DIFFERENCES), differ
    assert len(agree) == 17 and len(agree) + len(differ) == 19


def test_outside_calls_are_merged_as_pharmcat_reads_them(example_run):
    _, calls, _, report = example_run
    assert all(calls[gene]["source"] == "outside" for gene in OUTSIDE)
    assert (calls["CYP2D6"]["diplotypes"], calls["HLA-B"]["diplotypes"]) == (OUTSIDE["CYP2D6"], OUTSIDE["HLA-B"])
    # pharmcat.example.report.json: CYP2D6 *1/*3 Intermediate Metabolizer, activity score 1.0
    assert (calls["CYP2D6"]["phenotype"], calls["CYP2D6"]["activity_score"]) == ("Intermediate Metabolizer", 1.0)
    assert report["pgx"]["CYP2D6"]["source"] == "outside"


def test_cpic_recommendations_agree_with_pharmcats_report(example_run):
    examples, _, guidance, report = example_run
    printed = json.loads((examples / "pharmcat.example.report.json").read_text())
    _, theirs, agree, differ = compare_cpic(guidance, printed)
    assert set(differ) == set(EXPECTED_DIFFERENCES), differ
    assert len(agree) == 80 and len(theirs) == 83
    # the report carries the same rows, and no recommendation comes from a gene that was not called
    assert len(report["pgx_guidance"]) == len(guidance)
    assert all(r["status"] == "cannot_be_assessed" for r in guidance if r["recommendation"] is None)
