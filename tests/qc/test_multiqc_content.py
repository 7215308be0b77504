"""Tests of scripts/qc/multiqc_content.py: the custom content tables from small hand-written tables (expected values
by hand), and the byte-stable HTML on a stand-in for MultiQC's page. The real MultiQC run is
tests/workflow/test_multiqc.py."""

import base64
import gzip
import re

import pytest

from qc import multiqc_content as mc


def write(path, header, *rows):
    path.write_text("\t".join(header) + "\n" + "".join("\t".join(map(str, row)) + "\n" for row in rows))
    return path


BATCH_QC = ["sample_id", "verdict", "in_cohort", "mean_depth", "breadth", "mapped_rate", "duplicate_rate",
            "total_reads", "reasons"]  # fmt: skip


def test_qc_verdicts_show_rates_as_percent_and_leave_na_empty(tmp_path):
    tsv = write(tmp_path / "batch_qc.tsv", BATCH_QC,
                ["s1", "pass", "yes", "28.3", "0.999", "1", "0.03", "1000", ""],
                ["s2", "fail", "no", "2.5", "0.5", "0.9", "NA", "800", "mean depth 2.5x is below the fail threshold"],
                ["v1", "not_applicable", "yes", "NA", "NA", "NA", "NA", "NA", ""])  # fmt: skip
    section = mc.qc_verdicts_section(tsv)
    assert section["plot_type"] == "table" and section["pconfig"]["id"] == "genorisk_qc_verdicts_table"
    assert list(section["data"]) == ["s1", "s2", "v1"]
    assert section["data"]["s1"] == {"verdict": "pass", "in_cohort": "yes", "mean_depth": 28.3, "total_reads": 1000,
                                     "breadth": 99.9, "mapped_rate": 100, "duplicate_rate": 3}  # fmt: skip
    assert section["data"]["s2"]["reasons"] == "mean depth 2.5x is below the fail threshold"
    assert "duplicate_rate" not in section["data"]["s2"]
    assert section["data"]["v1"] == {"verdict": "not_applicable", "in_cohort": "yes"}
    assert set(section["headers"]) == set(BATCH_QC[1:])


def test_truth_rows_are_samples_or_sample_and_caller(tmp_path):
    header = ["sample", "caller", "type", "scope", "truth", "called", "tp", "fp", "fn", "precision", "recall", "f1",
              "gt_concordant", "gt_concordance", "note"]  # fmt: skip
    bcf = write(tmp_path / "b.tsv", header,
                ["HG001", "bcftools", "snv", "regions", 10, 9, 9, 0, 1, "1", "0.9", "0.9474", 9, "1", ""],
                ["HG001", "bcftools", "indel", "regions", 2, 0, 0, 0, 2, "NA", "0", "NA", 0, "NA", ""])  # fmt: skip
    one = mc.truth_section([bcf])
    assert one["data"] == {"HG001": {"snv_tp": 9, "snv_fp": 0, "snv_fn": 1, "snv_precision": 100, "snv_recall": 90,
                                     "snv_f1": 94.74, "snv_gt_concordance": 100, "indel_tp": 0, "indel_fp": 0,
                                     "indel_fn": 2, "indel_recall": 0}}  # fmt: skip
    assert one["headers"]["snv_f1"]["title"] == "SNV F1" and one["headers"]["indel_recall"]["title"] == "Indel recall"
    fb = write(tmp_path / "f.tsv", header, ["HG001", "freebayes", "snv", "regions", 10, 10, 10, 0, 0, "1", "1", "1",
                                            10, "1", ""])  # fmt: skip
    assert list(mc.truth_section([bcf, fb])["data"]) == ["HG001 (bcftools)", "HG001 (freebayes)"]
    assert mc.truth_section([write(tmp_path / "empty.tsv", header)]) is None


def test_mendel_section_only_with_trios(tmp_path):
    header = ["child", "father", "mother", "sites_checked", "errors", "error_rate"]
    assert mc.mendel_section(write(tmp_path / "none.tsv", header)) is None
    section = mc.mendel_section(write(tmp_path / "m.tsv", header, ["kid", "dad", "mum", 200, 3, "0.015"]))
    assert section["data"] == {"kid": {"father": "dad", "mother": "mum", "sites_checked": 200, "errors": 3,
                                       "error_rate": 1.5}}  # fmt: skip


@pytest.mark.parametrize(
    ("af", "label"),
    [(0.0, "AF 0"), (0.005, "AF 0-1%"), (0.01, "AF 0-1%"), (0.0100001, "AF 1-5%"), (0.05, "AF 1-5%"),
     (0.1, "AF 5-10%"), (0.5, "AF 10-50%"), (0.75, "AF 50-100%"), (1.0, "AF 50-100%")],
)  # fmt: skip
def test_af_bins_include_their_upper_bound(af, label):
    assert mc.af_bin(af) == label


def test_af_spectrum_counts_each_group_and_skips_uncalled(tmp_path):
    header = ["CHROM", "POS", "REF", "ALT", "AC", "AN", "AF", "AC_popA", "AN_popA", "AF_popA", "AC_popB", "AN_popB",
              "AF_popB"]  # fmt: skip
    tsv = write(tmp_path / "variants.tsv", header,
                ["chr1", 1, "A", "G", 1, 8, "0.125", 1, 4, "0.25", 0, 4, "0"],
                ["chr1", 2, "C", "T", 6, 8, "0.75", 4, 4, "1", 2, 4, "0.5"],
                ["chr1", 3, "G", "A", 1, 4, "0.25", 1, 4, "0.25", 0, 0, "NA"])  # fmt: skip
    spectrum = mc.af_spectrum(tsv)
    assert list(spectrum) == ["all samples", "population popA", "population popB"]
    nonzero = {group: {k: v for k, v in bins.items() if v} for group, bins in spectrum.items()}
    assert nonzero == {"all samples": {"AF 10-50%": 2, "AF 50-100%": 1},
                       "population popA": {"AF 10-50%": 2, "AF 50-100%": 1},
                       "population popB": {"AF 0": 1, "AF 10-50%": 1}}  # fmt: skip


def test_config_keeps_sample_names_and_offline_settings():
    provenance = {"workflow": {"version": "0.1.0", "git_commit": "a" * 40}, "tools": {"samtools": "1.16.1"},
                  "python_packages": {"pysam": "0.24.1"}}  # fmt: skip
    config = mc.multiqc_config({"genorisk_qc_verdicts": {"data": {}}}, provenance, "batch-1", "2026-12-05")
    assert config["no_version_check"] and config["no_ai"] and config["strict"]
    assert not config["show_analysis_paths"] and not config["show_analysis_time"]
    assert config["fn_clean_trim"] == [] and config["custom_content"] == {"order": ["genorisk_qc_verdicts"]}
    assert config["software_versions"] == {"genorisk": {"genorisk": "0.1.0"}, "Tools": {"samtools": "1.16.1"},
                                           "Python packages": {"pysam": "0.24.1"}}  # fmt: skip
    assert {"Workflow": "genorisk 0.1.0 (commit aaaaaaaaaaaa)"} in config["report_header_info"]
    clean = [re.compile(rule["pattern"]) for rule in config["fn_clean_exts"]]
    for file_name, sample in [("HG002.r.stats.txt", "HG002.r"), ("s_R1.idxstats.txt", "s_R1"),
                              ("cohort_bcftools.vcf.gz", "cohort_bcftools")]:  # fmt: skip
        for pattern in clean:
            file_name = pattern.sub("", file_name)
        assert file_name == sample


def fake_report(mtime, report_uuid, created):
    """The three run-dependent parts of a MultiQC 1.35 page, around a fixed body."""
    data = base64.b64encode(gzip.compress(b'{"plot": [1, 2, 3]}', mtime=mtime)).decode()
    return (f'<head><script type="text/plain" id="mqc_compressed_plotdata">{data}</script>\n'
            f'<script>reportUuid = "{report_uuid}";\nconfigCreationDate = "{created}";</script></head>'
            "<body>demo01</body>\n")  # fmt: skip


def test_stable_html_is_the_same_for_two_runs_and_keeps_the_data():
    a = mc.stable_html(fake_report(1796428800, "49427e0c-6f8a-4c28-b7ae-b07b24a67509", "05 Dec 2026, 20:21 UTC"),
                       "2026-12-05")  # fmt: skip
    b = mc.stable_html(fake_report(1796432400, "58760be5-2e1d-4010-971e-fb52e4e44408", "05 Dec 2026, 21:22 UTC"),
                       "2026-12-05")  # fmt: skip
    assert a == b
    assert 'configCreationDate = "05 Dec 2026";' in a
    report_uuid = re.search(r'reportUuid = "([0-9a-f-]{36})";', a).group(1)
    assert report_uuid not in ("49427e0c-6f8a-4c28-b7ae-b07b24a67509", "58760be5-2e1d-4010-971e-fb52e4e44408")
    data = re.search(r'id="mqc_compressed_plotdata">([^<]*)<', a).group(1)
    raw = base64.b64decode(data)
    assert raw[4:8] == b"\0\0\0\0" and gzip.decompress(raw) == b'{"plot": [1, 2, 3]}'
    other = mc.stable_html(fake_report(0, "0" * 36, "x").replace("demo01", "demo02"), "2026-12-05")
    assert re.search(r'reportUuid = "([0-9a-f-]{36})";', other).group(1) != report_uuid  # drawn from the content


def test_stable_html_refuses_a_page_laid_out_otherwise():
    page = fake_report(0, "0" * 36, "x")
    with pytest.raises(ValueError, match="expected one report UUID, found 0"):
        mc.stable_html(page.replace("reportUuid", "reportId"), "2026-12-05")
    with pytest.raises(ValueError, match="expected one compressed plot data, found 0"):
        mc.stable_html(page.replace("mqc_compressed_plotdata", "plotdata"), "2026-12-05")
