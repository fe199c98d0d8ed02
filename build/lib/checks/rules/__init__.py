"""Check modules: one module per category, imported by :func:`checks.registry.load_builtin`."""
