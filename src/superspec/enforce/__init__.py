"""Maven-Enforcer-style rules over toolchains and dependency graphs, for several ecosystems."""
