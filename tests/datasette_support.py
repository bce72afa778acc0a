"""Datasette in process, configured as `make serve` serves the archive."""

import asyncio
import json

from datasette.app import Datasette
from support import ROOT

METADATA = json.loads((ROOT / "datasette-metadata.json").read_text(encoding="utf-8"))


def datasette_get(path):
    """A get(url, **params) over the archive file at path (named archive.db)."""
    datasette = Datasette(
        immutables=[str(path)],
        metadata=METADATA,
        plugins_dir=str(ROOT / "plugins"),
        config_dir=ROOT / "datasette-config",
    )

    def get(url, **params):
        async def fetch():
            return await datasette.client.get(url, params=params)

        return asyncio.run(fetch())

    return get
