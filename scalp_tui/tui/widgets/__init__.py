"""One module per widget of the console."""
