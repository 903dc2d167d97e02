"""SQLAlchemy storage: typed models, the repository behind ``bot.store.Store``, migrations."""
