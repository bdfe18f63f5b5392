"""``python -m tools.e2e`` (``./run e2e``): deploy, drill and destroy against the emulator."""

import sys

from tools.e2e.runner import main

if __name__ == "__main__":
    sys.exit(main())
