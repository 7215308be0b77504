"""Polygenic scores of samples that arrive as VCF rows, through the workflow, at 1, 4 and 2,504 samples.

The target: pgsc_calc's synthetic CINECA genomes (2,504 samples, 829 chr22 records, GRCh37) with PGS001229_22.
Oracles from outside the code under test:
- PROVENANCE.md of pgs_catalog_examples: pgscatalog-match gives 782 matched, 47 ambiguous, 6 unmatched variants;
- plink2 2.00a3.5 `--score` on the same samples of the same VCF (`bcftools view -s`), with mean imputation where the
  workflow imputes (50 samples or more) and `no-mean-imputation` where it does not.
A record the VCF has is data, hom-ref included: the matched count does not depend on how many samples share the
cohort (before, a cohort of 4 kept only the sites one of the 4 carried and matched 646 variants).

The reference is the VCF's own REF alleles on a chr22 of GRCh37's length, N elsewhere: the workflow needs a FASTA,
and no GRCh37 chr22 sequence is in ../shared (its REF check then passes at every record by construction).
"""

import csv
import subprocess

import numpy as np
import pytest
from test_pgs_scoring import CINECA, PGS001229, require_cineca_and_plink2, run_plink2

from prs.pgs_scoring import score_cohort
from workflow_runner import snakemake

pytestmark = pytest.mark.workflow
SCORES = "results/prs/scores.tsv"
GRCH37_CHR22 = 51_304_566


@pytest.fixture(scope="module")
def cineca_setup(tmp_path_factory):
    require_cineca_and_plink2()
    folder = tmp_path_factory.mktemp("cineca_ref")
    sequence = bytearray(b"N" * GRCH37_CHR22)
    out = subprocess.run(["bcftools", "query", "-f", "%POS\t%REF\n", str(CINECA)], capture_output=True, text=True,
                         check=True).stdout  # fmt: skip
    for line in out.splitlines():
        pos, ref = line.split("\t")
        sequence[int(pos) - 1 : int(pos) - 1 + len(ref)] = ref.encode()
    fasta = folder / "chr22_from_vcf.fa"
    with open(fasta, "wb") as fh:
        fh.write(b">22\n")
        fh.writelines(bytes(sequence[i : i + 60]) + b"\n" for i in range(0, GRCH37_CHR22, 60))
    columns = subprocess.run(["bcftools", "query", "-l", str(CINECA)], capture_output=True, text=True, check=True)
    match = score_cohort(CINECA, [PGS001229], "GRCh37").results[0].match
    return fasta, columns.stdout.split(), match


def run_batch(tmp_path_factory, setup, n_samples):
    fasta, columns, match = setup
    batch = tmp_path_factory.mktemp(f"cineca{n_samples}")
    chosen = columns[:n_samples]
    rows = "".join(f"S{i:04d}\t{CINECA}\t{c}\n" for i, c in enumerate(chosen))
    (batch / "samples.tsv").write_text("sample_id\tvcf\tvcf_sample\n" + rows)
    (batch / "config.yaml").write_text(
        f"samples: samples.tsv\nreference: {fasta}\nbuild: GRCh37\n"
        f"structure:\n  panel: none\npgs:\n  scoring_files: [{PGS001229}]\n"
    )
    snakemake(batch, "--cores", "2", SCORES, configfile=batch / "config.yaml")
    scores = {r["sample_id"]: r for r in csv.DictReader(open(batch / SCORES), delimiter="\t")}
    subset = batch / "subset.vcf.gz"
    subprocess.run(["bcftools", "view", "-s", ",".join(chosen), "-Oz", "-o", str(subset), str(CINECA)], check=True)
    modifiers = () if n_samples >= 50 else ("no-mean-imputation",)
    plink = run_plink2(subset, match, batch / "plink", *modifiers)
    return {f"S{i:04d}": c for i, c in enumerate(chosen)}, scores, plink


@pytest.mark.parametrize("n_samples", [1, 4, 2504])
def test_vcf_row_scores_equal_plink2_at_every_batch_size(tmp_path_factory, cineca_setup, n_samples):
    ids, scores, plink = run_batch(tmp_path_factory, cineca_setup, n_samples)
    assert set(scores) == set(ids)
    for sample_id, column in ids.items():
        row = scores[sample_id]
        assert row["status"] == "ok"
        assert (row["n_matched"], row["n_ambiguous"], row["n_unmatched"]) == ("782", "47", "6")
        assert row["imputation"] == ("mean_2xAF" if n_samples >= 50 else "none")
        np.testing.assert_allclose(float(row["sum"]), plink[column]["SCORE1_SUM"], rtol=0, atol=1e-5)
        assert int(float(row["denom"])) == plink[column]["DENOM"]


def test_reference_fasta_helper_writes_every_ref_allele(cineca_setup):
    """The test's own reference: the base at a record's position is its REF (read back with samtools faidx)."""
    fasta, _, _ = cineca_setup
    first = subprocess.run(["bcftools", "query", "-f", "%POS %REF\n", str(CINECA)], capture_output=True, text=True,
                           check=True).stdout.splitlines()[0].split()  # fmt: skip
    got = subprocess.run(["samtools", "faidx", str(fasta), f"22:{first[0]}-{first[0]}"], capture_output=True,
                         text=True, check=True).stdout.splitlines()[1]  # fmt: skip
    assert got == first[1]
