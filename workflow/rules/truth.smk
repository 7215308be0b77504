# Benchmarking each caller's calls against per-sample truth sets (sample-sheet columns truth_vcf and,
# optionally, truth_bed): one job per caller for all truth samples (scripts/truth/benchmark_truth.py).
TRUTH_SAMPLES = [s for s in SAMPLE_IDS if SAMPLES[s].get("truth_vcf")]
# {sample: {"vcf": path, "bed": path or None}}: what the script compares; the file lists below are the rule's inputs.
TRUTH = {
    s: {"vcf": SAMPLES[s]["truth_vcf"], "bed": SAMPLES[s].get("truth_bed")}
    for s in TRUTH_SAMPLES
}
TRUTH_VCFS = [TRUTH[s]["vcf"] for s in TRUTH_SAMPLES]
TRUTH_BEDS = [TRUTH[s]["bed"] for s in TRUTH_SAMPLES if TRUTH[s]["bed"]]

EXTRA_TARGETS += expand(
    "results/benchmark/{caller}/{sample}.{ext}",
    caller=CALLERS,
    sample=TRUTH_SAMPLES,
    ext=["tsv", "png"],
)


if TRUTH_SAMPLES:

    rule benchmark_truth:
        input:
            vcf="results/calls/{caller}/cohort.vcf.gz",
            tbi="results/calls/{caller}/cohort.vcf.gz.tbi",
            fasta=REFERENCE,
            fai=REFERENCE_FAI,
            truth_vcfs=TRUTH_VCFS,
            truth_beds=TRUTH_BEDS,
            regions=regions_bed(),
        output:
            tsv=expand(
                "results/benchmark/{{caller}}/{sample}.tsv", sample=TRUTH_SAMPLES
            ),
            png=[
                report(
                    f"results/benchmark/{{caller}}/{sample}.png",
                    caption="../report/truth_benchmark.rst",
                    category="Quality control",
                    subcategory="Truth sets",
                    labels={"name": sample, "type": "figure"},
                )
                for sample in TRUTH_SAMPLES
            ],
        log:
            "logs/benchmark/{caller}.log",
        benchmark:
            "logs/benchmarks/benchmark/{caller}.tsv"
        conda:
            "../../envs/truth.yaml"
        threads: 1
        resources:
            mem_mb=by_attempt(2000),
            runtime=by_attempt(60),
        params:
            samples=TRUTH_SAMPLES,
            truth=TRUTH,
        script:
            "../../scripts/truth/benchmark_truth.py"
