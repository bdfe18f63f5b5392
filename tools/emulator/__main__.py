"""``python -m tools.emulator``: serve until Ctrl-C."""

from tools.emulator.server import main

raise SystemExit(main())
