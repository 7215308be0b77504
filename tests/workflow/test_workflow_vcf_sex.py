"""Genetic sex of samples that arrive as VCF rows whose males' chrX genotypes are haploid, as 1000 Genomes writes them.

No chrX genotypes are in ../shared, so the file is made the way the 1000 Genomes releases write chrX from real
genotypes: the 40 kb GRCh38 chr22 window of the 30x panel (its reference window: nf-core's genome.fasta, base
1 = chr22:16,570,000) is laid on a contig named chrX (3 Mb in, outside the pseudo-autosomal regions) as well as on
chr22; the 240 samples' chr22 genotypes are written diploid on chr22 and, on chrX, diploid for females and haploid
(`0`, `1`: the first allele of the phased genotype) for males. Oracles: the panel's own `gender` column for the men, and
plink's --check-sex rule worked here by hand from the file for everyone (F over chrX, E(HOM) = sum of 1 - 2pq;
F > 0.8 male, F < 0.2 female): this 40 kb window is a few haplotype blocks, so some women are homozygous at nearly
every site of it and the rule itself calls them male or ambiguous.
"""

import csv
import gzip
import subprocess

import numpy as np
import pytest

from workflow_runner import snakemake

pytestmark = pytest.mark.workflow
PANEL = "1000g_30x_3202_chr22_16.57-16.61Mb_grch38"
WINDOW = "nfcore_na12878_chr22_grch38/reference/genome.fasta"
OFFSET = 16_570_000 - 1  # window position = chr22 position - OFFSET
X_SHIFT = 3_000_000  # on chrX the window lies past the pseudo-autosomal region PAR1 (GRCh38 chrX:10,001-2,781,479)
N_SAMPLES = 240


@pytest.fixture(scope="module")
def haploid_run(tmp_path_factory):
    from conftest import TESTDATA

    panel, window = TESTDATA / PANEL, TESTDATA / WINDOW
    if not panel.is_dir() or not window.exists():
        pytest.skip(f"real test data {panel} or {window} is absent")
    batch = tmp_path_factory.mktemp("haploid_x")
    sequence = "".join(window.read_text().splitlines()[1:])
    (batch / "ref.fa").write_text(f">chr22\n{sequence}\n>chrX\n{'N' * X_SHIFT}{sequence}\n")
    with open(panel / "integrated_call_samples_v3.20130502.ALL.panel") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    males = [r["sample"] for r in rows if r["gender"] == "male"][: N_SAMPLES // 2]
    females = [r["sample"] for r in rows if r["gender"] == "female"][: N_SAMPLES // 2]
    chosen = sorted(males + females)
    text = subprocess.run(["bcftools", "view", "--no-version", "-s", ",".join(chosen), "-r",
                           f"chr22:{OFFSET + 1}-{OFFSET + len(sequence)}", str(panel / "1000GP.chr22.vcf.gz")],
                          capture_output=True, text=True, check=True).stdout  # fmt: skip
    header, records = [], []
    for line in text.splitlines():
        if line.startswith("##contig"):
            continue
        if line.startswith("#"):
            header.append(line)
            continue
        f = line.split("\t")
        f[1] = str(int(f[1]) - OFFSET)
        records.append("\t".join(f[:8] + ["GT"] + [g.split(":")[0] for g in f[9:]]))
    names = header[-1].split("\t")[9:]
    male = [n in set(males) for n in names]
    x_records = []
    for record in records:
        f = record.split("\t")
        f[0], f[1] = "chrX", str(int(f[1]) + X_SHIFT)
        f[9:] = [g[0] if is_male else g for g, is_male in zip(f[9:], male, strict=True)]
        x_records.append("\t".join(f))
    with gzip.open(batch / "panel_x.vcf.gz", "wt") as fh:  # plain gzip, no index, no ##contig lines
        fh.write("\n".join(header + records + x_records) + "\n")
    sheet = "".join(f"{n}\tpanel_x.vcf.gz\t{n}\n" for n in names)
    (batch / "samples.tsv").write_text("sample_id\tvcf\tvcf_sample\n" + sheet)
    (batch / "config.yaml").write_text(
        "samples: samples.tsv\nreference: ref.fa\nbuild: GRCh38\nstructure:\n  panel: none\n"
    )
    snakemake(batch, "--cores", "2", "results/af/samples.tsv", configfile=batch / "config.yaml")
    return batch, set(males), len(records), check_sex_by_hand(x_records, names)


def check_sex_by_hand(x_records, names):
    """{sample: sex} by plink's --check-sex rule, haploid calls read as homozygous."""
    calls = np.array([[g.replace("|", "/") if len(g) > 1 else f"{g}/{g}" for g in r.split("\t")[9:]]
                      for r in x_records])  # fmt: skip
    alt = (calls == "1/1") * 2 + ((calls == "0/1") | (calls == "1/0"))
    p = alt.sum(axis=1) / (2 * calls.shape[1])
    informative = (p > 0) & (p < 1)
    e_hom = (1 - 2 * p * (1 - p))[informative].sum()
    o_hom = (alt[informative] != 1).sum(axis=0)
    f = (o_hom - e_hom) / (informative.sum() - e_hom)
    return {n: "male" if x > 0.8 else "female" if x < 0.2 else "ambiguous" for n, x in zip(names, f, strict=True)}


def test_haploid_male_chrx_gives_every_sample_its_sex(haploid_run):
    batch, males, n_records, by_hand = haploid_run
    assert n_records > 100
    inferred = {r["sample_id"]: r["inferred_sex"]
                for r in csv.DictReader(open(batch / "results/af/samples.tsv"), delimiter="\t")}  # fmt: skip
    assert len(inferred) == N_SAMPLES
    assert {s for s, sex in inferred.items() if sex == "male"} >= males  # all 120 (before: unknown)
    assert inferred == by_hand
    assert sum(sex == "female" for sex in by_hand.values()) >= 60
