"""A consultation's events: a chat hour held on the portal, or a meeting held elsewhere (in person or
online), with their sign-ups, the live chat's messages, and the notes published afterwards.

- models.py: Event, ChatMessage, EventSignUp
- chat.py: a chat hour on the portal: replies stored as answers in the participant's chat
  response, the host's questions and messages, what the chat shows (docs/chat.md)
- live.py: what keeps open chat pages up to date: the cache token their polls are answered 304
  from, and decisions on replies' comments followed by their messages
- signups.py: every write to a sign-up (places first come first served, the waiting list,
  cancelling and promoting, the reminder the day before), each in one transaction with its emails
- calendar.py: an event as an iCalendar (.ics) file
- notes.py: publishing the notes after an event

Its public pages are guidance/public/events.py, its staff pages guidance/staff/admin/events.py and
guidance/staff/events.py; sign-ups' retention and erasure are guidance/privacy/retention.py's.
docs/events.md says what it does for people.
"""
