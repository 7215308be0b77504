"""The report's sections from the later stages, one JSON-ready block per sample.

Each `read_*` reads one stage output once for a whole report job (a group of samples); each `*_section` returns one
sample's block. Sources:
- panel_qc   depth and calls at the genotyped panel positions: results/calls/{caller}/sites.vcf.gz (FORMAT/GT, DP),
             and the no-call positions of the pharmacogenomics and carrier results (which name gene and rsID)
- identity   inferred sex: results/af/samples.tsv; relatives in the batch: results/af/relatives.tsv and
             relatedness_samples.tsv
- carrier, risk_factors, apoe
             results/carrier/carrier_findings.json (panel findings of each kind, then the APOE genotype)
- pgx        results/pgx/pgx_calls.json
- prs        results/prs/scores.tsv (per sample) and scores.json (per score: trait, citation, match counts)
- ancestry   results/af/ancestry.tsv (PC coordinates on the reference panel, label, probability)
- provenance results/provenance.json, plus the sha256 of the panel files this job was given

A section is "reported", "not_run" (its stage is off in this batch: the workflow says why), "no_result" (the stage
ran but has nothing for this sample, e.g. it failed QC and was not genotyped) or "not_requested" (the participant
did not consent to it: the stage wrote not_requested for the sample and computed nothing). Numbers are rounded so
the JSON is byte-stable; no paths (file names only), no timestamps.

Size: over 400 lines because each report section's data; its words are in reports/content.py (the report rework of
issue 14 puts each section's data and words together).
"""

import hashlib
import json
import math
import warnings
from pathlib import Path

import numpy as np

from common.checksums import sha256_file
from common.contig_names import contig_key
from common.input_error import InputError
from common.tables import read_tsv as read_tables
from inputs.consent import not_requested_reason
from reports.number_format import rounded, significant

REPORTED, NOT_RUN, NO_RESULT, NOT_REQUESTED = "reported", "not_run", "no_result", "not_requested"
# Panel position statuses without a genotype: no_call (covered, no usable genotype) and not_covered (the
# reference/target cannot say anything there: scripts/sites/panel_to_sites.py). Neither is ever read as reference.
UNTYPED = ("no_call", "not_covered")
NOT_COVERED_TEXT = "not covered by this reference/target"


def genotyped(position):
    """Does a PGx call or carrier finding have a genotype (ref/variant, found/not_found)?"""
    return position["status"] not in UNTYPED


MAX_POSSIBLE_DIPLOTYPES = 10  # of pgx_match's possible_diplotypes_if_missing; the count of all is kept
MAX_BATCH_POINTS = 1000  # other samples drawn in the ancestry figure (evenly spread over PC1 order)
HISTOGRAM_BINS = (5, 30)  # min and max bins of a score's reference histogram (about sqrt(n) in between)
SIG_DIGITS = 6
ABSENT_FROM_GENOTYPES = "sample not in the genotype file"  # carrier_findings' reason for a sample it did not see


def status(kind, reason=None):
    return {"status": kind, "reason": reason}


def absent_reason(verdict, what):
    """Why a stage has no result for a sample it did not see."""
    if verdict == "fail":
        return "the sample failed QC and was not genotyped"
    return f"the sample is not in the genotype file that {what} read"


# ---------------------------------------------------------------- reading helpers


def number(text):
    """A TSV cell as float, None for empty / NA / nan / inf (undefined values are null in the report)."""
    text = (text or "").strip()
    if text.lower() in ("", "na", "nan", ".", "none", "null"):
        return None
    value = float(text)
    return value if math.isfinite(value) else None


def sig(value, digits=SIG_DIGITS):
    """A float rounded to `digits` significant digits (None stays None): byte-stable JSON numbers."""
    if value is None or not math.isfinite(value):
        return None
    return float(significant(value, digits))


def read_tsv(path, required):
    """Rows of a tab-separated file with a header as dicts; InputError names the file and a missing column."""
    return read_tables(path, required)[1]


def read_json(path, what):
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        raise InputError(f"{path}: cannot read the {what} JSON: {error}") from None


def _numbers(path, row, keys):
    try:
        return {k: number(row[k]) for k in keys}
    except ValueError as error:
        raise InputError(f"{path}: sample {row.get('sample_id')!r}: {error}") from None


# ---------------------------------------------------------------- pharmacogenomics


def read_pgx(path, samples=None):
    """{sample: {gene: pgx_match result}} from pgx_calls.json, for `samples` only (None: all)."""
    return read_sample_lines(path, samples, "pharmacogenomics")


def read_sample_lines(path, samples, what):
    """{sample: value} of a JSON object keyed by sample (pgx_calls.json, guidance.json), for `samples` only.

    Those files hold one line per sample ('"ID": {...},'), so a job parses only its own samples' lines: the whole
    file of a large batch holds hundreds of MB. Any other layout is read as a whole.
    """
    wanted = None if samples is None else set(samples)
    found = {}
    try:
        with open(path, encoding="utf-8") as fh:
            for line in fh:
                line = line.strip()
                if line in ("{", "}", ""):
                    continue
                key, _, value = line.partition(": ")
                sample = json.loads(key)
                if wanted is None or sample in wanted:
                    found[sample] = json.loads(value.removesuffix(","))
    except (json.JSONDecodeError, AttributeError, TypeError):
        data = read_json(path, what)
        if not isinstance(data, dict):
            raise InputError(f"{path}: expected an object keyed by sample ID") from None
        return {s: r for s, r in data.items() if wanted is None or s in wanted}
    except OSError as error:
        raise InputError(f"{path}: cannot read the {what} JSON: {error}") from None
    return found


def pgx_gene(result):
    """The report's block of one gene: the stable keys plus status, warnings and the possible diplotypes; `source`
    "outside" for a sheet's outside call (scripts/pgx/outside_calls.py), `replaced` when it replaces genorisk's."""
    return {
        "diplotypes": list(result["diplotypes"]),
        "phenotype": result["phenotype"],
        "activity_score": result["activity_score"],
        "status": result["status"],
        "calls": [{k: call[k] for k in ("rsid", "chrom", "pos", "genotype", "status")} for call in result["calls"]],
        "missing": list(result["missing"]),
        "possible_diplotypes_if_missing": list(result["possible_diplotypes_if_missing"][:MAX_POSSIBLE_DIPLOTYPES]),
        "n_possible_diplotypes": int(result["n_possible_diplotypes"]),
        "definition_version": result.get("definition_version"),
        "warnings": list(result.get("warnings") or []),
        "source": result.get("source", "genorisk"),
        "replaced": bool(result.get("replaced")),
    }


def pgx_section(sample, pgx, verdict):
    """(section status, {gene: block})."""
    if sample not in pgx:
        return status(NO_RESULT, absent_reason(verdict, "pharmacogenomics")), {}
    return status(REPORTED), {gene: pgx_gene(result) for gene, result in sorted(pgx[sample].items())}


# ---------------------------------------------------------------- carrier findings


def read_carrier(path):
    """{sample: [findings]} from carrier_findings.json."""
    data = read_json(path, "carrier findings")
    if not isinstance(data, dict):
        raise InputError(f"{path}: expected an object keyed by sample ID")
    return data


def carrier_finding(finding):
    """A panel finding with the report's stable names (variant = HGVS, clinvar_id)."""
    clinvar = finding.get("clinvar_variation_id")
    return {
        "kind": finding["kind"],
        "gene": finding["gene"],
        "strand": finding["strand"],
        "variant": finding["hgvs"],
        "rsid": None if finding.get("rsid") in (None, ".") else finding["rsid"],
        "clinvar_id": None if clinvar in (None, "NA") else str(clinvar),
        "chrom": finding["chrom"],
        "pos": int(finding["pos"]),
        "ref": finding["ref"],
        "alt": finding["alt"],
        "genotype": finding.get("genotype"),
        "coding_genotype": finding.get("coding_genotype"),
        "genomic_genotype": finding.get("genomic_genotype"),
        "status": finding["status"],
        "zygosity": finding.get("zygosity"),
        "interpretation": finding.get("interpretation"),
        "depth": finding.get("depth"),
        "reason": finding.get("reason"),
        "condition": finding.get("condition"),
        "clinical_significance": finding.get("clinical_significance"),
        "review_status": finding.get("review_status"),
        "inheritance": finding.get("inheritance"),
    }


def _kind_status(findings, verdict, what):
    """The section status of one kind's findings: not_requested (all of them, by consent), no_result (the sample was
    absent from the genotypes) or reported."""
    if findings and all(f["status"] == NOT_REQUESTED for f in findings):
        return status(NOT_REQUESTED, findings[0]["reason"])
    if findings and all((f["reason"] or "").startswith(ABSENT_FROM_GENOTYPES) for f in findings):
        return status(NO_RESULT, absent_reason(verdict, what))
    return status(REPORTED)


def carrier_section(sample, carrier, verdict):
    """{"carrier", "risk_factors", "apoe": section status} and {"carrier": [findings], "risk_factors": [findings],
    "apoe": block or None}: the panel's findings by kind. A section without a finding of its kind in the panel is
    not run; a section not reported carries no findings (an empty list, or None for APOE)."""
    absent = status(NO_RESULT, absent_reason(verdict, "carrier screening"))
    if sample not in carrier:
        return {"carrier": absent, "risk_factors": absent, "apoe": absent}, {"carrier": [], "risk_factors": [],
                                                                            "apoe": None}  # fmt: skip
    findings = carrier[sample]
    by_kind = {kind: [carrier_finding(f) for f in findings if f.get("kind") == kind]
               for kind in ("carrier", "risk_factor", "apoe")}  # fmt: skip
    statuses = {
        "carrier": _kind_status(by_kind["carrier"], verdict, "carrier screening"),
        "risk_factors": _kind_status(by_kind["risk_factor"], verdict, "carrier screening"),
        "apoe": _kind_status(by_kind["apoe"], verdict, "carrier screening"),
    }
    for name, kind in (("carrier", "carrier"), ("risk_factors", "risk_factor"), ("apoe", "apoe")):
        if not by_kind[kind]:
            statuses[name] = status(NOT_RUN, f"the carrier panel has no {kind.replace('_', '-')} variant")
    apoe = next((f for f in findings if f.get("kind") == "apoe_genotype"), None)
    blocks = {
        "carrier": by_kind["carrier"] if statuses["carrier"]["status"] == REPORTED else [],
        "risk_factors": by_kind["risk_factor"] if statuses["risk_factors"]["status"] == REPORTED else [],
        "apoe": None,
    }
    if statuses["apoe"]["status"] == REPORTED and apoe is not None:
        blocks["apoe"] = {"genotype": apoe.get("genotype"), "status": apoe["status"], "note": apoe.get("note"),
                          "sites": by_kind["apoe"]}  # fmt: skip
    return statuses, blocks


# ---------------------------------------------------------------- polygenic scores

PRS_COLUMNS = ("sample_id", "pgs_id", "sum", "denom", "avg", "n_matched", "n_ambiguous", "n_multiallelic",
               "n_unmatched", "percentile", "z", "reference", "reference_population", "z_norm1", "z_norm2",
               "comparison", "imputation", "status")  # fmt: skip
PRS_PANEL = "reference_panel"  # scores.tsv `reference` when pgs.reference_panel is used


def read_reference_sums(path):
    """{pgs_id: {population: [SUM of each reference sample]}} of reference_scores.tsv (pgs.reference_panel)."""
    sums = {}
    for row in read_tsv(path, ("population", "pgs_id", "sum")):
        value = _numbers(path, row, ("sum",))["sum"]
        if value is not None:
            sums.setdefault(row["pgs_id"], {}).setdefault(row["population"], []).append(value)
    return sums


def read_prs(tsv_path, json_path, reference_path=None):
    """{"meta": scores.json, "scores": {pgs_id: metadata}, "rows": {sample: {pgs_id: row}}, "sums": {pgs_id: []},
    "reference_sums": {pgs_id: {population: []}} (empty without a reference panel)}."""
    meta = read_json(json_path, "polygenic score")
    rows = read_tsv(tsv_path, PRS_COLUMNS)
    scores = {entry["pgs_id"]: entry for entry in meta.get("scores", [])}
    per_sample, sums = {}, {pgs_id: [] for pgs_id in scores}
    for row in rows:
        if row["pgs_id"] not in scores:
            raise InputError(f"{tsv_path}: score {row['pgs_id']!r} is not described in {Path(json_path).name}")
        values = _numbers(tsv_path, row, ("sum", "denom", "avg", "percentile", "z", "z_norm1", "z_norm2"))
        parsed = {**row, **values}
        per_sample.setdefault(row["sample_id"], {})[row["pgs_id"]] = parsed
        if row["status"] == "ok" and values["sum"] is not None:
            sums[row["pgs_id"]].append(values["sum"])
    reference_sums = read_reference_sums(reference_path) if reference_path else {}
    return {"meta": meta, "scores": scores, "rows": per_sample, "sums": sums, "reference_sums": reference_sums}


def histogram(values):
    """{"bin_edges", "counts", "n", "mean", "sd", "min", "max"} of a score's reference sums (n,) float.

    About sqrt(n) bins (HISTOGRAM_BINS bounds); all-equal values get one unit-wide span around them.
    """
    values = np.asarray(values, dtype=float)
    n_bins = int(np.clip(math.ceil(math.sqrt(max(values.size, 1))), *HISTOGRAM_BINS))
    low, high = float(values.min()), float(values.max())
    if high - low < 1e-12 * max(1.0, abs(low)):
        low, high = low - 0.5, high + 0.5
    counts, edges = np.histogram(values, bins=n_bins, range=(low, high))
    return {
        "bin_edges": [sig(e) for e in edges],
        "counts": [int(c) for c in counts],
        "n": int(values.size),
        "mean": sig(float(values.mean())),
        "sd": sig(float(values.std())),
        "min": sig(float(values.min())),
        "max": sig(float(values.max())),
    }


def prs_reference(row, sums, run, reference_sums):
    """(the report's `reference` object, the sums the sample is drawn against or None): the batch's, or its
    population's in the reference panel (None when not comparable)."""
    if row["reference"] != PRS_PANEL:
        reference_n = (run.get("reference") or {}).get("n_samples", len(sums))
        return {"name": row["reference"], "n_samples": int(reference_n)}, sums
    panel = run.get("reference") or {}
    population = row["reference_population"]
    members = reference_sums.get(population, []) if row["comparison"] == "ok" else []
    size = (panel.get("populations") or {}).get(population)
    described = {"name": row["reference"], "n_samples": int(panel.get("n_samples", 0)), "population_size": size,
                 "panel": panel.get("vcf")}  # fmt: skip
    return described, members or None


def prs_score(pgs_id, row, meta, sums, run, reference_sums=None):
    """One score of one sample: the stable keys, the score's description, and its reference distribution."""
    refused = row["status"] != "ok"
    trait = meta.get("trait_reported") or meta.get("trait_mapped")
    reference, drawn = prs_reference(row, sums, run, reference_sums or {})
    panel = row["reference"] == PRS_PANEL
    return {
        "pgs_id": pgs_id,
        "pgs_name": meta.get("pgs_name"),
        "trait": trait,
        "citation": meta.get("citation"),
        "status": "refused" if refused else "ok",
        "reason": row["status"] if refused else None,
        "sum": None if refused else sig(row["sum"], 8),
        "denom": None if refused or row["denom"] is None else int(row["denom"]),
        "avg": None if refused else sig(row["avg"], 8),
        "n_matched": int(row["n_matched"]),
        "n_ambiguous": int(row["n_ambiguous"]),
        "n_multiallelic": int(row["n_multiallelic"]),
        "n_unmatched": int(row["n_unmatched"]),
        "n_variants": meta.get("n_variants"),
        "match_fraction": meta.get("match_fraction"),
        "percentile": None if refused else sig(row["percentile"]),
        "z": None if refused else sig(row["z"]),
        "reference": reference,
        "reference_population": row["reference_population"] if panel else None,
        "z_norm1": None if refused else sig(row["z_norm1"]),
        "z_norm2": None if refused else sig(row["z_norm2"]),
        "comparison": row["comparison"],
        "imputation": row["imputation"],
        "genome_build": meta.get("HmPOS_build") or meta.get("genome_build"),
        "distribution": None if refused or not drawn else histogram(drawn),
    }


def prs_section(sample, prs, verdict):
    """(section status, [scores in scores.json order])."""
    rows = prs["rows"].get(sample)
    if not rows:
        return status(NO_RESULT, absent_reason(verdict, "polygenic scores")), []
    if all(row["status"] == NOT_REQUESTED for row in rows.values()):
        return status(NOT_REQUESTED, not_requested_reason("prs")), []
    scores = [
        prs_score(pgs_id, rows[pgs_id], meta, prs["sums"][pgs_id], prs["meta"], prs["reference_sums"].get(pgs_id))
        for pgs_id, meta in prs["scores"].items()
        if pgs_id in rows
    ]
    return status(REPORTED), scores


# ---------------------------------------------------------------- ancestry

ANCESTRY_COLUMNS = ("sample_id", "PC1", "PC2", "PC3", "PC4", "ancestry", "probability", "panel_sites", "status")


def read_ancestry(path):
    """{sample: row} from ancestry.tsv, PCs and probability as floats (None for NA)."""
    table = {}
    for row in read_tsv(path, ANCESTRY_COLUMNS):
        values = _numbers(path, row, ("PC1", "PC2", "PC3", "PC4", "probability"))
        table[row["sample_id"]] = {**row, **values, "panel_sites": int(row["panel_sites"])}
    return table


def read_panel_points(path):
    """[(label, PC1, PC2)] of the reference panel's own samples (a TSV with columns label, PC1, PC2), if given."""
    return [(row["label"], number(row["PC1"]), number(row["PC2"])) for row in read_tsv(path, ("label", "PC1", "PC2"))]


def panel_groups(points):
    """Per panel label: n, mean (PC1, PC2) and 2x2 covariance, sorted by label (the figure draws 95% ellipses)."""
    groups = []
    for label in sorted({p[0] for p in points}):
        xy = np.array([(x, y) for lab, x, y in points if lab == label and x is not None and y is not None])
        if len(xy) < 3:
            continue
        cov = np.cov(xy.T)
        groups.append({"label": label, "n": int(len(xy)), "mean": [sig(v) for v in xy.mean(axis=0)],
                       "cov": [[sig(cov[0, 0]), sig(cov[0, 1])], [sig(cov[1, 0]), sig(cov[1, 1])]]})  # fmt: skip
    return groups


def batch_points(table, sample):
    """(other samples' [PC1, PC2] sorted, at most MAX_BATCH_POINTS evenly spread; total number with PCs)."""
    points = sorted(
        (sig(row["PC1"], 4), sig(row["PC2"], 4))
        for other, row in table.items()
        if other != sample and row["PC1"] is not None and row["PC2"] is not None
    )
    total = len(points)
    if total > MAX_BATCH_POINTS:
        keep = np.unique(np.linspace(0, total - 1, MAX_BATCH_POINTS).round().astype(int))
        points = [points[i] for i in keep]
    return [list(p) for p in points], total


def ancestry_section(sample, table, verdict, groups=None):
    """(section status, block or None). A batch without a panel (status no_panel) is 'not run'."""
    row = table.get(sample)
    if row is None:
        return status(NO_RESULT, absent_reason(verdict, "ancestry")), None
    if row["status"] == "no_panel":
        return status(NOT_RUN, "ancestry needs a labelled reference panel (structure.panel is not set)"), None
    points, total = batch_points(table, sample)
    block = {
        "status": row["status"],
        "ancestry": row["ancestry"],
        "probability": sig(row["probability"], 4),
        "panel_sites": row["panel_sites"],
        "pcs": [sig(row[f"PC{i}"]) for i in range(1, 5)],
        "batch_points": points,
        "n_batch_with_pcs": total,
        "panel_groups": groups or [],
    }
    return status(REPORTED), block


# ---------------------------------------------------------------- identity: sex and relatives


def read_popgen_samples(path):
    return {row["sample_id"]: row for row in read_tsv(path, ("sample_id", "inferred_sex", "sheet_sex", "sex_agrees"))}


RELATEDNESS_COLUMNS = ("sample_a", "sample_b", "kinship", "relationship", "pedigree_agrees", "n_sites",
                       "expected_relationship")  # fmt: skip


def read_relatedness(path, samples=None):
    """{sample: [row dict]} of a table of relatedness.tsv's columns (relatives.tsv, or relatedness.tsv itself), a row
    under both of its samples; with `samples`, only theirs.

    Streamed, and a row is made a dict only when it involves one of `samples` (a report job's), so memory follows
    the job, not the cohort."""
    wanted = None if samples is None else set(samples)
    pairs = {}
    with open(path, newline="") as fh:
        header = fh.readline().rstrip("\r\n").split("\t")
        missing = [c for c in RELATEDNESS_COLUMNS if c not in header]
        if missing:
            raise InputError(f"{path}: column {missing[0]!r} is missing from the header")
        a_at, b_at = header.index("sample_a"), header.index("sample_b")
        ahead = max(a_at, b_at) + 1  # the sample columns are split off first; a row is split whole only when kept
        for line in fh:
            first = line.split("\t", ahead)
            a, b = first[a_at].rstrip("\r\n"), first[b_at].rstrip("\r\n")
            if wanted is not None and a not in wanted and b not in wanted:
                continue
            fields = line.rstrip("\r\n").split("\t")
            row = dict(zip(header, fields))  # as csv.DictReader: None-free because every line has the header's fields
            for sample in (a, b) if a != b else (a,):
                if wanted is None or sample in wanted:
                    pairs.setdefault(sample, []).append(row)
    return pairs


PAIR_COUNT_COLUMNS = ("sample_id", "n_pairs", "n_pairs_too_few_sites")


def read_relatives(relatives_path, pair_counts_path, samples=None):
    """{sample: {"relatives": [row dict], "n_pairs": int, "n_pairs_too_few_sites": int}} for the cohort samples (with
    `samples`, those of them) from the relatedness stage's two small tables (scripts/structure/kinship.py):
    relatives.tsv, the rows of relatedness.tsv worth a reader's attention, and relatedness_samples.tsv, each cohort
    sample's pair counts. A report job reads these instead of the pairs of the whole cohort."""
    rows = read_relatedness(relatives_path, samples)
    wanted = None if samples is None else set(samples)
    found = {}
    for row in read_tsv(pair_counts_path, PAIR_COUNT_COLUMNS):
        sample = row["sample_id"]
        if wanted is None or sample in wanted:
            counts = {key: int(row[key]) for key in PAIR_COUNT_COLUMNS[1:]}
            found[sample] = {"relatives": rows.get(sample, []), **counts}
    return found


def _yes_no(text):
    return {"yes": True, "no": False}.get((text or "").strip().lower())


def _blank(text):
    text = (text or "").strip()
    return None if text in ("", "NA", "unknown") else text


def sex_block(row):
    return {
        "inferred": row["inferred_sex"],
        "sheet": _blank(row.get("sheet_sex")),
        "agrees": _yes_no(row.get("sex_agrees")),
        "chrx_f": sig(number(row.get("chrx_f")), 4),
        "chry_alt_calls": None if number(row.get("chry_alt_calls")) is None else int(float(row["chry_alt_calls"])),
    }


def relative(row, sample):
    other = row["sample_b"] if row["sample_a"] == sample else row["sample_a"]
    return {
        "sample": other,
        "kinship": sig(number(row["kinship"]), 4),
        "relationship": row["relationship"],
        "expected_relationship": _blank(row["expected_relationship"]),
        "pedigree_agrees": _yes_no(row["pedigree_agrees"]),
        "n_sites": int(row["n_sites"]),
    }


def identity_section(sample, popgen, relatedness, verdict):
    """(section status, {"sex", "relatives", "n_pairs", "n_pairs_too_few_sites"} or None).

    relatedness: this sample's entry of read_relatives, or None (the stage did not run, or the sample is not in the
    cohort). relatives: its pairs that are related (a KING degree), expected related by the sheet's pedigree, or that
    disagree with it (the relatedness stage chose them: relatives.tsv); the other pairs are only counted.
    """
    if popgen is not None and sample not in popgen and relatedness is None:
        return status(NO_RESULT, absent_reason(verdict, "the identity checks")), None
    relatedness = relatedness or {"relatives": [], "n_pairs": 0, "n_pairs_too_few_sites": 0}
    block = {
        "sex": sex_block(popgen[sample]) if popgen and sample in popgen else None,
        "relatives": sorted((relative(r, sample) for r in relatedness["relatives"]), key=lambda r: r["sample"]),
        "n_pairs": relatedness["n_pairs"],
        "n_pairs_too_few_sites": relatedness["n_pairs_too_few_sites"],
    }
    return status(REPORTED), block


# ---------------------------------------------------------------- QC at the panel positions


def read_sites(vcf_path, samples):
    """{sample: [site]} of the sites VCF for the `samples` it has; site = {chrom, pos, id, ref, alt, genotype, depth}.

    genotype: '0/1' style text, './.' for a missing call (any missing allele); depth: FORMAT/DP or None.
    """
    import allel  # imported here: reading the sites VCF is the only use, and the module stays light for the workflow

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="invalid INFO header")
        header = list(allel.read_vcf_headers(str(vcf_path)).samples)
        wanted = [s for s in samples if s in header]
        if not wanted:
            return {}
        fields = ["samples", "variants/CHROM", "variants/POS", "variants/ID", "variants/REF", "variants/ALT",
                  "calldata/GT", "calldata/DP"]  # fmt: skip
        data = allel.read_vcf(str(vcf_path), fields=fields, samples=wanted, alt_number=1) or {}
    if "variants/POS" not in data:
        return {s: [] for s in wanted}
    order = [list(data["samples"]).index(s) for s in wanted]
    gt = data["calldata/GT"]
    depth = data.get("calldata/DP")
    sites = {}
    for k, sample in zip(order, wanted, strict=True):
        rows = []
        for i in range(len(data["variants/POS"])):
            alleles = gt[i, k]
            called = bool((alleles >= 0).all())
            dp = None if depth is None or depth[i, k] < 0 else int(depth[i, k])
            rows.append({
                "chrom": str(data["variants/CHROM"][i]), "pos": int(data["variants/POS"][i]),
                "id": None if data["variants/ID"][i] in ("", ".") else str(data["variants/ID"][i]),
                "ref": str(data["variants/REF"][i]), "alt": str(data["variants/ALT"][i]),
                "genotype": "/".join(str(a) for a in alleles) if called else "./.", "called": called, "depth": dp,
            })  # fmt: skip
        sites[sample] = rows
    return sites


def _no_call_reason(depth, min_depth):
    if depth is None:
        return "genotype missing"
    if depth == 0:
        return "no reads at the position"
    if min_depth is not None and depth < min_depth:
        return f"depth {depth} below {min_depth}"
    return "genotype missing (the reads do not support the listed alleles)"


def panel_positions(pgx_genes, carrier_findings):
    """{(chrom, pos): {"panels": [...], "rsid"}} of the PGx defining positions and carrier variants of a sample."""
    positions = {}
    for gene, block in (pgx_genes or {}).items():
        for call in block["calls"]:
            entry = positions.setdefault((contig_key(call["chrom"]), call["pos"]), {"panels": [], "rsid": None})
            entry["panels"].append(f"PGx {gene}")
            entry["rsid"] = entry["rsid"] or call["rsid"]
    for finding in carrier_findings or []:
        entry = positions.setdefault((contig_key(finding["chrom"]), finding["pos"]), {"panels": [], "rsid": None})
        entry["panels"].append(f"carrier {finding['gene']}")
        entry["rsid"] = entry["rsid"] or finding["rsid"]
    for entry in positions.values():
        entry["panels"] = sorted(set(entry["panels"]))
    return positions


def _panel_rows(pgx_genes, carrier_findings):
    """Call rate per panel: [{"panel", "n_positions", "n_called"}]."""
    rows = []
    if pgx_genes:
        calls = [c for block in pgx_genes.values() for c in block["calls"]]
        rows.append({"panel": f"Pharmacogenes ({len(pgx_genes)} genes)", "n_positions": len(calls),
                     "n_called": sum(genotyped(c) for c in calls)})  # fmt: skip
    if carrier_findings:
        rows.append({"panel": "Carrier panel", "n_positions": len(carrier_findings),
                     "n_called": sum(genotyped(f) for f in carrier_findings)})  # fmt: skip
    return rows


def withheld_positions(findings):
    """{(contig key, pos)} of a sample's carrier-panel findings that are not_requested (consent): the panel QC and the
    deliverables leave these positions out, so a section the participant declined leaves no trace."""
    withheld = [f for f in findings or [] if f.get("status") == NOT_REQUESTED and "chrom" in f]
    return {(contig_key(f["chrom"]), int(f["pos"])) for f in withheld}


def panel_qc_section(sample, sites, pgx_genes, carrier_findings, min_depth, verdict, withheld=frozenset()):
    """(section status, block or None): depth and call rate at the panel positions, and every no-call position.

    `sites`: {sample: [site]} from read_sites or None (no sites VCF). No-calls come from the sites VCF and from the
    PGx / carrier results (a position can be missing from the VCF altogether), merged by chromosome and position.
    `withheld`: positions left out altogether (withheld_positions).
    """
    own_sites = None if sites is None else sites.get(sample)
    if own_sites is not None and withheld:
        own_sites = [site for site in own_sites if (contig_key(site["chrom"]), site["pos"]) not in withheld]
    if own_sites is None and not pgx_genes and not carrier_findings:
        return status(NO_RESULT, absent_reason(verdict, "the panel positions")), None
    positions = panel_positions(pgx_genes, carrier_findings)
    no_calls = {}
    for site in own_sites or []:
        if not site["called"]:
            key = (contig_key(site["chrom"]), site["pos"])
            known = positions.get(key, {})
            no_calls[key] = {
                "chrom": site["chrom"], "pos": site["pos"], "rsid": site["id"] or known.get("rsid"),
                "panels": known.get("panels", []), "depth": site["depth"],
                "reason": _no_call_reason(site["depth"], min_depth),
            }  # fmt: skip
    depth_of = {(contig_key(s["chrom"]), s["pos"]): s["depth"] for s in own_sites or []}
    for _gene, block in sorted((pgx_genes or {}).items()):
        for call in block["calls"]:
            key = (contig_key(call["chrom"]), call["pos"])
            if call["status"] == "no_call" and key not in no_calls:
                depth = depth_of.get(key)
                reason = "position not in the genotype file" if key not in depth_of else _no_call_reason(depth, None)
                no_calls[key] = {"chrom": call["chrom"], "pos": call["pos"], "rsid": call["rsid"],
                                 "panels": positions[key]["panels"], "depth": depth, "reason": reason}  # fmt: skip
    for finding in carrier_findings or []:
        key = (contig_key(finding["chrom"]), finding["pos"])
        if finding["status"] == "no_call" and key not in no_calls:
            no_calls[key] = {"chrom": finding["chrom"], "pos": finding["pos"], "rsid": finding["rsid"],
                             "panels": positions[key]["panels"], "depth": finding["depth"],
                             "reason": finding["reason"] or "genotype missing"}  # fmt: skip
    depths = [s["depth"] for s in own_sites or [] if s["depth"] is not None]
    n_called = sum(s["called"] for s in own_sites or [])
    block = {
        "min_depth": min_depth,
        "sites": None
        if own_sites is None
        else {
            "n_positions": len(own_sites),
            "n_called": n_called,
            "call_rate": float(rounded(n_called / len(own_sites), 4)) if own_sites else None,
            "depth_median": float(np.median(depths)) if depths else None,
            "depth_min": min(depths) if depths else None,
            "n_below_min_depth": sum(d < min_depth for d in depths) if min_depth is not None else None,
        },
        "panels": _panel_rows(pgx_genes, carrier_findings),
        "no_calls": [no_calls[k] for k in sorted(no_calls, key=_position_order)],
    }
    return status(REPORTED), block


def _position_order(key):
    chrom, pos = key
    return (0, int(chrom), pos) if chrom.isdigit() else (1, chrom, pos)


# ---------------------------------------------------------------- provenance


def read_provenance(path):
    data = read_json(path, "provenance")
    for key in ("workflow", "config", "inputs"):
        if key not in data:
            raise InputError(f"{path}: the provenance record has no {key!r}")
    return data


def canonical_sha256(value):
    """sha256 of a JSON value written with sorted keys and no spaces: the same config gives the same hash."""
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def panel_hashes(panel_files):
    """[{"role", "name", "sha256"}] of (role, path) pairs, in the order given; names without folders."""
    return [{"role": role, "name": Path(path).name, "sha256": sha256_file(path)} for role, path in panel_files]


def _input_entry(entry):
    name = Path(entry["path"]).name
    role = entry["role"] if entry["role"] != "config_value" else f"config value {entry.get('key', '')}".strip()
    return {"role": role, "name": name, "sha256": entry["sha256"], "bytes": entry.get("bytes")}


def provenance_section(sample, provenance, panels, build, record_sha256=None):
    """(section status, block): versions, config hash, the inputs this sample's results depend on, panels, tools.

    Inputs: every batch-level file (config, sheet, reference, regions, config-named files such as scoring files)
    and this sample's own files; other samples' files are left out.
    """
    if provenance is None:
        return status(NOT_RUN, "the provenance record was not made"), None
    workflow = provenance.get("workflow") or {}
    inputs = [e for e in provenance["inputs"] if e.get("sample_id") in (None, sample)]
    reference = next((e for e in provenance["inputs"] if e["role"] == "reference"), None)
    block = {
        "workflow_version": str(workflow.get("version", "unknown")),
        "git_commit": str(workflow.get("git_commit") or workflow.get("commit") or "unknown"),
        "git_dirty": workflow.get("git_dirty"),
        "config_sha256": canonical_sha256(provenance["config"]),
        "record_sha256": record_sha256,
        "build": build,
        "reference_sha256": reference["sha256"] if reference else None,
        "inputs": [_input_entry(e) for e in inputs],
        "panels": panels or [],
        "tools": {str(k): str(v) for k, v in sorted((provenance.get("tools") or {}).items())},
        "python_packages": {str(k): str(v) for k, v in sorted((provenance.get("python_packages") or {}).items())},
        "platform": {str(k): str(v) for k, v in sorted((provenance.get("platform") or {}).items())},
    }
    return status(REPORTED), block
