"""WeCom (企业微信) adapter: staff app callback and pushes, group robots for announcements."""

from bot.adapters.wecom.adapter import WecomAdapter, WecomRobots, WecomSender

__all__ = ["WecomAdapter", "WecomRobots", "WecomSender"]
