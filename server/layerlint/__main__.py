"""`python -m layerlint` runs the same command line as the `layerlint` script."""

import sys

from layerlint.cli import main

sys.exit(main())
