"""Slot extraction: ids, vote choices, ratings, places, categories, dates and times."""
