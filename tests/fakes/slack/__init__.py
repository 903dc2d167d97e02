"""A fake Slack on 127.0.0.1: Web API, Socket Mode and signed HTTP delivery.

Import it from ``tests.fakes.slack_server``.
"""
