"""The container's entry point: run the GitHub Action (see dump_models/action.py)."""

import sys

from dump_models.action import main

if __name__ == "__main__":
    sys.exit(main())
