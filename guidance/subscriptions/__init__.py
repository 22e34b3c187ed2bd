"""Hearing when something happens, without an account: email subscriptions, confirmed twice (double
opt-in), to all of an organisation's consultations or to one, and the daily digest of what was
announced (a consultation opened, closes in a week, has its outcome published).

- models.py: Subscriber (an address: personal data), Subscription, Announcement, Told
- subscribing.py: the writes: asking, confirming, ending, erasing, forgetting the unconfirmed;
  and announce_due(), the worker's housekeeping that records announcements and queues digests
The emails themselves are built in guidance/mail/emails.py; the pages are guidance/public/subscribing.py.
"""
