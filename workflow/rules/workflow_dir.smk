# Where the workflow's own files are: the function the Snakefile calls first (rule files only declare; the Snakefile
# acts). Kept apart from common.smk, which needs scripts/ on the module path already.
import os
import shutil
import tarfile
import tempfile
from pathlib import Path

from snakemake.exceptions import WorkflowError


def local_workflow_dir(rules_dir):
    """(folder, commit): the workflow's own folder on this machine (the one holding this Snakefile), given that
    folder, and the commit it was unpacked from (None for a local folder, whose own git state provenance reads).

    A local checkout is used where it is. A git-hosted one (a module's `snakefile: github(...)` or `gitlab(...)`):
    Snakemake fetches the rule files and each rule's script one by one, but the scripts import their libraries and
    read schemas and panels as files, so the workflow's tree at that commit is unpacked once beside Snakemake's git
    cache (`<source cache>/genorisk/<commit>/`) and read from there.
    """
    if isinstance(rules_dir, os.PathLike):
        return Path(rules_dir), None
    if not hasattr(rules_dir, "hosted_repo"):
        raise WorkflowError(
            f"genorisk: cannot run from {rules_dir.get_path_or_uri(secret_free=True)}: give the module's snakefile "
            "as a local path or as github(...) / gitlab(...)"
        )
    repo = rules_dir.hosted_repo.repo
    rules_dir.fetch_if_required()
    commit = repo.commit(rules_dir.ref).hexsha
    folder = Path(workflow.sourcecache.cache_path) / "genorisk" / commit
    if not folder.is_dir():
        folder.parent.mkdir(parents=True, exist_ok=True)
        unpacking = Path(tempfile.mkdtemp(prefix=f"{commit}.", dir=folder.parent))
        with tempfile.TemporaryFile() as tar:
            repo.archive(tar, commit, format="tar")
            tar.seek(0)
            with tarfile.open(fileobj=tar) as archive:
                archive.extractall(unpacking, filter="data")
        try:  # whole or not at all; another process may have won
            unpacking.rename(folder)
        except OSError:
            shutil.rmtree(unpacking)
    return folder, commit
