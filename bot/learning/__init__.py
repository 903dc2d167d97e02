"""Learning: articles drafted from resolved tickets and saved into the KB once an agent
approves them."""
