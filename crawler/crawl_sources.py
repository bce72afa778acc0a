"""Crawl the registry's sources, one after another.

    python -m crawler.crawl_sources                      # every real source
    python -m crawler.crawl_sources --due                # those whose schedule says so
    python -m crawler.crawl_sources --source shandong_jining --source shandong_jinan
    python -m crawler.crawl_sources --demo --demo-urls jining=http://127.0.0.1:8703/,...
    python -m crawler.crawl_sources --dry-run -s LOG_LEVEL=WARNING
    python -m crawler.crawl_sources --check [--source NAME ...] [--db archive.db]

An alias kept for `ogi crawl --source`, `ogi crawl-due` and `ogi check` (ogi/cli.py).

Each source is one `python -m scrapy crawl portal -a source=NAME -s ARCHIVE_DB=DB`
in a subprocess, with the source's own settings and then the -s settings given
here. After each, the run's row in ``crawl_runs`` gives a one-line summary;
a table of all of them ends the output, then a WARNING for every source whose
latest run stored nothing where an earlier one stored reports. The exit status
is 1 if any crawl failed.

A source is due (--due) when it has never finished a run, or its last
finished run ended longer ago than its schedule's shortest interval
(daily = 20 h, weekly = 6.5 days, ... see registry/sources.py).

--check crawls nothing: it validates the registry (exit status 1 and the
validator's message if it is invalid) and prints, per source, what a crawl
will do: the adapter family, start URLs and the seeds from hints, allowed
hosts, the Hanweb credit codes and how many xxgkAnnualReport requests they
make at most, whether the source is due (with --db), and the warnings an
operator must see (unverified, no evidence, cms unknown, a firewall noted).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import shlex
import subprocess
import sys
import time
from pathlib import Path

import sqlite_utils

from archive.db import run_finished
from crawler import settings as project_settings
from crawler.cms import adapter_for
from crawler.cms.base import report_years, years_to_ask
from registry import sources as registry

ROOT = Path(__file__).resolve().parent.parent
_finished = run_finished


def _parse_time(text):
    if not text:
        return None
    text = str(text).strip()
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    try:
        moment = datetime.datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.UTC)
    return moment


def _database(db):
    """An open sqlite_utils.Database, or None when the file does not exist."""
    if isinstance(db, sqlite_utils.Database):
        return db
    if db is None or not Path(db).exists():
        return None
    return sqlite_utils.Database(db)


def _runs(db):
    """Rows of crawl_runs that name a source, oldest first ([] before the first run)."""
    database = _database(db)
    if database is None or not database["crawl_runs"].exists():
        return []
    if "source" not in database["crawl_runs"].columns_dict:
        return []
    return list(database.query("select * from crawl_runs where source is not null order by id"))


# -- due ------------------------------------------------------------------------


def last_finished_runs(db):
    """{source name: end time (aware UTC datetime) of its last finished run}."""
    last = {}
    for row in _runs(db):
        ended = _parse_time(row.get("ended"))
        if ended and _finished(row.get("status")) and (row["source"] not in last or ended > last[row["source"]]):
            last[row["source"]] = ended
    return last


def due_sources(sources, db, now=None):
    """The sources (in order) that never finished a run or whose interval has passed."""
    now = now or datetime.datetime.now(datetime.UTC)
    last = last_finished_runs(db)
    return [source for source in sources if source.name not in last or now - last[source.name] >= source.interval]


# -- check ------------------------------------------------------------------------


def _setting(source, name, settings=()):
    """A Scrapy setting as a crawl of *source* would see it: crawler/settings.py,
    then the source's own settings, then -s settings (the order crawl_command
    passes them in)."""
    value = getattr(project_settings, name)
    value = source.settings.get(name, value)
    for setting in settings:
        key, _, given = setting.partition("=")
        if key.strip() == name:
            value = given
    return value


def planned_xxgk_years(source, code, first_year, today=None, db=None, settings=()):
    """The years a crawl of *source* asks xxgkAnnualReport.jsp for, for credit *code*.

    fbtime is the year reported on, so from *first_year* to last year; with
    an archive (*db*, a path), what the spider would skip there is skipped
    here too (crawler/cms/base.py years_to_ask: archived years until they
    are due a revisit, 暂无年报 answers for a while).
    """
    today = today or datetime.date.today()
    years = report_years(first_year, today)
    database = _database(db)
    if database is None or not source.start_urls:
        return sorted(years)
    adapter = adapter_for(source.cms)
    urls = {year: adapter.annual_report_url(source.start_urls[0], code, year) for year in years}
    if None in urls.values():
        return []

    def latest(sql):
        marks = ",".join("?" * len(urls))
        table = sql.split(" from ")[1].split()[0]
        if not database[table].exists():  # an archive older than the table
            return {}
        return dict(database.execute(sql.format(marks=marks), list(urls.values())).fetchall())

    wanted = years_to_ask(
        urls,
        latest("select url, max(fetched_at) from captures where url in ({marks}) group by url"),
        latest("select url, last_checked from no_report_answers where url in ({marks})"),
        today,
        float(_setting(source, "DOCUMENT_REVISIT_DAYS", settings)),
        float(_setting(source, "HANWEB_XXGK_NO_REPORT_DAYS", settings)),
    )
    return sorted(wanted)


def _count(number, noun):
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def check_lines(source, last_run=None, db=None, now=None, settings=(), today=None):
    """What a crawl of *source* will do, as lines of text (see --check).

    *db*: the archive (a path) whose crawl history says what is due and which
    module years are known already.
    """
    db_given = db is not None
    lines = [f"{source.name}: {source.government}, {source.region} ({source.division_code}, {source.admin_level})"]
    adapter = "unknown (generic discovery, no CMS adapter)" if source.cms == "unknown" else source.cms
    lines.append(f"  adapter: {adapter}")
    lines.append("  start URLs:")
    lines += [f"    {url}" for url in source.start_urls]
    seeds = [url for url in source.seed_urls if url not in source.start_urls]
    lines.append(f"  seeds from hints: {len(seeds)}" + ("" if seeds else " (none)"))
    lines += [f"    {url}" for url in seeds]
    hosts = ", ".join(source.allowed_hosts)
    if source.excluded_hosts:
        hosts += f" (except {', '.join(source.excluded_hosts)}: listed by another source)"
    lines.append(f"  allowed hosts: {hosts}")

    codes = source.hanweb_areas
    failing = [(code, name) for code, name in source.failing_check_digit if code in codes]
    if codes:
        failing_text = ", ".join(f"{code} {name}" for code, name in failing) or "none"
        lines.append(f"  Hanweb credit codes: {len(codes)} (failing the check digit: {failing_text})")
        first = int(_setting(source, "HANWEB_XXGK_FIRST_YEAR", settings))
        years = {code: planned_xxgk_years(source, code, first, today, db, settings) for code in codes}
        total = sum(len(value) for value in years.values())
        spans = sorted({(value[0], value[-1], len(value)) for value in years.values() if value})
        span_text = "; ".join(f"{low}-{high}, {count} years" for low, high, count in spans) or "no years"
        lines.append(f"  xxgkAnnualReport requests: at most {total} ({_count(len(codes), 'code')} x years {span_text})")
    else:
        lines.append("  Hanweb credit codes: none")
        reason = "no credit code known" if source.cms == "hanweb" else "not a Hanweb portal"
        lines.append(f"  xxgkAnnualReport requests: none ({reason})")
    others = [agency for agency in source.agencies if agency.credit_code]
    if others:
        lines.append(f"  other credit codes (known, never requested): {len(others)}")

    if not db_given:
        lines.append("  due: not checked (give --db)")
    elif last_run is None:
        lines.append("  due: yes (no finished run)")
    else:
        now = now or datetime.datetime.now(datetime.UTC)
        due = now - last_run >= source.interval
        lines.append(
            f"  due: {'yes' if due else 'no'} (last finished run {last_run:%Y-%m-%d %H:%M}Z, "
            f"interval {source.interval})"
        )

    warnings = []
    if not source.verified:
        warnings.append("unverified: nothing in this entry was checked against the live site")
    if not source.evidence:
        warnings.append("no evidence: no stored page supports this entry (host and everything else are guesses)")
    elif not all(item.structured for item in source.evidence):
        warnings.append("evidence without a page and a date seen (plain text)")
    if source.cms == "unknown":
        warnings.append("cms unknown: generic discovery only (no adapter, no xxgkAnnualReport route)")
    firewall = source.hints.get("firewall")
    if isinstance(firewall, dict):
        challenge = f" ({firewall['challenge']})" if firewall.get("challenge") else ""
        warnings.append(f"firewall: HTTP {firewall.get('status')} to scripted clients{challenge}")
    if failing:
        warnings.append(f"{len(failing)} credit code(s) fail the GB 32100 check digit and are asked for as printed")
    lines += [f"  WARNING: {warning}" for warning in warnings]
    return lines


def check(sources, db=None, out=None, now=None, settings=(), today=None):
    """Print check_lines for each source; *db* (a path) tells whether each is due."""
    out = out or sys.stdout
    last = last_finished_runs(db) if db is not None else {}
    for number, source in enumerate(sources):
        if number:
            print(file=out)
        for line in check_lines(source, last.get(source.name), db, now, settings, today):
            print(line, file=out)


# -- zero yield -------------------------------------------------------------------


def zero_yield_sources(db):
    """Sources whose latest finished run stored no report while an earlier one did.

    A list of {source, run_id, ended, previous_run_id, previous_captures},
    from crawl_runs.captures (reports stored by a run). Runs whose count is
    unknown (NULL) are ignored.
    """
    by_source = {}
    for row in _runs(db):
        if _finished(row.get("status")) and row.get("ended") and row.get("captures") is not None:
            by_source.setdefault(row["source"], []).append(row)
    flagged = []
    for name, runs in by_source.items():
        latest = runs[-1]
        if latest["captures"] != 0:
            continue
        earlier = [run for run in runs[:-1] if run["captures"] > 0]
        if earlier:
            flagged.append(
                {
                    "source": name,
                    "run_id": latest["id"],
                    "ended": latest["ended"],
                    "previous_run_id": earlier[-1]["id"],
                    "previous_captures": earlier[-1]["captures"],
                }
            )
    return flagged


# -- one crawl --------------------------------------------------------------------


def crawl_command(source, db, settings=(), demo_urls=None, python=None):
    """The command line that crawls *source* into *db*."""
    command = [python or sys.executable, "-m", "scrapy", "crawl", "portal", "-a", f"source={source.name}"]
    if source.demo and demo_urls:
        command += ["-a", "demo_urls=" + ",".join(f"{name}={url}" for name, url in demo_urls.items())]
    command += ["-s", f"ARCHIVE_DB={db}"]
    for key, value in source.settings.items():
        if isinstance(value, bool):
            value = int(value)
        command += ["-s", f"{key}={value}"]
    for setting in settings:
        command += ["-s", setting]
    return command


def _max_run_id(db):
    database = _database(db)
    if database is None or not database["crawl_runs"].exists():
        return 0
    return database.execute("select coalesce(max(id), 0) from crawl_runs").fetchone()[0]


def _run_row(db, name, after_id):
    """The crawl_runs row this crawl wrote, or None."""
    database = _database(db)
    if database is None or not database["crawl_runs"].exists():
        return None
    where, params = "id > ?", [after_id]
    if "source" in database["crawl_runs"].columns_dict:
        where += " and (source = ? or source is null)"
        params.append(name)
    rows = list(database.query(f"select * from crawl_runs where {where} order by id desc limit 1", params))
    return rows[0] if rows else None


def _errors(row, stats):
    value = row.get("errors")
    if value:
        try:
            errors = json.loads(value) if isinstance(value, str) else dict(value)
            return {str(kind): int(count) for kind, count in errors.items()}
        except (ValueError, TypeError, AttributeError):
            return {"unreadable": 1}
    if value is None and stats.get("log_count/ERROR"):
        return {"log_error": stats["log_count/ERROR"]}
    return {}


def summarize(row, returncode):
    """A result dict from a crawl_runs row (None if the run left none)."""
    if row is None:
        return {"status": f"failed (exit {returncode}, no crawl_runs row)", "ok": False, "errors": {}}
    try:
        stats = json.loads(row.get("stats") or "{}")
    except ValueError:
        stats = {}

    def count(column, stat=None):
        value = row.get(column)
        if value is None and stat:
            value = stats.get(stat)
        return value

    ok = returncode == 0 and _finished(row.get("status"))
    status = row.get("status") or "unknown"
    if returncode != 0:
        status = f"failed (exit {returncode}, {status})"
    elif not ok:
        status = f"failed ({status})"
    return {
        "run_id": row.get("id"),
        "status": status,
        "ok": ok,
        "pages": count("pages", "response_received_count"),
        "not_modified": count("not_modified"),
        "new_reports": count("new_reports"),
        "new_versions": count("new_versions"),
        "captures": count("captures", "item_scraped_count"),
        "errors": _errors(row, stats),
    }


def _show(value):
    return "-" if value is None else str(value)


def _errors_text(errors):
    if not errors:
        return "0"
    total = sum(errors.values())
    return f"{total} (" + ", ".join(f"{kind} {count}" for kind, count in sorted(errors.items())) + ")"


def summary_line(name, result, seconds=None):
    line = (
        f"{name}: {result['status']}, pages {_show(result.get('pages'))}"
        f" (304: {_show(result.get('not_modified'))}), new reports {_show(result.get('new_reports'))},"
        f" new versions {_show(result.get('new_versions'))}, errors {_errors_text(result.get('errors'))}"
    )
    if seconds is not None:
        line += f", {seconds:.0f}s"
    return line


def table(rows):
    header = ("source", "status", "pages", "new reports", "new versions", "errors")
    body = [
        (
            name,
            result["status"],
            _show(result.get("pages")),
            _show(result.get("new_reports")),
            _show(result.get("new_versions")),
            _errors_text(result.get("errors")),
        )
        for name, result in rows
    ]
    widths = [max(len(str(cells[i])) for cells in [header, *body]) for i in range(len(header))]
    lines = [
        "  ".join(str(cell).ljust(width) for cell, width in zip(cells, widths, strict=False)).rstrip()
        for cells in [header, *body]
    ]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines)


# -- command line -------------------------------------------------------------------


def _parser():
    parser = argparse.ArgumentParser(prog="python -m crawler.crawl_sources", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--source",
        action="append",
        default=[],
        metavar="NAME",
        help="crawl this source (repeat, or comma-separate); default: every real source",
    )
    parser.add_argument("--due", action="store_true", help="only sources whose schedule says they are due")
    parser.add_argument("--demo", action="store_true", help="select the demo sources instead of the real ones")
    parser.add_argument(
        "--demo-urls",
        metavar="NAME=URL,...",
        help="base URLs of the demo portals (default: the demo registry's default_urls)",
    )
    parser.add_argument(
        "--db",
        default=None,
        help="archive database (default $ARCHIVE_DB or archive.db; with --check: tells what is due)",
    )
    parser.add_argument(
        "--sources", metavar="PATH", help=f"registry file (default registry/sources.yaml, or ${registry.ENV_REGISTRY})"
    )
    parser.add_argument("--dry-run", action="store_true", help="print the commands, run nothing")
    parser.add_argument(
        "--check",
        action="store_true",
        help="validate the registry and print what a crawl of each source will do; crawl nothing",
    )
    parser.add_argument(
        "-s",
        "--set",
        action="append",
        default=[],
        metavar="SETTING=VALUE",
        dest="settings",
        help="Scrapy setting for every crawl (repeatable)",
    )
    return parser


def select(all_sources, names=(), demo=False):
    """The sources named (unknown names: KeyError), else every real (or demo) source."""
    names = [name.strip() for value in names for name in value.split(",") if name.strip()]
    if names:
        unknown = [name for name in names if name not in all_sources]
        if unknown:
            raise KeyError(f"unknown source(s): {', '.join(unknown)}; known: {', '.join(all_sources)}")
        return [all_sources[name] for name in dict.fromkeys(names)]
    return [source for source in all_sources.values() if source.demo == demo]


def main(argv=None, runner=subprocess.run, now=None, out=None):
    out = out or sys.stdout
    args = _parser().parse_args(argv)

    def say(text=""):
        print(text, file=out, flush=True)

    env = dict(os.environ)
    if args.sources:
        env[registry.ENV_REGISTRY] = str(Path(args.sources).resolve())
        paths = [Path(args.sources), registry.DEMO_REGISTRY]
    else:
        paths = None
    for setting in args.settings:
        if "=" not in setting:
            say(f"error: -s {setting}: expected SETTING=VALUE")
            return 2
    # An ARCHIVE_DB given as a setting is the database the crawls write.
    db = args.db or project_settings.ARCHIVE_DB
    for setting in args.settings:
        key, _, value = setting.partition("=")
        if key.strip() == "ARCHIVE_DB":
            db = value
    db = str(Path(db).resolve())
    try:
        demo_urls = registry.parse_demo_urls(args.demo_urls)
        all_sources = registry.load_sources(paths, demo_urls)
        chosen = select(all_sources, args.source, args.demo)
    except (registry.SourceError, KeyError) as error:
        say(f"error: {error.args[0] if isinstance(error, KeyError) else error}")
        return 1 if args.check and isinstance(error, registry.SourceError) else 2

    if args.check:
        check(chosen, db if args.db else None, out, now, args.settings, now.date() if now else None)
        say()
        say(f"{len(chosen)} source(s) checked; the registry is valid")
        return 0

    if args.due:
        due = due_sources(chosen, db, now)
        last = last_finished_runs(db)
        due_names = {source.name for source in due}
        for source in chosen:
            if source.name not in due_names:
                say(
                    f"{source.name}: not due (last finished run {last[source.name]:%Y-%m-%d %H:%M}Z, "
                    f"interval {source.interval})"
                )
        chosen = due
    if not chosen:
        say("nothing to crawl")
        return 0

    results = []
    for number, source in enumerate(chosen, 1):
        command = crawl_command(source, db, [s for s in args.settings if not s.startswith("ARCHIVE_DB=")], demo_urls)
        if args.dry_run:
            say(shlex.join(command))
            continue
        say(f"[{number}/{len(chosen)}] crawling {source.name} ({', '.join(source.start_urls)})")
        before = _max_run_id(db)
        began = time.monotonic()
        try:
            returncode = runner(command, cwd=ROOT, env=env).returncode
        except OSError as error:
            say(f"{source.name}: could not start the crawl: {error}")
            returncode = -1
        result = summarize(_run_row(db, source.name, before), returncode)
        results.append((source.name, result))
        say(summary_line(source.name, result, time.monotonic() - began))

    if args.dry_run:
        return 0
    say()
    say(table(results))
    for flag in zero_yield_sources(db):
        say(
            f"WARNING: {flag['source']} stored no report in its latest run ({flag['run_id']}, ended {flag['ended']}) "
            f"but stored {flag['previous_captures']} in run {flag['previous_run_id']}: check the portal"
        )
    return 1 if any(not result["ok"] for _, result in results) else 0


if __name__ == "__main__":
    sys.exit(main())
