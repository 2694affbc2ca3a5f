"""The Telegram bot: linking chats, delivering the outbox with buttons, acting from the chat.

Never name a module here `telegram.py`: the library is `telegram`.
"""
