"""Snakemake wildcard constraints over the sample sheet's IDs, sized so that planning grows linearly with the batch.

Snakemake copies a wildcard's constraint into every output, log and benchmark path of a rule (`{sample,<regex>}`)
and scans that text again each time it fills in the wildcards of a job (snakemake.io.apply_wildcards, several times
per job). A constraint listing the batch's N IDs therefore costs every per-sample job time in proportion to N, and
planning grew with N squared: with `sample` the alternation of 10,000 IDs (70 KB), filling in one path took ~470 us
against ~1.4 us with a fixed pattern, while matching a path against the alternation took only ~4 us (measured
5 Dec 2026). A prefix-trie regex of the IDs matches in time proportional to an ID's length, but it is its text that
gets scanned, and that text stays proportional to N: 15 KB for the benchmark's IDs s00000..s09999, as long as the
list or longer for IDs without long shared prefixes. No maintained library builds constraints around this, hence
these few lines: a constraint whose size does not grow with the batch, or grows only with the smaller side of a split
of its rows.
"""

import re

# The characters of a sample ID: workflow/schemas/samples.schema.yaml's sample_id pattern (tests check they agree).
ID_CHARS = "A-Za-z0-9_.-"
ANY_ID = f"[{ID_CHARS}]+"
# Matches nothing: the constraint of a rule none of whose outputs is wanted in this batch.
NO_ID = "(?!)"


def id_pattern(ids):
    """A constraint matching exactly these IDs (and nothing when there are none).

    Its size grows with the number of IDs: for short lists (the callers), not for the batch's samples or VCF files.
    """
    return "|".join(re.escape(i) for i in ids) if ids else NO_ID


def split_pattern(members, others):
    """A constraint matching every ID of `members` and no ID of `others` (two disjoint sets of sheet IDs), listing
    only the smaller of the two: `members` themselves, or any ID except `others`.

    The exclusion is a negative lookbehind at the end of the wildcard (an ID is excluded when it is preceded by a
    character that cannot be part of an ID, or the path's start), so the wildcard must follow '/' or start the path,
    as every `{sample}` in the workflow's paths does. IDs in neither set (not in the sheet) may match; nothing asks
    for them.
    """
    members, others = list(members), list(others)
    if not members:
        return NO_ID
    if not others:
        return ANY_ID
    if len(members) <= len(others):
        return id_pattern(members)
    # A lookbehind must have a fixed width: one per ID length.
    by_length = {}
    for other in others:
        by_length.setdefault(len(other), []).append(re.escape(other))
    excluded = "".join(f"(?<!(?<![{ID_CHARS}])(?:{'|'.join(ids)}))" for _, ids in sorted(by_length.items()))
    return ANY_ID + excluded
