"""Why a report section's stage did not run in this batch, in words a reader of the report understands.

workflow/rules/report.smk calls `not_run_reasons` at parse time (no heavy imports here) and passes the result to
the report job; a section whose stage ran gets None. The words end up in the report JSON, so they name config keys,
never paths.
"""

SECTIONS = ("panel_qc", "identity", "carrier", "pgx", "prs", "ancestry", "provenance")


def _gated_reason(what, setting, build, has_genotypes, genotype_hint):
    """The reason for a stage switched by `enabled: auto|true|false`, a GRCh38 build and a genotype source."""
    if build != "GRCh38" and setting == "auto":
        return f"{what} needs a GRCh38 reference and genotypes at the panel positions; this batch is on build {build}"
    if not has_genotypes:
        return f"{what} needs genotypes at the panel positions ({genotype_hint})"
    return None


def _panel_stage_reason(config, enabled, key, what, hint):
    """Why a GRCh38 panel stage (config section `key`) did not run, or None when it ran."""
    if enabled:
        return None
    setting = config[key]["enabled"]
    if setting is False:
        return f"{what} was switched off in the configuration ({key}.enabled is false)"
    has_genotypes = bool(config[key]["vcf"] or config["sites"]["files"])
    return _gated_reason(what, setting, config["build"], has_genotypes, hint)


def pgx_reason(config, enabled):
    return _panel_stage_reason(config, enabled, "pgx", "pharmacogenomics", "set pgx.vcf or list them in sites.files")


def carrier_reason(config, enabled):
    return _panel_stage_reason(
        config, enabled, "carrier", "carrier screening", "set carrier.vcf or list sites in sites.files"
    )


def prs_reason(config):
    if config["pgs"]["scoring_files"]:
        return None
    return "no polygenic score was configured (pgs.scoring_files is empty)"


def ancestry_reason(config):
    if config["structure"]["panel"]:
        return None
    return "ancestry needs a labelled reference panel (structure.panel is not set)"


def panel_qc_reason(sites_genotyped, pgx_enabled, carrier_enabled):
    if sites_genotyped or pgx_enabled or carrier_enabled:
        return None
    return "no panel positions were genotyped (sites.files is empty and the carrier and PGx panels did not run)"


def not_run_reasons(config, pgx_enabled, carrier_enabled, sites_genotyped, provenance_made=True):
    """{section: reason or None} for SECTIONS, from the validated config and the stage switches of the workflow."""
    return {
        "panel_qc": panel_qc_reason(sites_genotyped, pgx_enabled, carrier_enabled),
        "identity": None,
        "carrier": carrier_reason(config, carrier_enabled),
        "pgx": pgx_reason(config, pgx_enabled),
        "prs": prs_reason(config),
        "ancestry": ancestry_reason(config),
        "provenance": None if provenance_made else "the provenance record is not made by this workflow",
    }


def made_by(rules, rule_name, path):
    """An input function: [path] when the workflow has a rule `rule_name`, else [] (asked when the DAG is built,
    after every rule file was read, so a rule defined in a later file counts)."""

    def input_function(wildcards):
        return [path] if hasattr(rules, rule_name) else []

    return input_function
