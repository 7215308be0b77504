"""What every benchmark script shares: where its JSON goes and how it is written."""

import json
from pathlib import Path

OUT = Path(__file__).resolve().parent / "out"


def write_json(path, result):
    """Write `result` as indented JSON to `path` (folders made); prints where."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=2) + "\n")
    print(f"written {path}")
