"""File names of the simulated demo batch (made by scripts/demo/simulate_demo.py under resources/demo/)."""

DEMO_DIR = "resources/demo"
DEMO_SAMPLES = ("demo01", "demo02", "demo03", "demo04", "demo05", "demo06")
CRAM_SAMPLES = ("demo06",)


def demo_files():
    """{key: path} of everything the simulate_demo rule writes (no indexes: the workflow makes those).

    reference: bgzipped GRCh38-shaped FASTA; regions: its sequence windows (BED, the demo config's `regions`);
    pgx_sites: the PGx panel positions as a sites VCF (tests; the workflow makes its own, rule pgx_sites);
    truth: the planted variants;
    pgs_score: a synthetic scoring file in the PGS Catalog format (the demo config's `pgs.scoring_files`);
    pgs_reference, pgs_reference_labels: the demo config's `pgs.reference_panel` (demo/demo_score_reference.py).
    """
    files = {
        "reference": f"{DEMO_DIR}/reference.fa.gz",
        "regions": f"{DEMO_DIR}/regions.bed",
        "pgx_sites": f"{DEMO_DIR}/pgx_sites.vcf",
        "truth": f"{DEMO_DIR}/truth.vcf.gz",
        "pgs_score": f"{DEMO_DIR}/demo_score.txt",
        "pgs_reference": f"{DEMO_DIR}/demo_score_reference.vcf",
        "pgs_reference_labels": f"{DEMO_DIR}/demo_score_reference_labels.tsv",
    }
    for sample in DEMO_SAMPLES:
        ext = "cram" if sample in CRAM_SAMPLES else "bam"
        files[sample] = f"{DEMO_DIR}/{sample}.{ext}"
    return files
