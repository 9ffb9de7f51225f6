"""The decision engine: rule packs (YAML), the scalar interpreter, the columnar NumPy engine."""
