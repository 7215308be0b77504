"""tools/guidance_data.py: the shipped prescribing guidance data is what the tool makes from the shared source."""

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SHIPPED = REPO / "config" / "panels" / "pgx" / "guidance" / "guidance.json.gz"
TOOL = REPO / "tools" / "guidance_data.py"


def test_tool_reproduces_the_shipped_file(testdata, tmp_path):
    out = tmp_path / "guidance.json.gz"
    source = testdata / "cpic_guidance_pharmcat_2.12" / "guidelines"
    done = subprocess.run([sys.executable, str(TOOL), "--source", str(source), "--out", str(out)],
                          capture_output=True, text=True, check=True)  # fmt: skip
    assert "118 guidelines, 2583 recommendations, data 2024-03-25-16-13" in done.stdout
    assert out.read_bytes() == SHIPPED.read_bytes()


def test_list_items_and_tables_become_lines():
    sys.path.insert(0, str(TOOL.parent))
    try:
        import guidance_data
    finally:
        sys.path.remove(str(TOOL.parent))
    fragment = ('<p>Avoid x.</p>\n<h4 id="o">Other Considerations</h4><ul><li><p>one &gt; two</p></li><li>three<br/>'
                'four</li></ul><table><tr><th>A<br/>b</th><th>C</th></tr><tr><td>1</td><td>2</td></tr></table>'
                '<p>see <a href="https://e.org/x">Algorithms</a>.</p>')  # fmt: skip
    assert guidance_data.plain_text(fragment) == (
        "Avoid x.\nOther Considerations\n- one > two\n- three\nfour\nA b | C\n1 | 2\nsee Algorithms (https://e.org/x)."
    )
