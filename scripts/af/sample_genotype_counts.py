"""Per-sample genotype counts (het / hom-alt SNVs and indels, other variants, no-calls): the kernel and the table.

The counts the reports show for each sample. They are counted once per batch (rule genotype_counts, from the genotype
store: scripts/af/genotype_counts.py) into results/af/genotype_counts.tsv, which every report job reads; before, every
report job counted them again from the whole cohort VCF (`count_genotypes`, kept for a VCF at hand: tests and the
delivery step).

genotype_counts.tsv: one row per cohort sample in the VCF's (= the store's) column order: sample_id, n_sites (the
cohort's number of records, the same on every row), then COUNT_KEYS. A genotype with any missing allele is a
no-call; het = called with differing alleles; hom-alt = called, all alleles equal and not REF. A genotype is typed by
the highest allele class it carries (SNV < INDEL < OTHER; `allele_class`).

Pure numpy and the standard library (scikit-allel only inside `count_genotypes`): the report scripts import it.
"""

import functools
import warnings

import numpy as np

from common.atomic import atomic_path
from common.input_error import InputError
from common.rule_logging import get_logger

COUNT_KEYS = ("n_snv_het", "n_snv_hom_alt", "n_indel_het", "n_indel_hom_alt", "n_other", "n_no_call")
TABLE_COLUMNS = ("sample_id", "n_sites", *COUNT_KEYS)
# Allele classes; a genotype takes the highest class among the alleles it carries.
REF, SNV, INDEL, OTHER = 0, 1, 2, 3
CELLS_PER_BLOCK = 4_000_000  # genotypes (variants x samples) held per VCF block: bounds memory for big cohorts
# ALT alleles that are no variant of their own: missing, mpileup's unobserved allele, gVCF's <NON_REF>, and `*`
# (a base deleted by an overlapping record, which counts that deletion itself).
NOT_A_VARIANT = frozenset({".", "X", "<X>", "<*>", "<NON_REF>", "*"})


@functools.lru_cache(maxsize=1 << 16)
def allele_class(ref, alt):
    """SNV, INDEL, OTHER (MNP, complex, symbolic, breakend) or REF for one ALT allele against REF.

    Written here because neither pysam nor scikit-allel types alleles; it follows htslib's typing (vcf.c,
    bcf_set_variant_type) so the counts match `bcftools stats`: after trimming the shared prefix and then the
    shared suffix (keeping one base), one base against one is an SNV, one base matching the other's end is an
    indel (`TCAC>C`), and anything else is OTHER (`AC>T`).
    """
    if alt == "":
        return OTHER  # padding of a shorter ALT list: never carried in valid data
    if alt.upper() in NOT_A_VARIANT:
        return REF
    ref, alt = ref.upper(), alt.upper()
    if len(ref) == 1 and len(alt) == 1:
        return REF if ref == alt else SNV
    if alt.startswith("<") or "[" in alt or "]" in alt:
        return OTHER
    shared = 0
    while shared < min(len(ref), len(alt)) and ref[shared] == alt[shared]:
        shared += 1
    r, a = ref[shared:], alt[shared:]
    if not r or not a:
        return INDEL if r or a else REF
    tail = 0
    while tail < min(len(r), len(a)) - 1 and r[-1 - tail] == a[-1 - tail]:
        tail += 1
    r, a = r[: len(r) - tail], a[: len(a) - tail]
    if len(r) == 1 and len(a) == 1:
        return SNV
    if len(r) == 1 or len(a) == 1:
        return INDEL if r[-1] == a[-1] else OTHER
    return OTHER


def allele_classes(ref, alt):
    """Class of every allele: ref (n_variants,) str, alt (n_variants, n_alt) str -> (n_variants, n_alt + 2) int8.

    Column 0 is REF (class REF), columns 1..n_alt the ALT alleles (see allele_class), and the last column OTHER
    for allele indexes beyond what was read (more ALTs than scikit-allel's `alt_number`).
    """
    n_variants, n_alt = alt.shape
    classes = np.full((n_variants, n_alt + 2), OTHER, dtype=np.int8)
    classes[:, 0] = REF
    for i in range(n_variants):
        for j in range(n_alt):
            classes[i, j + 1] = allele_class(ref[i], alt[i, j])
    return classes


def count_block(gt, classes):
    """Counts per sample for one block: gt (n_variants, n_samples, ploidy) int, classes from allele_classes.

    Returns (len(COUNT_KEYS), n_samples) int64, rows in COUNT_KEYS order.
    """
    n_variants, n_samples, _ = gt.shape
    beyond = classes.shape[1] - 1
    index = np.where(gt < 0, 0, np.minimum(gt, beyond)).astype(np.intp)
    carried = np.take_along_axis(
        np.broadcast_to(classes[:, None, :], (n_variants, n_samples, classes.shape[1])), index, axis=2
    ).max(axis=2)
    called = (gt >= 0).all(axis=2)
    het = called & (gt != gt[:, :, :1]).any(axis=2)
    hom_alt = called & ~het & (gt[:, :, 0] > 0)
    rows = [
        het & (carried == SNV),
        hom_alt & (carried == SNV),
        het & (carried == INDEL),
        hom_alt & (carried == INDEL),
        (het | hom_alt) & (carried == OTHER),
        ~called,
    ]
    return np.stack([row.sum(axis=0, dtype=np.int64) for row in rows])


def as_dict(samples, totals):
    """{sample: {count key: int}} from (len(COUNT_KEYS), n_samples) totals, samples in column order."""
    return {s: {key: int(totals[k, i]) for k, key in enumerate(COUNT_KEYS)} for i, s in enumerate(samples)}


def count_genotypes(vcf_path, log=None, chunk_length=None):
    """One pass over the VCF: ({sample: {count key: int}}, n_sites), samples in VCF column order.

    Reads REF, ALT and GT only, in blocks of `chunk_length` variants (default: about CELLS_PER_BLOCK genotypes).
    Multi-allelic records are typed allele by allele (up to scikit-allel's default 3 ALTs; beyond: OTHER).
    """
    import allel  # imported here: the report jobs read the counts table and need no VCF parser

    log = log or get_logger()
    with warnings.catch_warnings():
        # scikit-allel warns about INFO headers it cannot parse (bcftools' VDB has a Version key); INFO is not read.
        warnings.filterwarnings("ignore", message="invalid INFO header")
        samples = list(allel.read_vcf_headers(str(vcf_path)).samples)
        totals = np.zeros((len(COUNT_KEYS), len(samples)), dtype=np.int64)
        n_sites = 0
        if not samples:
            return {}, 0
        chunk_length = chunk_length or max(1024, CELLS_PER_BLOCK // len(samples))
        _, _, _, blocks = allel.iter_vcf_chunks(
            str(vcf_path), fields=["variants/REF", "variants/ALT", "calldata/GT"], chunk_length=chunk_length
        )
        for chunk, n_block, _, _ in blocks:
            totals += count_block(chunk["calldata/GT"], allele_classes(chunk["variants/REF"], chunk["variants/ALT"]))
            n_sites += n_block
            log.info("counted genotypes of %d variants x %d samples", n_sites, len(samples))
    return as_dict(samples, totals), n_sites


# ---------------------------------------------------------------- the table


def write_table(path, samples, totals, n_sites):
    """Write genotype_counts.tsv (layout in the module docstring); totals (len(COUNT_KEYS), n_samples) int."""
    with atomic_path(path) as tmp, open(tmp, "w") as out:
        out.write("\t".join(TABLE_COLUMNS) + "\n")
        for i, sample in enumerate(samples):
            out.write("\t".join([sample, str(n_sites), *(str(int(v)) for v in totals[:, i])]) + "\n")


def read_table(path):
    """({sample: {count key: int}}, n_sites) from genotype_counts.tsv, samples in file order; InputError names the
    file, and the sample and column of a bad value."""
    with open(path) as fh:
        header = fh.readline().rstrip("\n").split("\t")
        if tuple(header) != TABLE_COLUMNS:
            raise InputError(f"{path}: header is {header}, expected {list(TABLE_COLUMNS)}")
        counts, sites = {}, set()
        for number, line in enumerate(fh, start=2):
            fields = line.rstrip("\n").split("\t")
            if len(fields) != len(TABLE_COLUMNS):
                raise InputError(f"{path}: line {number} has {len(fields)} fields, expected {len(TABLE_COLUMNS)}")
            sample = fields[0]
            try:
                values = [int(v) for v in fields[1:]]
            except ValueError:
                raise InputError(f"{path}: sample {sample!r}: a count is not an integer: {fields[1:]}") from None
            sites.add(values[0])
            counts[sample] = dict(zip(COUNT_KEYS, values[1:], strict=True))
    if len(sites) > 1:
        raise InputError(f"{path}: n_sites differs between rows ({sorted(sites)}); the table is not of one cohort")
    return counts, sites.pop() if sites else 0
