"""The README and datasette-metadata.json against the code (as Datasette's tests/test_docs.py).

Fails when a project setting of crawler/settings.py is missing from the
README's settings table or its default there differs; when an environment
variable read in the project's packages is missing from
the README's environment table (or its default differs); and when a table,
view or column of a fresh archive is not described in the metadata, or a
table or view is not named in the README's schema table.
"""

import ast
import json
import os
import re
import subprocess
import sys

import pytest
from scrapy.settings import Settings
from scrapy.settings import default_settings as scrapy_defaults
from support import ROOT

from archive.db import Archive

README = (ROOT / "README.md").read_text(encoding="utf-8")
METADATA = json.loads((ROOT / "datasette-metadata.json").read_text(encoding="utf-8"))
SOURCE_DIRS = ("crawler", "pipelines", "document", "registry", "archive", "plugins", "ogi")
# Defaults the README states in words: what the code computes.
IN_WORDS = {"cores": os.cpu_count() or 1}


def readme_table(header):
    """Rows (lists of cells) of the README table whose header row is *header*."""
    lines = README.splitlines()
    start = lines.index(header)
    rows = []
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in line.strip("|").split(" | ")])
    return rows


def code(cell):
    """The text of a cell that is one code span, else the cell itself."""
    match = re.fullmatch(r"`([^`]*)`", cell)
    return match.group(1) if match else cell


def env_names():
    """Environment variables read in the source: {name: literal default or None}."""
    read = re.compile(r"os\.(?:environ\.get\(|getenv\(|environ\[)\s*([^,)\]]+)\s*(?:,\s*([^)]+))?")
    found = {}
    for directory in SOURCE_DIRS:
        for path in sorted((ROOT / directory).rglob("*.py")):
            text = path.read_text(encoding="utf-8")
            for match in read.finditer(text):
                name = match.group(1).strip()
                if not name.startswith(("'", '"')):
                    constant = re.search(rf"^{name} = (\"[A-Z_]+\")$", text, re.M)
                    assert constant, f"{path}: environment variable named by {name}, not a string constant"
                    name = constant.group(1)
                default = match.group(2)
                found[ast.literal_eval(name)] = ast.literal_eval(default.strip()) if default else None
    return found


@pytest.fixture(scope="module")
def project_settings():
    """crawler/settings.py's values with none of the README's environment variables set."""
    env = {key: value for key, value in os.environ.items() if key not in env_names()}
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            "import json, crawler.settings as m; print(json.dumps({n: getattr(m, n) for n in dir(m) if n.isupper()}))",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return json.loads(out)


def ours(project_settings):
    # Scrapy's and scrapy-playwright's own are documented by them.
    return {
        name for name in project_settings if not hasattr(scrapy_defaults, name) and not name.startswith("PLAYWRIGHT_")
    }


def same(value, stated):
    if stated in IN_WORDS:
        return IN_WORDS[stated] == value
    stated = code(stated)
    if isinstance(value, bool):
        return Settings({"X": stated}).getbool("X") == value
    if isinstance(value, (int, float)):
        return float(stated) == value
    if value is None:
        return stated == "None"
    if isinstance(value, str):
        return stated == (value or '""')
    return ast.literal_eval(stated) == value


def test_every_project_setting_in_the_readme_with_its_default(project_settings):
    rows = {code(row[0]): row[1] for row in readme_table("| setting | default | meaning |")}
    assert sorted(ours(project_settings) - rows.keys()) == []
    assert sorted(rows.keys() - project_settings.keys()) == [], "the table names a setting crawler/settings.py lacks"
    wrong = {
        name: (stated, project_settings[name])
        for name, stated in rows.items()
        if not same(project_settings[name], stated)
    }
    assert wrong == {}


def test_the_readme_table_lists_scrapy_settings_only_where_we_change_them(project_settings):
    rows = [code(row[0]) for row in readme_table("| setting | default | meaning |")]
    for name in rows:
        if hasattr(scrapy_defaults, name):
            assert getattr(scrapy_defaults, name) != project_settings[name], name


def test_every_environment_variable_in_the_readme():
    rows = {code(row[0]): code(row[1]) for row in readme_table("| variable | default | what it does |")}
    read = env_names()
    assert {"ARCHIVE_DB", "OGI_SOURCES", "SOFFICE"} <= read.keys()  # the scan finds them
    assert sorted(read.keys() ^ rows.keys()) == []
    assert {name: default for name, default in read.items() if default is not None and rows[name] != default} == {}


def fresh_archive(tmp_path):
    archive = Archive(tmp_path / "archive.db")
    try:
        db = archive.db
        virtual = [
            row[0] for row in db.execute("select name from sqlite_master where sql like 'CREATE VIRTUAL TABLE%'")
        ]
        shadow = {f"{name}_{suffix}" for name in virtual for suffix in ("config", "content", "data", "docsize", "idx")}
        names = [row[0] for row in db.execute("select name from sqlite_master where type in ('table', 'view')")]
        return {
            name: [row[1] for row in db.execute(f"pragma table_info([{name}])")] for name in names if name not in shadow
        }
    finally:
        archive.close()


def test_every_table_view_and_column_described_in_the_metadata(tmp_path):
    described = METADATA["databases"]["archive"]["tables"]
    schema = fresh_archive(tmp_path)
    assert sorted(schema.keys() ^ described.keys()) == []
    assert [name for name in schema if not described[name].get("description")] == []
    undescribed = {
        name: [c for c in columns if not (described[name].get("columns") or {}).get(c)]
        for name, columns in schema.items()
    }
    assert {name: columns for name, columns in undescribed.items() if columns} == {}
    stale = {name: sorted(set(described[name].get("columns") or {}) - set(columns)) for name, columns in schema.items()}
    assert {name: columns for name, columns in stale.items() if columns} == {}


def test_every_table_and_view_named_in_the_readme_schema_table(tmp_path):
    named = {
        name
        for row in readme_table("| table | one row per | main columns |")
        for name in re.findall(r"`([^`]+)`", row[0])
    }
    assert sorted(fresh_archive(tmp_path).keys() ^ named) == []
