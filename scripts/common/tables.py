"""Reading the workflow's own small tab-separated tables (one header line), checked for the columns a reader needs."""

import csv

from common.input_error import InputError


def read_tsv(path, required=()):
    """(header, rows as dicts) of a TSV; InputError naming the file and the first `required` column it lacks."""
    with open(path, newline="") as handle:
        reader = csv.DictReader(handle, delimiter="\t")
        header = list(reader.fieldnames or [])
        missing = [column for column in required if column not in header]
        if missing:
            raise InputError(f"{path}: column {missing[0]!r} is missing from the header")
        return header, list(reader)
