"""Run the workflow as a user would (snakemake on the command line) in a scratch batch folder."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

from common.tool_run import bcftools_plugin_env

REPO = Path(__file__).resolve().parents[1]
# The report date of every test run (rule report_date reads it): runs compared byte for byte agree across midnight.
REPORT_EPOCH = "1796428800"  # 2026-12-05 UTC
SNAKEMAKE = str(Path(sys.executable).parent / "snakemake")
# The project secret of the demo runs that are compared with each other (pseudonyms then agree).
DEMO_SECRET = "9c1f0e4d2b7a68355e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f"


def run_env():
    """The environment of a test's snakemake run: this one with the fixed report date (SOURCE_DATE_EPOCH)."""
    return {**os.environ, "SOURCE_DATE_EPOCH": os.environ.get("SOURCE_DATE_EPOCH", REPORT_EPOCH)}


def seed_secret(folder, secret=DEMO_SECRET):
    """The project secret at the default place (.genorisk/secret), as a previous run would have left it."""
    secret_dir = Path(folder) / ".genorisk"
    secret_dir.mkdir(mode=0o700)
    (secret_dir / "secret").write_text(secret + "\n")
    (secret_dir / "secret").chmod(0o600)


def snakemake(workdir, *args, configfile=None, check=True, timeout=900):
    """`snakemake --snakefile REPO/Snakefile --directory workdir ...`; returns the CompletedProcess."""
    cmd = [SNAKEMAKE, "--snakefile", str(REPO / "Snakefile"), "--directory", str(workdir), *args]
    if configfile:
        cmd += ["--configfile", str(configfile)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=run_env())
    if check and proc.returncode != 0:
        raise AssertionError(f"snakemake failed ({proc.returncode}):\n{proc.stderr[-4000:]}")
    return proc


def demo_batch(folder):
    """A copy of the shipped demo config and sheet in folder/config/: the demo then runs entirely inside folder."""
    config_dir = Path(folder) / "config"
    config_dir.mkdir(parents=True, exist_ok=True)
    for name in ("config.yaml", "samples.tsv", "panels/clinvar/demo_clinvar_GRCh38.vcf"):  # paths the config names
        (config_dir / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(REPO / "config" / name, config_dir / name)
    return config_dir / "config.yaml"


def demo_on_build_other(configfile):
    """Rewrite a demo config (demo_batch) to `build: other`: no shipped panel applies (PGx, carrier, ancestry), so its
    polygenic-score reference panel goes too (the config loader refuses one without an ancestry panel)."""
    import yaml

    config = yaml.safe_load(Path(configfile).read_text())
    config["build"] = "other"
    config["pgs"]["reference_panel"] = None
    Path(configfile).write_text(yaml.safe_dump(config, sort_keys=False))
    return configfile


def delivered_texts(batch, sample, vcf_format=None):
    """Every file a participant receives for `sample` (results/deliver/{pseudonym}/), as text: its report JSON and HTML
    (delivered and in results/report/), the PDF's text, and its VCF's records (`bcftools view -H`, or `bcftools query`
    with `vcf_format`)."""
    mapping = dict(line.split("\t")[:2] for line in
                   (batch / "results/restricted/pseudonyms.tsv").read_text().splitlines()[1:])  # fmt: skip
    folder = batch / "results/deliver" / mapping[sample]
    texts = {path.name: path.read_text(encoding="utf-8") for path in sorted(folder.glob("*.report.*"))}
    for name in ("json", "html"):
        texts[f"report.{name}"] = (batch / f"results/report/{sample}.{name}").read_text(encoding="utf-8")
    pdf = batch / f"results/report/{sample}.pdf"
    texts["report.pdf"] = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                                         check=True).stdout  # fmt: skip
    vcf = next(folder.glob("*.vcf.gz"))
    if vcf_format:
        texts[vcf.name] = "\n".join(query(vcf, vcf_format))
    else:
        texts[vcf.name] = subprocess.run(["bcftools", "view", "-H", str(vcf)], capture_output=True, text=True,
                                         check=True).stdout  # fmt: skip
    return texts


def query(vcf, fmt, *args):
    """Lines of `bcftools query -f fmt [args] vcf`."""
    out = subprocess.run(["bcftools", "query", "-f", fmt, *args, str(vcf)], capture_output=True, text=True, check=True)
    return out.stdout.splitlines()


def bcftools_env():
    """The environment with BCFTOOLS_PLUGINS set (tool_run.bcftools_plugin_env); fails when the plugins are absent."""
    env = bcftools_plugin_env()
    if env is None:
        raise AssertionError("bcftools plugins not found (set BCFTOOLS_PLUGINS)")
    return env
