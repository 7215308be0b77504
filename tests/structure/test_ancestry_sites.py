"""Samples typed at the reference panel's sites from their reads (scripts/structure/ancestry_sites.py, and the merge
of those
genotypes with the cohort calls in scripts/ancestry.study_at_panel_sites). Expected values are written by hand
from the tiny reference, panel and VCFs below."""

import subprocess

import numpy as np
import pysam
import pytest

from common.input_error import InputError
from structure.ancestry import study_at_panel_sites
from structure.ancestry_sites import write_ancestry_sites
from structure.reference_panel import GenotypePanel

# chr1 bases (1-based): 1 A, 2 C, 3 G, 4 T, 5 A, 6 C, 7 G, 8 T, 9 N, 10 A ...
CHR1 = "ACGTACGTNA" + "C" * 50
CHR2 = "GGGGGGGGGG"


@pytest.fixture
def reference(tmp_path):
    fasta = tmp_path / "ref.fa"
    fasta.write_text(f">chr1\n{CHR1}\n>chr2\n{CHR2}\n")
    pysam.faidx(str(fasta))
    return fasta


def panel_of(sites, dosage=None):
    chrom, pos, ref, alt = (np.array(column) for column in zip(*sites, strict=True))
    n = len(sites)
    dosage = np.zeros((n, 2), dtype=np.int8) if dosage is None else np.asarray(dosage, dtype=np.int8)
    return GenotypePanel(chrom, pos.astype(np.int64), ref, alt, dosage, ["p1", "p2"], np.array(["EUR", "AFR"]))


def records(vcf):
    return [line.split("\t")[:5] for line in vcf.read_text().splitlines() if not line.startswith("#")]


def test_sites_are_oriented_to_the_reference_and_the_rest_left_out(reference, tmp_path):
    panel = panel_of([
        ("2", 2, "C", "T"),  # chr2 has G: neither allele, left out
        ("1", 2, "C", "T"),  # kept as is (contig named as the reference names it)
        ("1", 3, "A", "G"),  # reference G = panel ALT: REF and ALT exchanged
        ("1", 4, "C", "G"),  # reference T: neither allele, left out
        ("1", 9, "A", "C"),  # reference N, left out
        ("1", 99, "A", "C"),  # beyond chr1's end, left out
        ("5", 1, "A", "C"),  # contig absent, left out
        ("1", 5, "AC", "A"),  # not a single-base site, left out
    ])  # fmt: skip
    out = tmp_path / "sites.vcf"
    assert write_ancestry_sites(panel, reference, f"{reference}.fai", out) == 2
    assert records(out) == [["chr1", "2", ".", "C", "T"], ["chr1", "3", ".", "G", "A"]]
    assert "##contig=<ID=chr1,length=60>" in out.read_text()


def test_a_panel_of_another_build_is_refused(reference, tmp_path):
    panel = panel_of([("1", 1, "C", "T"), ("1", 2, "G", "T"), ("1", 9, "A", "C")])
    with pytest.raises(InputError, match=r"none of its 3 sites matches the reference \(2 have another base"):
        write_ancestry_sites(panel, reference, f"{reference}.fai", tmp_path / "sites.vcf", "GRCH38.sites")
    assert not (tmp_path / "sites.vcf").exists()


def test_a_panel_only_on_n_or_absent_contigs_gives_no_sites(reference, tmp_path):
    panel = panel_of([("1", 9, "A", "C"), ("X", 5, "A", "C")])
    assert write_ancestry_sites(panel, reference, f"{reference}.fai", tmp_path / "sites.vcf") == 0
    assert records(tmp_path / "sites.vcf") == []


def bgzip_vcf(path, samples, rows):
    header = ["##fileformat=VCFv4.2", "##contig=<ID=chr1,length=60>",
              '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">',
              "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\t" + "\t".join(samples)]  # fmt: skip
    body = [f"chr1\t{pos}\t.\t{ref}\t{alt}\t.\t.\t.\tGT\t" + "\t".join(gts) for pos, ref, alt, gts in rows]
    plain = path.with_suffix("")
    plain.write_text("\n".join(header + body) + "\n")
    subprocess.run(["bgzip", "-f", str(plain)], check=True)
    subprocess.run(["tabix", "-p", "vcf", str(path)], check=True)
    return path


def test_read_typed_genotypes_count_hom_ref_and_uncovered_stays_missing(tmp_path):
    """Cohort: s1 and s2 (reads) and v1 (sent as a VCF). The cohort VCF lists only ALT-carrying sites; the sites VCF
    types s1 and s2 at every panel site. Panel sites: chr1:2 C>T, 3 G>A, 10 A>C, 20 C>G."""
    panel = panel_of([("1", 2, "C", "T"), ("1", 3, "G", "A"), ("1", 10, "A", "C"), ("1", 20, "C", "G")])
    cohort = bgzip_vcf(tmp_path / "cohort.vcf.gz", ["s1", "s2", "v1"], [
        (2, "C", "T", ["0/1", "./.", "1/1"]),
        (10, "A", "C", ["0/0", "1/1", "0/1"]),
    ])  # fmt: skip
    typed = bgzip_vcf(tmp_path / "typed.vcf.gz", ["s1", "s2"], [
        (2, "C", "T", ["0/1", "./."]),  # s2 too few reads here: stays missing (the cohort has no call either)
        (3, "G", "A", ["0/0", "./."]),  # s1 hom-ref: 0, not missing; s2 uncovered: missing
        (10, "A", "C", ["./.", "1/1"]),  # s1 below min depth here: its cohort call (0/0) is used
        (20, "C", "G", ["0/0", "0/0"]),
    ])  # fmt: skip
    samples, dosage = study_at_panel_sites(cohort, panel, tmp_path, sites_vcf=typed)
    assert samples == ["s1", "s2", "v1"]
    assert dosage.tolist() == [
        [1, -1, 2],
        [0, -1, -1],  # v1 was sent as a VCF without this site: missing, never reference
        [0, 2, 1],
        [0, 0, -1],
    ]
    _, cohort_only = study_at_panel_sites(cohort, panel, tmp_path)
    assert cohort_only[:, 0].tolist() == [1, -1, 0, -1]  # without the typed sites, s1's hom-ref sites are unknown
