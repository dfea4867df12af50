"""Makes the package of this checkout importable (bindings/python) for the tests."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
