"""Staged release: move an environment's application to a new version behind its router with the
spec's strategy (blue-green, rolling, canary, recreate), judged by health and metric gates,
rolled back automatically, paused for approval, and resumable after a crash. See
docs/release.md."""
