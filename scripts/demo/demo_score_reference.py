"""The demo's polygenic-score reference panel (the demo config's pgs.reference_panel), so `make demo` shows scores
read against people of the sample's ancestry.

Samples: the shipped ancestry panel's 2,504 1000 Genomes IDs with their superpopulation labels (their principal
components are the ancestry panel's own, which is what pgs.reference_panel needs). Genotypes: synthetic, at the demo
score's variants (the random, unplanted variants of the demo genome), two Hardy-Weinberg draws per person from one
ALT frequency per variant for everybody, the demo truth's ALT count among the six demo samples with one pseudo-count
each way ((count + 1) / (12 + 2)), from the demo's seeded stream. The demo score is synthetic too (random weights),
so the reference has no population differences to show: what the demo shows is the mechanics (percentile within the
sample's population, Z_norm1 and Z_norm2), not a biological fact. These are not the real people's genotypes.
"""

import numpy as np

from structure.reference_panel import read_labels

LABEL_HEADER = "sample\tpopulation"


def reference_frequencies(alleles):
    """ALT frequency per variant from the demo truth's (n_variants, n_samples, 2) alleles, one pseudo-count each way."""
    alleles = np.asarray(alleles)
    n_haplotypes = alleles.shape[1] * alleles.shape[2]
    return (alleles.sum(axis=(1, 2)) + 1.0) / (n_haplotypes + 2.0)


def reference_texts(variants, alleles, labels_path, rng):
    """(VCF text, labels TSV text) of the reference panel over `variants` (the demo score's, reference order) with the
    demo truth's `alleles` of them; people and labels from the ancestry panel's labels file at `labels_path`."""
    samples, labels = read_labels(labels_path) if labels_path else ([], np.array([]))
    freqs = reference_frequencies(alleles)
    dosage = (rng.random((len(variants), len(samples), 2)) < freqs[:, None, None]).sum(axis=2)
    genotype = np.array(["0/0", "0/1", "1/1"])
    lines = [
        "##fileformat=VCFv4.2",
        "##source=genorisk simulate_demo (synthetic genotypes of the ancestry panel's people at the demo score's "
        "variants; not their real genotypes)",
        '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">',
        "\t".join(["#CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO", "FORMAT", *samples]),
    ]
    for v, row in zip(variants, dosage, strict=True):
        lines.append("\t".join([v.contig, str(v.pos), ".", v.ref, v.alt, ".", "PASS", ".", "GT", *genotype[row]]))
    label_lines = [LABEL_HEADER, *(f"{s}\t{p}" for s, p in zip(samples, labels.tolist(), strict=True))]
    return "\n".join(lines) + "\n", "\n".join(label_lines) + "\n"
