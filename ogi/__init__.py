"""`ogi`: the operators' command line (crawl, publish, serve, ...); see ogi/cli.py."""
