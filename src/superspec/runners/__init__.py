"""The runners a pipeline stage can run: one registry that everything else derives from."""
