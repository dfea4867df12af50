"""Makes the package of this checkout importable (bindings/python) for the tests, unless
ISTMO_TEST_INSTALLED=1: then the tests run against the installed package (python3-istmo or a
pip install) and the library it finds by itself (tests/packages/run.sh)."""
import os
import sys
from pathlib import Path

if os.environ.get("ISTMO_TEST_INSTALLED") != "1":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
