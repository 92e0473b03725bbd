"""`python -m adapter` is the `venue-balances` command."""

from adapter.cli import main

raise SystemExit(main())
