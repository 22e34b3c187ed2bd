"""The story of an event: the curated, published record of a chat hour (or of a tweetchat whose
transcript was imported), made by staff from the event's approved messages, with headings and short
linking text of their own, in the order they choose, under the consultation's questions.

- models.py: Story, StoryItem (its parts in order), StoryEdit (each change after publishing);
  StoryItem.objects.public(), the one place deciding which parts the public sees: a reply only while
  its answer is in Comment.objects.published()
- editing.py: every change to a story (start, details, add a message, add a heading or linking
  text, move, remove, publish), each in one transaction
- transcripts.py: a tweetchat's transcript imported (analysis/imports.py) as an event's messages

Pages: the editor and its preview in staff/stories.py, the public story in public/stories.py.
"""
