"""One command line for the people who run the archive.

Each command calls the module that does the work (crawler/crawl_sources.py,
archive/snapshot.py, archive/warc.py, ...); those modules' own `python -m`
entry points stay as aliases. A crawl is `python -m scrapy crawl portal` in a
subprocess with cwd at the project root, as `make crawl` ran it: one Twisted
reactor per crawl.
"""

import os
import shlex
import subprocess
import sys
import time
from pathlib import Path

import click

from crawler import settings as project_settings

ROOT = Path(__file__).resolve().parent.parent
ARCHIVE_DB = project_settings.ARCHIVE_DB
PUBLISHED = "published/archive.db"
PORT = 8001


def _exit(code):
    """Leave with an old main()'s exit status (None means 0)."""
    raise SystemExit(code or 0)


def _call(main, argv):
    """Run a module's main(argv); argparse errors come back as their status."""
    try:
        return main([str(arg) for arg in argv])
    except SystemExit as stop:
        return stop.code


def _settings(ctx, param, values):
    for value in values:
        if "=" not in value:
            raise click.BadParameter(f"{value}: expected NAME=VALUE")
    return values


def _from_root(path):
    """*path* (relative to the current directory) as the project root sees it."""
    path = Path(path).resolve()
    try:
        return str(path.relative_to(ROOT))
    except ValueError:
        return str(path)


db_option = click.option(
    "--db",
    default=ARCHIVE_DB,
    show_default=True,
    type=click.Path(exists=True, dir_okay=False),
    help="the archive database ($ARCHIVE_DB)",
)
new_db_option = click.option(
    "--db",
    default=ARCHIVE_DB,
    show_default=True,
    type=click.Path(dir_okay=False),
    help="the archive database the crawls write ($ARCHIVE_DB)",
)
set_option = click.option(
    "-s",
    "--set",
    "settings",
    multiple=True,
    metavar="NAME=VALUE",
    callback=_settings,
    help="Scrapy setting for the crawl (repeatable), as scrapy crawl -s",
)
registry_option = click.option(
    "--sources",
    "registry_path",
    type=click.Path(exists=True, dir_okay=False),
    metavar="PATH",
    help="sources registry (default registry/sources.yaml, or $OGI_SOURCES)",
)
dry_run_option = click.option("--dry-run", is_flag=True, help="print the command lines, run nothing")
# Spider arguments (-a NAME=VALUE) of a crawl by URL, as scrapy crawl -a.
spider_arg_option = click.option(
    "-a",
    "--arg",
    "spider_args",
    multiple=True,
    metavar="NAME=VALUE",
    callback=_settings,
    help="spider argument for a crawl by URL (repeatable), as scrapy crawl -a, e.g. allow_unofficial=1",
)


@click.group()
def cli():
    """Crawl, publish and serve the archive of government information-disclosure annual reports.

    \b
    Example:
      ogi crawl https://www.jining.gov.cn/ && ogi publish && ogi serve
    """


@cli.command()
@click.argument("urls", nargs=-1, metavar="[URL]...")
@click.option("--source", "names", multiple=True, metavar="NAME", help="a registry source instead of URLs (repeatable)")
@new_db_option
@set_option
@spider_arg_option
@registry_option
@dry_run_option
def crawl(urls, names, db, settings, spider_args, registry_path, dry_run):
    """Crawl one or more portals by URL, or registry sources (--source).

    Each crawl ends with a one-line summary from its crawl_runs row; the exit
    status is 1 when the crawl failed.

    \b
    Examples:
      ogi crawl https://www.jining.gov.cn/ --db archive.db
      ogi crawl --source shandong_jining -s LOG_LEVEL=WARNING
    """
    from crawler import crawl_sources

    if bool(urls) == bool(names):
        raise click.UsageError("give one or more URLs, or --source NAME (not both)")
    if names:
        if spider_args:
            raise click.UsageError("-a is for a crawl by URL; a source's arguments are in the registry")
        argv = ["--db", db, *[arg for name in names for arg in ("--source", name)]]
        _exit(_call(crawl_sources.main, argv + _registry_args(registry_path, settings, dry_run)))
    # As crawl_sources does: an ARCHIVE_DB given as a setting is the one written.
    for setting in settings:
        key, _, value = setting.partition("=")
        if key.strip() == "ARCHIVE_DB":
            db = value
    db = str(Path(db).resolve())
    command = [sys.executable, "-m", "scrapy", "crawl", "portal", "-a", "start_url=" + ",".join(urls)]
    command += [arg for spider_arg in spider_args for arg in ("-a", spider_arg)]
    command += ["-s", f"ARCHIVE_DB={db}"]
    for setting in settings:
        if not setting.startswith("ARCHIVE_DB="):
            command += ["-s", setting]
    if dry_run:
        click.echo(shlex.join(command))
        return
    before = crawl_sources._max_run_id(db)
    began = time.monotonic()
    returncode = subprocess.run(command, cwd=ROOT).returncode
    # A crawl by URL names no source: its row has source NULL.
    result = crawl_sources.summarize(crawl_sources._run_row(db, "", before), returncode)
    click.echo(crawl_sources.summary_line(",".join(urls), result, time.monotonic() - began))
    _exit(0 if result["ok"] else 1)


def _registry_args(registry_path, settings, dry_run=False):
    argv = ["--sources", registry_path] if registry_path else []
    argv += [arg for setting in settings for arg in ("-s", setting)]
    return argv + (["--dry-run"] if dry_run else [])


@cli.command("crawl-due")
@new_db_option
@set_option
@registry_option
@dry_run_option
def crawl_due(db, settings, registry_path, dry_run):
    """Crawl every registry source whose schedule says it is due.

    A source is due when it never finished a run, or its last finished run
    ended longer ago than its schedule's interval. A table of the runs ends
    the output; the exit status is 1 if any crawl failed.

    \b
    Example (cron, 02:30 every night):
      ogi crawl-due --db archive.db >> var/crawl.log 2>&1
    """
    from crawler import crawl_sources

    _exit(_call(crawl_sources.main, ["--due", "--db", db, *_registry_args(registry_path, settings, dry_run)]))


@cli.command()
@click.option("--source", "names", multiple=True, metavar="NAME", help="check only this source (repeatable)")
@click.option("--db", type=click.Path(dir_okay=False), help="an archive: also tell whether each source is due")
@set_option
@registry_option
def check(names, db, settings, registry_path):
    """Validate the registry and print what a crawl of each source would do.

    Crawls nothing. Exit status 1 (and the validator's message) when the
    registry is invalid.

    \b
    Example:
      ogi check --source shandong_jining --db archive.db
    """
    from crawler import crawl_sources

    argv = ["--check", *[arg for name in names for arg in ("--source", name)]]
    if db:
        argv += ["--db", db]
    _exit(_call(crawl_sources.main, argv + _registry_args(registry_path, settings)))


@cli.command()
@db_option
@click.option(
    "--published",
    default=PUBLISHED,
    show_default=True,
    type=click.Path(dir_okay=False),
    help="the snapshot Datasette serves (keep the name archive.db)",
)
@click.option("--quick", is_flag=True, help="PRAGMA quick_check instead of integrity_check")
def publish(db, published, quick):
    """Publish a consistent, checked snapshot of the archive for Datasette.

    Safe while a crawl writes the archive: the snapshot replaces the
    published file atomically. Restart `ogi serve` afterwards.

    \b
    Example:
      ogi publish --db archive.db --published published/archive.db
    """
    from archive import snapshot

    _exit(_call(snapshot.main, [db, published, *(["--quick"] if quick else [])]))


def serve_command(published=PUBLISHED, port=PORT, metadata="datasette-metadata.json"):
    """Datasette's command line as `make serve` runs it, from the project root."""
    datasette = Path(sys.executable).parent / "datasette"
    program = [str(datasette)] if datasette.exists() else [sys.executable, "-m", "datasette"]
    return program + [
        "serve",
        "datasette-config",
        "-i",
        _from_root(published),
        "--metadata",
        _from_root(metadata),
        "--plugins-dir",
        "plugins",
        "-h",
        "127.0.0.1",
        "-p",
        str(port),
    ]


@cli.command()
@click.option(
    "--published",
    default=PUBLISHED,
    show_default=True,
    type=click.Path(dir_okay=False),
    help="the snapshot to serve; published from --db first if there is none",
)
@click.option(
    "--db",
    default=ARCHIVE_DB,
    show_default=True,
    type=click.Path(dir_okay=False),
    help="the archive to publish when there is no snapshot yet",
)
@click.option("--port", default=PORT, show_default=True, type=int, help="port on 127.0.0.1")
@click.option(
    "--metadata",
    default=str(ROOT / "datasette-metadata.json"),
    type=click.Path(exists=True, dir_okay=False),
    help="Datasette metadata (default: the project's datasette-metadata.json)",
)
@dry_run_option
def serve(published, db, port, metadata, dry_run):
    """Serve the published snapshot with Datasette on 127.0.0.1 (read-only).

    Datasette serves the file immutable and never rereads it: restart after
    each `ogi publish`.

    \b
    Example:
      ogi serve --port 8001      # http://127.0.0.1:8001/archive
    """
    command = serve_command(published, port, metadata)
    if dry_run:
        if not Path(published).exists():
            click.echo(shlex.join([sys.executable, "-m", "archive.snapshot", db, published]))
        click.echo(shlex.join(command))
        return
    if not Path(published).exists():
        from archive import snapshot

        code = _call(snapshot.main, [db, published])
        if code:
            _exit(code)
    # Replace this process, so Ctrl-C and a service manager's signals reach Datasette.
    os.chdir(ROOT)
    os.execv(command[0], command)


@cli.command()
@click.argument("capture_id", type=int)
@db_option
@click.option("--out", type=click.Path(dir_okay=False), help="write the body here (headers then go to stdout)")
@click.option("--warc-dir", type=click.Path(file_okay=False), help="the WARC files (default: warc/ beside --db)")
def capture(capture_id, db, out, warc_dir):
    """A capture's original bytes, as the portal served them, from its WARC record.

    Without --out the body goes to stdout and the WARC and HTTP headers to
    stderr. A 304 (revisit) gives the bytes of the earlier capture.

    \b
    Example:
      ogi capture 42 --out report.pdf
    """
    from archive import warc

    argv = [db, capture_id]
    if out:
        argv += ["--out", out]
    if warc_dir:
        argv += ["--warc-dir", warc_dir]
    _exit(_call(warc.main, argv))


@cli.command()
@click.option(
    "--db",
    default=ARCHIVE_DB,
    show_default=True,
    type=click.Path(dir_okay=False),
    help="the archive whose warc/ directory to index",
)
@click.option("--warc-dir", type=click.Path(exists=True, file_okay=False), help="index this directory instead")
def cdx(db, warc_dir):
    """A CDXJ index (url, timestamp, file, offset, length) of the WARC files.

    \b
    Example:
      ogi cdx --db archive.db > index.cdxj
    """
    from archive import warc

    warc_dir = warc_dir or Path(db).resolve().parent / "warc"
    if not Path(warc_dir).is_dir():
        raise click.BadParameter(f"no WARC directory {warc_dir}", param_hint="--warc-dir")
    _exit(_call(warc.main, ["--cdx", warc_dir]))


@cli.command()
@db_option
def reparse(db):
    """Re-parse the statistics tables of every version in the archive.

    Prints how many versions ended in each parse status.

    \b
    Example:
      ogi reparse --db archive.db
    """
    from archive import stats_db

    _exit(_call(stats_db.main, [db]))


@cli.command("ocr-backlog")
@db_option
@click.option("--warc-dir", type=click.Path(file_okay=False), help="the WARC files (default: warc/ beside --db)")
@click.option("--limit", type=click.IntRange(min=1), help="read at most this many scans")
@click.option("--workers", type=click.IntRange(min=1), help="OCR processes (default: one per core)")
def ocr_backlog(db, warc_dir, limit, workers):
    """OCR the scans archived unread (captures marked needs_ocr), from their WARC records.

    Each becomes a version of its report, as if crawled with OCR; one that
    still cannot be read keeps needs_ocr, with the reason. No crawling.

    \b
    Example:
      ogi ocr-backlog --db archive.db
    """
    from archive import ocr_backlog as module

    argv = [db]
    for option, value in (("--warc-dir", warc_dir), ("--limit", limit), ("--workers", workers)):
        if value is not None:
            argv += [option, value]
    _exit(_call(module.main, argv))


@cli.command("near-duplicates")
@db_option
@click.option(
    "--threshold",
    type=click.FloatRange(0, 1, min_open=True),
    default=None,
    help="least Jaccard similarity linking versions of different reports (default 0.9)",
)
@click.option("--rebuild", is_flag=True, help="forget all signatures and links, index every version")
def near_duplicates(db, threshold, rebuild):
    """Link near-duplicate versions and list the links made, tab-separated.

    Indexes the versions not yet indexed (all with --rebuild).

    \b
    Example:
      ogi near-duplicates --db archive.db --threshold 0.9
    """
    from archive import near_duplicates as module

    argv = [db, *(["--threshold", threshold] if threshold is not None else []), *(["--rebuild"] if rebuild else [])]
    _exit(_call(module.main, argv))


@cli.command("date-captures")
@db_option
def date_captures(db):
    """Date the captures archived without a publication date, from their URLs.

    For archives made before publication dates were kept (migration 0004).

    \b
    Example:
      ogi date-captures --db archive.db
    """
    from archive import date_captures as dating

    _exit(_call(dating.main, [db]))


redis_option = click.option(
    "--redis",
    "redis_url",
    metavar="URL",
    help="the Redis holding the crawl (default $REDIS_URL, else redis://127.0.0.1:6379/0)",
)


@cli.command()
@click.argument("urls", nargs=-1, metavar="[URL]...")
@click.option("--source", metavar="NAME", help="a registry source instead of URLs")
@redis_option
@click.option("--fresh", is_flag=True, help="first drop the queue and filter of an unfinished crawl in Redis")
@set_option
@spider_arg_option
def worker(urls, source, redis_url, fresh, settings, spider_args):
    """Crawl as one of several workers sharing one frontier in Redis.

    Every request of the crawl goes through one queue and one duplicate
    filter in Redis (scrapy-redis), so each URL is fetched once by whichever
    worker takes it. Workers read and identify documents; `ogi writer` stores
    them. The first worker with URLs or --source seeds the crawl; a worker
    without either joins the crawl the Redis holds. The exit status is 1
    when this worker did not finish.

    \b
    Examples:
      ogi worker --redis redis://10.0.0.1:6379/0 --source shandong_jining
      ogi worker --redis redis://10.0.0.1:6379/0        # join it, on another machine
    """
    from crawler import distributed

    if urls and source:
        raise click.UsageError("give URLs or --source NAME, not both")
    if spider_args and not urls:
        raise click.UsageError("-a is for a crawl by URL")
    redis_url = redis_url or distributed.default_redis_url()
    args = {"source": source} if source else {"start_url": ",".join(urls)} if urls else {}
    args.update(dict(arg.split("=", 1) for arg in spider_args))
    try:
        if fresh:
            dropped = distributed.forget_crawl(redis_url, settings)
            click.echo(f"dropped the crawl held in Redis ({dropped} requests queued)", err=True)
        finished = distributed.run_worker(redis_url, args, settings)
    except ValueError as error:
        raise click.UsageError(str(error)) from error
    _exit(0 if finished else 1)


@cli.command()
@redis_option
@new_db_option
@click.option("--follow", is_flag=True, help="go on with the next crawl after one ends (until stopped)")
@set_option
def writer(redis_url, db, follow, settings):
    """Store what the workers of a crawl send, into one archive.

    The one process that writes --db: it applies the workers' fetch log and
    runs their items through the archive's stages (WARC, store, statistics,
    near-duplicates) under one crawl run, which ends when every worker has
    finished. Start it before the workers, on the machine that holds the
    archive. The exit status is 1 when the crawl did not finish.

    \b
    Example:
      ogi writer --redis redis://10.0.0.1:6379/0 --db archive.db
    """
    from crawler import distributed

    for setting in settings:
        key, _, value = setting.partition("=")
        if key.strip() == "ARCHIVE_DB":
            db = value
    try:
        finished = distributed.run_writer(redis_url or distributed.default_redis_url(), db, follow, settings)
    except ValueError as error:
        raise click.UsageError(str(error)) from error
    _exit(0 if finished else 1)
