"""Learning: articles drafted from resolved tickets, and the weekly post of unanswered questions."""
