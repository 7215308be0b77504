"""Tests of scripts/reports/render_reports.py on hand-made fixtures whose counts are worked out by hand below.

Size: one hand-made batch (every later stage's outputs written in their formats, ~450 lines) serves all 41 tests of
the report JSON, HTML and PDF; the sections' own words and tables are tested in the smaller test_report_*.py files.
"""

import base64
import hashlib
import html
import io
import json
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import jsonschema
import numpy as np
import pytest
from matplotlib.image import imread

from reports import render_reports as rr
from reports import sections as report_sections
from reports import stages as report_stages

REPO = Path(__file__).resolve().parents[2]
SCHEMA = REPO / "workflow" / "schemas" / "report.schema.json"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
CHROMIUM = Path("/usr/bin/chromium")


def run_chromium(profile, *args):
    """Headless Chromium as root in a container, on a page; returns the CompletedProcess.

    --no-zygote and --disable-dev-shm-usage avoid the zygote/shared-memory crashes (SIGTRAP, "zygote ... Broken pipe")
    seen when the machine is loaded. A crash by signal (negative exit) is retried once: that is the browser process
    dying, not the page failing to render; a page error still fails the assertion that follows.
    """
    cmd = [str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--no-zygote", "--disable-dev-shm-usage",
           "--disable-background-networking", "--disable-component-update", "--no-first-run",
           f"--user-data-dir={profile}", *args]  # fmt: skip
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    if proc.returncode < 0:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    return proc


# Cohort VCF of three in-cohort samples; S4 failed QC and is not a column. Hand classification per record:
#   pos  REF  ALT       type          S1    S2    S3
#   100  A    G         SNV (Ti)      0/1   1/1   0/0
#   200  C    T         SNV (Ti)      1/1   0/1   ./.
#   300  G    T         SNV (Tv)      0/1   0/0   0/1
#   400  AT   A         deletion      0/1   1/1   0/0
#   500  C    CAG       insertion     1/1   0/0   0/1
#   600  T    A         SNV (Tv)      0|1   ./.   1|1
#   700  G    GA,GAA    2 insertions  1/2   0/1   2/2
#   800  AC   GT        MNP (other)   0/1   0/0   0/0
#   900  T    C         SNV (Ti)      ./.   0/1   0/1
#  1000  G    A         SNV (Ti)      0/0   0/0   ./1   (half-missing counts as a no-call)
VCF_ROWS = [
    ("100", "A", "G", "0/1", "1/1", "0/0"),
    ("200", "C", "T", "1/1", "0/1", "./."),
    ("300", "G", "T", "0/1", "0/0", "0/1"),
    ("400", "AT", "A", "0/1", "1/1", "0/0"),
    ("500", "C", "CAG", "1/1", "0/0", "0/1"),
    ("600", "T", "A", "0|1", "./.", "1|1"),
    ("700", "G", "GA,GAA", "1/2", "0/1", "2/2"),
    ("800", "AC", "GT", "0/1", "0/0", "0/0"),
    ("900", "T", "C", "./.", "0/1", "0/1"),
    ("1000", "G", "A", "0/0", "0/0", "./1"),
]
HAND_COUNTS = {
    "S1": {"n_snv_het": 3, "n_snv_hom_alt": 1, "n_indel_het": 2, "n_indel_hom_alt": 1, "n_other": 1, "n_no_call": 1},
    "S2": {"n_snv_het": 2, "n_snv_hom_alt": 1, "n_indel_het": 1, "n_indel_hom_alt": 1, "n_other": 0, "n_no_call": 1},
    "S3": {"n_snv_het": 2, "n_snv_hom_alt": 1, "n_indel_het": 1, "n_indel_hom_alt": 1, "n_other": 0, "n_no_call": 2},
}
# The af step's per-sample table (its own numbers; the report passes them through at 6 significant digits).
AF_SAMPLES = {
    "S1": ("9", "0.9", "6", "2", "0.666667", "1.5"),
    "S2": ("9", "0.9", "3", "2", "0.333333", "NA"),
    "S3": ("8", "0.8", "3", "2", "0.375", "2"),
}
QC = {
    "S1": ("pass", []),
    "S2": ("warn", ["mean depth 12.0 is below the warning limit 15"]),
    "S3": ("pass", []),
    "S4": ("fail", ["mean depth 2.1 is below the fail limit 5", "breadth 0.41 is below the fail limit 0.8"]),
}


def write_vcf(path, names):
    header = [
        "##fileformat=VCFv4.2",
        "##contig=<ID=1,length=2000>",
        '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">',
        "\t".join(["#CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO", "FORMAT", *names]),
    ]
    body = ["\t".join(["1", pos, ".", ref, alt, "50", "PASS", ".", "GT", *gts]) for pos, ref, alt, *gts in VCF_ROWS]
    plain = path.with_suffix("")
    plain.write_text("\n".join(header + body) + "\n")
    subprocess.run(["bgzip", "-f", str(plain)], check=True)
    subprocess.run(["tabix", "-p", "vcf", str(path)], check=True)


def write_qc(path, sample, verdict, reasons):
    metrics = {
        "total_reads": 120000,
        "mapped_rate": 0.98765,
        "duplicate_rate": 0.0432,
        "mean_depth": 31.456,
        "breadth": 0.9912,
        "properly_paired_rate": 0.97,
    }
    if verdict == "fail":
        metrics.update(mean_depth=2.1, breadth=0.41, total_reads=9000)
    path.write_text(
        json.dumps(
            {
                "sample_id": sample,
                "alignment": f"{sample}.bam",
                "format": "BAM",
                "metrics": metrics,
                "target": {"kind": "regions", "bases": 250000},
                "verdict": verdict,
                "reasons": reasons,
                "thresholds": {
                    "min_mean_depth": {"warn": 15, "fail": 5},
                    "min_breadth": {"warn": 0.95, "fail": 0.8},
                    "min_mapped_rate": {"warn": 0.95, "fail": 0.8},
                    "max_duplicate_rate": {"warn": 0.2, "fail": 0.5},
                    "breadth_min_depth": 1,
                },
                "tool_versions": {"samtools": "1.16.1"},
            }
        )
    )


def make_batch(tmp_path, rename=None):
    """Write all inputs of one report job; `rename` maps fixture IDs to other sample IDs. Returns a kwargs dict."""
    rename = rename or {}
    ids = {s: rename.get(s, s) for s in QC}
    inputs = tmp_path / "in"
    inputs.mkdir()
    write_vcf(inputs / "cohort.vcf.gz", [ids["S1"], ids["S2"], ids["S3"]])
    for s, (verdict, reasons) in QC.items():
        write_qc(inputs / f"{s}.qc.json", ids[s], verdict, reasons)
    lines = ["sample_id\tverdict\tin_cohort\tmean_depth\tbreadth\tmapped_rate\tduplicate_rate\ttotal_reads\treasons"]
    for s, (verdict, reasons) in QC.items():
        in_cohort = "no" if verdict == "fail" else "yes"  # as scripts/qc/batch_qc.py writes it
        lines.append(f"{ids[s]}\t{verdict}\t{in_cohort}\t30\t0.99\t0.98\t0.04\t120000\t{'; '.join(reasons)}")
    (inputs / "batch_qc.tsv").write_text("\n".join(lines) + "\n")
    lines = ["sample_id\tn_called\tcall_rate\tn_het\tn_hom_alt\theterozygosity\tti_tv"]
    lines += ["\t".join([ids[s], *row]) for s, row in AF_SAMPLES.items()]
    (inputs / "samples.tsv").write_text("\n".join(lines) + "\n")
    out = tmp_path / "out"
    samples = [ids[s] for s in QC]
    return {
        "samples": samples,
        "qc_paths": [inputs / f"{s}.qc.json" for s in QC],
        "batch_qc_path": inputs / "batch_qc.tsv",
        "vcf_path": inputs / "cohort.vcf.gz",
        "af_samples_path": inputs / "samples.tsv",
        "schema_path": SCHEMA,
        "json_paths": [out / f"{s}.json" for s in QC],
        "html_paths": [out / f"{s}.html" for s in QC],
        "caller": "bcftools",
        "build": "GRCh38",
    }


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    job = make_batch(tmp_path_factory.mktemp("batch"))
    rr.render_reports(**job)
    return job


def load(job, sample):
    return json.loads(job["json_paths"][list(QC).index(sample)].read_text())


def page(job, sample):
    return job["html_paths"][list(QC).index(sample)].read_text(encoding="utf-8")


class PageParser(HTMLParser):
    """Collects img sources, every src/href value and the visible text."""

    def __init__(self):
        super().__init__()
        self.images, self.links, self.text = [], [], []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "img":
            self.images.append(attrs)
        self.links += [v for k, v in attrs.items() if k in ("src", "href") and v]

    def handle_data(self, data):
        self.text.append(data)


def parse(text):
    parser = PageParser()
    parser.feed(text)
    return parser


def png_dims(data):
    assert data[:8] == PNG_SIGNATURE
    assert data[12:16] == b"IHDR"
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


@pytest.mark.parametrize("sample", ["S1", "S2", "S3"])
def test_counts_equal_hand_counts(rendered, sample):
    variants = load(rendered, sample)["variants"]
    assert variants["called"] is True
    assert variants["n_sites"] == len(VCF_ROWS)
    assert {k: variants["sample"][k] for k in HAND_COUNTS[sample]} == HAND_COUNTS[sample]


def test_rates_come_from_af_table_and_batch_summary_by_hand(rendered):
    s1, s2 = load(rendered, "S1")["variants"]["sample"], load(rendered, "S2")["variants"]["sample"]
    # The JSON keeps 6 significant digits (the af table's 0.666667 as it is); the text rounds once for display.
    assert (s1["call_rate"], s1["heterozygosity"], s1["ti_tv"]) == (0.9, 0.666667, 1.5)
    assert s2["ti_tv"] is None  # NA in the af table stays undefined, never 0
    batch = load(rendered, "S4")["variants"]["batch"]
    assert batch["n_samples"] == 3
    assert batch["n_snv_het"] == {"median": 2, "min": 2, "max": 3}  # S1 3, S2 2, S3 2
    assert batch["n_no_call"] == {"median": 1, "min": 1, "max": 2}
    assert batch["heterozygosity"] == {"median": 0.375, "min": 0.333333, "max": 0.666667}
    assert batch["ti_tv"] == {"median": 1.75, "min": 1.5, "max": 2.0}  # S2's NA left out: median of 1.5 and 2


def test_reports_validate_and_an_extra_key_fails(rendered):
    schema = json.loads(SCHEMA.read_text())
    jsonschema.Draft7Validator.check_schema(schema)
    for sample in QC:
        jsonschema.validate(load(rendered, sample), schema, cls=jsonschema.Draft7Validator)
    bad = load(rendered, "S1")
    bad["diagnosis"] = "none"
    with pytest.raises(jsonschema.ValidationError, match="Additional properties are not allowed"):
        jsonschema.validate(bad, schema, cls=jsonschema.Draft7Validator)
    with pytest.raises(ValueError, match=r"sample 'S1' breaks the report schema.*diagnosis"):
        rr.validate_report(bad, schema)


def test_schema_refuses_counts_for_a_sample_outside_the_cohort(rendered):
    schema = json.loads(SCHEMA.read_text())
    bad = load(rendered, "S4")
    bad["variants"]["sample"] = load(rendered, "S1")["variants"]["sample"]
    with pytest.raises(ValueError, match="variants/sample"):
        rr.validate_report(bad, schema)


def test_json_is_sorted_indented_and_pathless(rendered):
    text = rendered["json_paths"][0].read_text()
    assert text.endswith("}\n") and text.startswith('{\n  "ancestry"')
    assert text == json.dumps(json.loads(text), sort_keys=True, indent=2, ensure_ascii=False) + "\n"
    assert "/" not in text.replace("Ti/Tv", "")  # no paths


def test_html_figures_are_embedded_pngs_and_nothing_external(rendered):
    parser = parse(page(rendered, "S1"))
    assert len(parser.images) == 2
    for img in parser.images:
        prefix = "data:image/png;base64,"
        assert img["src"].startswith(prefix)
        data = base64.b64decode(img["src"][len(prefix) :], validate=True)
        width, height = png_dims(data)
        assert (width, height) == (int(img["width"]), int(img["height"]))
        assert imread(io.BytesIO(data), format="png").shape[:2] == (height, width)  # decodes as a whole
        assert width >= 800 and height >= 500  # legible at 100 dpi
        assert img["alt"]
    assert not [link for link in parser.links if link.startswith(("http://", "https://", "//"))]
    text = page(rendered, "S1")
    assert "http://" not in text and "https://" not in text and "<link" not in text and "<script" not in text


def test_html_names_sample_and_verdict_in_words(rendered):
    text = " ".join(parse(page(rendered, "S1")).text)
    assert "Genetic analysis report: sample S1" in text
    assert "PASS" in text
    warn = " ".join(parse(page(rendered, "S2")).text)
    assert "WARNING" in warn and "mean depth 12.0 is below the warning limit 15" in warn
    assert "Research use only" in text


def test_failed_sample_says_not_called_and_has_no_counts(rendered):
    report = load(rendered, "S4")
    assert report["in_cohort"] is False
    assert report["variants"]["called"] is False
    assert report["variants"]["sample"] is None
    assert report["variants"]["not_called_reason"] == "not called because it failed QC"
    assert report["notices"][0].startswith("This sample failed QC and was not called: mean depth 2.1")
    text = page(rendered, "S4")
    parser = parse(text)
    assert parser.images == []
    words = " ".join(parser.text)
    assert "not called because it failed QC" in words and "FAIL" in words
    assert "breadth 0.41 is below the fail limit 0.8" in words
    assert "SNVs, heterozygous" not in words  # no counts table for it


def test_rendering_twice_is_byte_identical(rendered, tmp_path):
    again = make_batch(tmp_path)
    rr.render_reports(**again)
    for key in ("json_paths", "html_paths"):
        for first, second in zip(rendered[key], again[key], strict=True):
            assert first.read_bytes() == second.read_bytes(), first.name


def test_script_tag_in_sample_id_is_escaped(tmp_path):
    evil = "S3<script>alert(1)</script>"
    job = make_batch(tmp_path, rename={"S3": evil, "S4": 'S4"><img src=x onerror=alert(2)>'})
    rr.render_reports(**job)
    for html_path in (job["html_paths"][2], job["html_paths"][3]):
        text = html_path.read_text(encoding="utf-8")
        assert "<script" not in text and "<img src=x" not in text
        assert "&lt;script&gt;" in text or "&quot;&gt;&lt;img" in text
    assert evil in " ".join(parse(job["html_paths"][2].read_text(encoding="utf-8")).text)
    assert json.loads(job["json_paths"][2].read_text())["sample_id"] == evil


def test_in_cohort_sample_missing_from_vcf_is_refused(tmp_path):
    job = make_batch(tmp_path)
    table = job["batch_qc_path"].read_text().replace("S4\tfail\tno", "S4\tfail\tyes")
    job["batch_qc_path"].write_text(table)
    with pytest.raises(rr.InputError, match=r"batch_qc.tsv: sample 'S4' is marked in_cohort but absent"):
        rr.render_reports(**job)


def test_qc_json_of_another_sample_is_refused(tmp_path):
    job = make_batch(tmp_path)
    job["qc_paths"][0], job["qc_paths"][1] = job["qc_paths"][1], job["qc_paths"][0]
    with pytest.raises(rr.InputError, match=r"S2.qc.json: holds sample 'S2', expected 'S1'"):
        rr.render_reports(**job)


# REF/ALT pairs typed by `bcftools query -f %TYPE` in the test (htslib's typing is the oracle).
ALLELE_PAIRS = [
    ("A", "G"),
    ("AT", "A"),
    ("C", "CAG"),
    ("TCAC", "C"),
    ("AC", "T"),
    ("CA", "TA"),
    ("AC", "GT"),
    ("G", "*"),
    ("A", "<DEL>"),
    ("a", "g"),
    ("ATG", "ACG"),
    ("AAT", "AAC"),
    ("GA", "GTTA"),
    ("AC", "A"),
    ("A", "<*>"),
    ("A", "A[1:5["),
    ("ACGT", "TGCA"),
    ("ACG", "AT"),
]
BCFTOOLS_TYPE = {
    "SNP": rr.SNV,
    "INDEL": rr.INDEL,
    "MNP": rr.OTHER,
    "OTHER": rr.OTHER,
    "BND": rr.OTHER,
    "OVERLAP": rr.REF,
    "REF": rr.REF,
}


def test_allele_types_match_bcftools(tmp_path):
    vcf = tmp_path / "types.vcf"
    lines = ["##fileformat=VCFv4.2", "##contig=<ID=1,length=1000>", "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO"]
    lines += [f"1\t{i}\t.\t{ref}\t{alt}\t.\t.\t." for i, (ref, alt) in enumerate(ALLELE_PAIRS, start=1)]
    vcf.write_text("\n".join(lines) + "\n")
    out = subprocess.run(["bcftools", "query", "-f", "%TYPE\n", str(vcf)], capture_output=True, text=True, check=True)
    expected = [BCFTOOLS_TYPE[t] for t in out.stdout.split()]
    assert [rr.allele_class(ref, alt) for ref, alt in ALLELE_PAIRS] == expected


def bcftools_sample_counts(vcf):
    """Per-sample counts from `bcftools stats -s -`: PSC (SNV het/hom-alt, missing) and PSI (indel het/hom-alt)."""
    out = subprocess.run(["bcftools", "stats", "-s", "-", str(vcf)], capture_output=True, text=True, check=True).stdout
    counts = {}
    for line in out.splitlines():
        f = line.split("\t")
        if f[0] == "PSC":
            counts.setdefault(f[2], {}).update(n_snv_hom_alt=int(f[4]), n_snv_het=int(f[5]), n_no_call=int(f[13]))
        elif f[0] == "PSI":
            counts.setdefault(f[2], {}).update(
                n_indel_het=int(f[7]) + int(f[8]), n_indel_hom_alt=int(f[9]) + int(f[10])
            )
    return counts


REAL_VCFS = {  # set -> (VCF, reference for normalisation or None when it is used as published)
    "1000g_3202": ("1000g_30x_3202_chr22_16.57-16.61Mb_grch38/1000GP.chr22.vcf.gz", None),
    "cineca_2504": ("pgs_catalog_examples/cineca_synthetic_subset.vcf.gz", None),
    "freebayes_tiny": ("freebayes_tiny_na12878/expected/tiny_chr22_full.vcf", "freebayes_tiny_na12878/q.fa"),
    "giab_hg001_chr20": (
        "giab_ceph_trio_hg002_chr20_grch37/truth/"
        "HG001_chr20_GRCh37_GIAB_highconf_CG-IllFB-IllGATKHC-Ion-10X-SOLID_CHROM1-X_v.3.3.2_highconf_PGandRTGphasetransfer"
        ".vcf.gz",
        "",
    ),
}


@pytest.mark.parametrize("name", sorted(REAL_VCFS))
def test_counts_match_bcftools_stats_on_real_vcfs(testdata, tmp_path, name):
    """Real multi-sample and truth VCFs, normalised as gather_calls does (split, atomised) where they need it."""
    path, reference = REAL_VCFS[name]
    vcf = testdata / path
    if not vcf.exists():
        pytest.skip(f"{vcf} is absent")
    if reference is not None:  # "" = no reference at hand (the truth set spans all of chr20): split and atomise only
        normalised = tmp_path / "norm.vcf.gz"
        fasta = ["-f", str(testdata / reference)] if reference else []
        subprocess.run(
            [
                "bcftools",
                "norm",
                "--no-version",
                *fasta,
                "-a",
                "--atom-overlaps",
                ".",
                "-m",
                "-any",
                str(vcf),
                "-Oz",
                "-o",
                str(normalised),
            ],
            check=True,
            capture_output=True,
        )
        vcf = normalised
    counts, _ = rr.count_genotypes(vcf)
    expected = bcftools_sample_counts(vcf)
    assert sorted(counts) == sorted(expected)
    mismatched = [s for s in counts if {k: counts[s][k] for k in expected[s]} != expected[s]]
    assert mismatched == [], mismatched[:3]
    assert sum(c["n_snv_het"] + c["n_snv_hom_alt"] for c in counts.values()) > 0


def test_counts_do_not_depend_on_block_boundaries(rendered):
    counts, n_sites = rr.count_genotypes(rendered["vcf_path"], chunk_length=3)  # blocks of 3, 3, 3, 1 variants
    assert (counts, n_sites) == (HAND_COUNTS, len(VCF_ROWS))


def test_small_batch_gets_a_notice_and_three_samples_do_not(rendered):
    assert not [n for n in load(rendered, "S1")["notices"] if "too few" in n]
    cohort = {"A": {**HAND_COUNTS["S1"], "ti_tv": 2.0, "heterozygosity": 0.5, "call_rate": 1.0}}
    notices = rr.notices_for({"verdict": "pass", "reasons": []}, True, rr.batch_summary(cohort))
    assert notices == [
        "The batch has only 1 called sample(s): too few for the batch comparison to show what is typical."
    ]
    report = rr.build_report(
        "A",
        json.loads(rendered["qc_paths"][0].read_text()) | {"sample_id": "A"},
        True,
        cohort,
        rr.batch_summary(cohort),
        10,
        "bcftools",
        "other",
    )
    figures = {"counts": rr.counts_figure(cohort, "A"), "scatter": rr.het_callrate_figure(cohort, "A")}
    words = " ".join(parse(rr.render_html(report, figures)).text)
    assert "fewer than 3 samples" in words


@pytest.mark.skipif(not CHROMIUM.exists(), reason="headless Chromium is not installed at /usr/bin/chromium")
def test_chromium_renders_the_page(rendered, tmp_path):
    shot = tmp_path / "shot.png"
    html_path = rendered["html_paths"][1].resolve()
    proc = run_chromium(tmp_path / "profile", f"--screenshot={shot}", "--window-size=1200,2000", f"file://{html_path}")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert shot.is_file()
    pixels = imread(shot)[..., :3]
    assert pixels.shape[:2] == (2000, 1200)
    dark = (pixels.mean(axis=2) < 0.5).mean()
    coloured = (np.ptp(pixels, axis=2) > 0.3).mean()  # the orange sample marker, the verdict badge
    assert dark > 0.005 and coloured > 0.0005, (dark, coloured)


# ================================================================ every section filled
# The later stages' outputs for the batch above (S1-S3 in the cohort, S4 failed QC), made the way the workflow makes
# them: one sites VCF (carrier-panel and PGx positions, FORMAT/GT:DP, S4 absent as genotype_sites leaves it out),
# read by the stages' own functions (carrier_findings.write_carrier_findings, pgx_genotypes.pgx_genotypes) and
# polygenic_scores.write_polygenic_scores on a 3-site cohort VCF. Files the structure stage writes (ancestry.tsv,
# popgen_samples.tsv, relatives.tsv, relatedness_samples.tsv) and provenance.json are written by hand in their formats.
# Genotypes chosen (all others 0/0 with DP 30):
#   CFTR F508del (chr7:117559590 ATCT>A, ClinVar none)   S1 0/1                      -> S1 carrier, found heterozygous
#   HBB rs334 (chr11:5227002 T>A)                        S2 ./. DP 3 (below 8)        -> S2 no_call "depth 3 below 8"
#   APOE rs429358 (T>C)                                  S3 0/1                      -> S3 e3/e4
#   TPMT rs1800460 + rs1142345                           S1 0/1 both                 -> *1/*3A or *3B/*3C: ambiguous
#   CYP2C19 rs12248560 (*17) + rs3758581 (1/1 all)       S2 0/1                      -> *1/*17 Rapid Metabolizer
#   CYP2C19 rs4244285                                    S3 ./. DP 0                 -> missing_positions
# (the CYP2C19 and TPMT calls are those of tests/pgx/test_pgx_genotypes.py, PharmCAT's own examples).
PANEL_DIR = REPO / "config" / "panels"
PGX_GENES = ["CYP2C19", "TPMT"]
SITE_GENOTYPES = {  # (chrom, pos) -> {sample: "GT:DP"}
    ("chr7", 117559590): {"S1": "0/1:30"},
    ("chr11", 5227002): {"S2": "./.:3"},
    ("chr19", 44908684): {"S3": "0/1:30"},
}
PGX_GENOTYPES = {  # rsID -> {sample: "GT:DP"}; rs3758581 is 1/1 for all (GRCh38 carries *38's base, see pgx_match)
    "rs1800460": {"S1": "0/1:30"},
    "rs1142345": {"S1": "0/1:30"},
    "rs12248560": {"S2": "0/1:30"},
    "rs3758581": {"S1": "1/1:30", "S2": "1/1:30", "S3": "1/1:30"},
    "rs4244285": {"S3": "./.:0"},
}
# PRS by hand: weights +1 (site 100 G), +0.5 (site 200 T), -1 (site 300 A; no A/T or C/G pair, so none is
# dropped as strand-ambiguous); effect-allele dosages:
#   S1: 1, 1, 1 -> 1 + 0.5 - 1 = 0.5;  S2: 2, 0, 1 -> 2 - 1 = 1.0;  S3: 0, 0, 1 -> -1.0
# percentile ("rank", as pgsc_calc): S1 (1 below, 1 at) -> 66.6667, S2 -> 100, S3 -> 33.3333.
# Histogram: ceil(sqrt(3)) = 2 -> 5 bins (the minimum) over [-1, 1]: edges -1, -0.6, -0.2, 0.2, 0.6, 1;
#   counts [1, 0, 0, 1, 1] (S3 in the first, S1 0.5 in [0.2, 0.6), S2 1.0 in the last, closed bin).
PRS_VCF_ROWS = [("100", "A", "G", "0/1", "1/1", "0/0"), ("200", "C", "T", "0/1", "0/0", "0/0"),
                ("300", "G", "A", "0/1", "0/1", "0/1")]  # fmt: skip
PRS_SCORE = (
    "#pgs_id=PGS_TEST\n#pgs_name=hand_score\n#trait_reported=Hand-made trait\n#citation=Hand arithmetic (2026)\n"
    "#genome_build=GRCh38\nchr_name\tchr_position\teffect_allele\tother_allele\teffect_weight\n"
    "1\t100\tG\tA\t1\n1\t200\tT\tC\t0.5\n1\t300\tA\tG\t-1\n"
)
ANCESTRY_TSV = (
    "sample_id\tPC1\tPC2\tPC3\tPC4\tancestry\tprobability\tpanel_sites\tstatus\n"
    "S1\t0.021\t-0.013\t0.001\t0.002\tEUR\t0.998\t1843\tassigned\n"
    "S2\t0.019\t-0.011\t0.0005\t0.001\tEUR\t0.97\t1840\tassigned\n"
    "S3\t-0.031\t0.024\t0.002\t-0.001\tunknown\t0.52\t1790\tbelow_min_probability\n"
)
PANEL_POINTS = "label\tPC1\tPC2\n" + "".join(
    f"{label}\t{x}\t{y}\n"
    for label, cx, cy in (("EUR", 0.02, -0.012), ("AFR", -0.035, 0.03), ("EAS", 0.0, 0.04))
    for x, y in ((cx - 0.002, cy), (cx + 0.002, cy), (cx, cy - 0.002), (cx, cy + 0.002))
)
POPGEN_TSV = (
    "sample_id\tn_sites\to_hom\te_hom\tinbreeding_f\tsingletons\tchrx_sites\tchrx_het\tchrx_f\tchry_alt_calls"
    "\tinferred_sex\tsheet_sex\tsex_agrees\n"
    "S1\t5000\t3000\t2900\t0.01\t3\t400\t0\t0.98\t30\tmale\tmale\tyes\n"
    "S2\t5000\t3000\t2900\t0.01\t3\t400\t60\t0.05\t0\tfemale\tmale\tno\n"
    "S3\t5000\t3000\t2900\t0.01\t3\t4\t0\tNA\t0\tunknown\t\tNA\n"
)
RELATEDNESS_TSV = (
    "sample_a\tsample_b\tkinship\trelationship\tpedigree_agrees\tn_sites\tibs0\thethet\texpected_relationship\n"
    "S1\tS2\t0.251\tfirst_degree\tyes\t5000\t0\t900\tfirst_degree\n"
    "S1\tS3\t0.01\tunrelated\tno\t5000\t300\t400\tfirst_degree\n"
    "S2\tS3\t-0.02\tunrelated\tNA\t5000\t310\t390\tNA\n"
)
# What the relatedness stage gives the reports of that table: the pairs related or disagreeing with the pedigree
# (S2-S3 is neither), and each cohort sample's pairs (S1 called with S3 at too few sites, as if so).
RELATIVES_TSV = "".join(RELATEDNESS_TSV.splitlines(keepends=True)[:3])
PAIR_COUNTS_TSV = "sample_id\tn_pairs\tn_pairs_too_few_sites\nS1\t2\t1\nS2\t2\t0\nS3\t2\t1\n"
SHA = {name: hashlib.sha256(name.encode()).hexdigest() for name in ("config", "sheet", "ref", "S1", "S2", "S3", "S4")}
PROVENANCE = {
    "workflow": {"name": "genorisk", "version": "0.1.0", "git_commit": "e47f6558de670e0507fe7963479f55579a2a11e6",
                 "git_dirty": False, "pins": {}},
    "config": {"build": "GRCh38", "samples": "samples.tsv", "pgs": {"scoring_files": ["score.txt"]}},
    "inputs": [
        {"role": "config_file", "path": "config.yaml", "sha256": SHA["config"], "bytes": 300},
        {"role": "sample_sheet", "path": "samples.tsv", "sha256": SHA["sheet"], "bytes": 120},
        {"role": "reference", "path": "../ref/GRCh38.fa", "sha256": SHA["ref"], "bytes": 3_100_000_000},
        *({"role": "alignment", "sample_id": s, "path": f"../bams/{s}.bam", "sha256": SHA[s], "bytes": 9_000_000}
          for s in ("S1", "S2", "S3", "S4")),
    ],
    "tools": {"bcftools": "1.16", "samtools": "1.16.1", "tabix": "1.16"},
    "python_packages": {"numpy": "2.4.6"},
    "platform": {"os": "Linux", "python": "3.11.7"},
}  # fmt: skip


def pgx_loci():
    """[(chrom, pos, rsid, ref, alt)] of the PGX_GENES' defining positions (first ALT), from the shipped panel."""
    from pgx.pgx_match import load_gene

    rows = []
    for gene in PGX_GENES:
        for locus in load_gene(PANEL_DIR / "pgx", gene).loci:
            rows.append((locus.chrom, locus.pos, locus.rsid or ".", locus.ref, locus.alts[0] if locus.alts else "."))
    return rows


def write_sites_vcf(path):
    """The sites VCF as genotype_sites writes it: every panel position, S1-S3 (S4 failed QC), GT:DP."""
    rows = {}
    for line in (PANEL_DIR / "carrier" / "carrier_panel.tsv").read_text().splitlines()[1:]:
        gene, _kind, _strand, chrom, pos, ref, alt, rsid = line.split("\t")[:8]
        rows[(chrom, int(pos))] = (rsid, ref, alt, SITE_GENOTYPES.get((chrom, int(pos)), {}))
    for chrom, pos, rsid, ref, alt in pgx_loci():
        rows.setdefault((chrom, pos), (rsid, ref, alt, PGX_GENOTYPES.get(rsid, {})))
    contigs = sorted({c for c, _ in rows}, key=lambda c: int(c[3:]))
    header = ["##fileformat=VCFv4.2", *(f"##contig=<ID={c}>" for c in contigs),
              '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">',
              '##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Depth">',
              "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS1\tS2\tS3"]  # fmt: skip
    body = []
    for (chrom, pos), (rsid, ref, alt, gts) in sorted(rows.items(), key=lambda kv: (int(kv[0][0][3:]), kv[0][1])):
        samples = [gts.get(s, "0/0:30") for s in ("S1", "S2", "S3")]
        body.append("\t".join([chrom, str(pos), rsid, ref, alt, ".", "PASS", ".", "GT:DP", *samples]))
    plain = path.with_suffix("")
    plain.write_text("\n".join(header + body) + "\n")
    subprocess.run(["bgzip", "-f", str(plain)], check=True)
    subprocess.run(["tabix", "-p", "vcf", str(path)], check=True)
    return path


def write_stage_outputs(folder):
    """Every later stage's output for the batch; returns render_reports' stage_inputs."""
    from carrier.carrier_findings import write_carrier_findings
    from pgx.guidance import pgx_guidance
    from pgx.pgx_genotypes import pgx_genotypes
    from prs.polygenic_scores import write_polygenic_scores

    folder.mkdir(parents=True, exist_ok=True)
    sites = write_sites_vcf(folder / "sites.vcf.gz")
    samples = list(QC)
    write_carrier_findings(sites, PANEL_DIR / "carrier" / "carrier_panel.tsv", folder / "carrier_findings.json",
                           folder / "carrier_findings.tsv", samples=samples, min_depth=8)  # fmt: skip
    pgx_genotypes(sites, PANEL_DIR / "pgx", PGX_GENES, folder / "pgx_calls.json", folder / "pgx_calls.tsv",
                  samples=samples, min_depth=1)  # fmt: skip
    pgx_guidance(folder / "pgx_calls.json", PANEL_DIR / "pgx" / "guidance" / "guidance.json.gz",
                 folder / "guidance.json", folder / "guidance.tsv")  # fmt: skip
    lines = ["##fileformat=VCFv4.2", "##contig=<ID=1,length=2000>",
             '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">',
             "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS1\tS2\tS3"]  # fmt: skip
    lines += [
        "\t".join(["1", pos, ".", ref, alt, "50", "PASS", ".", "GT", *gts]) for pos, ref, alt, *gts in PRS_VCF_ROWS
    ]
    (folder / "prs_cohort.vcf").write_text("\n".join(lines) + "\n")
    (folder / "score.txt").write_text(PRS_SCORE)
    write_polygenic_scores(folder / "prs_cohort.vcf", [folder / "score.txt"], "GRCh38", folder / "scores.tsv",
                           folder / "scores.json", min_overlap=0.5)  # fmt: skip
    for name, text in (("ancestry.tsv", ANCESTRY_TSV), ("panel_points.tsv", PANEL_POINTS),
                       ("popgen_samples.tsv", POPGEN_TSV), ("relatives.tsv", RELATIVES_TSV),
                       ("relatedness_samples.tsv", PAIR_COUNTS_TSV)):  # fmt: skip
        (folder / name).write_text(text)
    (folder / "provenance.json").write_text(json.dumps(PROVENANCE, indent=2, sort_keys=True) + "\n")
    (folder / "panel_file.tsv").write_text("panel bytes\n")
    return {
        "pgx": folder / "pgx_calls.json", "pgx_guidance": folder / "guidance.json",
        "carrier": folder / "carrier_findings.json",
        "prs_tsv": folder / "scores.tsv", "prs_json": folder / "scores.json", "ancestry": folder / "ancestry.tsv",
        "panel_points": folder / "panel_points.tsv", "popgen_samples": folder / "popgen_samples.tsv",
        "relatives": folder / "relatives.tsv", "pair_counts": folder / "relatedness_samples.tsv",
        "sites_vcf": sites, "provenance": folder / "provenance.json",
        "sites_min_depth": 8, "panel_files": [("carrier panel", folder / "panel_file.tsv")],
    }  # fmt: skip


def make_full_batch(tmp_path):
    job = make_batch(tmp_path)
    job["stage_inputs"] = write_stage_outputs(tmp_path / "stages")
    # PDFs of S1 (every section) and S4 (failed QC) only: each PDF takes about a second to lay out.
    job["pdf_paths"] = [tmp_path / "out" / f"{s}.pdf" if s in ("S1", "S4") else None for s in QC]
    return job


@pytest.fixture(scope="module")
def full(tmp_path_factory):
    job = make_full_batch(tmp_path_factory.mktemp("full"))
    rr.render_reports(**job)
    return job


def full_report(job, sample):
    return json.loads(job["json_paths"][list(QC).index(sample)].read_text())


def full_page_text(job, sample):
    """The page's visible words with white space collapsed."""
    return " ".join("".join(parse(job["html_paths"][list(QC).index(sample)].read_text(encoding="utf-8")).text).split())


def test_full_reports_validate_and_carry_the_stable_keys(full):
    schema = json.loads(SCHEMA.read_text())
    for sample in QC:
        rr.validate_report(full_report(full, sample), schema)
    s1 = full_report(full, "S1")
    assert {k: v["status"] for k, v in s1["sections"].items()} == dict.fromkeys(rr.DEFAULT_NOT_RUN, "reported") | {
        "truth_benchmark": "not_run", "mendel": "not_run", "clinvar": "not_run"}  # fmt: skip
    # no truth set, no parents: test_accuracy.py; no ClinVar findings given: test_clinvar_report.py
    assert sorted(s1["pgx"]) == PGX_GENES
    for block in s1["pgx"].values():
        assert {"diplotypes", "phenotype", "activity_score", "calls", "missing"} <= set(block)
        assert all(set(c) == {"rsid", "chrom", "pos", "genotype", "status"} for c in block["calls"])
        assert {c["status"] for c in block["calls"]} <= {"ref", "variant", "no_call"}
    prs_keys = {"pgs_id", "sum", "denom", "avg", "n_matched", "n_ambiguous", "n_unmatched", "percentile", "reference"}
    assert all(prs_keys <= set(score) for score in s1["prs"])
    assert all({"gene", "variant", "clinvar_id", "genotype", "status"} <= set(f) for f in s1["carrier"])
    assert {f["status"] for sample in ("S1", "S2") for f in full_report(full, sample)["carrier"]} == {
        "found", "not_found", "no_call"}  # fmt: skip


def test_carrier_findings_by_hand(full):
    report = full_report(full, "S1")
    s1 = report["carrier"]
    found = [f for f in s1 if f["status"] == "found"]
    assert [(f["gene"], f["variant"], f["genotype"], f["coding_genotype"], f["zygosity"], f["interpretation"])
            for f in found] == [("CFTR", "NM_000492.4:c.1521_1523del (p.Phe508del)", "0/1", "ref/del", "heterozygous",
                                 "carrier")]  # fmt: skip
    # the 15-row panel: 11 carrier rows (one found, 10 tested and not found), 2 risk factors, 2 APOE sites
    assert sum(f["status"] == "not_found" for f in s1) == 10 and {f["kind"] for f in s1} == {"carrier"}
    rs6025 = next(f for f in report["risk_factors"] if f["rsid"] == "rs6025")
    assert (rs6025["clinvar_id"], rs6025["status"], rs6025["depth"]) == ("642", "not_found", 30)
    assert (rs6025["coding_genotype"], rs6025["genomic_genotype"]) == ("G/G", "C/C")  # F5 is on the minus strand
    rs334 = next(f for f in full_report(full, "S2")["carrier"] if f["rsid"] == "rs334")
    assert (rs334["status"], rs334["reason"]) == ("no_call", "depth 3 below 8")
    s3 = full_report(full, "S3")["apoe"]
    assert s3["genotype"] == "e3/e4"  # rs429358 C on one copy, rs7412 C/C
    assert [(f["rsid"], f["coding_genotype"]) for f in s3["sites"]] == [("rs429358", "T/C"), ("rs7412", "C/C")]
    s4 = full_report(full, "S4")
    for section in ("carrier", "risk_factors", "apoe"):
        assert s4["sections"][section]["status"] == "no_result" and "failed QC" in s4["sections"][section]["reason"]
    assert s4["carrier"] == [] and s4["risk_factors"] == [] and s4["apoe"] is None
    words = full_page_text(full, "S1")
    assert "heterozygous: one copy of the variant" in words and "Carrier" in words
    assert words.count("not found: no copy of the variant") == 14  # 10 carrier rows, 2 risk factors, 2 APOE sites
    assert "not known: no genotype (depth 3 below 8)" in full_page_text(full, "S2")


def test_pharmacogenomics_by_hand(full):
    tpmt = full_report(full, "S1")["pgx"]["TPMT"]
    assert (tpmt["status"], tpmt["diplotypes"], tpmt["phenotype"]) == ("ambiguous", ["*1/*3A", "*3B/*3C"], None)
    cyp = full_report(full, "S2")["pgx"]["CYP2C19"]
    assert (cyp["diplotypes"], cyp["phenotype"], cyp["missing"]) == (["*1/*17"], "Rapid Metabolizer", [])
    missing = full_report(full, "S3")["pgx"]["CYP2C19"]
    assert (missing["status"], missing["diplotypes"], missing["missing"]) == ("missing_positions", [], ["rs4244285"])
    assert next(c for c in missing["calls"] if c["rsid"] == "rs4244285")["status"] == "no_call"
    s4 = full_report(full, "S4")
    assert s4["pgx"] == {} and s4["sections"]["pgx"]["status"] == "no_result"
    assert "Rapid Metabolizer" in full_page_text(full, "S2") and "one of *1/*3A, *3B/*3C" in full_page_text(full, "S1")


def test_medication_guidance_by_hand(full):
    """S2 is a CYP2C19 rapid metabolizer (*1/*17): CPIC clopidogrel's three population rows (the guideline file
    CPIC_clopidogrel_and_CYP2C19.json: standard dose for ACS/PCI, no recommendation for the others); S3's CYP2C19 is
    not called: clopidogrel cannot be assessed."""
    s2 = full_report(full, "S2")
    assert s2["sections"]["pgx_guidance"]["status"] == "reported"
    clopidogrel = [r for r in s2["pgx_guidance"] if r["drug"] == "clopidogrel" and r["source"] == "CPIC"]
    assert [(r["population"], r["classification"], r["recommendation"].splitlines()[0]) for r in clopidogrel] == [
        ("CVI ACS PCI", "Strong", "If considering clopidogrel, use at standard dose (75 mg/day)"),
        ("CVI non-ACS non-PCI", "No recommendation", "No recommendation"),
        ("NVI", "No recommendation", "No recommendation")]  # fmt: skip
    assert all(r["lookup"] == {"CYP2C19": "Rapid Metabolizer"} and r["actionable"] is False
               and r["citations"] == ["35034351", "23698643", "21716271"] for r in clopidogrel)  # fmt: skip
    (s3,) = [r for r in full_report(full, "S3")["pgx_guidance"] if r["drug"] == "clopidogrel" and r["source"] == "CPIC"]
    why = "CYP2C19 not called: 1 position(s) without a genotype"
    assert (s3["status"], s3["recommendation"], s3["why"]) == ("cannot_be_assessed", None, why)
    s4 = full_report(full, "S4")
    assert s4["pgx_guidance"] == [] and s4["sections"]["pgx_guidance"]["status"] == "no_result"
    words = full_page_text(full, "S3")
    assert "Medication guidance" in words and "Cannot be assessed" in words
    assert "clopidogrel (CPIC)" in words and ": CYP2C19 not called: 1 position(s) without a genotype" in words
    assert "data version 2024-03-25-16-13" in words and "hydralazine (NAT2)" in words  # the limitations


def test_a_refused_scoring_file_beside_a_scored_one_renders(tmp_path):
    from prs.polygenic_scores import write_polygenic_scores

    job = make_batch(tmp_path)
    stages = job["stage_inputs"] = write_stage_outputs(tmp_path / "stages")
    folder = tmp_path / "stages"
    (folder / "other_build.txt").write_text(PRS_SCORE.replace("PGS_TEST", "PGS_OTHER").replace("GRCh38", "GRCh37"))
    write_polygenic_scores(folder / "prs_cohort.vcf", [folder / "score.txt", folder / "other_build.txt"], "GRCh38",
                           stages["prs_tsv"], stages["prs_json"], min_overlap=0.5)  # fmt: skip
    job["pdf_paths"] = [tmp_path / "out" / "S1.pdf" if s == "S1" else None for s in QC]
    rr.render_reports(**job)
    report = json.loads(job["json_paths"][list(QC).index("S1")].read_text())
    rr.validate_report(report, json.loads(SCHEMA.read_text()))
    scored, refused = report["prs"]
    assert (scored["pgs_id"], scored["status"], scored["sum"]) == ("PGS_TEST", "ok", 0.5)  # by hand, as below
    reason = ("refused: other_build.txt: the scoring file's positions are not on the target build GRCh38 "
              "(genome_build=GRCh37; the config `build` is GRCh38)")  # fmt: skip
    assert (refused["pgs_id"], refused["status"], refused["sum"]) == ("PGS_OTHER", "refused", None)
    assert refused["reason"].startswith(reason)
    words = " ".join("".join(parse(job["html_paths"][0].read_text(encoding="utf-8")).text).split())
    assert f"Not computed: {reason}" in words and "PGS_OTHER: not computed" in words
    assert (tmp_path / "out" / "S1.pdf").read_bytes().startswith(b"%PDF")


def test_polygenic_scores_by_hand(full):
    expected = {"S1": (0.5, 66.6667), "S2": (1.0, 100.0), "S3": (-1.0, 33.3333)}
    for sample, (total, percentile) in expected.items():
        (score,) = full_report(full, sample)["prs"]
        assert (score["pgs_id"], score["sum"], score["percentile"]) == ("PGS_TEST", total, percentile)
        assert (score["n_matched"], score["n_ambiguous"], score["n_unmatched"], score["denom"]) == (3, 0, 0, 6)
        assert score["avg"] == pytest.approx(total / 6, abs=1e-7)
        assert score["reference"] == {"name": "batch", "n_samples": 3}
        assert (score["trait"], score["citation"]) == ("Hand-made trait", "Hand arithmetic (2026)")
        dist = score["distribution"]
        assert dist["bin_edges"] == pytest.approx([-1, -0.6, -0.2, 0.2, 0.6, 1.0])
        assert dist["counts"] == [1, 0, 0, 1, 1] and dist["n"] == 3
    assert "67th percentile within this batch of 3" in full_page_text(full, "S1")


def test_panel_qc_depth_call_rate_and_explicit_no_calls(full):
    n_positions = 15 + len(pgx_loci())  # carrier rows + PGx defining positions, none shared
    s2 = full_report(full, "S2")["panel_qc"]
    assert s2["sites"]["n_positions"] == n_positions
    assert (s2["sites"]["n_called"], s2["sites"]["depth_min"], s2["sites"]["n_below_min_depth"]) == (
        n_positions - 1, 3, 1)  # fmt: skip
    assert s2["no_calls"] == [{"chrom": "chr11", "pos": 5227002, "rsid": "rs334", "panels": ["carrier HBB"],
                               "depth": 3, "reason": "depth 3 below 8"}]  # fmt: skip
    assert {p["panel"]: (p["n_positions"], p["n_called"]) for p in s2["panels"]}["Carrier panel"] == (15, 14)
    (s3_no_call,) = full_report(full, "S3")["panel_qc"]["no_calls"]
    assert (s3_no_call["rsid"], s3_no_call["panels"], s3_no_call["depth"]) == ("rs4244285", ["PGx CYP2C19"], 0)
    assert s3_no_call["reason"] == "no reads at the position"
    assert full_report(full, "S1")["panel_qc"]["no_calls"] == []
    assert "chr11:5,227,002" in full_page_text(full, "S2") and "No-call positions: none." in full_page_text(full, "S1")


def test_identity_checks_and_swap_notices(full):
    s1, s2 = full_report(full, "S1"), full_report(full, "S2")
    relatives = {r["sample"]: (r["relationship"], r["pedigree_agrees"]) for r in s1["identity"]["relatives"]}
    assert relatives == {"S2": ("first_degree", True), "S3": ("unrelated", False)}
    assert (s1["identity"]["n_pairs"], s1["identity"]["n_pairs_too_few_sites"]) == (2, 1)
    assert [r["sample"] for r in s2["identity"]["relatives"]] == ["S1"]  # S2-S3: unrelated, no pedigree: counted only
    assert any(n.startswith("Relatedness to S3 disagrees with the pedigree") for n in s1["notices"])
    assert s2["identity"]["sex"] == {"inferred": "female", "sheet": "male", "agrees": False, "chrx_f": 0.05,
                                     "chry_alt_calls": 0}  # fmt: skip
    assert any("differs from the sample sheet (male)" in n for n in s2["notices"])
    assert full_report(full, "S3")["identity"]["sex"]["sheet"] is None


def test_ancestry_block_and_panel_groups_by_hand(full):
    s1 = full_report(full, "S1")["ancestry"]
    assert (s1["ancestry"], s1["probability"], s1["status"]) == ("EUR", 0.998, "assigned")
    assert s1["pcs"] == [0.021, -0.013, 0.001, 0.002]
    assert s1["batch_points"] == [[-0.031, 0.024], [0.019, -0.011]]  # S3 and S2, sorted, no IDs
    eur = next(g for g in s1["panel_groups"] if g["label"] == "EUR")
    # Four points at +-0.002 around (0.02, -0.012): variance (2 x 0.002^2) / 3 on each axis, no covariance.
    assert eur["n"] == 4 and eur["mean"] == pytest.approx([0.02, -0.012])
    assert [v for row in eur["cov"] for v in row] == pytest.approx([8e-6 / 3, 0, 0, 8e-6 / 3], rel=1e-5, abs=1e-12)
    assert full_report(full, "S3")["ancestry"]["status"] == "below_min_probability"
    assert "Closest reference group: EUR (probability 99.8 %" in full_page_text(full, "S1")


def test_provenance_lists_own_inputs_and_panel_hashes(full):
    block = full_report(full, "S1")["provenance"]
    # The batch's files and this sample's own alignment; other samples' files are left out.
    assert [(e["role"], e["name"]) for e in block["inputs"]] == [
        ("config_file", "config.yaml"), ("sample_sheet", "samples.tsv"), ("reference", "GRCh38.fa"),
        ("alignment", "S1.bam")]  # fmt: skip
    assert block["reference_sha256"] == SHA["ref"] and block["git_commit"] == PROVENANCE["workflow"]["git_commit"]
    canonical = json.dumps(PROVENANCE["config"], sort_keys=True, separators=(",", ":")).encode()
    assert block["config_sha256"] == hashlib.sha256(canonical).hexdigest()
    assert block["panels"] == [
        {"role": "carrier panel", "name": "panel_file.tsv", "sha256": hashlib.sha256(b"panel bytes\n").hexdigest()}
    ]
    assert block["tools"] == {"bcftools": "1.16", "samtools": "1.16.1", "tabix": "1.16"}
    text = full_report(full, "S1")
    assert "../" not in json.dumps(text["provenance"])  # file names only, never paths


def embedded_pngs(text):
    prefix = 'src="data:image/png;base64,'
    return [base64.b64decode(chunk.split('"', 1)[0]) for chunk in text.split(prefix)[1:]]


def sample_colour_pixels(png):
    """Pixels of the sample's vermillion (#D55E00) in a PNG, within a small tolerance."""
    pixels = imread(io.BytesIO(png), format="png")[..., :3]
    return int((np.abs(pixels - np.array([0xD5, 0x5E, 0x00]) / 255).max(axis=2) < 0.05).sum())


def test_figures_in_page_order_with_the_sample_marked(full):
    s1 = full_report(full, "S1")
    assert rr.figure_keys(s1) == ["counts", "scatter", "prs:PGS_TEST", "pca"]
    images = embedded_pngs(full["html_paths"][0].read_text(encoding="utf-8"))
    assert len(images) == 4
    for png in images:
        width, height = png_dims(png)
        assert width >= 800 and height >= 450
        assert sample_colour_pixels(png) > 200  # the sample's marker and line are drawn
    assert embedded_pngs(full["html_paths"][3].read_text(encoding="utf-8")) == []  # S4: failed, nothing to draw
    words = full_page_text(full, "S1")
    assert "Figure 3. Scores of the 3 samples of this batch" in words and "Figure 4." in words


def test_page_is_rebuilt_from_its_json_alone(full):
    """What scripts/deliver/deliver.py relies on: render_html(JSON, figures_for(JSON, cohort)) gives the page's
    bytes."""
    counts, _ = rr.count_genotypes(full["vcf_path"])
    cohort = rr.cohort_table(counts, rr.read_sample_stats(full["af_samples_path"]), rr.read_batch_qc(
        full["batch_qc_path"]), full["vcf_path"], full["af_samples_path"], full["batch_qc_path"])  # fmt: skip
    for i, sample in enumerate(QC):
        report = full_report(full, sample)
        page = full["html_paths"][i].read_text(encoding="utf-8")
        assert rr.render_html(report, rr.figures_for(report, cohort)) == page, sample


def pdf_text(path):
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout


def pdf_pages(path):
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1)), info


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils (pdftotext, pdfinfo) are not installed")
def test_pdf_says_what_the_page_says(full):
    for i, sample in ((0, "S1"), (3, "S4")):
        pages, info = pdf_pages(full["pdf_paths"][i])
        assert pages >= 2, sample
        assert "CreationDate" not in info and "ModDate" not in info
        text = " ".join(pdf_text(full["pdf_paths"][i]).split())
        titles = re.findall(r"<h2>(.*?)</h2>", full["html_paths"][i].read_text(encoding="utf-8"))
        assert titles and all(html.unescape(t) in text for t in titles), sample
        assert f"Page {pages} of {pages}" in text
        assert "Research use only" in text and "Privacy." in text and "Consent." in text
    s1 = " ".join(pdf_text(full["pdf_paths"][0]).split())
    for phrase in (
        "heterozygous: one copy of the variant",
        "one of *1/*3A, *3B/*3C",
        "67th percentile",
        "e47f6558de670e0507fe",
    ):
        assert phrase in s1, phrase
    raw = full["pdf_paths"][0].read_bytes()
    assert b"/CreationDate" not in raw and b"/ModDate" not in raw and b"/ID" not in raw


def test_rendering_everything_twice_is_byte_identical(full, tmp_path):
    """A second run elsewhere, as a job of two samples (S1 with every section, S4 failed): the same bytes."""
    again = make_full_batch(tmp_path)
    keep = [0, 3]
    for key in ("samples", "qc_paths", "json_paths", "html_paths", "pdf_paths"):
        again[key] = [again[key][i] for i in keep]
    rr.render_reports(**again)
    for key in ("json_paths", "html_paths", "pdf_paths"):
        for i, second in zip(keep, again[key], strict=True):
            assert full[key][i].read_bytes() == second.read_bytes(), second.name


@pytest.mark.skipif(not CHROMIUM.exists(), reason="headless Chromium is not installed at /usr/bin/chromium")
def test_chromium_renders_and_prints_the_full_report(full, tmp_path):
    page = full["html_paths"][0].resolve()
    shot, printed = tmp_path / "shot.png", tmp_path / "printed.pdf"
    for extra in (
        [f"--screenshot={shot}", "--window-size=1200,3000"],
        ["--no-pdf-header-footer", f"--print-to-pdf={printed}"],
    ):
        proc = run_chromium(tmp_path / "profile", *extra, f"file://{page}")
        assert proc.returncode == 0, proc.stderr[-2000:]
    assert imread(shot).shape[:2] == (3000, 1200)
    pages, _ = pdf_pages(printed)
    assert pages >= 3
    listed = subprocess.run(["pdfimages", "-list", str(printed)], capture_output=True, text=True, check=True).stdout
    assert len([line for line in listed.splitlines()[2:] if " image " in line]) >= 4  # the four figures are printed
    printed_text = " ".join(pdf_text(printed).split())
    assert "Carrier status for recessive conditions" in printed_text and "Polygenic scores" in printed_text


def test_stage_that_did_not_run_says_why(tmp_path):
    job = make_batch(tmp_path)
    config = {"build": "other", "pgx": {"enabled": "auto", "vcf": None}, "carrier": {"enabled": "auto", "vcf": None},
              "sites": {"files": []}, "pgs": {"scoring_files": []}, "structure": {"panel": None}}  # fmt: skip
    job["not_run"] = report_stages.not_run_reasons(config, False, False, False)
    rr.render_reports(**job)
    report = json.loads(job["json_paths"][0].read_text())
    assert report["sections"]["pgx"] == {
        "status": "not_run",
        "reason": "pharmacogenomics needs a GRCh38 reference: its panel has GRCh38 positions only, none for this "
        "batch's build other",
    }
    words = " ".join(parse(job["html_paths"][0].read_text(encoding="utf-8")).text)
    for sentence in (
        "Not run: pharmacogenomics needs a GRCh38 reference: its panel has GRCh38 positions only",
        "Not run: carrier screening needs a GRCh38 reference",
        "Not run: no polygenic score was configured (pgs.scoring_files is empty).",
        "Not run: ancestry needs a labelled reference panel (structure.panel is none, or build is neither GRCh37 nor "
        "GRCh38, for which one is shipped).",
        "Not run: no panel positions were genotyped",
    ):
        assert sentence in words, sentence
    assert report["pgx"] == {} and report["prs"] == [] and report["carrier"] == [] and report["ancestry"] is None


@pytest.mark.parametrize(
    ("change", "section", "reason"),
    [
        ({"pgx": {"enabled": False, "vcf": None}}, "pgx", "pharmacogenomics was switched off in the configuration "
         "(pgx.enabled is false)"),
        ({"build": "other"}, "carrier", "carrier screening needs a GRCh38 reference: its panel has GRCh38 positions "
         "only, none for this batch's build other"),
        # GRCh38: the workflow genotypes the shipped panels itself, so both stages run without sites.files.
        ({"build": "GRCh38"}, "pgx", None),
        ({"build": "GRCh38"}, "carrier", None),
        ({"build": "other", "pgx": {"enabled": True, "vcf": None}}, "pgx", None),
        ({"pgs": {"scoring_files": ["a.txt"]}}, "prs", None),
        ({"structure": {"panel": "GRCH37.sites"}}, "ancestry", None),
    ],
)  # fmt: skip
def test_not_run_reasons_follow_the_config(change, section, reason):
    config = {"build": "other", "pgx": {"enabled": "auto", "vcf": None}, "carrier": {"enabled": "auto", "vcf": None},
              "sites": {"files": []}, "pgs": {"scoring_files": []}, "structure": {"panel": None}} | change  # fmt: skip
    enabled = [report_stages.panel_stage_enabled(config, key) for key in ("pgx", "carrier")]
    assert report_stages.not_run_reasons(config, *enabled, False)[section] == reason
    assert report_stages.not_run_reasons(config, True, True, True)["pgx"] is None


def test_grch38_panels_run_on_auto_whatever_the_sheet_holds_and_not_on_another_build():
    config = {"build": "GRCh38", "pgx": {"enabled": "auto", "vcf": None}, "carrier": {"enabled": "auto", "vcf": None},
              "sites": {"files": []}, "pgs": {"scoring_files": []}, "structure": {"panel": None}}  # fmt: skip
    assert report_stages.panel_stage_enabled(config, "pgx") and report_stages.panel_stage_enabled(config, "carrier")
    config["build"] = "GRCh37"
    assert not report_stages.panel_stage_enabled(config, "pgx")
    assert report_stages.not_run_reasons(config, False, False, False)["pgx"] == (
        "pharmacogenomics needs a GRCh38 reference: its panel has GRCh38 positions only, none for this batch's build "
        "GRCh37"
    )
    config["carrier"]["enabled"] = False
    assert report_stages.not_run_reasons(config, False, False, False)["carrier"] == (
        "carrier screening was switched off in the configuration (carrier.enabled is false)"
    )


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (("carrier", 0, "status"), "present", "'present' is not one of"),
        (("pgx", "TPMT", "calls", 0, "status"), "hom", "'hom' is not one of"),
        (("prs", 0, "percentile"), 101, "101 is greater than the maximum of 100"),
        (("sections", "pgx", "status"), "not_run", "'reason'|pgx"),
    ],
)
def test_schema_refuses_broken_later_sections(full, path, value, message):
    report = full_report(full, "S1")
    target = report
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    with pytest.raises(ValueError, match=message):
        rr.validate_report(report, json.loads(SCHEMA.read_text()))


def test_pgx_calls_are_read_for_the_job_samples_only(full, tmp_path):
    path = full["stage_inputs"]["pgx"]
    whole = json.loads(path.read_text())
    assert report_sections.read_pgx(path, ["S3", "S1"]) == {"S1": whole["S1"], "S3": whole["S3"]}
    indented = tmp_path / "indented.json"  # another writer's layout is read as a whole
    indented.write_text(json.dumps(whole, indent=2))
    assert report_sections.read_pgx(indented, ["S2"]) == {"S2": whole["S2"]}


def test_not_covered_positions_are_shown_as_such_never_as_reference(tmp_path):
    """The full batch again, with coverage tables (written by hand in panel_to_sites' layout) that say HBB rs334
    (chr11:5227002, 0/0 DP 30 in S1's sites) and TPMT rs1142345 (chr6:18130687) are not covered by the reference."""
    from carrier.carrier_findings import write_carrier_findings
    from pgx.pgx_genotypes import pgx_genotypes

    job = make_full_batch(tmp_path)
    job["pdf_paths"] = None
    stages = job["stage_inputs"]
    header = "gene\tchrom\tpos\tref\talt\tid\tstatus\treason\n"
    carrier_cov, pgx_cov = tmp_path / "carrier_coverage.tsv", tmp_path / "pgx_coverage.tsv"
    # A real table lists every position; one covered row each is enough here (a table without any is "not run").
    carrier_cov.write_text(header + "HBB\tchr11\t5227002\tT\tA\trs334\tnot_covered\tthe reference has N there\n"
                           "F5\tchr1\t169549811\tC\tT\trs6025\tcovered\t.\n")  # fmt: skip
    pgx_cov.write_text(header + "TPMT\tchr6\t18130687\tT\tC\trs1142345\tnot_covered\tthe reference has N there\n"
                       "TPMT\tchr6\t18138997\tC\tT\trs1800460\tcovered\t.\n")  # fmt: skip
    folder = tmp_path / "stages"
    write_carrier_findings(stages["sites_vcf"], PANEL_DIR / "carrier" / "carrier_panel.tsv", stages["carrier"],
                           folder / "carrier_findings.tsv", samples=list(QC), coverage_tsv=carrier_cov)  # fmt: skip
    pgx_genotypes(stages["sites_vcf"], PANEL_DIR / "pgx", PGX_GENES, stages["pgx"], folder / "pgx_calls.tsv",
                  samples=list(QC), min_depth=1, coverage_tsv=pgx_cov)  # fmt: skip
    stages |= {"pgx_coverage": pgx_cov, "carrier_coverage": carrier_cov}
    rr.render_reports(**job)  # validates every report against the schema
    s1 = full_report(job, "S1")
    assert {k: v["status"] for k, v in s1["sections"].items()}["pgx"] == "reported"
    rs334 = next(f for f in s1["carrier"] if f["rsid"] == "rs334")
    assert (rs334["status"], rs334["genotype"]) == ("not_covered", None)
    assert sum(f["status"] == "not_found" for f in s1["carrier"]) == 9  # 10 of test_carrier_findings_by_hand - rs334
    tpmt = s1["pgx"]["TPMT"]
    assert [c["status"] for c in tpmt["calls"] if c["rsid"] == "rs1142345"] == ["not_covered"]
    assert tpmt["phenotype"] is None and tpmt["diplotypes"] == [] and tpmt["status"] == "missing_positions"
    assert (folder / "pgx_calls.tsv").read_text().splitlines()[1:3][1].endswith("\tmissing_positions\t1")
    words = full_page_text(job, "S1")
    assert "1 not covered by this reference/target (HBB 1): nothing is known there" in words
    assert "1 defining position(s) not covered by this reference/target: TPMT 1." in words


@pytest.mark.parametrize(
    ("verdict", "n_samples", "words"),
    [
        ("pass", 4, "passed sequencing quality control. Its variants were called together with 3 other sample(s) of "
                    "this batch."),
        ("not_applicable", 4, "arrived already called (a VCF), so sequencing quality control does not apply. Its "
                              "calls were merged with those of the 3 other sample(s) of this batch."),
        ("not_applicable", 1, "does not apply. It is the only sample of this batch."),
    ],
)  # fmt: skip
def test_summary_says_how_a_sample_joined_the_batch(verdict, n_samples, words):
    """A VCF row was called elsewhere: its summary does not say it was called with the batch."""
    from reports.content import _variants_sentence

    counts = {"n_snv_het": 3, "n_snv_hom_alt": 2, "n_indel_het": 1, "n_indel_hom_alt": 0}
    variants = {"called": True, "sample": counts, "batch": {"n_samples": n_samples}, "n_sites": 50}
    report = {"sample_id": "S1", "qc": {"verdict": verdict}, "variants": variants}
    text = "".join(str(part) if isinstance(part, str) else str(getattr(part, "text", part))
                   for part in _variants_sentence(report))  # fmt: skip
    assert words in text and "5" in text


def test_allele_status_genes_without_a_variant_are_not_called_unusual_in_the_summary():
    from reports.content import _usual_phenotype

    # CPIC's phenotypes of a reference RYR1/CACNA1S and CFTR (PharmCAT's phenotype tables) say "no variant of
    # interest": a summary listing them as "not the usual function" for every sample would be misread
    for usual in ("Uncertain Susceptibility", "ivacaftor non-responsive in CF patients", "Normal Metabolizer",
                  "-1639 GG", "*15:02 negative; *57:01 negative"):  # fmt: skip
        assert _usual_phenotype(usual), usual
    for notable in ("Malignant Hyperthermia Susceptibility", "ivacaftor responsive in CF patients", "Deficient",
                    "Poor Metabolizer", "*57:01 positive; *15:02 negative"):  # fmt: skip
        assert not _usual_phenotype(notable), notable


def test_relatedness_rows_of_the_jobs_samples_only(tmp_path):
    """sections.read_relatedness keeps a row under each of its samples that the job renders, as a dict of the header's
    columns (the table written above, with the sample columns moved to the end and CRLF line ends)."""
    lines = [line.split("\t") for line in RELATEDNESS_TSV.splitlines()]
    moved = "".join("\t".join(row[2:] + row[:2]) + "\r\n" for row in lines)
    for text, name in ((RELATEDNESS_TSV, "plain.tsv"), (moved, "moved.tsv")):
        path = tmp_path / name
        path.write_text(text, newline="")
        rows = report_sections.read_relatedness(path, ["S3"])
        assert sorted(rows) == ["S3"]
        assert [(r["sample_a"], r["sample_b"], r["kinship"], r["expected_relationship"]) for r in rows["S3"]] == [
            ("S1", "S3", "0.01", "first_degree"), ("S2", "S3", "-0.02", "NA")]  # fmt: skip
        assert sorted(report_sections.read_relatedness(path)) == ["S1", "S2", "S3"]
