"""The composition root: reads the settings, builds the core, storage, KB and adapters, runs them.

Nothing below imports this package; it imports everything."""
