"""Subcommands of the `layerlint` command line; each module has HELP, add_arguments, run."""
