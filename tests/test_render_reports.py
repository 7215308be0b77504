"""Tests of scripts/render_reports.py on hand-made fixtures whose counts are worked out by hand below."""

import base64
import io
import json
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import jsonschema
import numpy as np
import pytest
from matplotlib.image import imread

import render_reports as rr

REPO = Path(__file__).resolve().parents[1]
SCHEMA = REPO / "workflow" / "schemas" / "report.schema.json"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
CHROMIUM = Path("/usr/bin/chromium")

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
# The af step's per-sample table (its own numbers; the report passes them through, rounded to 4 / 3 digits).
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
        in_cohort = "no" if verdict == "fail" else "yes"  # as scripts/batch_qc.py writes it
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
    assert (s1["call_rate"], s1["heterozygosity"], s1["ti_tv"]) == (0.9, 0.6667, 1.5)
    assert s2["ti_tv"] is None  # NA in the af table stays undefined, never 0
    batch = load(rendered, "S4")["variants"]["batch"]
    assert batch["n_samples"] == 3
    assert batch["n_snv_het"] == {"median": 2, "min": 2, "max": 3}  # S1 3, S2 2, S3 2
    assert batch["n_no_call"] == {"median": 1, "min": 1, "max": 2}
    assert batch["heterozygosity"] == {"median": 0.375, "min": 0.3333, "max": 0.6667}
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
    assert text.endswith("}\n") and text.startswith('{\n  "build"')
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
    proc = subprocess.run(
        [
            str(CHROMIUM),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--no-first-run",
            f"--user-data-dir={tmp_path / 'profile'}",
            f"--screenshot={shot}",
            "--window-size=1200,2000",
            f"file://{html_path}",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert shot.is_file()
    pixels = imread(shot)[..., :3]
    assert pixels.shape[:2] == (2000, 1200)
    dark = (pixels.mean(axis=2) < 0.5).mean()
    coloured = (np.ptp(pixels, axis=2) > 0.3).mean()  # the orange sample marker, the verdict badge
    assert dark > 0.005 and coloured > 0.0005, (dark, coloured)
