"""The one exception type for bad user input (config, sample sheet, files).

Its message is shown to the user as is: it names the file, the row or record, and the problem.
"""


class InputError(ValueError):
    """Bad input from the user: raised early, before anything is written."""
