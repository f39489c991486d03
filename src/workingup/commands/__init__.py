"""Typer command functions, one per module, registered on the application in `workingup.cli`."""
