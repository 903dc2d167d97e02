"""A fake Discord (REST + gateway) on 127.0.0.1 for testing bots built on discord.py.

Import from :mod:`tests.fakes.discord_server`; this package holds the pieces.
"""
