"""Notices: what follows from each domain event — who is told what, in Chinese."""
