"""The LocalCluster example of docs/scaling.rst's DataParallel section runs as written.

The code block named ``data-parallel-localcluster`` is extracted from the page
and run as a script in a fresh interpreter (its workers are new processes that
import the script), so the page cannot drift from working code.
"""

import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytest.importorskip("dask.array")
pytest.importorskip("distributed")

PAGE = Path(__file__).resolve().parents[1] / "docs" / "scaling.rst"
NAME = "data-parallel-localcluster"


def _code_block(text, name):
    """The body of the ``code-block`` directive carrying ``:name: name``, dedented."""
    head = re.search(rf"^\.\. code-block:: python\n(?:   :\w+:.*\n)*?   :name: {re.escape(name)}\n(?:   :\w+:.*\n)*\n",
                     text, flags=re.M)
    assert head, f"no code block named {name!r} in {PAGE.name}"
    body = []
    for line in text[head.end():].splitlines():
        if line and not line.startswith(" "):  # the first unindented line ends the block
            break
        body.append(line)
    return textwrap.dedent("\n".join(body)).strip() + "\n"


def test_extractor_takes_the_whole_block_only():
    text = ".. code-block:: python\n   :name: x\n\n   a = 1\n\n   b = 2\n\nProse after.\n"
    assert _code_block(text, "x") == "a = 1\n\nb = 2\n"


def test_localcluster_example_runs(tmp_path):
    script = tmp_path / "example.py"
    script.write_text(_code_block(PAGE.read_text(), NAME))
    env = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    run = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=180,
                         cwd=tmp_path, env={**os.environ, **env})
    assert run.returncode == 0, run.stderr[-3000:]
    accuracy = re.search(r"training accuracy: ([0-9.]+)", run.stdout)
    assert accuracy, run.stdout
    # a linearly separable rule: a fit that did not train would sit near 0.5
    assert float(accuracy.group(1)) > 0.9
