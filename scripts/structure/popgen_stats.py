"""Population-genetics statistics of the cohort: HWE, heterozygosity, inbreeding F, singletons, SFS, Fst, sex.

Reads blocks of biallelic records (other records are skipped and counted in the log); every statistic is a sum over
blocks. The rule reads the genotype store (scripts/af/vcf_to_store.py) with dask, one task per store chunk, through
scripts/af/store_chunks.py (local threads or a dask.distributed scheduler, config af.scheduler).
Autosomes are the contigs that are not X, Y, XY, M or MT (any 'chr' prefix).

popgen_variants.tsv, one row per biallelic record in file order:
  CHROM POS REF ALT n_called n_hom_ref n_het n_hom_alt het_observed het_expected hwe_p
  het_observed/het_expected: scikit-allel's heterozygosity_observed / heterozygosity_expected (2pq);
  hwe_p: Hardy-Weinberg exact test (Wigginton, Cutler & Abecasis 2005, Am J Hum Genet 76:887), autosomes only
  (NA elsewhere: hemizygous males break HWE), equal to `plink2 --hardy` (mid-p off).
popgen_samples.tsv, one row per VCF sample:
  sample_id n_sites o_hom e_hom inbreeding_f singletons chrx_sites chrx_het chrx_f chry_alt_calls inferred_sex
  sheet_sex sex_agrees
  inbreeding_f: method-of-moments F over autosomal sites the sample has a call at, as `plink2 --het` (default,
  no n/(n-1) factor): (O(HOM) - E(HOM)) / (n_sites - E(HOM)), E(HOM) = sum of 1 - 2pq with p from all samples'
  calls at each site. singletons: autosomal sites at which this sample is the only carrier of the ALT allele (het,
  or hom-alt as the only carrier), as `bcftools stats -s -` counts nSingletons.
  Genetic sex, as `plink --check-sex`: chrx_f is the same F over chrX outside the pseudo-autosomal regions of the
  configured build (none removed for build 'other'); F > 0.8 male, F < 0.2 female, between: ambiguous; fewer than
  MIN_X_SITES informative chrX sites: decided by chrY (chry_alt_calls: ALT-carrying chrY genotypes outside the
  PARs; >= MIN_Y_CALLS gives male), else unknown. A chrX 'female' with chrY ALT calls is ambiguous.
  sex_agrees: yes/no when the sheet says female/male and a sex was inferred, else NA.
sfs.tsv: allele_count n_alt n_minor, the site frequency spectrum of the ALT allele (`allel.sfs`) and of the minor
  allele (`allel.sfs_folded`, NA above n_samples) over autosomal records called in every sample.
fst.tsv: pop_a pop_b n_sites hudson_fst for each pair of sheet populations (sorted labels): Hudson's Fst as the
  ratio of the sums of `allel.hudson_fst` numerators and denominators over autosomal records (Bhatia et al. 2013),
  as `plink2 --fst method=hudson`. Header only with fewer than 2 populations.

Size: over 400 lines because one pass over each genotype block computes every statistic (HWE, F, singletons, sex,
SFS, Fst); splitting them would read each block several times.
"""

import itertools
from dataclasses import dataclass, field

import allel
import numpy as np

from af.allele_frequencies import diploid_masks
from af.store_chunks import chunk_tasks, computed_in_windows, open_store
from common.atomic import atomic_path
from common.contig_names import contig_key
from common.input_error import InputError
from common.rule_logging import get_logger, setup_logging
from structure.kinship import is_autosome

FIELDS = ["variants/CHROM", "variants/POS", "variants/REF", "variants/ALT", "variants/numalt", "calldata/GT"]
DIGITS = 6
MOMENT_ROWS = 4096  # variants per slice of the E(HOM) product
# What a dask.distributed worker must import to run popgen_block (store_chunks uploads the packages it lacks).
WORKER_MODULES = ["af.allele_frequencies", "structure.kinship", "structure.reference_panel", "structure.popgen_stats"]
NA = "NA"
# Pseudo-autosomal regions (1-based, inclusive) of chrX and chrY: GRCh37 and GRCh38 (UCSC / GRC definitions).
PAR = {
    "GRCh37": {"X": [(60_001, 2_699_520), (154_931_044, 155_260_560)],
               "Y": [(10_001, 2_649_520), (59_034_050, 59_363_566)]},
    "GRCh38": {"X": [(10_001, 2_781_479), (155_701_383, 156_030_895)],
               "Y": [(10_001, 2_781_479), (56_887_903, 57_217_415)]},
}  # fmt: skip
MALE_F, FEMALE_F = 0.8, 0.2  # plink --check-sex defaults
MIN_X_SITES = 10
MIN_Y_CALLS = 5
VARIANT_COLUMNS = ["CHROM", "POS", "REF", "ALT", "n_called", "n_hom_ref", "n_het", "n_hom_alt", "het_observed",
                   "het_expected", "hwe_p"]  # fmt: skip
SAMPLE_COLUMNS = ["sample_id", "n_sites", "o_hom", "e_hom", "inbreeding_f", "singletons", "chrx_sites", "chrx_het",
                  "chrx_f", "chry_alt_calls", "inferred_sex", "sheet_sex", "sex_agrees"]  # fmt: skip


def log_factorials(n):
    """log(k!) for k = 0..n (numpy has no lgamma; cumulative sums of logs are exact enough for p-values)."""
    return np.concatenate([[0.0], np.cumsum(np.log(np.arange(1, n + 1, dtype=np.float64)))])


def hwe_exact_p(n_het, n_hom_1, n_hom_2):
    """Hardy-Weinberg exact test p-values (Wigginton et al. 2005), arrays of shape (n_variants,) in, float out.

    The p-value sums the probabilities of all heterozygote counts, given the sample size and allele counts, that
    are no more likely than the observed one (ties included, relative tolerance 1e-9). Probabilities come from
    the closed form P(h) = 2^h n! nA! nB! / (h! hom_A! hom_B! (2n)!), normalised over h. scikit-allel has no
    exact test; written here. NaN where no genotype is called.
    """
    n_het, n_hom_1, n_hom_2 = (np.asarray(a, dtype=np.int64) for a in (n_het, n_hom_1, n_hom_2))
    n = n_het + n_hom_1 + n_hom_2
    rare = np.minimum(2 * n_hom_1 + n_het, 2 * n_hom_2 + n_het)
    p = np.full(n.shape, np.nan)
    called = np.flatnonzero(n > 0)
    if not called.size:
        return p
    log_fact = log_factorials(2 * int(n.max(initial=0)))
    # One p-value per distinct (n, rare, het) triple: far fewer than variants in a large cohort.
    triples, inverse = np.unique(np.stack([n[called], rare[called], n_het[called]], axis=1), axis=0,
                                 return_inverse=True)  # fmt: skip
    values = np.empty(len(triples))
    distribution = None
    for k, (size, n_rare, het) in enumerate(triples.tolist()):
        if k == 0 or (size, n_rare) != tuple(triples[k - 1, :2].tolist()):  # triples are sorted: one per (n, rare)
            distribution = het_count_distribution(size, n_rare, log_fact)
        hets, probability = distribution
        observed = probability[np.searchsorted(hets, het)]
        values[k] = min(1.0, probability[probability <= observed * (1 + 1e-9)].sum())
    p[called] = values[inverse.reshape(-1)]
    return p


def het_count_distribution(n, n_rare, log_fact):
    """(possible het counts, their probabilities) for n diploid samples carrying n_rare copies of the rarer allele."""
    hets = np.arange(n_rare % 2, n_rare + 1, 2)
    hom_rare = (n_rare - hets) // 2
    hom_common = n - hets - hom_rare
    log_p = (hets * np.log(2.0) + log_fact[n] - log_fact[hets] - log_fact[hom_rare] - log_fact[hom_common]
             + log_fact[n_rare] + log_fact[2 * n - n_rare] - log_fact[2 * n])  # fmt: skip
    probability = np.exp(log_p - log_p.max())
    return hets, probability / probability.sum()


def outside_par(chrom_name, pos, build):
    """Bool (n,) mask of positions outside the build's PARs of chromosome 'X' or 'Y' (all True for other builds)."""
    keep = np.ones(len(pos), dtype=bool)
    for start, end in PAR.get(build, {}).get(chrom_name, []):
        keep &= ~((pos >= start) & (pos <= end))
    return keep


@dataclass
class SampleTotals:
    """Per-sample sums over blocks; arrays (n_samples,)."""

    n_sites: np.ndarray
    o_hom: np.ndarray
    e_hom: np.ndarray
    singletons: np.ndarray
    x_sites: np.ndarray
    x_o_hom: np.ndarray
    x_e_hom: np.ndarray
    x_het: np.ndarray
    x_informative: np.ndarray
    y_alt_calls: np.ndarray

    @classmethod
    def zeros(cls, n):
        return cls(*(np.zeros(n) for _ in range(10)))

    def __add__(self, other):
        return SampleTotals(*(a + b for a, b in zip(self.values(), other.values(), strict=True)))

    def values(self):
        return [getattr(self, name) for name in self.__dataclass_fields__]


@dataclass
class CohortTotals:
    """Sums over blocks for the cohort: SFS counts (2n + 1,) and Hudson numerator/denominator sums per pair."""

    sfs: np.ndarray
    fst_num: dict = field(default_factory=dict)
    fst_den: dict = field(default_factory=dict)
    fst_sites: dict = field(default_factory=dict)

    def __add__(self, other):
        def merged(a, b):
            return {key: a.get(key, 0) + b.get(key, 0) for key in sorted(set(a) | set(b))}

        return CohortTotals(self.sfs + other.sfs, merged(self.fst_num, other.fst_num),
                            merged(self.fst_den, other.fst_den), merged(self.fst_sites, other.fst_sites))  # fmt: skip


@dataclass
class BlockGenotypes:
    """One block of biallelic diploid genotypes, its masks and allele counts computed once.

    Masks are bool (n_variants, n_samples); ac: allel.AlleleCountsArray (n_variants, 2); names: the chromosomes'
    contig keys (scripts/common/contig_names.py: 'chrX' and 'X' give 'X') and auto: is-autosome, both (n_variants,).
    scikit-allel's is_het/is_called reduce over the ploidy axis and took ~1.5 s each on 50,000 x 1,000 genotypes;
    allele_frequencies.diploid_masks gives the three masks in ~0.2 s, so they are made once here and every statistic
    reads them.
    """

    g: allel.GenotypeArray
    called: np.ndarray
    het: np.ndarray
    hom_alt: np.ndarray
    hom: np.ndarray
    ac: allel.AlleleCountsArray
    names: np.ndarray
    auto: np.ndarray

    @classmethod
    def of(cls, gt, chrom):
        missing, het, hom_alt = diploid_masks(gt)
        called = ~missing
        unique, inverse = np.unique(np.asarray(chrom, dtype=str), return_inverse=True)
        names = np.array([contig_key(c) for c in unique], dtype=str)[inverse.reshape(-1)]
        auto = np.array([is_autosome(c) for c in unique], dtype=bool)[inverse.reshape(-1)]
        g = allel.GenotypeArray(gt)
        hom = called & ~het
        return cls(g, called, het, hom_alt, hom, g.count_alleles(max_allele=1), names, auto)

    def alt_frequency(self):
        an = self.ac.sum(axis=1)
        return np.divide(self.ac[:, 1], an, out=np.zeros(len(an)), where=an > 0)


def moment_f(called, hom, p):
    """(n_sites, O(HOM), E(HOM)), each (n_samples,), from called/hom masks (n_variants, n_samples) and ALT
    frequencies p (n_variants,)."""
    expected_hom = 1 - 2 * p * (1 - p)
    n_sites = called.sum(axis=0)
    o_hom = hom.sum(axis=0)
    e_hom = np.zeros(called.shape[1])
    for first in range(0, called.shape[0], MOMENT_ROWS):  # a vector-matrix product per slice: bounded memory
        rows = slice(first, first + MOMENT_ROWS)
        e_hom += expected_hom[rows] @ called[rows].astype(np.float64)
    return n_sites, o_hom, e_hom


def sample_block_totals(block, pos, build):
    """SampleTotals of one block (a BlockGenotypes of biallelic records)."""
    called, hom, auto = block.called, block.hom, block.auto
    p = block.alt_frequency()
    n_sites, o_hom, e_hom = moment_f(called[auto], hom[auto], p[auto])
    carriers = block.het | block.hom_alt
    singletons = carriers[auto & (carriers.sum(axis=1) == 1)].sum(axis=0)
    x_rows = (block.names == "X") & outside_par("X", pos, build)
    x_sites, x_o_hom, x_e_hom = moment_f(called[x_rows], hom[x_rows], p[x_rows])
    x_het = block.het[x_rows].sum(axis=0)
    polymorphic = (p > 0) & (p < 1)
    x_informative = called[x_rows & polymorphic].sum(axis=0)
    y_rows = (block.names == "Y") & outside_par("Y", pos, build)
    y_alt = carriers[y_rows].sum(axis=0)
    return SampleTotals(n_sites, o_hom, e_hom, singletons, x_sites, x_o_hom, x_e_hom, x_het, x_informative, y_alt)


def cohort_block_totals(block, groups, totals):
    """Add one block's SFS and Hudson Fst sums to `totals` (CohortTotals). groups: {label: [sample indices]}."""
    ga = block.g[block.auto]
    ac = block.ac[block.auto]
    complete = ac.sum(axis=1) == 2 * ga.n_samples
    if complete.any():  # allel.sfs fails on an empty array (a block where every record has a missing genotype)
        totals.sfs += allel.sfs(ac[complete, 1], n=2 * ga.n_samples)
    pop_ac = ga.count_alleles_subpops(groups, max_allele=1) if groups else {}
    for a, b in itertools.combinations(sorted(groups), 2):
        num, den = allel.hudson_fst(pop_ac[a], pop_ac[b])
        ok = np.isfinite(num) & np.isfinite(den) & (den > 0)
        key = (a, b)
        totals.fst_num[key] = totals.fst_num.get(key, 0.0) + float(num[ok].sum())
        totals.fst_den[key] = totals.fst_den.get(key, 0.0) + float(den[ok].sum())
        totals.fst_sites[key] = totals.fst_sites.get(key, 0) + int(ok.sum())


def fmt(value):
    return NA if value is None or not np.isfinite(value) else f"{value:.{DIGITS}g}"


def fmt_column(values):
    """fmt of each value of a float array (n,), formatting each distinct value once: n strings."""
    values = np.asarray(values, dtype=np.float64)
    if not values.size:
        return []
    unique, inverse = np.unique(values, return_inverse=True)  # NaN sorts last and np.unique keeps it once
    texts = np.asarray([fmt(v) for v in unique], dtype=object)
    return texts[inverse.reshape(-1)]


def variant_rows(chrom, pos, ref, alt, block):
    """Text rows (no newline) of popgen_variants.tsv for one block (a BlockGenotypes). Built column-wise."""
    n_het, n_hom_alt, n_called = block.het.sum(axis=1), block.hom_alt.sum(axis=1), block.called.sum(axis=1)
    n_hom_ref = n_called - n_het - n_hom_alt
    with np.errstate(invalid="ignore", divide="ignore"):
        het_observed = n_het / n_called  # as allel.heterozygosity_observed: NaN where nothing is called
        het_expected = allel.heterozygosity_expected(block.ac.to_frequencies(), ploidy=2)
    hwe = np.full(len(pos), np.nan)
    hwe[block.auto] = hwe_exact_p(n_het[block.auto], n_hom_ref[block.auto], n_hom_alt[block.auto])
    columns = [
        [str(c) for c in chrom],
        [str(p) for p in np.asarray(pos).tolist()],
        [str(r) for r in ref],
        [str(a) or "." for a in alt],
        *([str(v) for v in np.asarray(counts).tolist()] for counts in (n_called, n_hom_ref, n_het, n_hom_alt)),
        fmt_column(het_observed),
        fmt_column(het_expected),
        fmt_column(hwe),
    ]
    return ["\t".join(fields) for fields in zip(*columns, strict=True)]


def inferred_sex(x_informative, chrx_f, y_alt_calls):
    """female / male / ambiguous / unknown from chrX F and chrY ALT calls (rules in the module docstring).

    x_informative: chrX sites (outside PARs) the sample has a call at where the cohort carries both alleles.
    """
    if x_informative >= MIN_X_SITES and np.isfinite(chrx_f):
        if chrx_f > MALE_F:
            return "male"
        if chrx_f < FEMALE_F:
            return "ambiguous" if y_alt_calls >= MIN_Y_CALLS else "female"
        return "ambiguous"
    return "male" if y_alt_calls >= MIN_Y_CALLS else "unknown"


def sex_agrees(sheet_sex, inferred):
    if sheet_sex in ("female", "male") and inferred in ("female", "male"):
        return "yes" if sheet_sex == inferred else "no"
    return NA


def f_coefficient(o_hom, e_hom, n_sites):
    with np.errstate(invalid="ignore", divide="ignore"):
        return (o_hom - e_hom) / (n_sites - e_hom)


def sample_rows(samples, totals, sheet_sexes):
    """Text rows (no newline) of popgen_samples.tsv."""
    f = f_coefficient(totals.o_hom, totals.e_hom, totals.n_sites)
    chrx_f = f_coefficient(totals.x_o_hom, totals.x_e_hom, totals.x_sites)
    rows = []
    for i, sample in enumerate(samples):
        sex = inferred_sex(totals.x_informative[i], chrx_f[i], totals.y_alt_calls[i])
        sheet = sheet_sexes.get(sample, "") or ""
        counts = [totals.n_sites[i], totals.o_hom[i]]
        tail = [totals.singletons[i], totals.x_sites[i], totals.x_het[i]]
        fields = [sample, *(str(int(c)) for c in counts), fmt(totals.e_hom[i]), fmt(f[i]), *(str(int(c)) for c in tail)]
        fields += [fmt(chrx_f[i]), str(int(totals.y_alt_calls[i])), sex, sheet or NA, sex_agrees(sheet, sex)]
        rows.append("\t".join(fields))
    return rows


def sfs_rows(sfs, n_samples):
    """Text rows of sfs.tsv: ALT count k = 0..2n, n_alt, and the folded count for k <= n."""
    folded = np.zeros(n_samples + 1, dtype=np.int64)
    for k, count in enumerate(sfs):
        folded[min(k, 2 * n_samples - k)] += int(count)
    return [f"{k}\t{int(sfs[k])}\t{folded[k] if k <= n_samples else NA}" for k in range(2 * n_samples + 1)]


def population_groups(samples, populations):
    """{label: [VCF sample indices]} for the non-empty sheet labels of VCF samples, labels sorted."""
    labels = sorted({populations.get(s) for s in samples if populations.get(s)})
    return {label: [i for i, s in enumerate(samples) if populations.get(s) == label] for label in labels}


def popgen_block(block, groups, build, n_samples):
    """Everything one block of records adds (runs as a dask task for the store): (popgen_variants.tsv text with
    newlines, records used, records skipped (not biallelic), SampleTotals, CohortTotals).

    block: {field: array} for FIELDS, calldata/GT (n_variants, n_samples, 2)."""
    biallelic = block["variants/numalt"] == 1
    skipped = int((~biallelic).sum())
    sample_totals = SampleTotals.zeros(n_samples)
    cohort = CohortTotals(sfs=np.zeros(2 * n_samples + 1, dtype=np.int64))
    if not biallelic.any():
        return "", 0, skipped, sample_totals, cohort
    chrom, pos = block["variants/CHROM"][biallelic], block["variants/POS"][biallelic]
    ref, alt = block["variants/REF"][biallelic], block["variants/ALT"][biallelic]
    genotypes = BlockGenotypes.of(block["calldata/GT"][biallelic], chrom)
    text = "".join(row + "\n" for row in variant_rows(chrom, pos, ref, alt, genotypes))
    sample_totals = sample_block_totals(genotypes, pos, build)
    cohort_block_totals(genotypes, groups, cohort)
    return text, len(pos), skipped, sample_totals, cohort


def write_popgen_outputs(results, samples, sheet_sexes, groups, outputs):
    """Write the four tables from an iterator of popgen_block results (in record order). Returns records used.

    outputs: (variants, samples, sfs, fst) paths."""
    log = get_logger()
    out_variants, out_samples, out_sfs, out_fst = outputs
    sample_totals = SampleTotals.zeros(len(samples))
    cohort = CohortTotals(sfs=np.zeros(2 * len(samples) + 1, dtype=np.int64))
    used = skipped = 0
    with atomic_path(out_variants) as tmp, open(tmp, "w") as out:
        out.write("\t".join(VARIANT_COLUMNS) + "\n")
        for text, n_used, n_skipped, block_samples, block_cohort in results:
            out.write(text)
            used, skipped = used + n_used, skipped + n_skipped
            sample_totals = sample_totals + block_samples
            cohort = cohort + block_cohort
    log.info("%d biallelic records used, %d other records skipped", used, skipped)
    with atomic_path(out_samples) as tmp, open(tmp, "w") as out:
        out.write("\t".join(SAMPLE_COLUMNS) + "\n")
        out.writelines(row + "\n" for row in sample_rows(samples, sample_totals, sheet_sexes))
    with atomic_path(out_sfs) as tmp, open(tmp, "w") as out:
        out.write("allele_count\tn_alt\tn_minor\n")
        out.writelines(row + "\n" for row in sfs_rows(cohort.sfs, len(samples)))
    with atomic_path(out_fst) as tmp, open(tmp, "w") as out:
        out.write("pop_a\tpop_b\tn_sites\thudson_fst\n")
        for a, b in sorted(cohort.fst_num):
            den = cohort.fst_den[(a, b)]
            value = cohort.fst_num[(a, b)] / den if den > 0 else np.nan
            out.write(f"{a}\t{b}\t{cohort.fst_sites[(a, b)]}\t{fmt(value)}\n")
    log.info("populations for Fst: %s", {label: len(ix) for label, ix in groups.items()})
    return used


def write_popgen_stats_from_store(store_path, build, sheet_sexes, populations, outputs, scheduler=None, threads=1):
    """The four tables (layouts in the module docstring) from the genotype store, one dask task per store chunk
    (scripts/af/store_chunks.py). outputs: (variants, samples, sfs, fst) paths. Returns the number of records used."""
    root, where, samples = open_store(store_path)
    if not samples:
        raise InputError(f"{where}: the store has no samples; population statistics need genotypes")
    groups = population_groups(samples, populations)
    tasks = chunk_tasks(root, popgen_block, groups, build, len(samples), where=where)
    results = computed_in_windows(tasks, scheduler, threads, WORKER_MODULES, get_logger())
    return write_popgen_outputs(results, samples, sheet_sexes, groups, outputs)


def main(smk):
    setup_logging(smk.log[0])
    outputs = (smk.output.variants, smk.output.samples, smk.output.sfs, smk.output.fst)
    write_popgen_stats_from_store(smk.input.store, smk.params.build, dict(smk.params.sexes),
                                  dict(smk.params.populations), outputs, scheduler=smk.params.scheduler,
                                  threads=smk.threads)  # fmt: skip


if __name__ == "__main__":
    main(snakemake)  # noqa: F821
