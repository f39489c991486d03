"""Working Up: a convergence dialogue for action, from a balanced table's votes to a tracked action agenda."""

__version__ = "0.1.0"
