"""A consultation's events: a chat hour held on the portal, or a meeting held elsewhere (in person or
online), with their sign-ups, the live chat's messages, and the notes published afterwards.

- models.py: Event, ChatMessage (and the sign-ups)
"""
