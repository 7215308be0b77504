"""Deliverables per sample under a pseudonym (rule deliver; one job for the whole batch).

results/deliver/{pseudonym}/ holds, for each sample:
- {pseudonym}.report.json: the report with the sample ID replaced by the pseudonym, and every other batch sample ID
  and input file name (alignment, truth files) that a text value mentions replaced as well;
- {pseudonym}.report.html: rebuilt from that JSON with render_reports' own HTML builder and its figures redrawn
  under the pseudonym (the figures of results/report/ draw the sample ID into their pixels, so text replacement in
  the HTML could not remove it). Before that, the original HTML is rebuilt from the original JSON and compared
  byte for byte: if the report stage ever puts something into the HTML that is not in its JSON, delivery stops
  rather than deliver an unchecked page;
- {pseudonym}.vcf.gz (+ .tbi) for a sample in the cohort calls: `bcftools view -s SAMPLE -c 1` (only sites where
  the sample carries an alternate allele, so the file does not disclose other samples' variant sites; AC/AN are
  recomputed for the one sample), column renamed to the pseudonym with `bcftools reheader -s`. The positions of a
  section the participant did not consent to (the carrier findings' not_requested rows: the APOE sites, risk
  factors; the ClinVar P/LP positions of the genes not consented to) are left out (`-t ^...`), so the VCF does not
  carry what the report was not allowed to say.
With `deliver.recipients` (Crypt4GH public keys), every delivered file is written only as FILE.c4gh, encrypted
for all recipients; plaintext copies are never left in results/deliver. Encryption uses a fresh session key, so
.c4gh bytes differ between runs (the plaintext inside is identical).

The mapping sample_id -> pseudonym goes only to results/restricted/pseudonyms.tsv (0600 in a 0700 folder). This
job's log names neither sample IDs nor input paths: every log line and error message passes through a redactor.
"""

import base64
import json
import logging
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from common.atomic import FILE_MODE_ENV, atomic_path
from common.contig_names import PREFIX, other_names
from common.rule_logging import get_logger, setup_logging
from deliver.pseudonym import assign_pseudonyms, ensure_default_secret, read_secret, readable_by_others, write_mapping
from reports import clinvar_findings, render_reports
from reports import stages as report_stages
from reports.sections import withheld_positions

PNG_DATA = re.compile(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"')
ID_CHARS = "A-Za-z0-9_-"  # characters that continue a sample ID token ('.' may end a sentence, so it is a boundary)
STAGING_PREFIX = ".deliver."


class DeliveryError(RuntimeError):
    """Delivery cannot proceed safely; the message is already redacted."""


# ---------------------------------------------------------------- redaction


def token_pattern(strings):
    """A regex matching any of `strings` as a whole token (not inside a longer ID); longest first."""
    alternatives = "|".join(re.escape(s) for s in sorted(set(strings), key=lambda s: (-len(s), s)) if s)
    return re.compile(f"(?<![{ID_CHARS}])(?:{alternatives})(?![{ID_CHARS}])") if alternatives else None


class Redactor:
    """Replace sample IDs and input names (tokens) and paths (substrings) in free text, e.g. log lines."""

    def __init__(self, tokens=(), paths=()):
        self.pattern = token_pattern(tokens)
        variants = set()
        for path in paths:
            if path:
                variants |= {str(path), os.path.abspath(path)}
        self.paths = sorted(variants, key=len, reverse=True)

    def __call__(self, text):
        text = str(text)
        for path in self.paths:
            text = text.replace(path, "<path>")
        return self.pattern.sub("<sample>", text) if self.pattern else text


class RedactingFilter(logging.Filter):
    """A handler filter that rewrites each record's message through a Redactor."""

    def __init__(self, redactor):
        super().__init__()
        self.redactor = redactor

    def filter(self, record):
        record.msg, record.args = self.redactor(record.getMessage()), ()
        return True


def redact_logging(logger, redactor):
    for handler in logger.handlers:
        handler.addFilter(RedactingFilter(redactor))


# ---------------------------------------------------------------- report rewriting


def replacements_for(mapping, input_files):
    """{identifying string: replacement}: each sample ID -> its pseudonym; each input file's name (e.g.
    'HG002.GRCh38.bam') -> pseudonym + the file's extension (from the original name's '.bam', '.vcf.gz', ...)."""
    replace = dict(mapping)
    for sample, files in input_files.items():
        for path in files.values():
            name = Path(path).name
            suffix = "".join(Path(name).suffixes[-2:]) if name.endswith(".gz") else Path(name).suffix
            replace.setdefault(name, mapping[sample] + suffix)
    return replace


def scrub(value, pattern, replace):
    """`value` (JSON data) with every identifying token in strings and keys replaced; other values unchanged."""
    if pattern is None:
        return value
    if isinstance(value, dict):
        return {scrub(k, pattern, replace): scrub(v, pattern, replace) for k, v in value.items()}
    if isinstance(value, list):
        return [scrub(v, pattern, replace) for v in value]
    if isinstance(value, str):
        return pattern.sub(lambda m: replace[m.group(0)], value)
    return value


def delivered_report(report, name, pattern, replace):
    """The report as delivered: sample_id set to the pseudonym `name`, identifying tokens replaced."""
    delivered = scrub(report, pattern, replace)
    delivered["sample_id"] = name
    return delivered


def embedded_pngs(page):
    """The PNG images (bytes) of an HTML page's data URIs, in page order."""
    return [base64.b64decode(data) for data in PNG_DATA.findall(page)]


def check_rebuild(report, page, number):
    """Raise DeliveryError unless render_html rebuilds `page` exactly from `report` and the page's own figures."""
    images = embedded_pngs(page)
    keys = render_reports.figure_keys(report)
    if len(images) != len(keys) or render_reports.render_html(report, dict(zip(keys, images))) != page:
        raise DeliveryError(
            f"report {number}: its HTML cannot be rebuilt from its JSON (the report stage changed?); delivery "
            "stops instead of delivering a page whose content was not checked for sample IDs"
        )


def delivered_html(report, cohort):
    """The delivered page: render_html of the delivered report, every figure redrawn under its pseudonym.

    `cohort`: {pseudonym: row} for the in-cohort samples, as render_reports.cohort_table gives it.
    """
    return render_reports.render_html(report, render_reports.figures_for(report, cohort))


def pseudonymised_cohort(vcf, af_samples, batch_qc, mapping, log):
    """render_reports' cohort table keyed by pseudonym (the same numbers the report figures were drawn from)."""
    counts, _ = render_reports.count_genotypes(vcf, log)
    cohort = render_reports.cohort_table(
        counts, render_reports.read_sample_stats(af_samples), render_reports.read_batch_qc(batch_qc),
        vcf, af_samples, batch_qc,
    )  # fmt: skip
    return {mapping[sample]: row for sample, row in cohort.items()}


# ---------------------------------------------------------------- VCF and files


def quiet_run(cmd, redactor):
    """Run a command without logging it (its arguments name samples and paths); redacted stderr on failure."""
    proc = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, errors="replace")
    if proc.returncode != 0:
        tail = "\n".join(proc.stderr.strip().splitlines()[-5:])
        raise DeliveryError(redactor(f"{cmd[0]} {cmd[1]} failed (exit {proc.returncode}): {tail}"))
    return proc.stdout


def vcf_samples(vcf, redactor):
    return quiet_run(["bcftools", "query", "-l", vcf], redactor).split()


def withheld_targets(carrier_json, clinvar_json=None):
    """{sample: "^chr19:44908684,19:44908684,..."}: a bcftools -t exclusion of the positions of the sample's
    not_requested carrier-panel findings and of the ClinVar P/LP positions it did not consent to (the findings'
    `withheld`), under every name the contig-name rule gives the contig (scripts/common/contig_names.py: the panel's
    'chr19' and a plain '19' reference; chrM, MT, chrMT and M: a name the VCF lacks matches nothing). Samples without
    any are absent."""
    withheld = {}
    if carrier_json:
        for sample, rows in json.loads(Path(carrier_json).read_text(encoding="utf-8")).items():
            withheld.setdefault(sample, set()).update(withheld_positions(rows))
    if clinvar_json:
        stages = {"clinvar": json.loads(Path(clinvar_json).read_text(encoding="utf-8"))}
        for sample in stages["clinvar"].get("withheld", {}):
            withheld.setdefault(sample, set()).update(clinvar_findings.withheld(stages, sample))
    targets = {}
    for sample, found in withheld.items():
        positions = sorted(found, key=lambda p: (p[0], p[1]))
        if positions:
            targets[sample] = "^" + ",".join(f"{name}:{pos}" for chrom, pos in positions
                                             for name in (PREFIX + chrom, *other_names(PREFIX + chrom)))  # fmt: skip
    return targets


def sample_vcf(vcf, sample, name, out, scratch, redactor, exclude=None):
    """Write `out` (+ .tbi): the sample's sites with an alternate allele, its column renamed to `name`; `exclude`: a
    bcftools -t exclusion (withheld_targets)."""
    subset, names = Path(scratch) / "subset.vcf.gz", Path(scratch) / "names.txt"
    targets = ["-t", exclude] if exclude else []
    quiet_run(["bcftools", "view", "--no-version", "-s", sample, "-c", "1", *targets, "-Oz", "-o", subset, vcf],
              redactor)  # fmt: skip
    names.write_text(f"{sample} {name}\n")
    with atomic_path(out) as tmp:
        quiet_run(["bcftools", "reheader", "-s", names, "-o", tmp, subset], redactor)
    with atomic_path(f"{out}.tbi") as tmp:
        quiet_run(["bcftools", "index", "-t", "-f", "-o", tmp, out], redactor)
    subset.unlink()
    names.unlink()


def write_text(path, text):
    with atomic_path(path) as tmp:
        Path(tmp).write_text(text, encoding="utf-8")


def recipient_keys(paths):
    """Crypt4GH key triples for lib.encrypt: one fresh (ephemeral) sender key, each recipient's public key."""
    from crypt4gh.keys import get_public_key  # optional dependency: imported only when encrypting

    sender = os.urandom(32)
    return [(0, sender, get_public_key(os.path.expanduser(p))) for p in paths]


def encrypt_file(path, keys):
    """Replace `path` by `path`.c4gh, encrypted for `keys`; the plaintext is removed."""
    from crypt4gh import lib

    with open(path, "rb") as plain, atomic_path(f"{path}.c4gh", suffix=".c4gh") as tmp, open(tmp, "wb") as sealed:
        lib.encrypt(keys, plain, sealed)
    os.unlink(path)


def dir_mode():
    """Folder mode matching the file mode of atomic outputs: 0600 -> 0700, 0640 -> 0750."""
    file_mode = int(os.environ.get(FILE_MODE_ENV, "600"), 8)
    return file_mode | ((file_mode & 0o444) >> 2)


def remove_stale_staging(parent):
    """Remove staging folders that a killed deliver job left (plaintext copies must not linger)."""
    for stale in Path(parent).glob(f"{STAGING_PREFIX}*"):
        if stale.is_dir():
            shutil.rmtree(stale, ignore_errors=True)


# ---------------------------------------------------------------- the job


def load_secret(secret_file, default_secret, log):
    if secret_file:
        if readable_by_others(secret_file):
            log.warning("the secret file can be read by other users: restrict it to its owner (chmod 600)")
        return read_secret(secret_file)
    return ensure_default_secret(default_secret)


def deliver_sample(number, sample, name, paths, cohort, in_vcf, folder, vcf, keys, redact, scratch):
    """Write one sample's delivered files into `folder`; returns the list of files written."""
    pattern, replace, schema = redact["pattern"], redact["replace"], redact["schema"]
    report = json.loads(Path(paths["json"]).read_text(encoding="utf-8"))
    check_rebuild(report, Path(paths["html"]).read_text(encoding="utf-8"), number)
    delivered = delivered_report(report, name, pattern, replace)
    render_reports.validate_report(delivered, schema)
    files = [folder / f"{name}.report.json", folder / f"{name}.report.html"]
    write_text(files[0], render_reports.report_json_text(delivered))
    write_text(files[1], delivered_html(delivered, cohort))
    if sample in in_vcf:
        files += [folder / f"{name}.vcf.gz", folder / f"{name}.vcf.gz.tbi"]
        sample_vcf(vcf, sample, name, files[2], scratch, redact["redactor"], redact["withheld"].get(sample))
    if keys:
        for path in files:
            encrypt_file(path, keys)
    return files


def deliver(
    samples, reports, vcf, af_samples, batch_qc, schema_path, out_dir, mapping_path,
    secret_file=None, default_secret=".genorisk/secret", recipients=(), overrides=None, input_files=None, log=None,
    carrier_json=None, clinvar_json=None,
):  # fmt: skip
    """Write results/deliver/{pseudonym}/ for every sample and the restricted mapping.

    reports: {sample: {"json": path, "html": path}}; input_files: {sample: {column: path}} (names to scrub);
    overrides: {sample: pseudonym} from the sheet; carrier_json, clinvar_json: the carrier and ClinVar findings
    (positions withheld by consent), or None. The staging folder is renamed to `out_dir` only when complete.
    """
    log = log or get_logger()
    input_files = input_files or {}
    secret = load_secret(secret_file, default_secret, log)
    mapping = assign_pseudonyms(samples, secret, overrides)
    replace = replacements_for(mapping, input_files)
    redactor = Redactor(tokens=replace, paths=[vcf, af_samples, batch_qc, secret_file, *recipients, os.getcwd()])
    redact = {"pattern": token_pattern(replace), "replace": replace, "redactor": redactor,
              "schema": json.loads(Path(schema_path).read_text()),
              "withheld": withheld_targets(carrier_json, clinvar_json)}  # fmt: skip
    keys = recipient_keys(recipients) if recipients else []
    write_mapping(mapping_path, mapping)
    log.info("%d samples; pseudonyms assigned (mapping in the restricted folder)", len(samples))
    in_vcf = set(vcf_samples(vcf, redactor))
    cohort = pseudonymised_cohort(vcf, af_samples, batch_qc, mapping, log)
    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_staging(out_dir.parent)
    staging = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=out_dir.parent))
    try:
        os.chmod(staging, dir_mode())
        scratch = Path(tempfile.mkdtemp(prefix=".scratch.", dir=staging))
        for number, sample in enumerate(samples, start=1):
            folder = staging / mapping[sample]
            folder.mkdir(mode=dir_mode())
            files = deliver_sample(number, sample, mapping[sample], reports[sample], cohort, in_vcf, folder, vcf,
                                   keys, redact, scratch)  # fmt: skip
            log.info("sample %d/%d delivered: %d file(s)%s", number, len(samples), len(files),
                     ", encrypted" if keys else "")  # fmt: skip
        shutil.rmtree(scratch)
        if out_dir.exists():
            shutil.rmtree(out_dir)
        os.replace(staging, out_dir)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    log.info("delivered %d samples (%s)", len(samples), "Crypt4GH-encrypted" if keys else "plaintext")
    return mapping


def main(smk):
    log = setup_logging(smk.log[0])
    samples = list(smk.params.samples)
    input_files = {s: dict(f) for s, f in smk.params.input_files.items()}
    overrides = dict(smk.params.overrides)
    sample_paths = [p for files in input_files.values() for p in files.values()]
    tokens = [*samples, *(Path(p).name for p in sample_paths)]
    paths = [*smk.input, *sample_paths, smk.params.secret_file, *smk.params.recipients]
    redactor = Redactor(tokens=tokens, paths=paths)
    redact_logging(log, redactor)
    reports = {s: {"json": j, "html": h} for s, j, h in zip(samples, smk.input.json, smk.input.html, strict=True)}
    try:
        deliver(
            samples, reports, smk.input.vcf, smk.input.af_samples, smk.input.batch_qc, smk.input.schema,
            smk.output.deliver, smk.output.mapping, smk.params.secret_file, smk.params.default_secret,
            list(smk.params.recipients), overrides, input_files, log,
            carrier_json=report_stages.optional_input(getattr(smk.input, "carrier", None)),
            clinvar_json=report_stages.optional_input(getattr(smk.input, "clinvar", None)),
        )  # fmt: skip
    except Exception as error:  # the message may name samples or paths: only its redacted form leaves this job
        message = redactor(f"{type(error).__name__}: {error}")
        log.error("%s", message)
        raise DeliveryError(message) from None


if __name__ == "__main__":
    main(snakemake)  # noqa: F821
