"""tier0's platform-neutral core: events in, actions out."""
