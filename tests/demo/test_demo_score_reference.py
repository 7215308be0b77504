"""scripts/demo/demo_score_reference.py: the demo's polygenic-score reference panel (hand arithmetic; a VCF bcftools
reads)."""

import subprocess
from collections import namedtuple

import numpy as np

from demo.demo_score_reference import reference_frequencies, reference_texts

Variant = namedtuple("Variant", "contig pos ref alt")


def test_frequencies_are_the_truth_alt_count_with_one_pseudo_count_each_way():
    # 6 samples x 2 haplotypes: 0 ALT -> 1/14; 3 -> 4/14; 12 -> 13/14.
    alleles = np.zeros((3, 6, 2), dtype=np.uint8)
    alleles[1, :3, 0] = 1
    alleles[2] = 1
    assert reference_frequencies(alleles).tolist() == [1 / 14, 4 / 14, 13 / 14]


def test_the_panel_has_every_labelled_person_and_a_genotype_per_variant(tmp_path):
    labels = tmp_path / "labels.tsv"
    labels.write_text("sample_id_inferred\tsuperpop\nHG1\tEUR\nHG2\tAFR\nHG3\tEUR\n")
    variants = [Variant("chr1", 100, "A", "G"), Variant("chr1", 250, "C", "T")]
    alleles = np.zeros((2, 6, 2), dtype=np.uint8)
    alleles[1] = 1  # frequency 13/14: nearly everybody ALT
    vcf_text, labels_text = reference_texts(variants, alleles, labels, np.random.default_rng(1))
    assert labels_text == "sample\tpopulation\nHG1\tEUR\nHG2\tAFR\nHG3\tEUR\n"
    vcf = tmp_path / "ref.vcf"
    vcf.write_text(vcf_text)
    out = subprocess.run(["bcftools", "query", "-f", "%CHROM:%POS %REF>%ALT[ %GT]\n", str(vcf)], capture_output=True,
                         text=True, check=True).stdout.splitlines()  # fmt: skip
    assert [line.split()[:2] for line in out] == [["chr1:100", "A>G"], ["chr1:250", "C>T"]]
    assert all(len(line.split()) == 5 and set(line.split()[2:]) <= {"0/0", "0/1", "1/1"} for line in out)
