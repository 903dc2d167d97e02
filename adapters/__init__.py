"""Platform adapters: translate platform input into tier0 events and render actions back.

Each adapter only translates; what to say and whether it is allowed is the engine's job.
"""
