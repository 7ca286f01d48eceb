"""Use cases (DESIGN §8): one command per use case, called by every door (API, screens, bulk actions,
CLI, jobs). See :mod:`app.commands.base` for the transaction and audit contract."""
