"""``python -m benchmarks``: run the suite (see benchmarks/README.md)."""

import sys

from .run import main

sys.exit(main())
