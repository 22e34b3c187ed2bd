"""A consultation's events: a chat hour held on the portal, or a meeting held elsewhere (in person or
online), with their sign-ups, the live chat's messages, and the notes published afterwards.

- models.py: Event, ChatMessage (and the sign-ups)
- chat.py: a chat hour on the portal: replies stored as answers in the participant's chat
  response, the host's questions and messages, what the chat shows (docs/chat.md)
- live.py: what keeps open chat pages up to date: the cache token their polls are answered 304
  from, and decisions on replies' comments followed by their messages
"""
