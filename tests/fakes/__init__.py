"""Fake chat platforms on 127.0.0.1 that speak the real wire protocols to the real client libraries."""
