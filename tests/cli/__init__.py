"""Tests of adapter/cli/: the `venue-balances` command and its subcommands, run as a desk runs
them (a subprocess) unless a test needs to reach inside."""
