"""``tier0 demo seed``: a realistic month of help-desk activity, made by the real engine.

Simulated people ask, press buttons and rate; simulated agents claim, reply, escalate and
resolve, all as events through ``Engine.handle`` with a simulated clock, and the SLA jobs
sweep as ``tier0 run`` would. The database ends up with exactly what the bot would have
written, so reports, KB gaps and ``tier0 tickets`` have something true to show.
"""

from tier0.demo.month import SeedSummary, seed_month

__all__ = ["SeedSummary", "seed_month"]
