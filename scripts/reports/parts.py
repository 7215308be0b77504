"""Split the batch into report jobs of a fixed number of samples, in sheet order."""


def partition(sample_ids, per_job):
    """[[s1..sN], [sN+1..]] : each inner list is rendered by one job; appending samples touches only the last part."""
    return [list(sample_ids[i : i + per_job]) for i in range(0, len(sample_ids), per_job)]
