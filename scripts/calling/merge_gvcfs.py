"""The cohort VCF of calling mode `incremental`: the QC-passing samples' gVCFs and the imported VCF rows merged.

`bcftools merge --gvcf` (no -0) then the joint path's normalisation and soft filters (gather_calls
`merge_into_cohort`): a sample inside one of its reference blocks gets 0/0 with the block's depth, a sample
without reads or record at a position gets ./., so the cohort VCF has the joint mode's shape.

No re-genotyping: bcftools has no joint genotyper over gVCFs (its blocks carry no PL), so each sample keeps
the genotype its own gVCF called. A site is in the cohort when some sample's gVCF calls it. What joint calling
adds is evidence shared between samples at a site (a weak allele in one sample supported by others); the README
("Calling modes") gives the difference measured on the GIAB/CEPH trio.
"""

from calling.gather_calls import merge_into_cohort
from common.input_error import InputError
from common.rule_logging import setup_logging
from qc.batch_qc import cohort_samples


def cohort_gvcfs(gvcf_samples, gvcfs, batch_qc_tsv):
    """The gVCFs of the samples batch QC keeps in the cohort, in sheet order."""
    wanted = set(cohort_samples(batch_qc_tsv))
    return [path for sample, path in zip(gvcf_samples, gvcfs, strict=True) if sample in wanted]


def merge_gvcfs(gvcfs, imported, fasta, out_vcf, out_tbi, filters=None, samples=None):
    """Merge `gvcfs` and `imported` (indexed) into the cohort VCF; `samples` (sheet order) orders the columns."""
    inputs = [*gvcfs, *imported]
    if not inputs:
        raise InputError("every sample failed QC (see results/qc/batch_qc.tsv): there is no cohort to call")
    merge_into_cohort(inputs, fasta, out_vcf, out_tbi, filters, samples, gvcf=True)


def main(smk):
    log = setup_logging(smk.log[0])
    gvcfs = cohort_gvcfs(list(smk.params.gvcf_samples), list(smk.input.gvcfs), smk.input.batch_qc)
    imported = list(smk.input.imported)
    log.info("merging %d gVCFs of QC-passing samples and %d imported VCF files", len(gvcfs), len(imported))
    merge_gvcfs(
        gvcfs,
        imported,
        smk.input.fasta,
        smk.output.vcf,
        smk.output.tbi,
        dict(smk.params.filters),
        list(smk.params.samples),
    )
    log.info("cohort calls written")


if __name__ == "__main__":
    main(snakemake)  # noqa: F821
