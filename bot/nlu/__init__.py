"""The old address of :mod:`nlu`: ``python -m bot.nlu.train`` and ``python -m bot.nlu.evaluate``
keep working for scripts and notes that use them."""
