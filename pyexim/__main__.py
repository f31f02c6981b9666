"""``python -m pyexim`` runs the command line, as the ``pyexim`` script does."""

from pyexim.cli.main import command

command()
