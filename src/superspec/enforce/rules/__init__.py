"""Built-in rules, one module each; registered as ``superspec.rules`` entry points."""
