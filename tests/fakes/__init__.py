"""Fake chat platforms on 127.0.0.1 speaking the real wire protocols to the real clients."""
