"""Languages: the gettext catalogues and every sentence the bot writes, by message id."""
