"""`python -m soglasie`: the `soglasie` command."""

import sys

from soglasie.cli import main

if __name__ == "__main__":
    sys.exit(main())
