"""The conversation: one event in, the turn it makes, the answer or hand-over it ends in."""
