"""PharmCAT's own test VCFs (tests/data/pharmcat_test_vcfs, see its SOURCE.md) as one sample sheet: one report each.

They are written as PharmCAT's users hand VCFs over: most declare no ##contig, undeclared INFO flags, reference calls
as 0/0 records, positions that later definitions added are absent. The reference is the demo genome (the shipped
definitions' GRCh38 REF at every defining position, scripts/demo/simulate_demo.py), with its windows as `regions`.
Oracles: the call each file is named for (expected.tsv, written by hand from PharmCAT's test names), and the files'
own records read here with plain Python: a defining position the file has a record for is a call (ref or variant,
hom-ref included), a position it lacks is a no-call, never reference.
"""

import csv
import json
from pathlib import Path

import pysam
import pytest

from demo.simulate_demo import regions_bed_text, simulate_genome, write_reference
from workflow_runner import REPO, snakemake

pytestmark = pytest.mark.workflow
DATA = Path(__file__).resolve().parents[1] / "data" / "pharmcat_test_vcfs"
SEED = 20261125


def sample_id(name):
    """A sheet ID for a file name: 'VKORC1/-1639G-1639A.vcf' -> 'VKORC1_m1639G_m1639A'."""
    return name.removesuffix(".vcf").replace("/", "_").replace("-", "m")


def panel_genome_batch(batch, seed):
    """`batch` with reference.fa.gz and regions.bed of the demo genome of the shipped PGx and carrier panels (their
    GRCh38 REF at every defining position; `seed` draws the rest), for VCF rows written on GRCh38."""
    genome = simulate_genome(seed, REPO / "config/panels/pgx", REPO / "config/panels/carrier/carrier_panel.tsv")
    work = batch / "work"
    work.mkdir()
    write_reference(genome, batch / "reference.fa.gz", work, 2)
    (batch / "regions.bed").write_text(regions_bed_text(genome.windows))
    return batch


@pytest.fixture(scope="module")
def pharmcat_run(tmp_path_factory):
    batch = panel_genome_batch(tmp_path_factory.mktemp("pharmcat"), SEED)
    with open(DATA / "expected.tsv") as fh:
        expected = list(csv.DictReader(fh, delimiter="\t"))
    sheet = "".join(f"{sample_id(row['file'])}\t{DATA / row['file']}\n" for row in expected)
    (batch / "samples.tsv").write_text("sample_id\tvcf\n" + sheet)
    (batch / "config.yaml").write_text(
        "samples: samples.tsv\nreference: reference.fa.gz\nregions: regions.bed\nbuild: GRCh38\n"
        "structure:\n  panel: none\n"
    )
    proc = snakemake(batch, "--cores", "2", configfile=batch / "config.yaml")
    return batch, expected, proc


def file_genotypes(path, reference):
    """{(chrom, pos) and rsID: GT} of a single-sample VCF's records, read as text; None where the record's REF is not
    the reference's (the import leaves such a record out and lists it). The rsID finds an indel the file writes
    shifted (rs9332131 as AA>A at 94949282, which normalisation left-aligns to PharmCAT's GA>G at 94949281)."""
    found = {}
    for line in path.read_text().splitlines():
        if not line.startswith("#"):
            f = line.split("\t")
            pos, ref = int(f[1]), f[3]
            agrees = reference.fetch(f[0], pos - 1, pos - 1 + len(ref)).upper() == ref
            found[(f[0], pos)] = f[9].split(":")[0] if agrees else None
            if f[2].startswith("rs"):
                found[f[2]] = found[(f[0], pos)]
    return found


def test_every_file_gets_its_report(pharmcat_run):
    batch, expected, _ = pharmcat_run
    for row in expected:
        sample = sample_id(row["file"])
        assert (batch / f"results/report/{sample}.html").stat().st_size > 0
        assert json.loads((batch / f"results/report/{sample}.json").read_text())["sample_id"] == sample


def test_each_file_gets_the_call_it_is_named_for(pharmcat_run):
    batch, expected, _ = pharmcat_run
    calls = json.loads((batch / "results/pgx/pgx_calls.json").read_text())
    got = {row["file"]: calls[sample_id(row["file"])][row["gene"]]["pharmcat_top"][:1] for row in expected}
    assert got == {row["file"]: [row["top_diplotype"]] for row in expected}


def test_a_position_the_file_has_is_called_and_one_it_lacks_is_a_no_call(pharmcat_run):
    batch, expected, _ = pharmcat_run
    n_ref = n_absent = 0
    reference = pysam.FastaFile(str(batch / "reference.fa.gz"))
    for row in expected:
        report = json.loads((batch / f"results/report/{sample_id(row['file'])}.json").read_text())
        in_file = file_genotypes(DATA / row["file"], reference)
        for call in report["pgx"][row["gene"]]["calls"]:
            key = (call["chrom"], call["pos"])
            gt = in_file.get(key) if key in in_file else in_file.get(call["rsid"])
            if gt is None:
                n_absent += 1
                assert call["status"] in ("no_call", "not_covered"), (row["file"], call)
            elif "." not in gt:
                n_ref += gt.replace("|", "/") == "0/0"
                assert call["status"] in ("ref", "variant", "not_covered"), (row["file"], call)
    assert n_ref > 300 and n_absent > 20
