"""The `regen` command line."""
