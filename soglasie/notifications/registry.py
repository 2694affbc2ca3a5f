"""The external channels a process delivers through, built from the settings."""

from __future__ import annotations

from soglasie.notifications.channels import Channel
from soglasie.settings import Settings


def external_channels(settings: Settings) -> dict[str, Channel]:
    """Channel objects by outbox channel name; empty when no external channel is configured."""
    channels: dict[str, Channel] = {}
    if settings.telegram_enabled:
        settings.require_secret_key()  # its buttons are signed: fail here, with the fix named, not mid-delivery
        from soglasie.telegram_bot.channel import TelegramChannel  # imported only when switched on

        channels["telegram"] = TelegramChannel(settings)
    return channels
