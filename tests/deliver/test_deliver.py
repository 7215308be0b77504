"""Pseudonymised deliverables (scripts/deliver/deliver.py, scripts/deliver/pseudonym.py) on a hand-made batch.

Oracles: `openssl dgst -hmac` + coreutils `base32` for the pseudonyms; the report stage itself (render_reports) run
on a copy of the batch whose samples are *named* by their pseudonyms, which must give byte-identical JSON and HTML
to the delivered copies; genotypes and allele counts worked out by hand for the VCF subsets; the `crypt4gh` command
line for decryption.
"""

import base64
import json
import logging
import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from common.input_error import InputError
from deliver.deliver import DeliveryError, Redactor, deliver, scrub, token_pattern
from deliver.pseudonym import assign_pseudonyms, ensure_default_secret, pseudonym, read_secret, write_mapping
from reports import render_reports

REPO = Path(__file__).resolve().parents[2]
SCHEMA = REPO / "workflow" / "schemas" / "report.schema.json"
SECRET = "5f2b9c0e7d41a3b8c6e9f0a1b2c3d4e5f60718293a4b5c6d7e8f9a0b1c2d3e4f"
SAMPLES = ["HG002", "HG003", "HG004", "NA99999"]  # NA99999 fails QC: not in the cohort VCF
ALIGNMENTS = {s: f"/data/project-x/{s}.GRCh38.bam" for s in SAMPLES}
# Cohort VCF by hand. pos REF ALT, then GT of HG002 HG003 HG004.
VCF_ROWS = [
    ("100", "A", "G", "0/1", "0/0", "1/1"),
    ("200", "C", "T", "0/0", "0/0", "0/1"),
    ("300", "G", "T", "1/1", "0/1", "0/0"),
    ("400", "AT", "A", "0/1", "./.", "0/0"),
    ("500", "C", "CA", "0/0", "0/1", "0/1"),
]
# Sites where the sample carries an ALT allele, with its GT and the recomputed AC / AN (hand-counted from the rows).
EXPECTED_VCF = {
    "HG002": [("100", "0/1", "1", "2"), ("300", "1/1", "2", "2"), ("400", "0/1", "1", "2")],
    "HG003": [("300", "0/1", "1", "2"), ("500", "0/1", "1", "2")],
    "HG004": [("100", "1/1", "2", "2"), ("200", "0/1", "1", "2"), ("500", "0/1", "1", "2")],
}
QC = {"HG002": "pass", "HG003": "warn", "HG004": "pass", "NA99999": "fail"}
REASONS = {"HG003": ["mean depth 12.0 is below the warning limit 15"], "NA99999": ["mean depth 2.1 is below 5"]}


def openssl_pseudonym(sample, secret=SECRET):
    """GR- + 12 base32 characters of HMAC-SHA256(secret, sample), computed by openssl and coreutils base32."""
    mac = subprocess.run(["openssl", "dgst", "-sha256", "-hmac", secret, "-binary"], input=sample.encode(),
                         capture_output=True, check=True).stdout  # fmt: skip
    return "GR-" + subprocess.run(["base32"], input=mac, capture_output=True, check=True).stdout.decode()[:12]


def write_inputs(folder, names):
    """The report stage's inputs for the batch, with sample i called names[i]; returns render_reports kwargs."""
    folder.mkdir(parents=True)
    ids = dict(zip(SAMPLES, names))
    header = ["##fileformat=VCFv4.2", "##contig=<ID=chr1,length=2000>",
              '##INFO=<ID=AC,Number=A,Type=Integer,Description="Allele count">',
              '##INFO=<ID=AN,Number=1,Type=Integer,Description="Allele number">',
              '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">',
              "\t".join(["#CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO", "FORMAT",
                         *(ids[s] for s in SAMPLES[:3])])]  # fmt: skip
    body = ["\t".join(["chr1", pos, ".", ref, alt, "50", "PASS", "AC=9;AN=99", "GT", *gts])
            for pos, ref, alt, *gts in VCF_ROWS]  # fmt: skip
    (folder / "cohort.vcf").write_text("\n".join(header + body) + "\n")
    subprocess.run(["bgzip", "-f", str(folder / "cohort.vcf")], check=True)
    subprocess.run(["tabix", "-p", "vcf", str(folder / "cohort.vcf.gz")], check=True)
    qc_rows, af_rows = [], []
    for s in SAMPLES:
        depth = 2.1 if QC[s] == "fail" else 30.5
        qc = {"sample_id": ids[s], "alignment": Path(ALIGNMENTS[s]).name, "format": "BAM", "verdict": QC[s],
              "reasons": REASONS.get(s, []), "target": {"kind": "regions", "bases": 2000},
              "metrics": {"total_reads": 1000, "mapped_rate": 0.99, "duplicate_rate": 0.01, "mean_depth": depth,
                          "breadth": 0.99},
              "thresholds": {"min_mean_depth": {"warn": 15, "fail": 5}, "breadth_min_depth": 1}}  # fmt: skip
        (folder / f"{s}.qc.json").write_text(json.dumps(qc))
        in_cohort = "no" if QC[s] == "fail" else "yes"
        qc_rows.append(f"{ids[s]}\t{QC[s]}\t{in_cohort}\t{depth}\t0.99\t0.99\t0.01\t1000\t")
        af_rows.append(f"{ids[s]}\t5\t0.9\t2\t1\t0.4\t1.5")
    (folder / "batch_qc.tsv").write_text(
        "sample_id\tverdict\tin_cohort\tmean_depth\tbreadth\tmapped_rate\tduplicate_rate\ttotal_reads\treasons\n"
        + "\n".join(qc_rows) + "\n"
    )  # fmt: skip
    (folder / "samples.tsv").write_text(
        "sample_id\tn_called\tcall_rate\tn_het\tn_hom_alt\theterozygosity\tti_tv\n" + "\n".join(af_rows[:3]) + "\n"
    )
    return {
        "samples": names, "qc_paths": [folder / f"{s}.qc.json" for s in SAMPLES],
        "batch_qc_path": folder / "batch_qc.tsv", "vcf_path": folder / "cohort.vcf.gz",
        "af_samples_path": folder / "samples.tsv", "schema_path": SCHEMA,
        "json_paths": [folder / f"report_{s}.json" for s in SAMPLES],
        "html_paths": [folder / f"report_{s}.html" for s in SAMPLES], "caller": "bcftools", "build": "GRCh38",
    }  # fmt: skip


def run_delivery(root, job, recipients=(), overrides=None):
    """deliver() for the batch of `job` into root/results (a fixed secret file); returns (results folder, log text)."""
    secret_file = root / "secret"
    if not secret_file.exists():
        secret_file.write_text(SECRET + "\n")
        secret_file.chmod(0o600)
    results = root / "results"
    log_path = root / "deliver.log"
    logger = logging.getLogger(f"test_deliver.{root.name}")
    logger.setLevel(logging.INFO)
    handler = logging.FileHandler(log_path)
    logger.addHandler(handler)
    reports = {s: {"json": j, "html": h} for s, j, h in zip(SAMPLES, job["json_paths"], job["html_paths"])}
    try:
        deliver(
            SAMPLES, reports, job["vcf_path"], job["af_samples_path"], job["batch_qc_path"], SCHEMA,
            results / "deliver", results / "restricted" / "pseudonyms.tsv", secret_file=secret_file,
            recipients=list(recipients), overrides=overrides,
            input_files={s: {"alignment": ALIGNMENTS[s]} for s in SAMPLES}, log=logger,
        )  # fmt: skip
    finally:
        logger.removeHandler(handler)
        handler.close()
    return results, log_path.read_text()


@pytest.fixture(scope="module")
def delivered(tmp_path_factory):
    root = tmp_path_factory.mktemp("batch")
    job = write_inputs(root / "inputs", SAMPLES)
    render_reports.render_reports(**job)
    results, log_text = run_delivery(root, job)
    return {"root": root, "job": job, "results": results, "log": log_text,
            "names": {s: openssl_pseudonym(s) for s in SAMPLES}}  # fmt: skip


def strip_images(page):
    return re.sub(r"data:image/png;base64,[A-Za-z0-9+/=]+", "IMG", page)


def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


# ---------------------------------------------------------------- pseudonyms and the secret


def test_pseudonym_is_the_hmac_that_openssl_computes():
    for sample in ("HG002", "NA12878", "sample.with-dots_1"):
        assert pseudonym(sample, SECRET.encode()) == openssl_pseudonym(sample)
    assert re.fullmatch(r"GR-[A-Z2-7]{12}", pseudonym("HG002", SECRET.encode()))
    assert pseudonym("HG002", b"another secret of 32 bytes......") != openssl_pseudonym("HG002")


def test_default_secret_is_made_once_owner_only(tmp_path):
    path = tmp_path / ".genorisk" / "secret"
    first = ensure_default_secret(path)
    assert re.fullmatch(rb"[0-9a-f]{64}", first)
    assert mode(path) == 0o600 and mode(path.parent) == 0o700
    assert ensure_default_secret(path) == first  # kept, so pseudonyms stay stable across runs
    assert read_secret(path) == first


def test_a_configured_secret_that_is_missing_or_short_is_refused(tmp_path):
    with pytest.raises(InputError, match=r"deliver.secret_file .*absent: cannot be read"):
        read_secret(tmp_path / "absent")
    (tmp_path / "short").write_text("tooshort\n")
    with pytest.raises(InputError, match=r"the secret has 8 bytes, at least 16 are needed"):
        read_secret(tmp_path / "short")


def test_sheet_pseudonyms_override_and_clashes_are_refused():
    secret = SECRET.encode()
    mapping = assign_pseudonyms(["A1", "B2"], secret, {"B2": "donor-7"})
    assert mapping == {"A1": openssl_pseudonym("A1"), "B2": "donor-7"}
    with pytest.raises(InputError, match=r"samples 'A1' and 'B2' get the same pseudonym 'x'"):
        assign_pseudonyms(["A1", "B2"], secret, {"A1": "x", "B2": "x"})
    with pytest.raises(InputError, match=r"pseudonym 'A1' is also a sample ID of the batch"):
        assign_pseudonyms(["A1", "B2"], secret, {"B2": "A1"})


def test_the_mapping_is_owner_only_even_in_group_read_mode(tmp_path, monkeypatch):
    monkeypatch.setenv("GENORISK_FILE_MODE", "640")
    path = tmp_path / "results" / "restricted" / "pseudonyms.tsv"
    write_mapping(path, {"A1": "GR-X", "B2": "GR-Y"})
    assert path.read_text() == "sample_id\tpseudonym\nA1\tGR-X\nB2\tGR-Y\n"
    assert mode(path) == 0o600 and mode(path.parent) == 0o700


# ---------------------------------------------------------------- redaction helpers


def test_scrub_replaces_whole_tokens_in_values_and_keys_only():
    replace = {"HG002": "GR-A", "HG002.GRCh38.bam": "GR-A.bam"}
    value = {"HG002": ["read HG002.GRCh38.bam.", "HG0021 and xHG002 stay", "of HG002's data"], "n": 2}
    assert scrub(value, token_pattern(replace), replace) == {
        "GR-A": ["read GR-A.bam.", "HG0021 and xHG002 stay", "of GR-A's data"], "n": 2}  # fmt: skip


def test_redactor_hides_ids_and_paths_in_messages():
    redact = Redactor(tokens=["HG002"], paths=["/data/project-x/cohort.vcf.gz"])
    assert redact("sample 'HG002' missing from /data/project-x/cohort.vcf.gz; HG0021 ok") == (
        "sample '<sample>' missing from <path>; HG0021 ok"
    )


# ---------------------------------------------------------------- the delivered batch


def test_folders_are_named_by_the_openssl_pseudonyms_and_the_mapping_is_restricted(delivered):
    names, results = delivered["names"], delivered["results"]
    assert sorted(p.name for p in (results / "deliver").iterdir()) == sorted(names.values())
    mapping = results / "restricted" / "pseudonyms.tsv"
    assert mapping.read_text().splitlines() == ["sample_id\tpseudonym", *(f"{s}\t{names[s]}" for s in SAMPLES)]
    assert mode(mapping) == 0o600 and mode(mapping.parent) == 0o700


def test_each_sample_gets_its_report_and_only_called_samples_a_vcf(delivered):
    for sample, name in delivered["names"].items():
        files = sorted(p.name for p in (delivered["results"] / "deliver" / name).iterdir())
        expected = [f"{name}.report.html", f"{name}.report.json"]
        if sample != "NA99999":
            expected += [f"{name}.vcf.gz", f"{name}.vcf.gz.tbi"]
        assert files == sorted(expected)


def test_delivered_reports_equal_the_report_stage_run_under_the_pseudonyms(delivered, tmp_path):
    names = delivered["names"]
    oracle = write_inputs(tmp_path / "renamed", [names[s] for s in SAMPLES])
    render_reports.render_reports(**oracle)
    for i, sample in enumerate(SAMPLES):
        folder = delivered["results"] / "deliver" / names[sample]
        assert (folder / f"{names[sample]}.report.json").read_bytes() == oracle["json_paths"][i].read_bytes()
        assert (folder / f"{names[sample]}.report.html").read_bytes() == oracle["html_paths"][i].read_bytes()


def test_delivered_text_is_the_original_with_the_id_replaced_and_the_figures_redrawn(delivered):
    job = delivered["job"]
    for i, sample in enumerate(SAMPLES):
        name = delivered["names"][sample]
        folder = delivered["results"] / "deliver" / name
        original = job["html_paths"][i].read_text()
        page = (folder / f"{name}.report.html").read_text()
        assert strip_images(page) == strip_images(original).replace(sample, name)
        report = json.loads(job["json_paths"][i].read_text())
        assert json.loads((folder / f"{name}.report.json").read_text()) == {**report, "sample_id": name}
        old_images = re.findall(r"base64,([A-Za-z0-9+/=]+)", original)
        new_images = re.findall(r"base64,([A-Za-z0-9+/=]+)", page)
        assert len(new_images) == len(old_images) == (0 if sample == "NA99999" else 2)
        assert all(a != b for a, b in zip(old_images, new_images))  # the ID drawn in each figure changed


def test_no_sample_id_or_file_name_in_any_delivered_byte(delivered):
    for path in (delivered["results"] / "deliver").rglob("*"):
        if path.is_dir():
            continue
        data = path.read_bytes()
        if path.name.endswith(".vcf.gz"):
            data = subprocess.run(["bcftools", "view", str(path)], capture_output=True, check=True).stdout
        for png in re.findall(rb"base64,([A-Za-z0-9+/=]+)", data):  # PNG text chunks would carry plain strings
            data += base64.b64decode(png)
        for secret in [*SAMPLES, "GRCh38.bam", "project-x"]:
            assert secret.encode() not in data, (path.name, secret)


def test_delivered_vcfs_hold_the_samples_alt_sites_under_the_pseudonym(delivered):
    for sample, rows in EXPECTED_VCF.items():
        name = delivered["names"][sample]
        vcf = delivered["results"] / "deliver" / name / f"{name}.vcf.gz"
        names = subprocess.run(["bcftools", "query", "-l", str(vcf)], capture_output=True, text=True, check=True)
        assert names.stdout.split() == [name]
        out = subprocess.run(["bcftools", "query", "-f", "%POS[\t%GT]\t%AC\t%AN\n", str(vcf)],
                             capture_output=True, text=True, check=True).stdout  # fmt: skip
        assert [tuple(line.split("\t")) for line in out.splitlines()] == rows
        header = subprocess.run(["bcftools", "view", "-h", "--no-version", str(vcf)], capture_output=True, text=True)
        assert "bcftools_view" not in header.stdout  # --no-version: byte-stable, no command line or date
        region = subprocess.run(["bcftools", "view", "-H", "-r", f"chr1:{rows[0][0]}", str(vcf)], capture_output=True)
        assert region.returncode == 0 and region.stdout.count(b"\n") == 1  # the .tbi index works


def test_the_log_names_no_sample_and_no_path(delivered):
    log_text = delivered["log"]
    assert "sample 4/4 delivered" in log_text
    for secret in [*SAMPLES, str(delivered["root"]), "/data/", ".vcf.gz", ".json"]:
        assert secret not in log_text


def test_files_are_owner_only_by_default_and_group_readable_on_request(delivered, tmp_path, monkeypatch):
    files = [p for p in (delivered["results"] / "deliver").rglob("*") if p.is_file()]
    folders = [p for p in (delivered["results"] / "deliver").rglob("*") if p.is_dir()]
    assert {mode(p) for p in files} == {0o600} and {mode(p) for p in folders} == {0o700}
    monkeypatch.setenv("GENORISK_FILE_MODE", "640")
    job = write_inputs(tmp_path / "inputs", SAMPLES)
    render_reports.render_reports(**job)
    results, _ = run_delivery(tmp_path, job)
    files = [p for p in (results / "deliver").rglob("*") if p.is_file()]
    assert {mode(p) for p in files} == {0o640}
    assert {mode(p) for p in [results / "deliver", *(results / "deliver").iterdir()]} == {0o750}
    assert mode(results / "restricted" / "pseudonyms.tsv") == 0o600


def test_a_sheet_pseudonym_names_the_delivery(delivered, tmp_path):
    results, _ = run_delivery(tmp_path, delivered["job"], overrides={"HG003": "donor-3"})
    assert (results / "deliver" / "donor-3" / "donor-3.vcf.gz").is_file()
    assert json.loads((results / "deliver" / "donor-3" / "donor-3.report.json").read_text())["sample_id"] == "donor-3"


def test_a_page_the_json_cannot_rebuild_stops_delivery(delivered, tmp_path):
    job = write_inputs(tmp_path / "inputs", SAMPLES)
    render_reports.render_reports(**job)
    page = job["html_paths"][1].read_text()
    job["html_paths"][1].write_text(page.replace("</main>", "<p>added by a later stage: HG003</p></main>"))
    with pytest.raises(DeliveryError, match=r"report 2: its HTML cannot be rebuilt from its JSON"):
        run_delivery(tmp_path, job)
    assert not (tmp_path / "results" / "deliver").exists()
    assert not list((tmp_path / "results").glob(".deliver.*"))  # no staging copy left behind


def test_encrypted_delivery_decrypts_to_the_plaintext_delivery(delivered, tmp_path):
    c4gh = pytest.importorskip("crypt4gh.keys.c4gh", reason="crypt4gh (optional, for deliver.recipients)")
    crypt4gh_cli = Path(sys.executable).parent / "crypt4gh"
    keys = {}
    umask = os.umask(0o022)  # crypt4gh's generate() sets the process umask to 0o133 and leaves it there
    try:
        for who in ("alice", "bob"):
            c4gh.generate(str(tmp_path / f"{who}.sec"), str(tmp_path / f"{who}.pub"), b"pass", b"")
            keys[who] = tmp_path / f"{who}.sec"
    finally:
        os.umask(umask)
    results, _ = run_delivery(tmp_path, delivered["job"], recipients=[tmp_path / "alice.pub", tmp_path / "bob.pub"])
    plain_root = delivered["results"] / "deliver"
    plain = sorted(p.relative_to(plain_root) for p in plain_root.rglob("*") if p.is_file())
    sealed = sorted(p.relative_to(results / "deliver") for p in (results / "deliver").rglob("*") if p.is_file())
    assert sealed == [p.with_name(p.name + ".c4gh") for p in plain]  # every file, and no plaintext copy
    for i, rel in enumerate(plain):
        for who in ("alice", "bob") if i == 0 else ("alice",):  # each recipient can open it; one suffices per file
            with open(results / "deliver" / f"{rel}.c4gh", "rb") as fh:
                out = subprocess.run([str(crypt4gh_cli), "decrypt", "--sk", str(keys[who])], stdin=fh,
                                     capture_output=True, env={**os.environ, "C4GH_PASSPHRASE": "pass"})  # fmt: skip
            assert out.returncode == 0, out.stderr.decode()[-500:]
            assert out.stdout == (plain_root / rel).read_bytes()


class _Files(list):
    """Stands in for snakemake's named file lists: iterable, with the names as attributes."""

    def __init__(self, **named):
        super().__init__(str(p) for value in named.values() for p in (value if isinstance(value, list) else [value]))
        self.__dict__.update(named)


def test_the_rule_entry_redacts_an_error_naming_a_sample_and_a_file(delivered, tmp_path):
    from deliver import deliver as deliver_script

    job = delivered["job"]
    broken = tmp_path / "samples.tsv"  # the af table without HG003: render_reports' message names sample and file
    lines = Path(job["af_samples_path"]).read_text().splitlines()
    broken.write_text("\n".join(line for line in lines if not line.startswith("HG003")) + "\n")
    (tmp_path / "secret").write_text(SECRET)
    smk = type("Smk", (), {})()
    smk.log = [str(tmp_path / "deliver.log")]
    smk.input = _Files(json=[str(p) for p in job["json_paths"]], html=[str(p) for p in job["html_paths"]],
                       vcf=str(job["vcf_path"]), af_samples=str(broken), batch_qc=str(job["batch_qc_path"]),
                       schema=str(SCHEMA))  # fmt: skip
    smk.output = _Files(deliver=str(tmp_path / "results" / "deliver"),
                        mapping=str(tmp_path / "results" / "restricted" / "pseudonyms.tsv"))  # fmt: skip
    smk.params = type("Params", (), {"samples": SAMPLES, "overrides": {}, "secret_file": str(tmp_path / "secret"),
                                     "default_secret": str(tmp_path / ".genorisk" / "secret"), "recipients": [],
                                     "input_files": {s: {"alignment": ALIGNMENTS[s]} for s in SAMPLES}})()  # fmt: skip
    with pytest.raises(DeliveryError) as caught:
        deliver_script.main(smk)
    logged = Path(smk.log[0]).read_text()
    assert "InputError: <path>: sample '<sample>' of the cohort VCF has no row" in logged
    for secret in [*SAMPLES, str(tmp_path), "samples.tsv"]:
        assert secret not in logged and secret not in str(caught.value)
    assert not (tmp_path / "results" / "deliver").exists()
