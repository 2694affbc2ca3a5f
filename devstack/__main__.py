"""`python -m devstack` (what `make run` runs): the stack until Ctrl-C."""

import sys

from devstack.stack import main

if __name__ == "__main__":
    sys.exit(main())
