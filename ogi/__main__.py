from ogi.cli import cli

cli(prog_name="ogi")
