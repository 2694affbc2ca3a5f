"""Notifications: message texts, the outbox writer, and the channels that deliver them."""
