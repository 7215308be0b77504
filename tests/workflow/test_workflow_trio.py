"""The real 4-sample GIAB/CEPH batch through the whole workflow: HG001's SNVs against the GIAB v3.3.2 truth.

PROVENANCE (../shared/testdata/giab_ceph_trio_hg002_chr20_grch37): the BAMs carry reads only up to 20:10,010,000,
so the comparison is inside the confident BED clipped to 20:10,000,000-10,010,000, where bare bcftools gets
all 44 SNVs with no false positive. The sheet gives HG001 that truth set (truth_vcf, truth_bed) and its parents
(PROVENANCE's pedigree: NA12891 father, NA12892 mother), so the reports show the truth benchmark and the Mendelian
check.
"""

import csv
import json
import subprocess

import pytest
from test_mendel import independent_count
from test_render_reports import parse, pdf_text

from trio_data import TRIO, TRIO_BAMS, TRIO_TRUTH, clipped_truth_bed
from workflow_runner import bcftools_env, query, snakemake

pytestmark = pytest.mark.workflow
PEDDY = "1000g_phase3_2504x23770_grch37_peddy"  # the ancestry panel (peddy's 1000 Genomes background)
TRUTH, SHEET = TRIO_TRUTH, TRIO_BAMS
PARENTS = {"HG001": ("NA12891", "NA12892")}  # child: (father, mother), PROVENANCE


def run_trio_batch(batch, data):
    """The four trio BAMs as a batch in folder `batch` (paths to the real data are absolute), run to the end."""
    (batch / "window.bed").write_text("20\t9999999\t10010000\n")
    bed = clipped_truth_bed(data, batch).name  # relative to the sheet: the provenance stays the same in every folder
    truth = {"HG001": [str(data / TRUTH), bed]}
    rows = ["\t".join([s, str(data / p), *truth.get(s, ["", ""]), *PARENTS.get(s, ("", ""))]) for s, p in SHEET.items()]
    (batch / "samples.tsv").write_text(
        "\n".join(["sample_id\talignment\ttruth_vcf\ttruth_bed\tfather\tmother", *rows]) + "\n"
    )
    # The project secret of the pseudonyms, kept outside results/ and shared by every run of the project.
    secret = batch.parent / "trio_project.secret"
    if not secret.exists():
        secret.write_text("0123456789abcdef0123456789abcdef\n")
        secret.chmod(0o600)
    panel = data.parent / PEDDY
    (batch / "config.yaml").write_text(
        f"samples: samples.tsv\nreference: {data / 'reference/hs37d5.chr20.fa.gz'}\nbuild: GRCh37\n"
        f"regions: window.bed\ncalling: {{chunks: 2}}\ndeliver: {{secret_file: {secret}}}\n"
        f"structure: {{panel: {panel / 'GRCH37.sites'}, panel_labels: {panel / 'labels_2504.tsv'}}}\n"
    )
    snakemake(batch, "--cores", "2", configfile=batch / "config.yaml")
    return batch


@pytest.fixture(scope="module")
def trio_run(tmp_path_factory):
    from conftest import TESTDATA

    data = TESTDATA / TRIO
    for folder in (data, TESTDATA / PEDDY):
        if not folder.is_dir():
            pytest.skip(f"real test data {folder} is absent")
    return run_trio_batch(tmp_path_factory.mktemp("trio"), data), data


def snvs(vcf, sample, bed):
    """{(pos, ref, alt): GT} of a sample's non-reference SNVs inside bed, multi-allelics split."""
    split = subprocess.run(
        f"bcftools view -s {sample} -R {bed} {vcf} -Ou | bcftools norm -m -any -Ou"
        " | bcftools view -v snps -i 'GT=\"alt\"'",
        shell=True, capture_output=True, check=True,
    ).stdout  # fmt: skip
    lines = subprocess.run(["bcftools", "query", "-f", "%POS\t%REF\t%ALT\t[%GT]\n", "-"], input=split,
                           capture_output=True, check=True).stdout.decode().splitlines()  # fmt: skip
    return {tuple(f[:3]): unphased(f[3]) for f in (line.split("\t") for line in lines)}


def unphased(gt):
    """'1|0' -> '0/1': phased truth and unphased calls compare by allele content."""
    return "/".join(sorted(gt.replace("|", "/").split("/")))


def test_hg001_snvs_match_giab_truth_inside_the_confident_bed(trio_run):
    batch, data = trio_run
    bed = clipped_truth_bed(data, batch)
    truth = snvs(data / TRUTH, "HG001", bed)
    called = snvs(batch / "results/calls/bcftools/cohort.vcf.gz", "HG001", bed)
    tp = truth.keys() & called.keys()
    assert len(truth) == 44  # PROVENANCE: 44 SNVs inside the clipped BED
    assert (len(tp), len(called.keys() - truth.keys()), len(truth.keys() - called.keys())) == (44, 0, 0)
    assert {k: called[k] for k in tp} == truth  # and the genotypes agree


def test_bcftools_isec_agrees_with_the_comparison(trio_run):
    """Cross-check with bcftools isec (an independent implementation of the same site comparison)."""
    batch, data = trio_run
    bed = clipped_truth_bed(data, batch)
    prep = {}
    for name, vcf in (("truth", data / TRUTH), ("calls", batch / "results/calls/bcftools/cohort.vcf.gz")):
        out = batch / f"isec_{name}.vcf.gz"
        subprocess.run(
            f"bcftools view -s HG001 -R {bed} {vcf} -Ou | bcftools norm -m -any -Ou"
            f" | bcftools view -v snps -i 'GT=\"alt\"' -Oz -o {out} && tabix -f {out}",
            shell=True, check=True, capture_output=True,
        )  # fmt: skip
        prep[name] = out
    isec = batch / "isec"
    subprocess.run(["bcftools", "isec", "-p", str(isec), str(prep["truth"]), str(prep["calls"])], check=True)
    counts = [len(query(isec / f"000{i}.vcf", "%POS\n")) for i in range(3)]
    assert counts == [0, 0, 44]  # truth-only (FN), calls-only (FP), shared (TP)


def test_trio_qc_and_cohort(trio_run):
    batch, _ = trio_run
    rows = {r["sample_id"]: r for r in csv.DictReader(open(batch / "results/qc/batch_qc.tsv"), delimiter="\t")}
    assert list(rows) == list(SHEET)
    assert all(r["in_cohort"] == "yes" for r in rows.values())
    # samtools depth over the window, checked independently in tests/qc/test_qc_sample.py; here the order of magnitude
    assert 20 < float(rows["HG001"]["mean_depth"]) < 35
    names = subprocess.run(["bcftools", "query", "-l", str(batch / "results/calls/bcftools/cohort.vcf.gz")],
                           capture_output=True, text=True, check=True).stdout.split()  # fmt: skip
    assert names == list(SHEET)


def test_trio_is_mendelian_consistent(trio_run):
    """PROVENANCE: bcftools +mendelian finds 0 errors over the trio's joint calls in the window."""
    batch, _ = trio_run
    vcf = batch / "results/calls/bcftools/cohort.vcf.gz"
    out = subprocess.run(["bcftools", "+mendelian", str(vcf), "-t", "NA12892,NA12891,HG001", "-m", "c"],
                         capture_output=True, text=True, check=True, env=bcftools_env()).stdout  # fmt: skip
    ngood, nerr = (int(x) for x in out.splitlines()[-1].split("\t")[:2])
    assert nerr == 0 and ngood > 60


def test_job_logs_do_not_say_where_the_input_data_lives(trio_run):
    batch, data = trio_run
    logs = [p for p in (batch / "logs").rglob("*") if p.is_file()]
    assert len(logs) > 10
    leaking = [p.name for p in logs if str(data) in p.read_text(errors="replace")]
    assert leaking == []
    assert any("HG001.chr20.10_10p1mb_sorted.bam" in p.read_text(errors="replace") for p in logs)  # names are kept


def test_a_second_clean_run_is_byte_identical(trio_run, tmp_path_factory):
    """Reviewers rerun published batches: every result file, byte for byte, in a fresh folder at the same depth."""
    batch, data = trio_run
    again = run_trio_batch(tmp_path_factory.mktemp("trio"), data)
    first = {p.relative_to(batch): p.read_bytes() for p in (batch / "results").rglob("*") if p.is_file()}
    second = {p.relative_to(again): p.read_bytes() for p in (again / "results").rglob("*") if p.is_file()}
    assert sorted(first) == sorted(second)
    differing = [str(p) for p in first if first[p] != second[p] and p.name != ".snakemake_timestamp"]
    assert differing == []


def read_table(path):
    with open(path, newline="") as fh:
        reader = csv.DictReader(fh, delimiter="\t")
        return reader.fieldnames, list(reader)


def test_af_tables_have_the_stable_layout_and_agree_with_bcftools_and_plink2(trio_run, tmp_path):
    """results/af/variants.tsv: AC/AN/AF equal `bcftools +fill-tags`, hwe_p equals `plink2 --hardy` (6 digits) on the
    cohort VCF; samples.tsv ends with inferred_sex and ancestry (no panel configured: unknown)."""
    batch, _ = trio_run
    vcf = batch / "results/calls/bcftools/cohort.vcf.gz"
    header, rows = read_table(batch / "results/af/variants.tsv")
    assert header[:7] == ["CHROM", "POS", "REF", "ALT", "AC", "AN", "AF"]
    assert header[-6:] == ["n_called", "n_hom_ref", "n_hom_alt", "het_observed", "het_expected", "hwe_p"]
    filled = subprocess.run(
        f"bcftools +fill-tags {vcf} -- -t AC,AN,AF"
        " | bcftools query -f '%CHROM\\t%POS\\t%REF\\t%ALT\\t%AC\\t%AN\\t%AF\\n'",
        shell=True, capture_output=True, text=True, check=True, env=bcftools_env(),
    ).stdout.splitlines()  # fmt: skip
    assert len(rows) == len(filled) > 80
    for row, line in zip(rows, filled, strict=True):
        *fields, af = line.split("\t")
        assert [row[c] for c in ("CHROM", "POS", "REF", "ALT", "AC", "AN")] == fields
        assert abs(float(row["AF"]) - float(af)) < 1e-6
    subprocess.run(["plink2", "--vcf", str(vcf), "--vcf-half-call", "m", "--set-all-var-ids", "@:#:$r:$a",
                    "--hardy", "--out", str(tmp_path / "p")], check=True, capture_output=True)  # fmt: skip
    _, hardy = read_table(tmp_path / "p.hardy")
    assert len(hardy) == len(rows)
    for row, h in zip(rows, hardy, strict=True):
        assert h["ID"] == f"{row['CHROM']}:{row['POS']}:{row['REF']}:{row['ALT']}"
        if h["HOM_A1_CT"] == h["HET_A1_CT"] == h["TWO_AX_CT"] == "0":  # only half-calls (1/.): plink2 says 1, we NA
            assert row["hwe_p"] == "NA"
        else:
            assert float(row["hwe_p"]) == pytest.approx(float(h["P"]), rel=1e-5)
    header, samples = read_table(batch / "results/af/samples.tsv")
    assert header[0] == "sample_id" and header[-2:] == ["inferred_sex", "ancestry"]
    assert [s["sample_id"] for s in samples] == list(SHEET)
    assert {s["ancestry"] for s in samples} == {"unknown"}
    for name in ("af_spectrum.png", "heterozygosity_call_rate.png"):
        assert (batch / "results/af" / name).read_bytes()[:4] == b"\x89PNG"


def test_ancestry_panel_reaches_the_report_and_its_sites_are_typed(trio_run):
    """The peddy panel's sites on chr20 all fall where this test reference is N (real sequence only at
    20:9,999,841-10,099,980, PROVENANCE), so no site is typed and every sample is 'unknown' (too few sites); the
    panel's own samples still reach each report's PCA (5 superpopulations, 2,504 samples)."""
    batch, _ = trio_run
    typed = query(batch / "results/calls/bcftools/ancestry_sites.vcf.gz", "%POS\n")
    assert typed == []
    log = (batch / "logs/af/ancestry_sites.log").read_text()
    assert "624 panel site(s) left out: reference base is N" in log  # grep -c '^20:' GRCH37.sites = 624
    header, points = read_table(batch / "results/af/ancestry_panel.tsv")
    assert header == ["sample_id", "label", "PC1", "PC2", "PC3", "PC4"] and len(points) == 2504
    report = json.loads((batch / "results/report/HG001.json").read_text())
    groups = report["ancestry"]["panel_groups"]
    assert [g["label"] for g in groups] == ["AFR", "AMR", "EAS", "EUR", "SAS"]
    assert sum(g["n"] for g in groups) == 2504
    assert report["ancestry"]["status"] == "too_few_sites"


def words(batch, sample):
    """The visible words of a sample's report page (a space between elements), white space collapsed."""
    page = (batch / f"results/report/{sample}.html").read_text(encoding="utf-8")
    return " ".join(" ".join(parse(page).text).split())


def test_hg001_report_shows_its_truth_benchmark(trio_run):
    """The report's figures are those of results/benchmark/bcftools/HG001.tsv, whose SNV row the independent
    comparison above confirms (44 TP, 0 FP, 0 FN); the truth file is named without its folder."""
    batch, data = trio_run
    _, rows = read_table(batch / "results/benchmark/bcftools/HG001.tsv")
    report = json.loads((batch / "results/report/HG001.json").read_text())
    assert report["sections"]["truth_benchmark"] == {"status": "reported", "reason": None}
    block = report["truth_benchmark"]
    assert (block["truth_vcf"], block["truth_bed"], block["scope"]) == (
        (data / TRUTH).name, "confident_clipped.bed", "truth_bed+regions")  # fmt: skip
    assert [t["type"] for t in block["types"]] == [r["type"] for r in rows] == ["snv", "indel"]
    for shown, row in zip(block["types"], rows, strict=True):
        for key in ("truth", "called", "tp", "fp", "fn", "gt_concordant"):
            assert shown[key] == int(row[key]), key
        for key in ("precision", "recall", "f1", "gt_concordance"):
            assert shown[key] == (None if row[key] == "NA" else float(row[key])), key
    snv = block["types"][0]
    bed = clipped_truth_bed(data, batch)
    truth, called = snvs(data / TRUTH, "HG001", bed), snvs(batch / "results/calls/bcftools/cohort.vcf.gz", "HG001", bed)
    assert (snv["tp"], snv["fp"], snv["fn"]) == (len(truth.keys() & called.keys()), len(called.keys() - truth.keys()),
                                                 len(truth.keys() - called.keys())) == (44, 0, 0)  # fmt: skip
    text = words(batch, "HG001")
    assert "Accuracy against the truth set" in text and f"truth set {(data / TRUTH).name}" in text
    assert str(data) not in (batch / "results/report/HG001.html").read_text(encoding="utf-8")
    for row, label in zip(rows, ("SNVs", "Indels"), strict=True):
        cells = [f"{int(row[k]):,}" for k in ("truth", "tp", "fp", "fn")]
        cells += ["not available" if row[k] == "NA" else f"{float(row[k]):.4f}" for k in ("precision", "recall", "f1")]
        assert " ".join([label, *cells]) in text, label
    for sample in ("NA12891", "NA12892", "HG002"):  # PROVENANCE: no truth for them
        other = json.loads((batch / f"results/report/{sample}.json").read_text())
        assert other["sections"]["truth_benchmark"]["status"] == "not_run" and other["truth_benchmark"] is None
        assert "Not run: no truth set was given for this sample in the sample sheet." in words(batch, sample)


def test_trio_reports_show_the_mendelian_check(trio_run):
    """The child's and the parents' reports give mendel.tsv's figures, which an independent count over the cohort
    VCF (tests/qc/test_mendel.py) confirms: PROVENANCE finds 0 Mendelian errors in the trio."""
    batch, _ = trio_run
    _, rows = read_table(batch / "results/qc/mendel.tsv")
    assert [(r["child"], r["father"], r["mother"]) for r in rows] == [("HG001", "NA12891", "NA12892")]
    row = rows[0]
    checked, errors = independent_count(batch / "results/calls/bcftools/cohort.vcf.gz", "HG001", "NA12891", "NA12892")
    assert (int(row["sites_checked"]), int(row["errors"])) == (checked, errors) and errors == 0 and checked > 60
    trio = {"child": "HG001", "father": "NA12891", "mother": "NA12892", "sites_checked": checked, "errors": 0,
            "error_rate": 0.0}  # fmt: skip
    reports = {s: json.loads((batch / f"results/report/{s}.json").read_text()) for s in SHEET}
    assert reports["HG001"]["mendel"] == {"as_child": trio, "as_parent": []}
    assert reports["NA12891"]["mendel"] == reports["NA12892"]["mendel"] == {"as_child": None, "as_parent": [trio]}
    assert reports["HG002"]["sections"]["mendel"]["status"] == "not_run" and reports["HG002"]["mendel"] is None
    table_row = f"HG001 NA12891 NA12892 {checked:,} 0 0 %"
    text = words(batch, "HG001")
    assert "Mendelian consistency Checked as the child of NA12891 (father) and NA12892 (mother)." in text
    assert table_row in text
    for parent, role, other in (("NA12891", "father", "mother NA12892"), ("NA12892", "mother", "father NA12891")):
        text = words(batch, parent)
        assert f"Checked as the {role} of HG001 ({other})." in text and table_row in text
    assert "Not run: no parents were given for this sample in the sample sheet" in words(batch, "HG002")
    printed = " ".join(pdf_text(batch / "results/report/HG001.pdf").split())
    assert "Accuracy against the truth set" in printed and "Mendelian consistency" in printed
    assert "Checked as the child of NA12891 (father) and NA12892 (mother)." in printed
