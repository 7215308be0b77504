"""Tests of scripts/af/genotype_counts.py (per-sample counts from the genotype store, once per batch) and of the table
the report jobs read instead of the cohort VCF (scripts/af/sample_genotype_counts.py).

Oracle: `bcftools stats -s -` (PSC: SNV het/hom-alt and missing; PSI: indel het/hom-alt), as in
tests/reports/test_render_reports.py, and the counts the report jobs made from the VCF before (byte-identical reports).
"""

import subprocess

import numpy as np
import pytest
from test_render_reports import VCF_ROWS, bcftools_sample_counts, make_batch, write_vcf

from af import sample_genotype_counts as sgc
from af.genotype_counts import write_genotype_counts
from af.vcf_to_store import vcf_to_store
from common.input_error import InputError
from reports import render_reports as rr

ONEKG = "1000g_30x_3202_chr22_16.57-16.61Mb_grch38/1000GP.chr22.vcf.gz"
BIALLELIC_ROWS = [row for row in VCF_ROWS if "," not in row[2]]  # the store holds biallelic records only


def n_records(vcf):
    out = subprocess.run(["bcftools", "view", "-H", str(vcf)], capture_output=True, text=True, check=True).stdout
    return len(out.splitlines())


def table_from_store(vcf, folder, chunk_variants=None):
    vcf_to_store(vcf, folder / "cohort.zarr", chunk_variants=chunk_variants, workers=1)
    write_genotype_counts(folder / "cohort.zarr", folder / "genotype_counts.tsv")
    return sgc.read_table(folder / "genotype_counts.tsv")


def test_store_counts_equal_bcftools_stats_on_1000_genomes(testdata, tmp_path):
    """3,202 real samples x 903 SNVs, in 10 store chunks: every sample's counts as bcftools stats gives them."""
    vcf = testdata / ONEKG
    counts, n_sites = table_from_store(vcf, tmp_path, chunk_variants=100)
    expected = bcftools_sample_counts(vcf)
    columns = subprocess.run(["bcftools", "query", "-l", str(vcf)], capture_output=True, text=True, check=True)
    assert list(counts) == columns.stdout.split() and len(counts) == 3202
    mismatched = [s for s in counts if {k: counts[s][k] for k in expected[s]} != expected[s]]
    assert mismatched == [], mismatched[:3]
    assert n_sites == n_records(vcf) == 903
    assert sum(c["n_snv_het"] for c in counts.values()) == 54_265 + 53_777  # PROVENANCE.md: 0|1 and 1|0 genotypes


def test_store_counts_are_the_vcf_counts_in_vcf_order(tmp_path, monkeypatch):
    """The hand fixture without its multi-allelic record: the table holds what the report jobs counted from the VCF
    before, for every sample in VCF column order, indels and the MNP (other) included."""
    monkeypatch.setattr("test_render_reports.VCF_ROWS", BIALLELIC_ROWS)
    vcf = tmp_path / "cohort.vcf.gz"
    write_vcf(vcf, ["S1", "S2", "S3"])
    counts, n_sites = table_from_store(vcf, tmp_path, chunk_variants=4)
    assert (counts, n_sites) == rr.count_genotypes(vcf)
    assert list(counts) == ["S1", "S2", "S3"] and n_sites == len(BIALLELIC_ROWS) == 9
    expected = bcftools_sample_counts(vcf)
    assert {s: {k: counts[s][k] for k in expected[s]} for s in counts} == expected
    assert counts["S1"]["n_other"] == 1  # 800 AC>GT, a MNP: neither SNV nor indel


def test_multiallelic_record_in_the_store_is_refused(tmp_path):
    vcf = tmp_path / "cohort.vcf.gz"
    write_vcf(vcf, ["S1", "S2", "S3"])
    vcf_to_store(vcf, tmp_path / "cohort.zarr", workers=1)
    with pytest.raises(InputError, match=r"record 1:700 has 2 ALT alleles.*bcftools norm -m -any"):
        write_genotype_counts(tmp_path / "cohort.zarr", tmp_path / "genotype_counts.tsv")


def test_reports_from_the_table_are_the_bytes_of_reports_from_the_vcf(tmp_path):
    """The report job's two sources of counts give byte-identical JSON, HTML and PDF (multi-allelic record included:
    the table here is written from the VCF counts)."""
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    from_vcf = make_batch(tmp_path / "a")
    from_table = make_batch(tmp_path / "b")
    counts, n_sites = rr.count_genotypes(from_table["vcf_path"])
    totals = np.array([[counts[s][k] for s in counts] for k in sgc.COUNT_KEYS])
    sgc.write_table(tmp_path / "genotype_counts.tsv", list(counts), totals, n_sites)
    for job in (from_vcf, from_table):
        job["pdf_paths"] = [p.with_suffix(".pdf") for p in job["json_paths"]]
    from_table["vcf_path"] = None
    rr.render_reports(**from_vcf)
    rr.render_reports(**from_table, genotype_counts_path=tmp_path / "genotype_counts.tsv")
    for key in ("json_paths", "html_paths", "pdf_paths"):
        for a, b in zip(from_vcf[key], from_table[key], strict=True):
            assert a.read_bytes() == b.read_bytes(), a.name


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("sample_id\tn_sites\n", r"header is \['sample_id', 'n_sites'\]"),
        ("\t".join(sgc.TABLE_COLUMNS) + "\nS1\t9\t1\t2\t3\t4\t5\tx\n", r"sample 'S1': a count is not an integer"),
        ("\t".join(sgc.TABLE_COLUMNS) + "\nS1\t9\t1\t2\n", r"line 2 has 4 fields, expected 8"),
        ("\t".join(sgc.TABLE_COLUMNS) + "\nS1\t9" + "\t0" * 6 + "\nS2\t8" + "\t0" * 6 + "\n", r"n_sites differs"),
    ],
)
def test_bad_table_is_refused_with_its_name(tmp_path, text, message):
    path = tmp_path / "genotype_counts.tsv"
    path.write_text(text)
    with pytest.raises(InputError, match=message):
        sgc.read_table(path)
