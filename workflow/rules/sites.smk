# Known sites: every QC-passing sample genotyped at every listed position (hom-ref included, ./. where
# the reads are too few), so a panel reader such as PharmCAT can tell "reference" from "not covered".
# bcftools genotypes the given alleles for every caller's folder (scripts/sites/genotype_sites.py says why).
# Sheet rows that arrive already called (VCFs) have no reads to genotype: their own records at the listed positions
# are merged in (a position the VCF lacks is ./.), so every sample of the sheet is in sites.vcf.gz.
# The shipped panels' sites (PGX_SITES, CARRIER_SITES: workflow/rules/pgx.smk, carrier.smk) join sites.files; on a
# reference holding none of their positions they are empty, and so may the output be.
PANEL_SITES = [*PGX_SITES, *CARRIER_SITES, *CLINVAR_SITES]
if config["sites"]["files"] or PANEL_SITES:
    EXTRA_TARGETS.extend(expand("results/calls/{caller}/sites.vcf.gz", caller=CALLERS))


rule genotype_sites:
    input:
        **CALLED_ALIGNMENTS,
        fasta=REFERENCE,
        fai=REFERENCE_FAI,
        batch_qc="results/qc/batch_qc.tsv",
        sites=[*config["sites"]["files"], *PANEL_SITES],
        imported=IMPORTED,
        imported_csi=expand("{bcf}.csi", bcf=IMPORTED),
    output:
        vcf="results/calls/{caller}/sites.vcf.gz",
        tbi="results/calls/{caller}/sites.vcf.gz.tbi",
    log:
        "logs/calls/{caller}/genotype_sites.log",
    benchmark:
        "logs/benchmarks/calls/{caller}/genotype_sites.tsv"
    conda:
        "../../envs/sites.yaml"
    threads: 1
    resources:
        mem_mb=by_attempt(2000),
        runtime=by_attempt(60),
    params:
        samples=ALIGNMENT_IDS,
        sheet_samples=SAMPLE_IDS,
        min_depth=lookup(dpath="sites/min_depth", within=config),
        min_mapq=lookup(dpath="calling/min_mapq", within=config),
        min_baseq=lookup(dpath="calling/min_baseq", within=config),
        allow_empty=bool(PANEL_SITES),
    script:
        "../../scripts/sites/genotype_sites.py"
