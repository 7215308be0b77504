"""Rule input_checksums: the sha256 of one sample's sheet files (alignment, truth files), once, for the provenance.

`resources/checksums/{sample}.json`: {"sample_id", "files": [{"role", "path" (as given), "bytes", "mtime_ns",
"sha256"}]}. Not a result (it holds paths and mtimes): rule provenance copies the sums into results/provenance.json
while the files keep that size and mtime (scripts/deliver/provenance.py).
"""

from common.rule_logging import setup_logging
from deliver.provenance import write_sample_checksums


def main(smk):
    log = setup_logging(smk.log[0])
    files = dict(smk.params.files)
    write_sample_checksums(smk.wildcards.sample, files, smk.output.json, log)
    log.info("wrote the checksums of %d file(s)", len(files))


if __name__ == "__main__":
    main(snakemake)  # noqa: F821
