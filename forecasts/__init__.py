"""Reading and normalising forecast files; the synthetic forecast generator."""
