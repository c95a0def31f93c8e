"""``python -m neuroplug``: the command line from a source checkout."""

from .cli import main

raise SystemExit(main())
