"""npm: package-lock.json (v2/v3) reading and npm's semver ranges."""
