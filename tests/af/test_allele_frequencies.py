"""Tests for scripts/af/allele_frequencies.py.

Expected values come from outside the code: a hand-worked table on a tiny VCF, the 1000 Genomes INFO counts
(NYGC's AC/AN/AF and AC/AN/AF_{POP}_unrel), and bcftools +fill-tags, bcftools stats and plink2 --freq run here.
"""

import csv
import shutil
import subprocess
import tempfile
from pathlib import Path

import pysam
import pytest

from af.allele_frequencies import write_allele_frequencies_from_store
from af.vcf_to_store import vcf_to_store
from common.input_error import InputError
from common.tool_run import bcftools_plugin_env
from onekg_data import SUPER_POPS, assert_matches_nygc_info, onekg_vcf_and_populations

NA = "NA"
HEADER = """##fileformat=VCFv4.2
##contig=<ID=chr1,length=10000>
##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">
##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Read depth">
##FORMAT=<ID=AD,Number=R,Type=Integer,Description="Allelic depths">
#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\ts1\ts2\ts3
"""
# s1, s2 in population A; s3 unlabelled (overall columns only); s4 is on the sheet in population C but has no VCF
# column (e.g. failed QC), so C gets columns with AN 0 and AF NA.
TINY_RECORDS = [
    "chr1\t100\t.\tA\tG\t50\tPASS\t.\tGT:DP:AD\t0/1:10:5,5\t1/1:12:0,12\t0/0:9:9,0",  # transition, s2 hom-alt
    "chr1\t200\t.\tC\tA\t50\tPASS\t.\tGT:DP:AD\t0/0:8:8,0\t0|1:11:6,5\t./.:0:0,0",  # transversion, s3 missing
    "chr1\t300\t.\tG\tT\t50\tPASS\t.\tGT:DP:AD\t0/0:10:10,0\t0/1:10:4,6\t0/1:7:3,4",  # transversion
    "chr1\t400\t.\tAT\tA\t50\tPASS\t.\tGT:DP:AD\t0/1:9:4,5\t0/0:10:10,0\t1/1:8:0,8",  # deletion, s3 hom-alt
]
TINY_POPULATIONS = {"s1": "A", "s2": "A", "s3": "", "s4": "C"}

# Worked by hand from the genotypes above. AF = AC / AN; missing_rate = missing GTs / 3 samples;
# het_freq = n_het / called GTs.
VARIANT_HEADER = "CHROM POS REF ALT AC AN AF AC_A AN_A AF_A AC_C AN_C AF_C missing_rate n_het het_freq".split()
VARIANTS = [
    ["chr1", 100, "A", "G", 3, 6, 3 / 6, 3, 4, 3 / 4, 0, 0, NA, 0 / 3, 1, 1 / 3],
    ["chr1", 200, "C", "A", 1, 4, 1 / 4, 1, 4, 1 / 4, 0, 0, NA, 1 / 3, 1, 1 / 2],
    ["chr1", 300, "G", "T", 2, 6, 2 / 6, 1, 4, 1 / 4, 0, 0, NA, 0 / 3, 2, 2 / 3],
    ["chr1", 400, "AT", "A", 3, 6, 3 / 6, 1, 4, 1 / 4, 0, 0, NA, 0 / 3, 1, 1 / 3],
]
# n_called of 4 sites; heterozygosity = n_het / n_called; ti_tv over ALT-carrying SNV genotypes (the deletion at 400
# does not count): s1 carries ALT at 100 (ti) only -> 1/0 = NA; s2 at 100 (ti), 200 (tv), 300 (tv) -> 1/2;
# s3 at 300 (tv) -> 0/1 (and 400, an indel).
SAMPLE_HEADER = "sample_id n_called call_rate n_het n_hom_alt heterozygosity ti_tv".split()
SAMPLES = [
    ["s1", 4, 4 / 4, 2, 0, 2 / 4, NA],
    ["s2", 4, 4 / 4, 2, 1, 2 / 4, 1 / 2],
    ["s3", 3, 3 / 4, 1, 1, 1 / 3, 0 / 1],
]

ONEKG = "1000g_30x_3202_chr22_16.57-16.61Mb_grch38"


def write_vcf(folder, records, header=HEADER, name="cohort.vcf"):
    """Write, bgzip and tabix-index a VCF; return the .vcf.gz path."""
    plain = Path(folder) / name
    plain.write_text(header + "".join(r + "\n" for r in records))
    return Path(pysam.tabix_index(str(plain), preset="vcf", force=True))


def read_tsv(path):
    with open(path) as handle:
        rows = [line.rstrip("\n").split("\t") for line in handle]
    return rows[0], rows[1:]


def assert_cells(actual_rows, expected_rows, header):
    """Compare text cells with an expected table: exact for text/ints/NA, within 1e-6 for floats."""
    assert len(actual_rows) == len(expected_rows)
    for actual, expected in zip(actual_rows, expected_rows, strict=True):
        assert len(actual) == len(header)
        for column, got, want in zip(header, actual, expected, strict=True):
            if isinstance(want, float):
                assert got != NA and float(got) == pytest.approx(want, abs=1e-6), (actual[:2], column, got, want)
            else:
                assert got == str(want), (actual[:2], column, got, want)


def require_tool(name):
    if shutil.which(name) is None:
        pytest.skip(f"{name} is not on PATH")
    return name


def bcftools_env():
    """Environment with BCFTOOLS_PLUGINS set (tool_run.bcftools_plugin_env); skips when the plugin is absent."""
    require_tool("bcftools")
    env = bcftools_plugin_env()
    if env is None:
        pytest.skip("bcftools plugin fill-tags.so not found (set BCFTOOLS_PLUGINS)")
    return env


def fill_tags(vcf, folder, groups=None):
    """bcftools +fill-tags AC,AN,AF (per group too when `groups` {sample: group}) after dropping the VCF's own INFO.

    Returns rows of [CHROM, POS, REF, ALT, AC, AN, AF, (AC_g, AN_g, AF_g for g in sorted groups)].
    """
    env = bcftools_env()
    extra, fmt = [], "%CHROM\t%POS\t%REF\t%ALT\t%AC\t%AN\t%AF"
    if groups:
        group_file = Path(folder) / "groups.txt"
        group_file.write_text("".join(f"{s}\t{g}\n" for s, g in groups.items()))
        extra = ["-S", str(group_file)]
        for g in sorted(set(groups.values())):
            fmt += f"\t%AC_{g}\t%AN_{g}\t%AF_{g}"
    stripped = Path(folder) / "no_info.bcf"
    subprocess.run(["bcftools", "annotate", "--no-version", "-x", "INFO", "-Ob", "-o", stripped, vcf], check=True)
    filled = Path(folder) / "filled.bcf"
    subprocess.run(
        ["bcftools", "+fill-tags", "--no-version", "-Ob", "-o", filled, stripped, "--", "-t", "AC,AN,AF", *extra],
        check=True,
        env=env,
        capture_output=True,
    )
    out = subprocess.run(["bcftools", "query", "-f", fmt + "\n", filled], check=True, capture_output=True, text=True)
    return [line.split("\t") for line in out.stdout.splitlines()]


def plink2_freqs(vcf, folder):
    """plink2 --freq (ALT_FREQS) and --freq counts (ALT_CTS, OBS_CT): rows of (POS, REF, ALT, AC, AN, AF)."""
    require_tool("plink2")
    prefix = Path(folder) / "plink"
    common = ["plink2", "--vcf", vcf, "--vcf-half-call", "missing", "--threads", "1", "--memory", "1000"]
    subprocess.run([*common, "--freq", "counts", "--out", prefix], check=True, capture_output=True)
    subprocess.run(
        [*common, "--freq", "cols=chrom,pos,ref,alt,altfreq,nobs", "--out", prefix], check=True, capture_output=True
    )
    with open(f"{prefix}.acount") as counts, open(f"{prefix}.afreq") as freqs:
        count_rows = list(csv.DictReader(counts, delimiter="\t"))
        freq_rows = list(csv.DictReader(freqs, delimiter="\t"))
    return [
        (int(f["POS"]), f["REF"], f["ALT"], int(c["ALT_CTS"]), int(c["OBS_CT"]), float(f["ALT_FREQS"]))
        for c, f in zip(count_rows, freq_rows, strict=True)
    ]


def write_allele_frequencies(vcf, populations, variants_tsv, samples_tsv, chunk_variants=None):
    """The AF stage as the workflow runs it: the VCF into a genotype store (rule vcf_to_store, in a scratch folder),
    then the tables from the store (rule allele_frequencies). Returns (n_variants, n_samples)."""
    with tempfile.TemporaryDirectory() as scratch:
        store = Path(scratch) / "cohort.zarr"
        vcf_to_store(vcf, store, chunk_variants=chunk_variants)
        return write_allele_frequencies_from_store(store, populations, variants_tsv, samples_tsv)


# --- tiny VCF, hand arithmetic -------------------------------------------------------------------------------------


@pytest.mark.parametrize("chunk_variants", [None, 1, 3])
def test_tiny_vcf_matches_hand_table(tmp_path, chunk_variants):
    """Store chunks of 1 and 3 records must sum to the same per-sample counts as one chunk."""
    vcf = write_vcf(tmp_path, TINY_RECORDS)
    out_v, out_s = tmp_path / "af" / "variants.tsv", tmp_path / "af" / "samples.tsv"
    assert write_allele_frequencies(vcf, TINY_POPULATIONS, out_v, out_s, chunk_variants=chunk_variants) == (4, 3)
    header, rows = read_tsv(out_v)
    assert header == VARIANT_HEADER
    assert_cells(rows, VARIANTS, header)
    header, rows = read_tsv(out_s)
    assert header == SAMPLE_HEADER
    assert_cells(rows, SAMPLES, header)
    assert sorted(p.name for p in out_v.parent.iterdir()) == ["samples.tsv", "variants.tsv"]  # no temp files left


def test_tiny_vcf_overall_counts_match_bcftools_and_plink2(tmp_path):
    """bcftools +fill-tags and plink2 on the tiny VCF (with its ./. call) agree with our AC/AN/AF."""
    vcf = write_vcf(tmp_path, TINY_RECORDS)
    out_v = tmp_path / "variants.tsv"
    write_allele_frequencies(vcf, TINY_POPULATIONS, out_v, tmp_path / "samples.tsv")
    _, rows = read_tsv(out_v)
    ours = [(int(r[1]), r[2], r[3], int(r[4]), int(r[5]), float(r[6])) for r in rows]
    filled = [(int(r[1]), r[2], r[3], int(r[4]), int(r[5]), float(r[6])) for r in fill_tags(vcf, tmp_path)]
    assert ours == [pytest.approx(f, abs=1e-6) for f in filled]
    assert ours == [pytest.approx(p, abs=1e-6) for p in plink2_freqs(vcf, tmp_path)]


def test_multiallelic_record_is_refused(tmp_path):
    records = [TINY_RECORDS[0], "chr1\t250\t.\tA\tC,T\t50\tPASS\t.\tGT\t0/2\t1/1\t0/0", TINY_RECORDS[2]]
    vcf = write_vcf(tmp_path, records)
    out_v, out_s = tmp_path / "af" / "variants.tsv", tmp_path / "af" / "samples.tsv"
    with pytest.raises(InputError, match=r"chr1:250 has 2 ALT alleles.*bcftools norm -m -any"):
        write_allele_frequencies(vcf, TINY_POPULATIONS, out_v, out_s)
    assert list(out_v.parent.iterdir()) == []  # nothing complete-looking, no temp files


def test_vcf_sample_missing_from_sheet_is_refused(tmp_path):
    vcf = write_vcf(tmp_path, TINY_RECORDS)
    with pytest.raises(InputError, match=r"1 VCF sample\(s\) are not in the sample sheet: s3"):
        write_allele_frequencies(vcf, {"s1": "A", "s2": "A"}, tmp_path / "v.tsv", tmp_path / "s.tsv")


def test_empty_vcf_gives_header_only_variants(tmp_path):
    """No records: variants.tsv is its header; samples.tsv has each sample with 0 calls and NA ratios."""
    vcf = write_vcf(tmp_path, [])
    out_v, out_s = tmp_path / "variants.tsv", tmp_path / "samples.tsv"
    assert write_allele_frequencies(vcf, TINY_POPULATIONS, out_v, out_s) == (0, 3)
    assert out_v.read_text() == "\t".join(VARIANT_HEADER) + "\n"
    header, rows = read_tsv(out_s)
    assert header == SAMPLE_HEADER
    assert rows == [[s, "0", NA, "0", "0", NA, NA] for s in ("s1", "s2", "s3")]


# --- 1000 Genomes 30x, 3,202 samples x 903 SNPs ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def onekg(tmp_path_factory):
    """Our outputs on the 1000 Genomes window with super_pop labels for the panel's 2,504 samples ("" for the rest)."""
    vcf, populations = onekg_vcf_and_populations()
    out = tmp_path_factory.mktemp("onekg")
    counts = write_allele_frequencies(vcf, populations, out / "variants.tsv", out / "samples.tsv")
    return {
        "folder": vcf.parent,
        "vcf": vcf,
        "populations": populations,
        "counts": counts,
        "variants": read_tsv(out / "variants.tsv"),
        "samples": read_tsv(out / "samples.tsv"),
        "out": out,
    }


def test_onekg_reads_every_record_and_labels_2504(onekg):
    assert onekg["counts"] == (903, 3202)
    assert sum(1 for label in onekg["populations"].values() if label) == 2504


def test_onekg_matches_nygc_info_counts(onekg):
    """Overall AC/AN/AF = INFO AC/AN/AF; per superpopulation = INFO AC/AN/AF_{POP}_unrel, at all 903 sites."""
    assert_matches_nygc_info(*onekg["variants"])


def test_onekg_matches_bcftools_fill_tags(onekg, tmp_path):
    """bcftools +fill-tags recomputes AC/AN/AF overall and per superpopulation (-S) from GT, INFO dropped first."""
    header, rows = onekg["variants"]
    groups = {s: p for s, p in onekg["populations"].items() if p}
    filled = fill_tags(onekg["vcf"], tmp_path, groups)
    assert len(filled) == len(rows) == 903
    ours_cols = ["AC", "AN", "AF"] + [f"{stat}_{pop}" for pop in SUPER_POPS for stat in ("AC", "AN", "AF")]
    col = {name: i for i, name in enumerate(header)}
    for row, theirs in zip(rows, filled, strict=True):
        assert row[:4] == theirs[:4]
        for k, name in enumerate(ours_cols):
            got, want = row[col[name]], theirs[4 + k]
            if name.startswith("AF"):
                assert float(got) == pytest.approx(float(want), abs=1e-6), (row[:2], name)
            else:
                assert got == want, (row[:2], name)


def test_onekg_matches_plink2_freq(onekg, tmp_path):
    _, rows = onekg["variants"]
    ours = [(int(r[1]), r[2], r[3], int(r[4]), int(r[5]), float(r[6])) for r in rows]
    theirs = plink2_freqs(onekg["vcf"], tmp_path)
    assert len(theirs) == 903
    assert ours == [pytest.approx(t, abs=1e-6) for t in theirs]


def test_onekg_sample_stats_match_bcftools_stats(onekg):
    """Per-sample het / hom-alt / Ti/Tv / called counts against bcftools stats -s - (PSC lines; all sites are SNPs)."""
    require_tool("bcftools")
    out = subprocess.run(["bcftools", "stats", "-s", "-", onekg["vcf"]], check=True, capture_output=True, text=True)
    # PSC columns: id sample nRefHom nNonRefHom nHets nTransitions nTransversions nIndels depth nSingletons
    # nHapRef nHapAlt nMissing
    psc = {f[2]: f for f in (line.split("\t") for line in out.stdout.splitlines() if line.startswith("PSC\t"))}
    header, rows = onekg["samples"]
    assert header == SAMPLE_HEADER
    assert [r[0] for r in rows] == list(psc) and len(rows) == 3202
    for sample_id, n_called, call_rate, n_het, n_hom_alt, heterozygosity, ti_tv in rows:
        f = psc[sample_id]
        ref_hom, hom_alt, het, ts, tv, missing = (int(f[i]) for i in (3, 4, 5, 6, 7, 13))
        assert int(n_called) == ref_hom + hom_alt + het == 903 - missing, sample_id
        assert (int(n_het), int(n_hom_alt)) == (het, hom_alt), sample_id
        assert float(heterozygosity) == pytest.approx(het / (ref_hom + hom_alt + het), abs=1e-6), sample_id
        assert float(call_rate) == pytest.approx((903 - missing) / 903, abs=1e-6), sample_id
        if tv == 0:
            assert ti_tv == NA, sample_id
        else:
            assert float(ti_tv) == pytest.approx(ts / tv, rel=1e-5), sample_id
