"""Tests for scripts/structure/kinship.py and the relatedness rule.

Oracles: `plink2 --make-king-table` (KING-robust, run here on the same VCFs), textbook kinship coefficients of a
simulated pedigree (parent-offspring and full sibs 1/4, grandparent and avuncular 1/8, first cousins 1/16,
unrelated 0), the KING paper's degree thresholds, and the GIAB/CEPH trio (PROVENANCE: NA12891/NA12892 are HG001's
parents, HG002 unrelated, 0 Mendelian errors in the window, which forces IBS0 = 0 for both parent-child pairs).

Measured on the trio workflow calls (~85 sites per pair; identical to plink2): HG001-NA12891 0.0385,
HG001-NA12892 -0.130, HG001-HG002 0.148, NA12891-NA12892 -1.31, NA12891-HG002 0, NA12892-HG002 -0.352. Far too
few sites for KING-robust (NA12892 is het at 60 of 88 sites, F = -1.39), so every pair is too_few_sites.
"""

import csv
import subprocess

import numpy as np
import pytest

from af.vcf_to_store import vcf_to_store
from structure.kinship import (
    KingCounts,
    degree,
    king_robust,
    pedigree_kinship,
    relatedness_rows,
    sample_rows,
    store_king_counts,
    write_relatedness,
)
from trio_data import trio_folder
from workflow_runner import snakemake

N_SITES = 6000
MISSING_RATE = 0.03
# founders: fa, mo, spouse, unrel; fa x mo -> kid1, kid2 (full sibs); kid1 x spouse -> grandkid
PEDIGREE = {
    "fa": (None, None),
    "mo": (None, None),
    "kid1": ("fa", "mo"),
    "kid2": ("fa", "mo"),
    "spouse": (None, None),
    "grandkid": ("kid1", "spouse"),
    "unrel": (None, None),
}
TRIO = "giab_ceph_trio_hg002_chr20_grch37"


def simulate_pedigree(seed=7):
    """Genotypes (n_sites, n_samples, 2) by Mendelian transmission from random founders; a few calls set missing."""
    rng = np.random.default_rng(seed)
    freq = rng.uniform(0.05, 0.95, N_SITES)
    sites = np.arange(N_SITES)
    genotypes = {}
    for name, (father, mother) in PEDIGREE.items():
        if father is None:
            genotypes[name] = (rng.random((N_SITES, 2)) < freq[:, None]).astype(int)
        else:
            from_father = genotypes[father][sites, rng.integers(0, 2, N_SITES)]
            from_mother = genotypes[mother][sites, rng.integers(0, 2, N_SITES)]
            genotypes[name] = np.stack([from_father, from_mother], axis=1)
    gt = np.stack([genotypes[name] for name in PEDIGREE], axis=1)
    gt[rng.random(gt.shape[:2]) < MISSING_RATE] = -1
    return gt


def write_vcf(path, gt, samples):
    """A VCF over chromosomes 1-22 (plink2 --make-king reads autosomes only) from allele indices, -1 = missing."""
    chrom = 1 + np.arange(len(gt)) * 22 // len(gt)
    columns = ["#CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO", "FORMAT", *samples]
    lines = ["##fileformat=VCFv4.2", *[f"##contig=<ID={c}>" for c in range(1, 23)],
             '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">', "\t".join(columns)]  # fmt: skip
    for v in range(len(gt)):
        calls = ["./." if a < 0 else f"{a}/{b}" for a, b in gt[v]]
        lines.append(f"{chrom[v]}\t{1000 + v * 100}\t.\tA\tG\t.\t.\t.\tGT\t" + "\t".join(calls))
    path.write_text("\n".join(lines) + "\n")


def plink2_king(vcf, folder, *extra):
    """{(iid1, iid2) unordered: (nsnp, hethet, ibs0, kinship)} from plink2 --make-king-table counts."""
    out = folder / "king"
    cmd = ["plink2", "--vcf", str(vcf), *extra, "--make-king-table", "counts", "--out", str(out)]
    subprocess.run(cmd, check=True, capture_output=True)
    table = {}
    with open(f"{out}.kin0") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            key = frozenset((row["#IID1"], row["IID2"]))
            table[key] = (int(row["NSNP"]), int(row["HETHET"]), int(row["IBS0"]), float(row["KINSHIP"]))
    return table


@pytest.fixture(scope="module")
def simulated(tmp_path_factory):
    folder = tmp_path_factory.mktemp("king")
    vcf = folder / "pedigree.vcf"
    write_vcf(vcf, simulate_pedigree(), list(PEDIGREE))
    vcf_to_store(vcf, folder / "cohort.zarr", workers=1)  # the workflow reads the cohort's genotype store
    samples, counts, used = store_king_counts(folder / "cohort.zarr")
    return folder, vcf, samples, counts, king_robust(counts)


def test_kinship_equals_plink2_make_king(simulated):
    folder, vcf, samples, counts, phi = simulated
    plink = plink2_king(vcf, folder)
    assert len(plink) == len(samples) * (len(samples) - 1) // 2
    for i, a in enumerate(samples):
        for j, b in enumerate(samples[:i]):
            nsnp, hethet, ibs0, kinship = plink[frozenset((a, b))]
            assert (counts.both_called[i, j], counts.hethet[i, j], counts.ibs0[i, j]) == (nsnp, hethet, ibs0)
            assert phi[i, j] == pytest.approx(kinship, abs=1e-6), (a, b)  # plink2 prints 6 significant digits


@pytest.mark.parametrize(
    ("a", "b", "expected", "tolerance"),
    [
        ("fa", "kid1", 0.25, 0.03),  # parent-offspring
        ("mo", "kid2", 0.25, 0.03),
        ("spouse", "grandkid", 0.25, 0.03),
        ("kid1", "kid2", 0.25, 0.04),  # full sibs (IBD sharing varies more)
        ("fa", "grandkid", 0.125, 0.035),  # grandparent
        ("kid2", "grandkid", 0.125, 0.035),  # avuncular
        ("fa", "mo", 0.0, 0.03),
        ("unrel", "kid1", 0.0, 0.03),
        ("spouse", "kid2", 0.0, 0.03),
    ],
)
def test_simulated_kinship_is_near_the_pedigree_value(simulated, a, b, expected, tolerance):
    _, _, samples, _, phi = simulated
    assert phi[samples.index(a), samples.index(b)] == pytest.approx(expected, abs=tolerance)


def test_counts_summed_over_small_blocks_equal_one_block(simulated, tmp_path):
    _, vcf, _, counts, _ = simulated
    vcf_to_store(vcf, tmp_path / "cohort.zarr", chunk_variants=97, workers=1)
    _, blocked, used = store_king_counts(tmp_path / "cohort.zarr")
    assert used == N_SITES
    for field in ("hethet", "ibs0", "het_called", "both_called"):
        assert np.array_equal(getattr(blocked, field), getattr(counts, field))


def test_relatedness_table_agrees_with_the_pedigree(simulated, tmp_path):
    folder, _, _, _, _ = simulated
    parents = {name: pair for name, pair in PEDIGREE.items()}
    write_relatedness(folder / "cohort.zarr", parents, tmp_path / "rel.tsv", tmp_path / "kin.png")
    with open(tmp_path / "rel.tsv") as fh:
        rows = {(r["sample_a"], r["sample_b"]): r for r in csv.DictReader(fh, delimiter="\t")}
    assert len(rows) == 21
    assert rows[("fa", "kid1")]["relationship"] == "first_degree"
    assert rows[("kid1", "kid2")]["relationship"] == "first_degree"
    assert rows[("fa", "grandkid")]["relationship"] == "second_degree"
    assert rows[("fa", "unrel")]["relationship"] == "unrelated"
    assert all(r["pedigree_agrees"] == "yes" for r in rows.values()), [
        k for k, r in rows.items() if r["pedigree_agrees"] != "yes"
    ]
    # a sheet claiming unrel is fa's child: that pair disagrees, the rest still agree
    wrong = dict(parents, unrel=("fa", None))
    outs = {"out_samples": tmp_path / "samples2.tsv", "out_relatives": tmp_path / "relatives2.tsv"}
    write_relatedness(folder / "cohort.zarr", wrong, tmp_path / "rel2.tsv", tmp_path / "kin2.png", **outs)
    with open(tmp_path / "rel2.tsv") as fh:
        table = list(csv.DictReader(fh, delimiter="\t"))
    flagged = [(r["sample_a"], r["sample_b"]) for r in table if r["pedigree_agrees"] == "no"]
    # unrel's claimed kin: fa (parent), kid1/kid2 (half sibs), grandkid (half-avuncular 1/16: third degree)
    assert sorted(flagged) == [("fa", "unrel"), ("grandkid", "unrel"), ("kid1", "unrel"), ("kid2", "unrel")]
    # What the reports read: the rows of the related pairs (by degree or pedigree) or disagreeing ones, as they are in
    # relatedness.tsv, and every sample's 6 pairs (none called at too few sites here)
    related = [r for r in table if r["relationship"] != "unrelated" or r["expected_relationship"] != "unrelated"
               or r["pedigree_agrees"] == "no"]  # fmt: skip
    with open(outs["out_relatives"]) as fh:
        assert list(csv.DictReader(fh, delimiter="\t")) == related
    assert len(related) < len(table) and ("fa", "unrel") in {(r["sample_a"], r["sample_b"]) for r in related}
    lines = outs["out_samples"].read_text().splitlines()
    assert lines[0] == "sample_id\tn_pairs\tn_pairs_too_few_sites"
    assert sorted(lines[1:]) == sorted(f"{s}\t6\t0" for s in PEDIGREE)
    assert (tmp_path / "kin.png").read_bytes()[:4] == b"\x89PNG"


def test_no_pedigree_gives_na(simulated, tmp_path):
    folder, _, _, _, _ = simulated
    write_relatedness(folder / "cohort.zarr", {}, tmp_path / "rel.tsv", tmp_path / "kin.png")
    with open(tmp_path / "rel.tsv") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    assert {r["pedigree_agrees"] for r in rows} == {"NA"} and {r["expected_relationship"] for r in rows} == {"NA"}


def test_pedigree_kinship_textbook_values():
    parents = {
        "a": (None, None), "b": (None, None), "c": ("a", "b"), "d": ("a", "b"), "e": (None, None),
        "f": (None, None), "g": ("c", "e"), "h": ("d", "f"), "i": ("c", "d"), "j": ("a", "x"),
    }  # fmt: skip
    names = list(parents)
    phi = pedigree_kinship(names, parents)

    def k(x, y):
        return phi[names.index(x), names.index(y)]

    assert k("a", "c") == 0.25 and k("c", "d") == 0.25  # parent-offspring, full sibs
    assert k("a", "g") == 0.125 and k("d", "g") == 0.125  # grandparent, avuncular
    assert k("g", "h") == 0.0625  # first cousins
    assert k("c", "j") == 0.125  # half sibs through a; x is a named parent absent from the sheet
    assert k("i", "i") == 0.625  # child of full sibs: (1 + 1/4) / 2
    assert k("a", "b") == 0.0 and k("a", "a") == 0.5
    assert pedigree_kinship(names, {n: (None, None) for n in names}) is None


@pytest.mark.parametrize(
    ("phi", "label"),
    [(0.45, "duplicate_or_mz"), (0.3541, "duplicate_or_mz"), (0.354, "first_degree"), (0.25, "first_degree"),
     (0.177, "second_degree"), (0.125, "second_degree"), (0.0884, "third_degree"), (0.0625, "third_degree"),
     (0.0442, "unrelated"), (-0.2, "unrelated"), (float("nan"), "NA")],
)  # fmt: skip
def test_degree_thresholds_from_the_king_paper(phi, label):
    assert degree(phi) == label


def test_king_by_hand_on_two_samples():
    """6 sites, both called everywhere: het/het at 2, het/hom at 2 (i het), AA/aa at 1, hom/hom same at 1.
    N_Aa_i = 4, N_Aa_j = 2, min 2: phi = (2 - 2*1) / (2*2) + 1/2 - (4 + 2) / (4*2) = 0 + 0.5 - 0.75 = -0.25."""
    gt = np.array([[[0, 1], [0, 1]], [[0, 1], [1, 0]], [[0, 1], [0, 0]], [[1, 0], [1, 1]],
                   [[0, 0], [1, 1]], [[1, 1], [1, 1]]])  # fmt: skip
    from structure.kinship import king_counts

    counts = king_counts(gt)
    assert counts.hethet[0, 1] == 2 and counts.ibs0[0, 1] == 1 and counts.het_called[0, 1] == 4
    assert king_robust(counts)[0, 1] == pytest.approx(-0.25)


def test_too_few_sites_is_not_a_degree():
    counts = KingCounts(*(np.full((2, 2), v, dtype=float) for v in (10.0, 0.0, 20.0, 50.0)))
    rows = relatedness_rows(["a", "b"], np.array([[0.5, 0.25], [0.25, 0.5]]), counts, None, min_sites=1000)
    assert rows[0].split("\t")[:5] == ["a", "b", "0.25", "too_few_sites", "NA"]
    # each sample has one pair, called together at 50 < 1000 sites; at min_sites 50 it counts as enough
    assert sample_rows(["a", "b"], counts, min_sites=1000) == ["a\t1\t1", "b\t1\t1"]
    assert sample_rows(["a", "b"], counts, min_sites=50) == ["a\t1\t0", "b\t1\t0"]


@pytest.fixture(scope="module")
def trio_run(tmp_path_factory):
    data = trio_folder()
    batch = tmp_path_factory.mktemp("trio_structure")
    (batch / "window.bed").write_text("20\t9999999\t10010000\n")
    sheet = {
        "HG001": "bam/HG001.chr20.10_10p1mb_sorted.bam",
        "NA12891": "bam/NA12891.chr20.10_10p1mb_sorted.bam",
        "NA12892": "bam/NA12892.chr20.10_10p1mb_sorted.bam",
        "HG002": "bam/HG002_NIST_150bp_downsampled_30x.chr20.10_10p1mb.bam",
    }
    rows = "".join(f"{s}\t{data / p}\n" for s, p in sheet.items())
    (batch / "samples.tsv").write_text("sample_id\talignment\n" + rows)
    (batch / "config.yaml").write_text(
        f"samples: samples.tsv\nreference: {data / 'reference/hs37d5.chr20.fa.gz'}\nbuild: GRCh37\n"
        "regions: window.bed\ncalling: {chunks: 2}\nstructure: {panel: none}\n"
    )
    targets = ["results/af/relatedness.tsv", "results/af/ancestry.tsv", "results/af/samples.tsv"]
    snakemake(batch, "--cores", "2", *targets, configfile=batch / "config.yaml")
    return batch


def test_trio_relatedness_equals_plink2_and_parents_share_no_opposite_homozygotes(trio_run):
    vcf = trio_run / "results/calls/bcftools/cohort.vcf.gz"
    plink = plink2_king(vcf, trio_run, "--vcf-half-call", "m")  # bcftools norm -m leaves some 0/. calls: missing
    with open(trio_run / "results/af/relatedness.tsv") as fh:
        rows = {frozenset((r["sample_a"], r["sample_b"])): r for r in csv.DictReader(fh, delimiter="\t")}
    assert rows.keys() == plink.keys() and len(rows) == 6
    for key, row in rows.items():
        nsnp, hethet, ibs0, kinship = plink[key]
        assert (int(row["n_sites"]), int(row["hethet"]), int(row["ibs0"])) == (nsnp, hethet, ibs0)
        assert float(row["kinship"]) == pytest.approx(kinship, abs=1e-6)
        assert row["relationship"] == "too_few_sites" and 60 < nsnp < 1000
    assert int(rows[frozenset(("HG001", "NA12891"))]["ibs0"]) == 0
    assert int(rows[frozenset(("HG001", "NA12892"))]["ibs0"]) == 0
    assert int(rows[frozenset(("NA12891", "NA12892"))]["ibs0"]) > 0  # unrelated parents


def test_trio_ancestry_is_skipped_without_a_panel(trio_run):
    with open(trio_run / "results/af/ancestry.tsv") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    assert [r["sample_id"] for r in rows] == ["HG001", "NA12891", "NA12892", "HG002"]
    assert {(r["ancestry"], r["status"]) for r in rows} == {("unknown", "no_panel")}


def test_store_chunks_do_not_change_the_relatedness_bytes(simulated, tmp_path):
    """The rule reads the store a chunk at a time: a store of 97-record chunks gives the table and figure of the
    one-chunk store checked above against plink2."""
    folder, vcf, _, _, _ = simulated
    vcf_to_store(vcf, tmp_path / "cohort.zarr", chunk_variants=97, workers=1)
    parents = {name: pair for name, pair in PEDIGREE.items()}
    write_relatedness(folder / "cohort.zarr", parents, tmp_path / "one.tsv", tmp_path / "one.png")
    write_relatedness(tmp_path / "cohort.zarr", parents, tmp_path / "store.tsv", tmp_path / "store.png")
    assert (tmp_path / "store.tsv").read_bytes() == (tmp_path / "one.tsv").read_bytes()
    assert (tmp_path / "store.png").read_bytes() == (tmp_path / "one.png").read_bytes()
    assert len((tmp_path / "store.tsv").read_text().splitlines()) == 1 + 21
