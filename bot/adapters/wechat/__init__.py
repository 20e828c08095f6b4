"""WeChat Official Account adapter (公众号): callbacks, crypto, API client."""

from bot.adapters.wechat.adapter import WechatAdapter, WechatSender

__all__ = ["WechatAdapter", "WechatSender"]
