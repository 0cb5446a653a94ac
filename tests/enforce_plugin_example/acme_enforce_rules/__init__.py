"""acme's enforce rules for superspec."""
