"""Soft filters on the cohort calls: records and genotypes are flagged, never dropped, GT never changed.

- Record level, the FILTER column: LowQual where QUAL < min_qual, by `bcftools filter -s LowQual -e 'QUAL<..' -m +`
  (bcftools writes the expression, so the threshold, into the LowQual header line; records passing get PASS).
- Genotype level, FORMAT/FT: LowDP where FORMAT/DP < min_dp, LowGQ where FORMAT/GQ < min_gq (';'-joined when
  both), PASS when the genotype passes every one, '.' when neither DP nor GQ has a value (nothing to judge: the VCF
  meaning of '.'). Each code has a ##FILTER header line stating its threshold.
  Depth and GQ are per-sample properties, so they are genotype filters: a site-level depth cut in a cohort would
  flag well-covered samples for a shallow one. A threshold of 0 turns its filter off.

bcftools 1.16 cannot write FT: `filter -s` sets FILTER only, `filter -S` and `+setGT` change GT, `+fill-tags` fills
numeric tags only. So FT is added by this module run as a pipe stage (VCF text in on stdin, out on stdout, see
`filter_commands`): plain streaming text keeps memory flat on large cohorts and needs no pysam in the calling env.
"""

import argparse
import sys

# Genotype filter codes, the FORMAT tag each reads, and the config key of its threshold.
GENOTYPE_FILTERS = (("LowDP", "DP", "min_dp"), ("LowGQ", "GQ", "min_gq"))
MISSING = {"", "."}


def site_filter_command(min_qual, output_type="v"):
    """`bcftools filter` setting FILTER LowQual where QUAL < min_qual (stdin to stdout); plain view when 0."""
    if not min_qual:
        return ["bcftools", "view", "--no-version", f"-O{output_type}"]
    expression = f"QUAL<{min_qual:g}"
    return ["bcftools", "filter", "--no-version", "-s", "LowQual", "-e", expression, "-m", "+", f"-O{output_type}"]


def genotype_filter_command(min_dp, min_gq):
    """This module as a pipe stage adding FORMAT/FT, or None when both genotype filters are off."""
    if not (min_dp or min_gq):
        return None
    return [sys.executable, __file__, "--min-dp", str(min_dp), "--min-gq", str(min_gq)]


def filter_commands(filters):
    """Pipe stages (uncompressed BCF in on stdin) that flag records and genotypes; the last writes uncompressed BCF."""
    ft_stage = genotype_filter_command(filters["min_dp"], filters["min_gq"])
    if ft_stage is None:
        return [site_filter_command(filters["min_qual"], "u")]
    return [site_filter_command(filters["min_qual"], "v"), ft_stage, ["bcftools", "view", "--no-version", "-Ou", "-"]]


def genotype_filter_header(thresholds):
    """Header lines for the FT codes in use, `thresholds` {code: (tag, minimum)}."""
    lines = [
        f'##FILTER=<ID={code},Description="Genotype filter (FORMAT/FT): FORMAT/{tag}<{minimum}">\n'
        for code, (tag, minimum) in thresholds.items()
    ]
    codes = ", ".join(thresholds)
    lines.append(
        '##FORMAT=<ID=FT,Number=1,Type=String,Description="Genotype filters: PASS, or the failed codes joined by '
        f"';' ({codes}; thresholds in their FILTER lines), '.' where none could be judged\">\n"
    )
    return lines


def genotype_ft(values, indexes, thresholds):
    """FT of one sample: `values` its FORMAT values (strings, trailing ones may be absent), `indexes` {code: index}."""
    failed, judged = [], False
    for code, (_, minimum) in thresholds.items():
        index = indexes.get(code)
        if index is None or index >= len(values) or values[index] in MISSING:
            continue
        judged = True
        if float(values[index]) < minimum:
            failed.append(code)
    return ";".join(failed) if failed else ("PASS" if judged else ".")


def add_ft(line, thresholds):
    """One VCF data line with FORMAT/FT set for every sample (an FT already there is replaced)."""
    fields = line.rstrip("\n").split("\t")
    if len(fields) <= 9:
        return line  # no samples: nothing to flag
    keys = fields[8].split(":")
    indexes = {code: keys.index(tag) for code, (tag, _) in thresholds.items() if tag in keys}
    if "FT" not in keys:
        keys.append("FT")
    ft_index = keys.index("FT")
    for i in range(9, len(fields)):
        values = fields[i].split(":")
        values += ["."] * (len(keys) - len(values))  # VCF lets trailing fields be dropped
        values[ft_index] = genotype_ft(values, indexes, thresholds)
        fields[i] = ":".join(values)
    fields[8] = ":".join(keys)
    return "\t".join(fields) + "\n"


def stream_genotype_filters(lines, write, min_dp, min_gq):
    """Copy VCF text `lines` to `write`, adding the FT header lines and FORMAT/FT. Returns the codes applied.

    A filter whose FORMAT tag the header does not define is left out; with none left the stream is copied as is.
    """
    wanted = {"min_dp": min_dp, "min_gq": min_gq}
    thresholds, defined = {}, set()
    for line in lines:
        if line.startswith("##FORMAT=<ID="):
            defined.add(line[len("##FORMAT=<ID=") :].split(",", 1)[0])
            if line.startswith("##FORMAT=<ID=FT,"):
                continue  # replaced by ours
        elif line.startswith("#CHROM"):
            thresholds = {
                code: (tag, wanted[key]) for code, tag, key in GENOTYPE_FILTERS if wanted[key] and tag in defined
            }
            for header_line in genotype_filter_header(thresholds) if thresholds else []:
                write(header_line)
        elif thresholds and not line.startswith("#"):
            line = add_ft(line, thresholds)
        write(line)
    return list(thresholds)


def _cli(argv):
    parser = argparse.ArgumentParser(description="Add FORMAT/FT genotype filters to a VCF stream (stdin -> stdout).")
    parser.add_argument("--min-dp", type=int, default=0)
    parser.add_argument("--min-gq", type=int, default=0)
    args = parser.parse_args(argv)
    applied = stream_genotype_filters(sys.stdin, sys.stdout.write, args.min_dp, args.min_gq)
    print(f"genotype filters applied: {', '.join(applied) or 'none'}", file=sys.stderr)


if __name__ == "__main__":
    _cli(sys.argv[1:])
