"""What the batch's MultiQC report shows besides MultiQC's own samtools and bcftools sections (rule multiqc).

MultiQC reads samtools' stats, flagstat and idxstats outputs of every alignment (results/qc/samtools/) and bcftools
stats of every caller's cohort calls (results/qc/bcftools/). Our own tables go in as MultiQC custom content, written
straight into the MultiQC config this module builds (`custom_data`, no extra files), one section each:

  genorisk_qc_verdicts    results/qc/batch_qc.tsv: verdict, whether in the cohort calls, key metrics, the reasons
  genorisk_truth          results/benchmark/{caller}/{sample}.tsv (when the sheet has truth sets): precision, recall,
                          F1 of SNVs and indels, genotype concordance
  genorisk_mendel         results/qc/mendel.tsv (when the sheet has trios): Mendelian errors per trio
  genorisk_af_samples     results/af/samples.tsv: call rate, heterozygosity, Ti/Tv, inbreeding F, singletons, sex and
                          ancestry per sample
  genorisk_af_spectrum    results/af/variants.tsv: how many variants fall in each alternate-allele-frequency bin, in
                          the batch and in each sheet population
  genorisk_call_rates     results/report/batch_summary.tsv: genome-wide and PGx/carrier panel call rates

and the tool and package versions of results/provenance.json as MultiQC's "Software versions" section. Rates are
shown as percentages; "NA" cells stay empty.

MultiQC's HTML is not byte-stable on its own: it embeds the plots' data gzip-compressed with the time in the gzip
header, a random report UUID and the time it was made. `stable_html` sets the gzip time to 0, the UUID to one drawn
from the report's own content, and the time to the batch's report date, so the same batch gives the same bytes.
"""

import base64
import re
import uuid
from datetime import date

from common.tables import read_tsv

NA = "NA"
# MultiQC leaves the cells it has no value for empty; these are the tables' texts for "no value".
MISSING = {"", NA}
# Alternate allele frequency bins of the spectrum: (label, upper bound inclusive); the first is AF = 0.
AF_BINS = (
    ("AF 0", 0.0),
    ("AF 0-1%", 0.01),
    ("AF 1-5%", 0.05),
    ("AF 5-10%", 0.10),
    ("AF 10-50%", 0.50),
    ("AF 50-100%", 1.0),
)
ALL_SAMPLES = "all samples"
# MultiQC tables: {column: header config}; `percent` columns hold fractions and are shown x100.
PERCENT = {"suffix": "%", "min": 0, "max": 100, "format": "{:,.1f}"}
TEXT = {"scale": False}
# Files of MultiQC's data folder that are not kept in results/qc/multiqc_data/: its log (copied into the job's log),
# the whole-report dumps (they hold the run's time and absolute paths) and the prompt text for language models.
UNSTABLE_DATA_FILES = ("multiqc.log", "multiqc_data.json", "multiqc.parquet", "multiqc_sources.txt", "llms-full.txt")
# Sample names: MultiQC would strip common suffixes (".r", "_R1", ...) from names; we strip only our file suffixes.
SAMPLE_NAME_CLEANING = [
    {"type": "regex", "pattern": r"\.(stats|flagstat|idxstats)\.txt$"},
    {"type": "regex", "pattern": r"\.vcf\.gz$"},
]


def _number(text):
    """A table cell as a float, None when missing or not a number."""
    if text in MISSING:
        return None
    try:
        return float(text)
    except ValueError:
        return None


def _percent(text):
    value = _number(text)
    return None if value is None else round(100 * value, 4)


def _row_values(row, numbers=(), percents=(), texts=()):
    """{column: value} of one row: numbers as floats, fractions as percentages, texts as they are; missing left out."""
    values = {}
    for column in numbers:
        if (value := _number(row.get(column, ""))) is not None:
            values[column] = value
    for column in percents:
        if (value := _percent(row.get(column, ""))) is not None:
            values[column] = value
    for column in texts:
        if row.get(column, "") not in MISSING:
            values[column] = row[column]
    return values


def _table(section_name, description, headers, data, table_id):
    return {
        "section_name": section_name,
        "description": description,
        "plot_type": "table",
        "pconfig": {"id": f"{table_id}_table", "title": f"genorisk: {section_name}", "col1_header": "Sample"},
        "headers": headers,
        "data": data,
    }


def _rows_table(section_name, table_id, description, headers, rows, key="sample_id"):
    """A table of one line per row, named by its `key` column, of the `headers` columns: PERCENT ones from fractions,
    TEXT ones as they are, the others as numbers."""
    percents = tuple(column for column, header in headers.items() if header.get("suffix") == PERCENT["suffix"])
    texts = tuple(column for column, header in headers.items() if header.get("scale") is TEXT["scale"])
    numbers = tuple(column for column in headers if column not in percents + texts)
    data = {row[key]: _row_values(row, numbers, percents, texts) for row in rows}
    return _table(section_name, description, headers, data, table_id)


def qc_verdicts_section(batch_qc_tsv):
    """The batch QC table: verdict and reasons per sample (sheet order)."""
    _, rows = read_tsv(batch_qc_tsv, required=("sample_id", "verdict", "in_cohort", "reasons"))
    headers = {
        "verdict": {"title": "Verdict", "description": "pass, warn or fail (not_applicable: a VCF row)", **TEXT},
        "in_cohort": {"title": "In cohort", "description": "Whether the sample is in the cohort calls", **TEXT},
        "mean_depth": {"title": "Mean depth", "suffix": "x", "format": "{:,.1f}", "scale": "RdYlGn"},
        "breadth": {"title": "Breadth", "description": "Target bases covered", **PERCENT, "scale": "RdYlGn"},
        "mapped_rate": {"title": "Mapped", "description": "Primary reads mapped", **PERCENT, "scale": "RdYlGn"},
        "duplicate_rate": {"title": "Duplicates", "description": "Mapped reads marked duplicate", **PERCENT},
        "total_reads": {"title": "Reads", "description": "Primary reads", "format": "{:,.0f}"},
        "reasons": {"title": "Reasons", "description": "Why the sample warns or fails", **TEXT},
    }
    description = (
        "Each alignment's verdict against the QC thresholds of the config (results/qc/batch_qc.tsv). A sample that "
        "fails is kept out of the cohort calls."
    )
    return _rows_table("QC verdicts", "genorisk_qc_verdicts", description, headers, rows)


def truth_section(benchmark_tsvs):
    """Precision, recall and F1 against the truth sets, one row per sample (and caller, when there are several)."""
    rows = []
    for path in benchmark_tsvs:
        rows += read_tsv(path, required=("sample", "caller", "type", "precision", "recall", "f1"))[1]
    if not rows:
        return None
    several_callers = len({row["caller"] for row in rows}) > 1
    data, headers = {}, {}
    for row in rows:
        name = f"{row['sample']} ({row['caller']})" if several_callers else row["sample"]
        kind = row["type"]
        label = {"snv": "SNV", "indel": "Indel"}.get(kind, kind)
        values = _row_values(row, numbers=("tp", "fp", "fn"), percents=("precision", "recall", "f1", "gt_concordance"))
        data.setdefault(name, {}).update({f"{kind}_{key}": value for key, value in values.items()})
        for key, title in (("precision", "precision"), ("recall", "recall"), ("f1", "F1")):
            headers[f"{kind}_{key}"] = {"title": f"{label} {title}", **PERCENT, "scale": "RdYlGn"}
        for key in ("tp", "fp", "fn"):
            headers[f"{kind}_{key}"] = {"title": f"{label} {key.upper()}", "format": "{:,.0f}", "hidden": True}
        headers[f"{kind}_gt_concordance"] = {"title": f"{label} GT concordance", **PERCENT, "hidden": True}
    description = (
        "Calls against each sample's truth set (results/benchmark/{caller}/{sample}.tsv): allele-aware matching "
        "after the same normalisation on both sides, within the truth's confident regions and the calling regions."
    )
    return _table("Truth benchmark", description, headers, data, "genorisk_truth")


def mendel_section(mendel_tsv):
    """Mendelian errors per trio (rows named by the child), or None when the sheet has no trio in the cohort."""
    _, rows = read_tsv(mendel_tsv, required=("child", "father", "mother", "sites_checked", "errors", "error_rate"))
    if not rows:
        return None
    headers = {
        "father": {"title": "Father", **TEXT},
        "mother": {"title": "Mother", **TEXT},
        "sites_checked": {"title": "Sites checked", "format": "{:,.0f}"},
        "errors": {"title": "Mendelian errors", "format": "{:,.0f}"},
        "error_rate": {"title": "Error rate", **PERCENT, "format": "{:,.2f}", "scale": "OrRd"},
    }
    description = (
        "Each trio of the sample sheet checked with bcftools +mendelian (results/qc/mendel.tsv): records whose "
        "child genotype cannot be made of one allele of each parent. A high rate points to a swapped sample."
    )
    return _rows_table("Mendelian consistency", "genorisk_mendel", description, headers, rows, key="child")


def af_samples_section(af_samples_tsv):
    """Per-sample genotype summaries of the cohort calls (results/af/samples.tsv)."""
    _, rows = read_tsv(af_samples_tsv, required=("sample_id", "call_rate", "heterozygosity"))
    headers = {
        "call_rate": {"title": "Call rate", **PERCENT, "scale": "RdYlGn"},
        "heterozygosity": {"title": "Het. fraction", "description": "Het. calls / called sites", "format": "{:,.3f}"},
        "n_het": {"title": "Het.", "format": "{:,.0f}", "hidden": True},
        "n_hom_alt": {"title": "Hom. alt", "format": "{:,.0f}", "hidden": True},
        "ti_tv": {"title": "Ti/Tv", "format": "{:,.2f}"},
        "inbreeding_f": {"title": "Inbreeding F", "format": "{:,.3f}", "scale": "RdBu"},
        "singletons": {"title": "Singletons", "format": "{:,.0f}"},
        "sheet_sex": {"title": "Sheet sex", **TEXT},
        "inferred_sex": {"title": "Inferred sex", **TEXT},
        "ancestry": {"title": "Ancestry", **TEXT},
    }
    description = (
        "Genotype summaries of each cohort sample (results/af/samples.tsv): call rate, heterozygosity, Ti/Tv, "
        "inbreeding coefficient, singletons, the sheet's and the inferred sex, and the nearest reference population."
    )
    return _rows_table("Allele frequencies: samples", "genorisk_af_samples", description, headers, rows)


def af_bin(af):
    """The AF_BINS label of an alternate allele frequency in [0, 1]."""
    for label, upper in AF_BINS:
        if af <= upper:
            return label
    raise ValueError(f"allele frequency {af} is above 1")


def af_spectrum(af_variants_tsv):
    """{group: {AF bin: variant count}} for ALL_SAMPLES and each population of results/af/variants.tsv's AF_{pop}
    columns; a variant without called alleles in a group (AF NA) is not counted there."""
    header, rows = read_tsv(af_variants_tsv, required=("AF",))
    groups = {ALL_SAMPLES: "AF", **{f"population {c[3:]}": c for c in header if c.startswith("AF_")}}
    spectrum = {group: {label: 0 for label, _ in AF_BINS} for group in groups}
    for row in rows:
        for group, column in groups.items():
            if (af := _number(row[column])) is not None:
                spectrum[group][af_bin(af)] += 1
    return spectrum


def af_spectrum_section(af_variants_tsv):
    spectrum = af_spectrum(af_variants_tsv)
    return {
        "section_name": "Allele frequency spectrum",
        "description": (
            "Variants of the cohort calls by alternate allele frequency (results/af/variants.tsv), in the whole batch "
            "and within each population of the sample sheet. AF 0: the group carries no ALT allele of the variant."
        ),
        "plot_type": "bargraph",
        "pconfig": {
            "id": "genorisk_af_spectrum_plot",
            "title": "genorisk: Allele frequency spectrum",
            "ylab": "Variants",
            "cpswitch_c_active": True,
        },
        "categories": [label for label, _ in AF_BINS],
        "data": spectrum,
    }


def call_rates_section(batch_summary_tsv):
    """Genome-wide and panel call rates per sample, as the reports state them (results/report/batch_summary.tsv)."""
    _, rows = read_tsv(batch_summary_tsv, required=("sample_id", "variant_call_rate", "panel_call_rate"))
    headers = {
        "variant_call_rate": {"title": "Call rate", "description": "Cohort sites with a genotype", **PERCENT},
        "n_snv": {"title": "SNVs", "description": "Het. and hom. alt SNVs", "format": "{:,.0f}"},
        "n_indel": {"title": "Indels", "description": "Het. and hom. alt indels", "format": "{:,.0f}"},
        "panel_call_rate": {
            "title": "Panel call rate",
            "description": "PGx and carrier panel positions with a genotype",
            **PERCENT,
            "scale": "RdYlGn",
        },
        "panel_no_calls": {"title": "Panel no-calls", "format": "{:,.0f}"},
        "carrier_no_calls": {"title": "Carrier no-calls", "format": "{:,.0f}"},
    }
    description = (
        "Call rates as each sample's report states them (results/report/batch_summary.tsv): of the cohort's sites, "
        "and of the pharmacogenomic and carrier panel positions; empty where the sample has no calls or the panels "
        "did not run."
    )
    return _rows_table("Call rates", "genorisk_call_rates", description, headers, rows)


def software_versions(provenance):
    """MultiQC's software_versions config from the provenance record: {group: {software: version}}."""
    workflow = provenance["workflow"]
    versions = {"genorisk": {"genorisk": workflow["version"]}}
    versions["Tools"] = dict(sorted(provenance["tools"].items()))
    versions["Python packages"] = dict(sorted(provenance["python_packages"].items()))
    return versions


def custom_sections(batch_qc, af_samples, af_variants, batch_summary, mendel=None, benchmarks=()):
    """{section id: MultiQC custom_data entry}, in report order; sections without content are left out."""
    sections = {
        "genorisk_qc_verdicts": qc_verdicts_section(batch_qc),
        "genorisk_truth": truth_section(benchmarks) if benchmarks else None,
        "genorisk_mendel": mendel_section(mendel) if mendel else None,
        "genorisk_call_rates": call_rates_section(batch_summary),
        "genorisk_af_samples": af_samples_section(af_samples),
        "genorisk_af_spectrum": af_spectrum_section(af_variants),
    }
    return {key: section for key, section in sections.items() if section}


def multiqc_config(sections, provenance, batch_id, report_date):
    """The MultiQC config (a dict, written as YAML/JSON): our sections, versions, header and settings."""
    workflow = provenance["workflow"]
    commit = (workflow.get("git_commit") or "")[:12]
    return {
        "title": "genorisk batch QC",
        "subtitle": batch_id,
        "intro_text": (
            "Alignment and variant-calling QC of the batch: genorisk's own verdicts and tables first, then MultiQC's "
            "reading of samtools and bcftools. Research use only."
        ),
        "report_header_info": [
            {"Batch": batch_id},
            {"Report date": report_date},
            {"Workflow": f"genorisk {workflow['version']}" + (f" (commit {commit})" if commit else "")},
        ],
        # Offline and reproducible: no version check or AI, no paths or times of this run in the report.
        "no_version_check": True,
        "no_ai": True,
        "show_analysis_paths": False,
        "show_analysis_time": False,
        "strict": True,
        "data_format": "tsv",
        "fn_clean_exts": SAMPLE_NAME_CLEANING,
        "fn_clean_trim": [],
        "custom_data": sections,
        "custom_content": {"order": list(sections)},
        "software_versions": software_versions(provenance),
    }


# ---------------------------------------------------------------- byte-stable HTML

PLOT_DATA = re.compile(r'(<script type="text/plain" id="mqc_compressed_plotdata">)([A-Za-z0-9+/=]*)(</script>)')
REPORT_UUID = re.compile(r'reportUuid = "[0-9a-f-]*";')
CREATION_DATE = re.compile(r'configCreationDate = "[^"]*";')


def _one(pattern, html, what):
    matches = pattern.findall(html)
    if len(matches) != 1:
        raise ValueError(f"MultiQC report: expected one {what}, found {len(matches)} (another MultiQC version?)")


def _gzip_without_time(match):
    data = bytearray(base64.b64decode(match.group(2)))
    if data[:2] != b"\x1f\x8b":
        raise ValueError("MultiQC report: the plot data is not gzip-compressed (another MultiQC version?)")
    data[4:8] = b"\x00\x00\x00\x00"  # gzip header MTIME: 0 means "no time stamp" (RFC 1952)
    return match.group(1) + base64.b64encode(bytes(data)).decode("ascii") + match.group(3)


def stable_html(html, report_date):
    """MultiQC's HTML with its run-dependent bytes made stable (see the module docstring).

    `report_date`: YYYY-MM-DD, shown where MultiQC puts the time the report was made. Raises ValueError when a part
    is not found exactly once, so a MultiQC version that lays the report out differently is noticed.
    """
    for pattern, what in ((PLOT_DATA, "compressed plot data"), (REPORT_UUID, "report UUID"),
                          (CREATION_DATE, "creation date")):  # fmt: skip
        _one(pattern, html, what)
    html = PLOT_DATA.sub(_gzip_without_time, html)
    shown = date.fromisoformat(report_date).strftime("%d %b %Y")
    html = CREATION_DATE.sub(f'configCreationDate = "{shown}";', html)
    html = REPORT_UUID.sub('reportUuid = "";', html)
    report_id = uuid.uuid5(uuid.NAMESPACE_URL, "genorisk-multiqc:" + html)
    return REPORT_UUID.sub(f'reportUuid = "{report_id}";', html)
