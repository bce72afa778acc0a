"""The layout holds: which package may import which.

crawler/ (fetching) and pipelines/ (the item stages) never import each
other; document/ (the per-document work the workers run) imports neither,
nor Scrapy or Twisted, so a worker process never loads the crawl.
"""

import ast

import pytest
from support import ROOT

FORBIDDEN = {
    "crawler": {"pipelines"},
    "pipelines": {"crawler"},
    "document": {"crawler", "pipelines", "scrapy", "twisted", "scrapy_playwright"},
    "registry": {"crawler", "pipelines", "scrapy"},
}


def imported_packages(path):
    """Top-level names of every module a file imports, at any depth of the file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name.split(".")[0], node.lineno
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module.split(".")[0], node.lineno


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_imports_only_what_the_layout_allows(package):
    files = sorted((ROOT / package).rglob("*.py"))
    assert files
    found = [
        f"{path.relative_to(ROOT)}:{line} imports {name}"
        for path in files
        for name, line in imported_packages(path)
        if name in FORBIDDEN[package]
    ]
    assert found == []


def test_the_check_sees_an_import_inside_a_function(tmp_path):
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from pipelines.prepare import x\n", encoding="utf-8")
    assert list(imported_packages(module)) == [("pipelines", 2)]
