"""The `drbdeck` command line."""
