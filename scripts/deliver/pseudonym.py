"""Pseudonyms for delivered files: a keyed hash of the sample ID, so only the secret's holder can link them.

pseudonym = "GR-" + the first 12 base32 characters of HMAC-SHA256(secret, sample_id) (60 bits). Without the secret
the sample ID cannot be recovered nor tested by guessing (unlike a plain hash of a short ID). The secret lives outside
results/: a file the user names (config `deliver.secret_file`), else one generated once in the working directory at
`.genorisk/secret` with owner-only permission. A `pseudonym` column of the sample sheet overrides the computed one.
The mapping sample_id -> pseudonym is written only to results/restricted/pseudonyms.tsv (file 0600, folder 0700).
"""

import base64
import hashlib
import hmac
import os
import secrets
import stat
from pathlib import Path

from common.atomic import atomic_path
from common.input_error import InputError

PREFIX = "GR-"
LENGTH = 12  # base32 characters after the prefix: 60 bits, collisions negligible for any batch size
DEFAULT_SECRET = Path(".genorisk") / "secret"
MIN_SECRET_BYTES = 16


def pseudonym(sample_id, secret, length=LENGTH):
    """`PREFIX` + the first `length` base32 characters of HMAC-SHA256(secret, sample_id as UTF-8)."""
    digest = hmac.new(secret, sample_id.encode("utf-8"), hashlib.sha256).digest()
    return PREFIX + base64.b32encode(digest).decode("ascii")[:length]


def read_secret(path):
    """The secret's bytes (surrounding whitespace stripped); InputError if it is missing, unreadable or too short.

    The message names the file: the path of a secret is not itself secret.
    """
    path = Path(path)
    try:
        secret = path.read_bytes().strip()
    except OSError as error:
        raise InputError(f"deliver.secret_file {path}: cannot be read ({error.strerror})") from None
    if len(secret) < MIN_SECRET_BYTES:
        raise InputError(
            f"deliver.secret_file {path}: the secret has {len(secret)} bytes, at least {MIN_SECRET_BYTES} are needed"
            " (e.g. `python -c 'import secrets; print(secrets.token_hex(32))' > FILE`)"
        )
    return secret


def readable_by_others(path):
    """True when group or other users may read the file (a secret should be owner-only)."""
    return bool(Path(path).stat().st_mode & (stat.S_IRGRP | stat.S_IROTH))


def ensure_default_secret(path=DEFAULT_SECRET):
    """Create the default secret once (64 hex characters, file 0600 in a 0700 folder); return its bytes.

    O_EXCL makes creation race-free: an existing secret is never replaced, so pseudonyms stay stable.
    """
    path = Path(path)
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(path.parent, 0o700)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return read_secret(path)
    with os.fdopen(fd, "w") as fh:
        fh.write(secrets.token_hex(32) + "\n")
    return read_secret(path)


def assign_pseudonyms(sample_ids, secret, overrides=None):
    """{sample_id: pseudonym} in the given order; `overrides` ({sample_id: pseudonym}) win over the keyed hash.

    Raises InputError when two samples would share a pseudonym or a pseudonym equals a sample ID of the batch.
    """
    overrides = overrides or {}
    mapping = {s: overrides.get(s) or pseudonym(s, secret) for s in sample_ids}
    owners = {}
    for sample, name in mapping.items():
        if name in owners:
            raise InputError(
                f"sample sheet: rows of samples {owners[name]!r} and {sample!r} get the same pseudonym {name!r}"
                " (check the pseudonym column)"
            )
        owners[name] = sample
    clashing = sorted(set(mapping.values()) & set(sample_ids))
    if clashing:
        raise InputError(f"sample sheet: pseudonym {clashing[0]!r} is also a sample ID of the batch")
    return mapping


def write_mapping(path, mapping):
    """Write `sample_id<TAB>pseudonym` lines (with a header) to `path`: file 0600, its folder 0700."""
    path = Path(path)
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(path.parent, 0o700)
    lines = ["sample_id\tpseudonym"] + [f"{sample}\t{name}" for sample, name in mapping.items()]
    with atomic_path(path) as tmp:
        Path(tmp).write_text("\n".join(lines) + "\n")
    os.chmod(path, 0o600)  # owner-only whatever the workflow's permission mode; the 0700 folder shields it meanwhile
