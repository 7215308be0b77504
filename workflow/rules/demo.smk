# The demo batch: a deterministic simulation (fixed seed) with a known truth, made on demand.
if config["demo"]:

    rule simulate_demo:
        output:
            **DEMO_FILES,
        log:
            "logs/demo/simulate_demo.log",
        benchmark:
            "benchmarks/demo/simulate_demo.tsv"
        conda:
            "../../envs/demo.yaml"
        threads: 2
        resources:
            mem_mb=by_attempt(2000),
            runtime=by_attempt(20),
        params:
            seed=20261125,
        script:
            "../../scripts/simulate_demo.py"
