"""The wheel must carry every subpackage and the bundled data (a non-editable install and the Docker
image have no repo checkout to fall back on)."""

from __future__ import annotations

import sys
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
CONFIG = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]


def test_packaging_lists_every_subpackage():
    on_disk = {
        ".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "kg").rglob("__init__.py")
    }
    assert on_disk <= set(CONFIG["packages"]), sorted(on_disk - set(CONFIG["packages"]))


def test_packaging_ships_every_data_folder():
    assert (ROOT / "kg" / "data").is_symlink() and (ROOT / "kg" / "data").resolve() == (ROOT / "data").resolve()
    folders = {"kg.data." + p.name for p in (ROOT / "data").iterdir() if p.is_dir()}
    assert folders <= set(CONFIG["packages"]), sorted(folders - set(CONFIG["packages"]))
    data = CONFIG["package-data"]
    for pkg in folders:
        suffixes = {Path(f).suffix for f in (ROOT / "data" / pkg.split(".")[-1]).iterdir() if f.is_file()}
        patterns = {Path(p).suffix for p in data[pkg]}
        assert suffixes <= patterns, (pkg, suffixes - patterns)
