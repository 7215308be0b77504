"""Ancestry markers of the demo batch: a subset of the shipped ancestry panel's GRCh38 sites, with every demo sample's
genotypes drawn from the allele frequencies of a named panel population, so `make demo` shows ancestry at work.

Sites: the panel's PCA sites (structure.ancestry.pca_sites: MAF >= 0.05, LD-pruned; the sites the workflow's PCA
uses) that lie inside the demo genome's contigs as the other panels already shape them (so the mostly-N reference
does not grow) and at least FLANK + the other panels' flank away from their sites. Of those, the most
ancestry-informative N_SITES: for every pair of panel populations that involves a demo population (EUR-AFR, EUR-AMR,
EUR-EAS, EUR-SAS, AFR-AMR, ...), the sites ranked by their ALT-frequency difference between the two, taken in turn
from each pair's ranking (round robin) until N_SITES are chosen. The pairs with a neighbour (EUR-AMR, EUR-SAS) get as
many sites as the easy ones, and those decide a European-like sample: with 400 random PCA sites one of the two EUR
demo samples stayed below the 0.65 probability threshold (0.59); with these 300, in 120 independent genotype draws of
the six samples (perfect calls) every one was assigned its population, lowest probability 0.76 (random 300 sites: 2
of 120 not, lowest 0.70). No randomness in the choice: ties keep panel order.
Each site gets a window of FLANK bp either side: with 2x100 bp pairs of ~300 bp fragments drawn uniformly inside a
501 bp window, the centre is read by about half the pairs (~30x at the demo's 25x), while 200 bp would leave it
almost unread.
Genotypes: per site, the ALT frequency of the sample's population among the panel's samples with that label, two
independent draws (Hardy-Weinberg) from the demo's seeded stream; demo01-02 EUR, demo03-04 AFR, demo05-06 EAS
(SAMPLE_POPULATIONS). These are simulated members of those populations, not real people.
"""

import numpy as np

from structure.ancestry import pca_sites
from structure.reference_panel import load_peddy_panel

N_SITES = 300
FLANK = 250
SAMPLE_POPULATIONS = {
    "demo01": "EUR",
    "demo02": "EUR",
    "demo03": "AFR",
    "demo04": "AFR",
    "demo05": "EAS",
    "demo06": "EAS",
}


def candidate_rows(panel, lengths, other_sites, min_gap):
    """Panel rows (panel order): PCA sites inside `lengths` ({GRCh38 contig: length}), >= min_gap from `other_sites`."""
    others = {}
    for site in other_sites:
        others.setdefault(site.contig, []).append(site.pos)
    candidates = []
    for row in pca_sites(panel.dosage):
        contig, pos = f"chr{panel.chrom[row]}", int(panel.pos[row])
        if pos + FLANK >= lengths.get(contig, 0):
            continue
        if any(abs(pos - p) < min_gap for p in others.get(contig, ())):
            continue
        candidates.append(row)
    return np.array(candidates, dtype=np.int64)


def informative_rows(panel, candidates, populations, n_sites=N_SITES):
    """Sorted `n_sites` of the candidate rows, the most informative for `populations` (module docstring)."""
    if len(candidates) < n_sites:
        raise ValueError(f"only {len(candidates)} ancestry panel sites fit the demo genome; {n_sites} wanted")
    frequencies = population_frequencies(panel, candidates, np.unique(panel.labels))
    pairs = sorted({tuple(sorted((a, b))) for a in set(populations) for b in frequencies if b != a})
    rankings = [np.argsort(-np.abs(frequencies[a] - frequencies[b]), kind="stable") for a, b in pairs]
    chosen = {}
    for rank in range(len(candidates)):
        for ranking in rankings:
            if len(chosen) < n_sites:
                chosen.setdefault(int(ranking[rank]), None)
        if len(chosen) == n_sites:
            break
    return np.sort(candidates[list(chosen)])


def population_frequencies(panel, rows, populations):
    """{population: ALT frequency (n_rows,)} among the panel samples labelled so."""
    return {p: panel.dosage[rows][:, panel.labels == p].mean(axis=1) / 2 for p in sorted(set(populations))}


def draw_alleles(frequencies, rng, samples, sample_populations=SAMPLE_POPULATIONS):
    """(n_rows, n_samples, 2) uint8 haplotype alleles (1 = ALT), independent draws at the population frequency."""
    freq = np.stack([frequencies[sample_populations[s]] for s in samples], axis=1)  # (n_rows, n_samples)
    return (rng.random((*freq.shape, 2)) < freq[:, :, None]).astype(np.uint8)


def demo_markers(sites_path, labels_path, lengths, other_sites, rng, samples, min_gap):
    """([(contig, pos, ref, alt)], alleles (n, n_samples, 2)) of the demo's ancestry markers (module docstring)."""
    panel = load_peddy_panel(sites_path, labels_path)
    rows = informative_rows(panel, candidate_rows(panel, lengths, other_sites, min_gap), SAMPLE_POPULATIONS.values())
    alleles = draw_alleles(population_frequencies(panel, rows, SAMPLE_POPULATIONS.values()), rng, samples)
    markers = [(f"chr{panel.chrom[r]}", int(panel.pos[r]), str(panel.ref[r]), str(panel.alt[r])) for r in rows]
    return markers, alleles
