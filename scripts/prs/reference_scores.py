"""Polygenic scores read against a labelled reference panel (config pgs.reference_panel; issue 17, item 3).

The panel is a VCF of the reference's build and a TSV with columns `sample` and `population`. Its samples are
scored with the same matched variants as the batch (pgs_scoring.score_cohort, `reference`); their principal
components are the ancestry panel's own coordinates (results/af/ancestry_panel.tsv, by sample ID), so a reference
sample must be a sample of the ancestry panel (e.g. 1000 Genomes IDs for the shipped peddy panel): the others are
left out and counted. Each batch sample is then compared with the reference samples of its ancestry (the ancestry
step's label, results/af/ancestry.tsv): percentile and z within that population, and pgsc_calc's Z_norm1 and Z_norm2
fitted on the whole reference (prs/reference_adjust.py). A sample whose ancestry is unknown, or whose population has
fewer than `min_samples` reference samples, is "not comparable": its raw score only.
"""

from dataclasses import dataclass

import numpy as np

from common.input_error import InputError
from common.tables import read_tsv
from prs.pgs_matching import vcf_samples
from prs.pgs_scoring import z_scores
from prs.reference_adjust import N_PCS, population_percentiles, z_norm1, z_norm2

PC_COLUMNS = [f"PC{i + 1}" for i in range(N_PCS)]
UNKNOWN = ("", "unknown", "NA")


@dataclass
class ReferencePanel:
    """The reference samples that are scored: VCF order, each with its population and ancestry-panel PCs."""

    vcf: str
    samples: list
    populations: list
    pcs: np.ndarray  # (n_samples, N_PCS)
    left_out: dict  # why -> number of the VCF's samples left out
    labels_name: str = ""  # the labels file's name (no folder), for scores.json


def read_labels(path):
    """{sample: population} of a reference labels TSV (columns `sample`, `population`); InputError naming the file
    and line for an empty field or a sample given twice."""
    _, rows = read_tsv(path, ("sample", "population"))
    labels = {}
    for line, row in enumerate(rows, start=2):
        sample, population = (row["sample"] or "").strip(), (row["population"] or "").strip()
        if not sample or not population:
            raise InputError(f"{path}: line {line}: empty sample or population")
        if sample in labels:
            raise InputError(f"{path}: line {line}: sample {sample!r} is listed twice")
        labels[sample] = population
    return labels


def _pcs(path, row, line):
    try:
        values = [float(row[c]) for c in PC_COLUMNS]
    except ValueError as error:
        raise InputError(f"{path}: line {line}: a PC is not a number ({error})") from None
    return np.array(values)


def read_panel_pcs(path):
    """{sample_id: PCs} of the ancestry panel's own samples (results/af/ancestry_panel.tsv)."""
    _, rows = read_tsv(path, ("sample_id", *PC_COLUMNS))
    return {row["sample_id"]: _pcs(path, row, line) for line, row in enumerate(rows, start=2)}


def read_sample_ancestry(path):
    """{sample_id: (population or None, PCs or None)} of the batch (results/af/ancestry.tsv)."""
    _, rows = read_tsv(path, ("sample_id", "ancestry", *PC_COLUMNS))
    table = {}
    for line, row in enumerate(rows, start=2):
        population = None if row["ancestry"] in UNKNOWN else row["ancestry"]
        pcs = None if any(row[c] in UNKNOWN for c in PC_COLUMNS) else _pcs(path, row, line)
        table[row["sample_id"]] = (population if pcs is not None else None, pcs)
    return table


def load_reference(vcf_path, labels_path, panel_pcs_path):
    """The ReferencePanel: the VCF's samples that have a label and ancestry-panel PCs. InputError when none has."""
    labels = read_labels(labels_path)
    panel_pcs = read_panel_pcs(panel_pcs_path)
    samples, left_out = [], {"no label": 0, "not in the ancestry panel": 0}
    for sample in vcf_samples(vcf_path):
        if sample not in labels:
            left_out["no label"] += 1
        elif sample not in panel_pcs:
            left_out["not in the ancestry panel"] += 1
        else:
            samples.append(sample)
    if not samples:
        raise InputError(
            f"{vcf_path}: none of its samples is both labelled in {labels_path} and a sample of the ancestry panel "
            "(the reference's principal components are the ancestry panel's own): check the sample IDs"
        )
    pcs = np.array([panel_pcs[s] for s in samples]).reshape(len(samples), N_PCS)
    return ReferencePanel(str(vcf_path), samples, [labels[s] for s in samples], pcs, left_out)


def _adjusted(function, ref_pcs, ref_sums, pcs, sums):
    try:
        with np.errstate(all="ignore"):  # a fit that diverges ends in ValueError or NaN, reported NA
            return function(ref_pcs, ref_sums, pcs, sums)
    except (ValueError, np.linalg.LinAlgError):
        return np.full(len(sums), np.nan)  # undefined (e.g. a score constant over the reference): reported NA


def _number(value):
    return None if value is None or not np.isfinite(value) else float(value)


def compare_with_reference(sums, samples, ancestry, reference, reference_sums, min_samples):
    """Per batch sample (order of `samples`): {reference_population, percentile, z, z_norm1, z_norm2, comparison}.

    sums: the batch samples' SUMs (n,); ancestry: read_sample_ancestry's table; reference: a ReferencePanel with its
    SUMs `reference_sums` (m,) of this score. Numbers are None when not comparable ("comparison" says why)."""
    ref_sums = np.asarray(reference_sums, dtype=np.float64)
    sums = np.asarray(sums, dtype=np.float64)
    populations = [ancestry.get(sample, (None, None))[0] for sample in samples]
    ranked = population_percentiles(ref_sums, reference.populations, populations, sums, min_samples)
    labels = np.asarray(reference.populations)
    rows = []
    for value, population, (percentile, why) in zip(sums, populations, ranked, strict=True):
        z = None if why else z_scores(np.array([value]), ref_sums[labels == population])[0]
        rows.append({"reference_population": population or "unknown", "percentile": percentile, "z": _number(z),
                     "z_norm1": None, "z_norm2": None, "comparison": why or "ok"})  # fmt: skip
    comparable = [i for i, row in enumerate(rows) if row["comparison"] == "ok"]
    if comparable:
        pcs = np.array([ancestry[samples[i]][1] for i in comparable])
        norm1 = _adjusted(z_norm1, reference.pcs, ref_sums, pcs, sums[comparable])
        norm2 = _adjusted(z_norm2, reference.pcs, ref_sums, pcs, sums[comparable])
        for i, a, b in zip(comparable, norm1, norm2, strict=True):
            rows[i]["z_norm1"], rows[i]["z_norm2"] = _number(a), _number(b)
    return rows


def population_sizes(reference):
    """{population: number of reference samples}, sorted by population."""
    names, counts = np.unique(np.asarray(reference.populations), return_counts=True)
    return {str(n): int(c) for n, c in zip(names, counts, strict=True)}
