"""Modal screens: proposal, confirmations, live switch, help."""
