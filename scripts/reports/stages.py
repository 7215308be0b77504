"""Why a report section's stage did not run in this batch, in words a reader of the report understands.

workflow/rules/report.smk calls `not_run_reasons` at parse time (no heavy imports here) and passes the result to
the report job; a section whose stage ran gets None. A panel stage that ran on a reference holding none of its
positions is "not run" too: the report job asks `coverage_reason` of the stage's coverage table at run time. The
words end up in the report JSON, so they name config keys, never paths.
"""

import hashlib
from pathlib import Path

SECTIONS = ("panel_qc", "identity", "carrier", "risk_factors", "apoe", "pgx", "pgx_guidance", "prs", "ancestry",
            "provenance", "clinvar")  # fmt: skip
# The report sections the carrier panel's stage fills (one per kind of finding): it runs, or not, for all of them.
CARRIER_SECTIONS = ("carrier", "risk_factors", "apoe")
# The sections the PGx stage fills: the calls, and the medication guidance looked up with them.
PGX_SECTIONS = ("pgx", "pgx_guidance")


def panel_stage_enabled(config, key):
    """Does the GRCh38 panel stage of config section `key` ("pgx" or "carrier") run? The one decision the rules
    (workflow/rules/pgx.smk, carrier.smk) and the report use: `true`, or `auto` on build GRCh38. Its genotypes are
    `{key}.vcf`, else every sample of the sheet at the shipped panel's positions: alignments genotyped from their
    reads, VCF rows as their VCF gives them (scripts/sites/genotype_sites.py)."""
    setting = config[key]["enabled"]
    return setting is True or (setting == "auto" and config["build"] == "GRCh38")


def _panel_stage_reason(config, enabled, key, what):
    """Why a GRCh38 panel stage (config section `key`) did not run, or None when it ran: switched off, or `auto` on
    another build (the shipped PGx and carrier panels have no GRCh37 positions; the report says so)."""
    if enabled:
        return None
    if config[key]["enabled"] is False:
        return f"{what} was switched off in the configuration ({key}.enabled is false)"
    build = config["build"]
    return f"{what} needs a GRCh38 reference: its panel has GRCh38 positions only, none for this batch's build {build}"


def pgx_reason(config, enabled):
    return _panel_stage_reason(config, enabled, "pgx", "pharmacogenomics")


def carrier_reason(config, enabled):
    return _panel_stage_reason(config, enabled, "carrier", "carrier screening")


NO_POSITION_COVERED = "no panel position lies on this reference"


def coverage_reason(coverage_tsv):
    """Why a panel stage that ran has nothing to say: NO_POSITION_COVERED (with counts) when no row of its coverage
    table (scripts/sites/panel_to_sites.py) is covered by the reference and target, else None (also for no table)."""
    if not coverage_tsv:
        return None
    with open(coverage_tsv) as fh:
        header, *rows = [line.rstrip("\n").split("\t") for line in fh if line.strip()]
    status = header.index("status")
    if any(row[status] == "covered" for row in rows):
        return None
    genes = len({row[header.index("gene")] for row in rows})
    return (
        f"{NO_POSITION_COVERED} (all {len(rows)} positions of its {genes} genes are on contigs the reference lacks, "
        "on N in the reference or outside the target regions)"
    )


def optional_input(value):
    """A rule's optional input as a path or None: Snakemake gives an empty list for a stage that is off, a one-element
    list or a string otherwise."""
    if isinstance(value, list):
        return value[0] if value else None
    return value or None


def with_coverage_reasons(not_run, coverage_tables):
    """`not_run` ({section: why or None}) with the panel stages that ran but cover nothing marked not run:
    coverage_tables {"pgx"/"carrier": coverage table path or None}. Used by the report job and the run summary."""
    updated = dict(not_run or {})
    for name, table in coverage_tables.items():
        reason = coverage_reason(table)
        if reason:
            updated.update(dict.fromkeys({"carrier": CARRIER_SECTIONS, "pgx": PGX_SECTIONS}.get(name, (name,)), reason))
    return updated


def prs_reason(config):
    if config["pgs"]["scoring_files"]:
        return None
    return "no polygenic score was configured (pgs.scoring_files is empty)"


def ancestry_reason(config):
    if config["structure"]["panel"]:
        return None
    return ("ancestry needs a labelled reference panel (structure.panel is none, or build is neither GRCh37 nor "
            "GRCh38, for which one is shipped)")  # fmt: skip


def clinvar_reason(config):
    if (config.get("clinvar") or {}).get("vcf"):
        return None
    return "no ClinVar release was given (clinvar.vcf is not set)"


def panel_qc_reason(sites_genotyped, pgx_enabled, carrier_enabled):
    if sites_genotyped or pgx_enabled or carrier_enabled:
        return None
    return "no panel positions were genotyped (sites.files is empty and the carrier and PGx panels did not run)"


def not_run_reasons(config, pgx_enabled, carrier_enabled, sites_genotyped, provenance_made=True):
    """{section: reason or None} for SECTIONS, from the validated config and the stage switches of the workflow."""
    return {
        "panel_qc": panel_qc_reason(sites_genotyped, pgx_enabled, carrier_enabled),
        "identity": None,
        **dict.fromkeys(CARRIER_SECTIONS, carrier_reason(config, carrier_enabled)),
        **dict.fromkeys(PGX_SECTIONS, pgx_reason(config, pgx_enabled)),
        "prs": prs_reason(config),
        "ancestry": ancestry_reason(config),
        "provenance": None if provenance_made else "the provenance record is not made by this workflow",
        "clinvar": clinvar_reason(config),
    }


def sheet_batch_id(sheet_path):
    """'batch-' and the first 12 hex digits of the sample sheet's SHA-256: the same sheet, the same identifier."""
    return "batch-" + hashlib.sha256(Path(sheet_path).read_bytes()).hexdigest()[:12]


def made_by(rules, rule_name, path):
    """An input function: [path] when the workflow has a rule `rule_name`, else [] (asked when the DAG is built,
    after every rule file was read, so a rule defined in a later file counts)."""

    def input_function(wildcards):
        return [path] if hasattr(rules, rule_name) else []

    return input_function


def truth_file_names(truth, samples):
    """{sample: {"vcf": file name, "bed": file name or None}} of `samples` with a truth set (truth.smk's TRUTH:
    {sample: {"vcf": path, "bed": path or None}}): the report names truth files without their folders."""
    return {
        s: {key: Path(path).name if path else None for key, path in truth[s].items()} for s in samples if s in truth
    }


def trios_of(pedigree, samples):
    """The sheet's trios ({child: {"father", "mother"}}, qc.smk's PEDIGREE) with a member among `samples`."""
    wanted = set(samples)
    return {child: parents for child, parents in pedigree.items()
            if {child, parents["father"], parents["mother"]} & wanted}  # fmt: skip
