"""Resolution runs on real stores: the fixture graph of tests/store/graphdata.py on both stores."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

_NAME = "kg_tests_graphdata"
if _NAME not in sys.modules:  # test folders are not packages: import the shared module by path
    _spec = importlib.util.spec_from_file_location(_NAME, Path(__file__).parents[1] / "store" / "graphdata.py")
    sys.modules[_NAME] = importlib.util.module_from_spec(_spec)
    _spec.loader.exec_module(sys.modules[_NAME])
gd = sys.modules[_NAME]
empty_store = gd.empty_store
store = gd.store
