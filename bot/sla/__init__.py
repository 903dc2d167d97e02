"""Service levels: the due times of a ticket, from its priority's targets and the desk's
business hours and holidays (the scheduled sweep that acts on them is ``bot.jobs``)."""
