"""``python -m evalkit`` runs the command line."""

import sys

from evalkit.cli import main

# The guard matters: scorer worker processes (forkserver/spawn) import the main module as
# ``__mp_main__`` and must not run the command line again.
if __name__ == "__main__":
    sys.exit(main())
