"""`python -m bot` is `migo-bot`."""

from bot.cli import main

raise SystemExit(main())
