"""``python -m mcembed``: the same as the ``mcembed`` command."""

from .cli import main

main()
