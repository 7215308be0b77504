"""Tests for scripts/structure/popgen_stats.py.

Oracles: plink2 --hardy (mid-p off), --het and --fst method=hudson, and bcftools stats -s - (nSingletons), all run
here on the 1000 Genomes 30x chr22 window (3,202 samples x 903 SNPs; superpopulations from the phase-3 panel);
the Wigginton et al. (2005) exact-test probabilities worked by hand on tiny counts; SFS, singletons and sex worked by
hand on tiny or simulated VCFs (males simulated hemizygous: no chrX heterozygotes outside the PARs).
"""

import csv
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import pytest

from af.vcf_to_store import vcf_to_store
from conftest import TESTDATA
from structure.popgen_stats import hwe_exact_p, write_popgen_stats_from_store

ONEKG = TESTDATA / "1000g_30x_3202_chr22_16.57-16.61Mb_grch38"
VCF_1KG = ONEKG / "1000GP.chr22.vcf.gz"
PANEL_1KG = ONEKG / "integrated_call_samples_v3.20130502.ALL.panel"
HEADER = '##fileformat=VCFv4.2\n##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\n'


def read_tsv(path):
    with open(path) as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


def run_stats(vcf, folder, build="GRCh38", sexes=None, populations=None, chunk_variants=None, threads=1):
    """The four tables as the workflow makes them: the VCF into a genotype store (rule vcf_to_store, in a scratch
    folder), the statistics from the store with dask (rule popgen_stats)."""
    out = {name: folder / f"{name}.tsv" for name in ("variants", "samples", "sfs", "fst")}
    with tempfile.TemporaryDirectory() as scratch:
        store = Path(scratch) / "cohort.zarr"
        vcf_to_store(vcf, store, chunk_variants=chunk_variants)
        write_popgen_stats_from_store(store, build, sexes or {}, populations or {}, list(out.values()), threads=threads)
    return {name: read_tsv(path) for name, path in out.items()}


def plink2(folder, *args):
    subprocess.run(
        ["plink2", "--vcf", str(VCF_1KG), *args, "--out", str(folder / "p")], check=True, capture_output=True
    )
    return folder / "p"


@pytest.fixture(scope="module")
def onekg(tmp_path_factory):
    if not VCF_1KG.exists():
        pytest.skip(f"real test data {VCF_1KG} is absent")
    folder = tmp_path_factory.mktemp("popgen")
    with open(PANEL_1KG) as fh:
        populations = {r["sample"]: r["super_pop"] for r in csv.DictReader(fh, delimiter="\t")}
    return folder, run_stats(VCF_1KG, folder, populations=populations), populations


def test_hwe_exact_p_equals_plink2_hardy(onekg):
    folder, tables, _ = onekg
    plink = read_tsv(f"{plink2(folder, '--hardy')}.hardy")
    assert len(plink) == len(tables["variants"]) == 903
    small = 0
    for mine, theirs in zip(tables["variants"], plink, strict=True):
        assert f"{mine['CHROM']}:{mine['POS']}:{mine['REF']}:{mine['ALT']}" == theirs["ID"]
        # plink2 prints 6 significant digits, as this table does: the printed values must be identical
        assert mine["hwe_p"] == theirs["P"], theirs["ID"]
        assert float(mine["het_observed"]) == pytest.approx(float(theirs["O(HET_A1)"]), rel=1e-5)
        assert float(mine["het_expected"]) == pytest.approx(float(theirs["E(HET_A1)"]), rel=1e-5)
        small += float(theirs["P"]) < 1e-6
    assert small > 10  # the comparison covers tiny p-values too (smallest 1.5e-38)


def test_hwe_exact_p_full_precision_against_plink2(onekg):
    """Unrounded p-values from plink2's own genotype counts against its 6 printed digits: within half a last digit."""
    folder, _, _ = onekg
    plink = read_tsv(f"{plink2(folder, '--hardy')}.hardy")
    counts = np.array([[int(r["HET_A1_CT"]), int(r["HOM_A1_CT"]), int(r["TWO_AX_CT"])] for r in plink])
    p = hwe_exact_p(counts[:, 0], counts[:, 1], counts[:, 2])
    printed = np.array([float(r["P"]) for r in plink])
    assert np.all(np.abs(p - printed) <= 5e-6 * printed)


@pytest.mark.parametrize(
    ("het", "hom1", "hom2", "expected"),
    [
        # n=3, 3 copies of the rare allele: P(het=1) = 2*3!/(1!1!1!) * 3!3!/6! = 0.6, P(het=3) = 8*3!/3! * 36/720 = 0.4
        (1, 1, 1, 1.0),
        (3, 0, 0, 0.4),
        # n=2, 2 copies: P(het=0) = 2!/(1!1!) * 2!2!/4! = 1/3, P(het=2) = 4 * 4/24 = 2/3
        (0, 1, 1, 1 / 3),
        (2, 0, 0, 1.0),
        # monomorphic: the only configuration
        (0, 10, 0, 1.0),
    ],
)
def test_hwe_exact_p_by_hand(het, hom1, hom2, expected):
    assert hwe_exact_p([het], [hom1], [hom2])[0] == pytest.approx(expected, rel=1e-12)
    assert hwe_exact_p([het], [hom2], [hom1])[0] == pytest.approx(expected, rel=1e-12)  # symmetric in the alleles


def test_hwe_uncalled_is_nan():
    assert np.isnan(hwe_exact_p([0], [0], [0])[0])


def test_inbreeding_f_equals_plink2_het(onekg):
    """plink2 --het (default: no n/(n-1) factor, frequencies from all samples) = this table's F and E(HOM)."""
    folder, tables, _ = onekg
    plink = {r["#IID"]: r for r in read_tsv(f"{plink2(folder, '--het')}.het")}
    assert len(plink) == len(tables["samples"]) == 3202
    for row in tables["samples"]:
        theirs = plink[row["sample_id"]]
        assert (int(row["n_sites"]), int(row["o_hom"])) == (int(theirs["OBS_CT"]), int(theirs["O(HOM)"]))
        assert row["e_hom"] == theirs["E(HOM)"] and row["inbreeding_f"] == theirs["F"], row["sample_id"]


def test_singletons_equal_bcftools_stats(onekg):
    folder, tables, _ = onekg
    stats = subprocess.run(["bcftools", "stats", "-s", "-", str(VCF_1KG)], capture_output=True, text=True, check=True)
    psc = {f[2]: int(f[10]) for f in (line.split("\t") for line in stats.stdout.splitlines()) if f[0] == "PSC"}
    mine = {r["sample_id"]: int(r["singletons"]) for r in tables["samples"]}
    assert mine == psc and sum(mine.values()) == 2  # HG03738 and HG04212, each the only (hom-alt) carrier


def test_hudson_fst_equals_plink2(onekg):
    folder, tables, populations = onekg
    pheno = folder / "pops.tsv"
    pheno.write_text("#IID\tSUPERPOP\n" + "".join(f"{s}\t{p}\n" for s, p in populations.items()))
    out = plink2(
        folder, "--keep", str(pheno), "--pheno", str(pheno), "--fst", "SUPERPOP", "method=hudson", "cols=+nobs"
    )
    plink = {(r["#POP1"], r["POP2"]): r for r in read_tsv(f"{out}.fst.summary")}
    mine = {(r["pop_a"], r["pop_b"]): r for r in tables["fst"]}
    assert mine.keys() == plink.keys() and len(mine) == 10
    for key, row in mine.items():
        assert (int(row["n_sites"]), row["hudson_fst"]) == (int(plink[key]["OBS_CT"]), plink[key]["HUDSON_FST"]), key


TINY = (
    HEADER
    + "##contig=<ID=1>\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\ta\tb\tc\n"
    + "".join(
        f"1\t{100 * (i + 1)}\t.\tA\tG\t.\t.\t.\tGT\t{gts}\n"
        for i, gts in enumerate(
            [
                "0/1\t0/0\t0/0",
                "0/0\t1/1\t0/0",
                "0/1\t0/1\t0/0",
                "1/1\t1/1\t0/1",
                "1/1\t1/1\t./.",
                "0/0\t0/0\t0/0",
                "0/1\t0/1\t1/1",
            ]
        )  # fmt: skip
    )
)


def test_sfs_and_singletons_by_hand(tmp_path):
    """ALT counts of the complete records: 1, 2, 2, 5, (incomplete), 0, 4 -> n_alt at k = 0..6: 1 1 2 0 1 1 0.
    Folded (minor count min(k, 6-k)): k=0: 1, 1: 1+1 (k=1, k=5), 2: 2 + 1 (k=2 twice, k=4), 3: 0.
    Singletons (the only ALT carrier): a at 100, b at 200 (hom-alt, only carrier)."""
    vcf = tmp_path / "tiny.vcf"
    vcf.write_text(TINY)
    tables = run_stats(vcf, tmp_path, populations={"a": "P", "b": "P", "c": "Q"})
    assert [(r["allele_count"], r["n_alt"], r["n_minor"]) for r in tables["sfs"]] == [
        ("0", "1", "1"), ("1", "1", "2"), ("2", "2", "3"), ("3", "0", "0"), ("4", "1", "NA"), ("5", "1", "NA"),
        ("6", "0", "NA"),
    ]  # fmt: skip
    assert {r["sample_id"]: int(r["singletons"]) for r in tables["samples"]} == {"a": 1, "b": 1, "c": 0}
    assert [r["pop_a"] + r["pop_b"] for r in tables["fst"]] == ["PQ"]
    first = tables["variants"][0]
    assert (first["n_called"], first["n_hom_ref"], first["n_het"], first["n_hom_alt"]) == ("3", "2", "1", "0")
    assert first["het_observed"] == "0.333333" and first["het_expected"] == f"{2 * (1 / 6) * (5 / 6):.6g}"


def test_one_population_gives_an_empty_fst_table(tmp_path):
    vcf = tmp_path / "tiny.vcf"
    vcf.write_text(TINY)
    assert run_stats(vcf, tmp_path, populations={"a": "P", "b": "P"})["fst"] == []


def simulate_sex_vcf(path, seed=3):
    """chrX: 150 sites outside GRCh38 PAR1 (> 2,781,479) and 40 inside PAR1 (everyone diploid there); chrY: 20 sites
    outside the Y PARs; chr1: 50 sites. Females diploid on X with no Y calls; males one allele twice on X (a
    hemizygous call written as a homozygote, as a diploid caller does), diploid in PAR1, ALT or REF on Y.
    Sample nox has no chrX or chrY call; yonly has only chrY calls."""
    rng = np.random.default_rng(seed)
    samples = {"f1": "F", "f2": "F", "f3": "F", "m1": "M", "m2": "M", "m3": "M", "nox": "-", "yonly": "Y"}
    records = []

    def gt(kind, diploid_male, p):
        a, b = (rng.random(2) < p).astype(int)
        if kind in ("-", "Y"):
            return "./."
        if kind == "M" and not diploid_male:
            return f"{a}/{a}"
        return f"{a}/{b}"

    for pos in np.linspace(100_000, 2_700_000, 40).astype(int):  # PAR1
        p = rng.uniform(0.2, 0.8)
        records.append(("chrX", pos, [gt(k, True, p) for k in samples.values()]))
    for pos in np.linspace(3_000_000, 150_000_000, 150).astype(int):
        p = rng.uniform(0.2, 0.8)
        records.append(("chrX", pos, [gt(k, False, p) for k in samples.values()]))
    for pos in np.linspace(3_000_000, 20_000_000, 20).astype(int):
        records.append(("chrY", pos, ["1/1" if k in ("M", "Y") else "./." for k in samples.values()]))
    for pos in np.linspace(1_000_000, 100_000_000, 50).astype(int):
        p = rng.uniform(0.2, 0.8)
        records.append(("chr1", pos, [gt("F", True, p) for _ in samples]))
    records.sort(key=lambda r: ({"chr1": 0, "chrX": 1, "chrY": 2}[r[0]], r[1]))
    text = HEADER + "".join(f"##contig=<ID={c}>\n" for c in ("chr1", "chrX", "chrY"))
    text += "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\t" + "\t".join(samples) + "\n"
    text += "".join(f"{c}\t{p}\t.\tA\tG\t.\t.\t.\tGT\t" + "\t".join(g) + "\n" for c, p, g in records)
    path.write_text(text)


def test_genetic_sex_from_chrx_and_chry(tmp_path):
    vcf = tmp_path / "sex.vcf"
    simulate_sex_vcf(vcf)
    sheet = {"f1": "female", "f2": "female", "f3": "male", "m1": "male", "m2": "", "m3": "female", "nox": "female",
             "yonly": "unknown"}  # fmt: skip
    rows = {r["sample_id"]: r for r in run_stats(vcf, tmp_path, sexes=sheet)["samples"]}
    inferred = {s: (r["inferred_sex"], r["sheet_sex"], r["sex_agrees"]) for s, r in rows.items()}
    assert inferred == {
        "f1": ("female", "female", "yes"),
        "f2": ("female", "female", "yes"),
        "f3": ("female", "male", "no"),  # the sheet is wrong: flagged
        "m1": ("male", "male", "yes"),
        "m2": ("male", "NA", "NA"),
        "m3": ("male", "female", "no"),  # flagged
        "nox": ("unknown", "female", "NA"),
        "yonly": ("male", "unknown", "NA"),
    }
    for male in ("m1", "m2", "m3"):
        # PAR1 sites are not counted; no heterozygote outside them; 20 ALT calls on chrY
        assert (rows[male]["chrx_sites"], rows[male]["chrx_het"], rows[male]["chry_alt_calls"]) == ("150", "0", "20")
        assert float(rows[male]["chrx_f"]) == pytest.approx(1.0)
    for female in ("f1", "f2", "f3"):
        assert float(rows[female]["chrx_f"]) < 0.2 and rows[female]["chry_alt_calls"] == "0"


def test_genetic_sex_chrx_f_equals_plink2_het_on_the_same_genotypes(tmp_path):
    """chrX F uses plink2 --het's formula: renaming the non-PAR chrX records to an autosome, plink2 --het (with the
    frequencies from these samples, 'small-sample' off) reproduces chrx_f."""
    vcf = tmp_path / "sex.vcf"
    simulate_sex_vcf(vcf)
    rows = {r["sample_id"]: r for r in run_stats(vcf, tmp_path)["samples"]}
    lines = vcf.read_text().splitlines()
    body = [line for line in lines if line.startswith("chrX") and int(line.split("\t")[1]) > 2_781_479]
    auto = tmp_path / "x_as_autosome.vcf"
    header = [line for line in lines if line.startswith("#")]
    auto.write_text("\n".join([*header, *(line.replace("chrX", "chr1", 1) for line in body)]) + "\n")
    samples = ["f1", "f2", "f3", "m1", "m2", "m3"]  # nox and yonly have no chrX call
    keep = tmp_path / "keep.txt"
    keep.write_text("\n".join(samples) + "\n")
    # plink2 refuses --het frequencies from < 50 samples unless given: write them with --freq first
    base = ["plink2", "--vcf", str(auto), "--keep", str(keep), "--set-all-var-ids", "@:#"]
    subprocess.run([*base, "--freq", "--out", str(tmp_path / "f")], check=True, capture_output=True)
    subprocess.run([*base, "--read-freq", str(tmp_path / "f.afreq"), "--het", "--out", str(tmp_path / "h")],
                   check=True, capture_output=True)  # fmt: skip
    plink = {r["#IID"]: r for r in read_tsv(tmp_path / "h.het")}
    for s in samples:
        assert rows[s]["chrx_f"] == plink[s]["F"], s
        # plink2's OBS_CT leaves out the 10 sites monomorphic in these 6 samples (they add 1 to O, E and N alike,
        # so F is unchanged); chrx_sites counts every called site
        assert (rows[s]["chrx_sites"], plink[s]["OBS_CT"]) == ("150", "140")


def test_store_chunks_and_dask_threads_do_not_change_the_bytes(onekg, tmp_path):
    """10 store chunks on 2 dask threads against the one-chunk store checked above against plink2 and bcftools:
    every one of the four tables byte for byte."""
    folder, _, populations = onekg
    run_stats(VCF_1KG, tmp_path, populations=populations, chunk_variants=100, threads=2)
    for name in ("variants", "samples", "sfs", "fst"):
        assert (tmp_path / f"{name}.tsv").read_bytes() == (folder / f"{name}.tsv").read_bytes(), name


def test_blocks_without_a_complete_record_leave_the_sfs_empty(tmp_path):
    """Every record has a missing genotype (common in large cohorts): the SFS counts complete records only, so it is
    all zeros; the other statistics are still computed (this crashed scikit-allel's sfs on an empty block)."""
    vcf = tmp_path / "gaps.vcf"
    vcf.write_text(
        HEADER + "##contig=<ID=1>\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\ta\tb\n"
        "1\t100\t.\tA\tG\t.\t.\t.\tGT\t0/1\t./.\n1\t200\t.\tC\tT\t.\t.\t.\tGT\t./.\t1/1\n"
    )
    tables = run_stats(vcf, tmp_path)
    assert [int(r["n_alt"]) for r in tables["sfs"]] == [0, 0, 0, 0, 0]
    assert [r["n_called"] for r in tables["variants"]] == ["1", "1"]
