# One entry for everything: `make demo` (crawl the bundled demo portal and
# serve the archive), `make test`. Both set up what they need first.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
ARCHIVE_DB ?= archive.db
# What Datasette serves: a snapshot of ARCHIVE_DB (`make publish`), never the
# file a crawl writes. Keep the name archive.db: Datasette names the database
# after it and datasette-metadata.json describes "archive".
PUBLISHED ?= published/archive.db
PORT ?= 8001
comma := ,

.PHONY: setup system-packages demo test soak bench crawl crawl-due publish serve redis redis-stop worker writer clean

setup: system-packages $(STAMP)

# Debian packages: chromium for scrapy-playwright (Playwright cannot download
# browsers here), LibreOffice to read legacy .doc reports, python3-venv where
# Python's venv lacks ensurepip, a CJK font so browser screenshots show Chinese,
# redis-server for crawls on several machines (`make redis`; the tests start their own),
# Tesseract with its Simplified Chinese and English models to OCR scanned reports.
system-packages:
	@need=""; \
	command -v chromium >/dev/null || need="$$need chromium"; \
	command -v redis-server >/dev/null || need="$$need redis-server"; \
	command -v soffice >/dev/null || need="$$need libreoffice-writer-nogui"; \
	command -v tesseract >/dev/null || need="$$need tesseract-ocr"; \
	tesseract --list-langs 2>/dev/null | grep -qx chi_sim || need="$$need tesseract-ocr-chi-sim"; \
	tesseract --list-langs 2>/dev/null | grep -qx eng || need="$$need tesseract-ocr-eng"; \
	fc-list :lang=zh 2>/dev/null | grep -q . || need="$$need fonts-noto-cjk"; \
	$(PYTHON) -c 'import ensurepip, venv' 2>/dev/null || need="$$need python3-venv"; \
	if [ -n "$$need" ]; then \
	  echo "installing Debian packages:$$need"; \
	  apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $$need; \
	fi

$(STAMP): requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q pip==26.3
	$(BIN)/pip install -q -r requirements.txt
	$(BIN)/pip install -q --no-deps -e .
	touch $@

demo: setup
	ARCHIVE_DB=$(ARCHIVE_DB) PORT=$(PORT) scripts/run_demo.sh

# Lint and format check first (pyproject.toml [tool.ruff]), then the suite in
# two processes (pytest-xdist), one per core of the project's machines; a test
# file stays in one process, so its module fixtures (one crawl shared by its
# tests) are made once. Each process makes its own session fixtures (the demo
# portal and its crawl).
test: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest -n 2 --dist loadfile

# Long robustness loops left out of `make test`: a demo crawl SIGKILLed 20 times
# at random moments over one archive (about 6 minutes). KILL_LOOP_SEED and
# KILL_LOOP_KILLS change the seed and the number of kills.
soak: setup
	$(BIN)/python -m pytest -m soak

# Figures, not assertions: readers per form, browser pages, full vs plain crawl.
bench: setup
	$(BIN)/python -m bench.run

# The operator targets call the `ogi` command line (ogi/cli.py); `python -m ogi`
# is the same program and needs no reinstall of the package.
OGI := $(BIN)/python -m ogi

# make crawl URL=https://www.example.gov.cn/[,URL...]
crawl: setup
	@test -n "$(URL)" || { echo "give URL=https://portal/ (comma-separated for several)"; exit 2; }
	$(OGI) crawl $(subst $(comma), ,$(URL)) --db $(ARCHIVE_DB)

# Every registry source that is due (see README, Scheduled crawls).
crawl-due: setup
	$(OGI) crawl-due --db $(ARCHIVE_DB)

# A consistent snapshot of the live archive, even while a crawl writes it:
# online backup, integrity_check, then an atomic rename over PUBLISHED.
publish: setup
	$(OGI) publish --db $(ARCHIVE_DB) --published $(PUBLISHED)

# datasette-config/ holds settings.json (time and row limits), also used by
# scripts/run_demo.sh; Datasette reads it as its configuration directory.
# Immutable (-i): Datasette caches counts and never rereads a changed file,
# so restart it after each `make publish` (see README, Publishing).
# `ogi serve` publishes ARCHIVE_DB first when there is no snapshot yet.
serve: setup
	$(OGI) serve --published $(PUBLISHED) --db $(ARCHIVE_DB) --port $(PORT)

# Crawling on several machines (README, Crawling on several machines): a
# local redis-server for the crawl's frontier, on 127.0.0.1 only, nothing
# saved to disk; a worker (make worker URL=... or SOURCE=..., or neither to
# join the crawl REDIS_URL holds) and the writer of ARCHIVE_DB; with the
# default REDIS_URL they start the local redis-server first.
REDIS_PORT ?= 6379
REDIS_URL ?= redis://127.0.0.1:$(REDIS_PORT)/0
REDIS_DIR := var/redis

redis: system-packages
	@mkdir -p $(REDIS_DIR)
	@if redis-cli -p $(REDIS_PORT) ping >/dev/null 2>&1; then echo "redis already answers on 127.0.0.1:$(REDIS_PORT)"; \
	else redis-server --bind 127.0.0.1 --port $(REDIS_PORT) --save '' --appendonly no --dir $(REDIS_DIR) \
	  --daemonize yes --pidfile $(abspath $(REDIS_DIR))/redis.pid --logfile $(abspath $(REDIS_DIR))/redis.log \
	  && echo "redis-server on 127.0.0.1:$(REDIS_PORT) (make redis-stop stops it)"; fi

redis-stop:
	redis-cli -p $(REDIS_PORT) shutdown nosave

worker: setup $(if $(filter redis://127.0.0.1:%,$(REDIS_URL)),redis)
	$(OGI) worker --redis $(REDIS_URL) $(if $(SOURCE),--source $(SOURCE)) $(subst $(comma), ,$(URL))

writer: setup $(if $(filter redis://127.0.0.1:%,$(REDIS_URL)),redis)
	$(OGI) writer --redis $(REDIS_URL) --db $(ARCHIVE_DB)

clean:
	rm -rf $(VENV) $(ARCHIVE_DB) $(PUBLISHED) $(basename $(ARCHIVE_DB)).httpcache warc .pytest_cache $(REDIS_DIR)
