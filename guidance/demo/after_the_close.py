"""The demo consultation as it stands after its close (`manage.py load_demo --after-the-close`):
example responses, how they were moderated and coded into themes, the second version of the
guidance, and what INVOLVE did about what it heard.

Everything here is example data written for this demonstration. The respondents are not real
people ("Example respondent 12", addresses at example.org and example.com), their words are not
anyone's, and the second version is this project's own plausible revision of its summary of the
draft (guidance/demo/open_consultation.py), not the text INVOLVE published in 2018.

Targets are written as the consulted version's section numbers (1 to 15) or as "Q1" to "Q6".
"""

from guidance.models import ModerationReason, Outcome, Response

CHANGED = Outcome.Kind.CHANGED
COVERED = Outcome.Kind.COVERED
OUT_OF_SCOPE = Outcome.Kind.OUT_OF_SCOPE
LATER = Outcome.Kind.LATER

# The member of staff the demo's decisions, links and outcome are recorded against. Inactive and
# without a password: the history shows a name, and nobody can sign in as them.
STAFF = {"username": "example-staff", "first_name": "Example", "last_name": "staff member"}

# When things happened, in days after the close: the account written, the links confirmed, the
# outcome published (with the second version) and, for those who asked, the email saying so.
OUTCOME_WRITTEN_DAYS = 14
LINKS_CONFIRMED_DAYS = 17
OUTCOME_PUBLISHED_DAYS = 21

# The #Qcopro chat hour's notes, published this many days after it (example text, like the rest).
CHAT_HOUR_NOTES_DAYS = 2
CHAT_HOUR_NOTES = """About 40 people took part in the hour: patients, carers, researchers and people who support public involvement.

## What people said

- **The principles:** most agreed with the five principles. Several asked for clearer words on *sharing power*, with examples of who holds the budget and who decides.
- **Barriers:** funding rules and short timescales came up most, then payment for public partners and how universities' processes work.
- **Advice:** start early, budget for involvement, and agree ground rules together.
- **Dangers of not co-producing:** research that asks the wrong questions, and findings that people do not trust or use.

## What happens next

These notes are a summary. The answers people gave in the chat count as responses to the consultation, and are read with all the others.
"""

NEXT_DOCUMENT = {
    "slug": "guidance-co-producing-research-project",
    "title": "Guidance on co-producing a research project",
    "version_label": "Second version, written for this demonstration",
    "source_url": "",
}

KEY_PRINCIPLES = "Key principles"
KEY_FEATURES = "Key features"

# The second version: (number, part, title, slug, Markdown body, the consulted sections it comes
# from). Unchanged: 3, 4, 7 and 12. Renamed: 9 (same text). Split: consulted 5 became 5 and 11.
# Merged: consulted 6 and 10 became 6. New: 14. Removed: consulted 14, "Putting it into practice".
# Reworded: the rest. A body of None keeps the consulted section's text word for word.
NEXT_SECTIONS = [
    (
        1,
        "",
        "Introduction: what is co-producing a research project?",
        "introduction",
        "Co-producing a research project means researchers, practitioners and members of the public working together as partners, sharing power and responsibility from the start of the project to the end. This guidance sets out the principles behind co-production and the features you would expect to see in a co-produced project. It does not offer a strict definition: the values behind the work matter more than any technique, and there is room for new approaches. Partnerships can involve community or patient organisations as well as individuals. A team might co-produce a whole project or only some stages; if only some, it should say which, and why. The guidance is meant to steer and challenge practice. It is not a step-by-step manual, and co-production is not the only good way to involve the public in research.",
        (1,),
    ),
    (
        2,
        KEY_PRINCIPLES,
        "Sharing of power",
        "sharing-of-power",
        "Everyone in the partnership jointly owns the research. Public partners are not advisers who can be consulted and then ignored: people with different backgrounds work until they reach a shared understanding of what the project is for and how it will run. In practice this means being honest about where power sits now, such as control of the budget, the protocol or authorship, and agreeing openly how decisions will be shared. Some power cannot be shared by the team, because a funder, sponsor or employer holds it; say so at the start rather than leave partners to find out later. Sharing power is the idea that most clearly separates co-production from lighter forms of involvement.",
        (2,),
    ),
    (3, KEY_PRINCIPLES, "Including all perspectives and skills", "including-all-perspectives-and-skills", None, (3,)),
    (
        4,
        KEY_PRINCIPLES,
        "Respecting and valuing everyone's knowledge",
        "respecting-and-valuing-everyones-knowledge",
        None,
        (4,),
    ),
    (
        5,
        KEY_PRINCIPLES,
        "Reciprocity",
        "reciprocity",
        "Everyone who puts time and effort into the project should get something back. For public partners this may be new skills, confidence, experience or the satisfaction of making a difference; how they are paid and credited is in the section on paying and recognising everyone's contribution. Researchers gain too, through more relevant questions and better-designed studies. Reciprocity means planning these benefits from the start rather than leaving them to chance. Ask each person at the start what they hope to gain, come back to it during the project, and tell partners afterwards what difference their input made. Without that feedback, people can feel used rather than valued.",
        (5,),
    ),
    (
        6,
        KEY_PRINCIPLES,
        "Building and maintaining relationships",
        "building-and-maintaining-relationships",
        "Power cannot be shared without good relationships. The team needs a shared understanding of its goals, agreement on how it will work, and clarity about who does what. Teams should set aside time and money to get to know one another and build trust, starting before the funding application where they can: informal contact, shared activities and honest reflection on assumptions and power all help. Relationships also need continuing care: regular contact, attention to people's wellbeing, and support for each person to develop and use their abilities. Trust takes time to build and can be lost quickly, and staff turnover and short contracts put it at risk, so plan for handovers. Good relationships help teams get through disagreements, which are normal in co-production, and many partnerships go on to later studies.",
        (6, 10),
    ),
    (7, KEY_FEATURES, "Establishing ground rules", "establishing-ground-rules", None, (7,)),
    (
        8,
        KEY_FEATURES,
        "Continuing dialogue",
        "continuing-dialogue",
        "Conversation is not a one-off at the start. Partners keep talking throughout the project. This helps them understand the different kinds of knowledge in the room, clarify responsibilities and expectations as things change, and strengthen working relationships. Regular check-ins give people a chance to raise concerns before they grow. Dialogue should suit different people: face-to-face meetings, phone calls, post, email or online tools, in accessible formats and plain language, at times that suit people with jobs or caring responsibilities. It should also run both ways, so partners hear what happened to their suggestions and why, even when those suggestions could not be taken up.",
        (8,),
    ),
    (9, KEY_FEATURES, "Making key decisions together", "making-key-decisions-together", None, (9,)),
    (
        10,
        KEY_FEATURES,
        "Opportunities for personal growth and development",
        "opportunities-for-personal-growth-and-development",
        "Co-production should leave people more capable than before. Everyone involved, public partners and researchers alike, can learn new skills and build confidence and experience. Teams can support this through training, mentoring, shadowing and chances to take on new roles, matched to what each person wants to develop. Training works best when public partners and researchers learn together, and when its cost is in the budget from the start. Development should be planned, not assumed: ask people early what they would like to learn, provide support to match, and recognise achievements, for example with references or certificates. Researchers often find they learn as much as anyone else.",
        (11,),
    ),
    (
        11,
        KEY_FEATURES,
        "Paying and recognising everyone's contribution",
        "paying-and-recognising-everyones-contribution",
        "Public partners should be paid fairly for their time and have their expenses covered, promptly and in ways that do not put their benefits or tax position at risk: check this with each person before paying them. Agree the rates and how payment will be made before the work starts, and put them in the budget of the funding application. Some people prefer not to be paid, or cannot be; offer other ways to recognise their contribution. Credit matters as much as money: name partners in reports and presentations, and offer co-authorship where their contribution meets the usual criteria.",
        (5,),
    ),
    (12, KEY_FEATURES, "Flexibility", "flexibility", None, (12,)),
    (
        13,
        KEY_FEATURES,
        "Valuing and evaluating the impact",
        "valuing-and-evaluating-the-impact",
        "Teams should recognise what co-production has added, and try to capture it: effects on the research itself, on the people involved and on what the findings change. Evaluating this, even simply, helps the team learn and adds to the wider evidence about when and how co-production works best. Evaluation should itself be co-produced, and kept in proportion: partners can help decide what counts as success and how to capture it, using simple tools such as reflective logs, short surveys or group discussions. Sharing what did not work is as useful as reporting successes, so publish both.",
        (13,),
    ),
    (
        14,
        "",
        "Planning time and resources",
        "planning-time-and-resources",
        "Co-production takes longer and costs more than research done without partners, especially at the start. Plan for it:\n\n- time before the funding application to build the partnership;\n- money for payment, expenses, training, accessible venues and materials;\n- staff time to support public partners;\n- time in the timetable for decisions to be made together.\n\nFunders can help by paying for development work before a grant, allowing flexible budgets and asking applicants how they have planned for co-production. If time or money runs short, talk with partners about what to do, rather than quietly dropping the parts of the work that involve them.",
        (),
    ),
    (
        15,
        "",
        "Challenges and next steps",
        "challenges-and-next-steps",
        "Co-production strains the usual ways research is set up, funded, carried out and managed: funding rules and timescales, institutional processes, payment arrangements, and long-standing power gaps between professionals and the public. This guidance does not solve these. The people who responded to the consultation on the draft described many of them, and ways they got round them. INVOLVE will work with funders and research organisations on the barriers it cannot remove alone, and will collect and share examples of co-production in practice.",
        (15,),
    ),
]

PAYMENT = "Payment and recognition"
PLAIN = "Plain language"
POWER = "Power sharing"
TIME = "Time and resources"
TRAINING = "Training"
EVERYONE = "Including everyone"

THEMES = {
    PAYMENT: "Paying public partners, expenses, effects on benefits, credit and co-authorship.",
    PLAIN: "Jargon, hard words, repetition, and asking for a clearer definition.",
    POWER: "Who really decides: budgets, protocols, funders, institutions, tokenism.",
    TIME: "Time, money and timescales that co-production needs, before and during a project.",
    TRAINING: "Training, mentoring and support, for public partners and researchers.",
    EVERYONE: "Reaching people who are seldom heard; access, meeting times and formats.",
}

ONLINE, EMAIL, EVENT, POST = (
    Response.Channel.ONLINE,
    Response.Channel.EMAIL,
    Response.Channel.EVENT,
    Response.Channel.POST,
)
NAMED, ANONYMOUS, PRIVATE = (
    Response.Consent.PUBLISH_NAMED,
    Response.Consent.PUBLISH_ANONYMOUS,
    Response.Consent.DO_NOT_PUBLISH,
)
T = Response.RespondentType

# fmt: off
# Respondent n is "Example respondent n": (type, channel, publication choice, asked to be told
# what happened, organisation). Those who wrote online or by email have an example address.
RESPONDENTS = [
    (T.PATIENT, ONLINE, NAMED, True, ""),
    (T.RESEARCHER, ONLINE, ANONYMOUS, False, ""),
    (T.CARER, ONLINE, ANONYMOUS, True, ""),
    (T.PUBLIC, ONLINE, NAMED, False, ""),
    (T.ORGANISATION, ONLINE, NAMED, False, "Example Patients' Research Forum"),
    (T.PROFESSIONAL, ONLINE, ANONYMOUS, False, ""),
    (T.RESEARCHER, EMAIL, NAMED, False, ""),
    (T.PATIENT, ONLINE, ANONYMOUS, False, ""),
    (T.CARER, ONLINE, PRIVATE, False, ""),
    (T.PUBLIC, EVENT, ANONYMOUS, False, ""),
    (T.RESEARCHER, ONLINE, NAMED, True, ""),
    (T.ORGANISATION, EMAIL, NAMED, False, "Example University public involvement team"),
    (T.PATIENT, ONLINE, ANONYMOUS, False, ""),
    (T.PROFESSIONAL, ONLINE, NAMED, False, ""),
    (T.PUBLIC, EVENT, ANONYMOUS, False, ""),
    (T.CARER, ONLINE, ANONYMOUS, False, ""),
    (T.RESEARCHER, ONLINE, ANONYMOUS, False, ""),
    (T.PATIENT, POST, NAMED, False, ""),
    (T.OTHER, ONLINE, ANONYMOUS, False, ""),
    (T.ORGANISATION, ONLINE, NAMED, True, "Example Mental Health Service Users' Network"),
    (T.PUBLIC, ONLINE, ANONYMOUS, False, ""),
    (T.RESEARCHER, ONLINE, PRIVATE, False, ""),
    (T.PATIENT, EVENT, ANONYMOUS, False, ""),
    (T.PROFESSIONAL, EMAIL, ANONYMOUS, False, ""),
    (T.CARER, ONLINE, NAMED, False, ""),
    (T.RESEARCHER, ONLINE, ANONYMOUS, False, ""),
    (T.PUBLIC, ONLINE, ANONYMOUS, False, ""),
    (T.PATIENT, ONLINE, NAMED, True, ""),
    (T.ORGANISATION, ONLINE, NAMED, False, "Example Research Charity"),
    (T.RESEARCHER, EVENT, ANONYMOUS, False, ""),
    (T.PROFESSIONAL, ONLINE, ANONYMOUS, False, ""),
    (T.PATIENT, ONLINE, ANONYMOUS, False, ""),
    (T.CARER, EMAIL, ANONYMOUS, False, ""),
    (T.PUBLIC, ONLINE, NAMED, False, ""),
    (T.RESEARCHER, ONLINE, ANONYMOUS, False, ""),
    (T.OTHER, ONLINE, PRIVATE, False, ""),
    (T.PATIENT, ONLINE, ANONYMOUS, False, ""),
    (T.ORGANISATION, EMAIL, NAMED, False, "Example NHS Trust research office"),
    (T.PUBLIC, ONLINE, ANONYMOUS, False, ""),
    (T.RESEARCHER, ONLINE, NAMED, False, ""),
]

# (respondent, target, what they wrote, themes). An answer to a choice question is
# (the option chosen, the words in its explanation box).
COMMENTS = [
    # 1. Introduction
    (4, 1, "The introduction should say in one sentence what co-production is. I read it twice and still could not explain it to a friend.", [PLAIN]),
    (13, 1, "Please put a short, plain definition at the top. 'Create the knowledge together' sounds good, but what does it mean in practice?", [PLAIN]),
    (2, 1, "Leaving the definition open is right. A strict definition would soon become a box-ticking test.", []),
    (21, 1, "Say clearly that a project can co-produce some stages and not others, and that teams should be honest about which.", [POWER]),
    (35, 1, "Good to see that co-production is not presented as the only valid way to involve the public.", []),
    # 2. Sharing of power
    (1, 2, "In my experience the budget is where power really sits. If public partners never see the budget, they are not sharing power, whatever the minutes say.", [POWER]),
    (11, 2, "Be realistic: some power sits with funders and sponsors and cannot be shared by the research team. Say so, rather than promise what teams cannot deliver.", [POWER]),
    (20, 2, "Our members have been told they were co-producers and then found the protocol had already been written. The guidance should say plainly that this is not co-production.", [POWER]),
    (27, 2, "Examples of what sharing power looks like from week to week would help, not only the principle.", [POWER]),
    (31, 2, "Sharing power takes time that most grant timetables do not allow for.", [POWER, TIME]),
    (38, 2, "Research offices need to understand this too: contracts and sign-off rules often assume the lead researcher decides everything.", [POWER]),
    # 3. Including all perspectives and skills
    (8, 3, "Meetings are nearly always in office hours in city centres. That shuts out people who work or care for someone.", [EVERYONE, TIME]),
    (16, 3, "As a carer I can only take part if I can join from home at short notice. Please mention remote options.", [EVERYONE]),
    (29, 3, "Ask who is missing at every stage, not only at the start. We see the same few faces on every project.", [EVERYONE]),
    (37, 3, "Easy-read versions of papers made a big difference to our group.", [EVERYONE, PLAIN]),
    (34, 3, "Include young people. They are almost never asked.", [EVERYONE]),
    (15, 3, "The lead researcher on my last study, Dr A. Sample at our local hospital, ignored everything the patient group said.", []),
    # 4. Respecting and valuing everyone's knowledge
    (23, 4, "Lived experience is knowledge, not anecdote. I am glad the guidance says so plainly.", []),
    (6, 4, "Who gets introduced first at a meeting says a lot. A good detail to include.", []),
    (25, 4, "Public partners should see drafts early enough to change them, not the day before a deadline.", [POWER, TIME]),
    (17, 4, "Researchers need support to value other kinds of knowledge too; it does not come naturally after years of academic training.", [TRAINING]),
    # 5. Reciprocity
    (1, 5, "Payment must be fair and on time. I once waited four months for my expenses, which I could not afford.", [PAYMENT]),
    (3, 5, "Payments can affect benefits. The guidance should say that teams must check this with each person before paying them.", [PAYMENT]),
    (5, 5, "Payment deserves a section of its own. Reciprocity is about more than money, and payment is about more than reciprocity.", [PAYMENT]),
    (9, 5, "I was paid less for a whole day's work than the researchers' train fares.", [PAYMENT]),
    (13, 5, "Recognition matters too: being named as a co-author meant more to me than the fee.", [PAYMENT]),
    (19, 5, "Some people do not want to be paid, or are not allowed to be. Offer other ways to say thank you.", [PAYMENT]),
    (28, 5, "Tell us afterwards what difference we made. Too often we never hear what happened.", []),
    (32, 5, "Please add a recommended hourly rate for public partners.", [PAYMENT]),
    # 6. Building and maintaining relationships
    (14, 6, "Sections 6 and 10 say much the same thing. Could they be combined?", [PLAIN]),
    (25, 6, "Trust is lost quickly when staff leave and nobody tells the public partners. Plan for handovers.", [TIME]),
    (33, 6, "Relationships need care between meetings too: a phone call goes a long way.", []),
    # 7. Establishing ground rules
    (18, 7, "Ground rules should include how people will be told about changes to meeting dates.", []),
    (39, 7, "We wrote ours together and it worked far better than the template we were handed on a previous project.", []),
    (27, 7, "The car park at the hospital is far too expensive for visitors.", []),
    # 8. Continuing dialogue
    (10, 8, "Avoid jargon in emails and papers. Acronyms without explanation shut people out.", [PLAIN]),
    (16, 8, "Please say that meetings should be at times that suit people with jobs and caring duties.", [EVERYONE, TIME]),
    (21, 8, "Feedback on what happened to our suggestions is the part most often missed.", []),
    (24, 8, "Short regular check-ins worked better for our team than long quarterly meetings.", []),
    # 9. Joint ownership of key decisions
    (4, 9, "'Joint ownership of key decisions' is jargon. Why not 'making key decisions together'?", [PLAIN]),
    (19, 9, "Recording how decisions were made is a good idea: it protects everyone when memories differ.", [POWER]),
    (30, 9, "The research question is the decision that matters most, and it is the one most often made before the public are involved.", [POWER]),
    (35, 9, "Funders' requirements do limit what can be decided together. Good that the guidance asks teams to be open about it.", [POWER]),
    # 10. A commitment to relationship building
    (6, 10, "This repeats section 6. Merge them.", [PLAIN]),
    (12, 10, "Funders need to pay for the time spent building relationships before a grant is awarded. At present nobody does.", [TIME]),
    (17, 10, "Short contracts for researchers mean relationships are lost at the end of every grant.", [TIME]),
    # 11. Opportunities for personal growth and development
    (11, 11, "Training public partners and researchers together would help each understand the other.", [TRAINING]),
    (22, 11, "Researchers need training in co-production as much as the public do; most of us have had none.", [TRAINING]),
    (28, 11, "A certificate or a reference was useful when I applied for jobs afterwards.", [PAYMENT]),
    (37, 11, "Please say where people can find training, or whether INVOLVE will provide it.", [TRAINING]),
    # 12. Flexibility
    (26, 12, "Flexibility matters, but funders rarely allow changes to the plan once a grant is awarded.", [TIME]),
    # 13. Valuing and evaluating the impact
    (2, 13, "Keep evaluation light. Teams are already stretched; a short reflective log is enough.", [TIME]),
    (29, 13, "Please encourage teams to publish what did not work. We learn more from it.", []),
    (40, 13, "It would help to point to simple evaluation tools.", [TRAINING]),
    (39, 13, "Evaluation is a waste of time dreamed up by pen-pushers who have never met a patient, and they should be sacked.", []),
    # 14. Putting it into practice
    (5, 14, "This list reads like a checklist, which the guidance says it is not. Put the ideas in the sections they belong to.", [PLAIN]),
    (20, 14, "Budgeting for payment and expenses gets one line here, but it is the thing most often got wrong. It needs more than a bullet point.", [PAYMENT, TIME]),
    (31, 14, "Please provide a template for a payment policy and a role description for public partners.", [PAYMENT]),
    (39, 14, "The ideas are helpful but too general to act on.", []),
    # 15. Challenges and next steps
    (7, 15, "Finance departments are a real barrier: they cannot pay people who are not on the payroll without weeks of paperwork.", [PAYMENT, TIME]),
    (12, 15, "Approval timelines make it hard to involve people before the protocol is fixed.", [TIME, POWER]),
    (24, 15, "Funders' timescales from call to deadline are too short to build a partnership.", [TIME]),
    (36, 15, "Institutions reward publications, not partnerships. Until that changes, co-production will stay on the margins.", [POWER]),
    (13, 15, "Please put a short, plain definition at the top. 'Create the knowledge together' sounds good, but what does it mean in practice?", []),
    # Q1. Does this draft guidance capture the key principles/features?
    (1, "Q1", ("Partly", "The principles are right, but payment is barely mentioned."), [PAYMENT]),
    (2, "Q1", ("Yes", "A clear and honest set of principles."), []),
    (3, "Q1", ("Partly", "It needs more on how payment affects benefits."), [PAYMENT]),
    (4, "Q1", ("Partly", "The words are hard going for people new to research."), [PLAIN]),
    (5, "Q1", ("Partly", "Time and money are missing. Principles without resources stay on paper."), [TIME]),
    (6, "Q1", ("Yes", ""), []),
    (8, "Q1", ("Yes", "It matches what worked on the best project I have been part of."), []),
    (11, "Q1", ("Partly", "Say more about where power cannot be shared."), [POWER]),
    (13, "Q1", ("Partly", "Start with a plain definition."), [PLAIN]),
    (14, "Q1", ("Yes", ""), []),
    (16, "Q1", ("Partly", "Carers' needs are missing."), [EVERYONE]),
    (17, "Q1", ("Yes", "The features are practical and recognisable."), []),
    (19, "Q1", ("No", "It describes an ideal that most projects cannot reach with the funding they have."), [TIME]),
    (20, "Q1", ("Partly", "Payment and recognition should be a principle in their own right."), [PAYMENT]),
    (25, "Q1", ("Yes", ""), []),
    (29, "Q1", ("Partly", "More on reaching people who are seldom heard."), [EVERYONE]),
    (31, "Q1", ("Yes", "Especially the features."), []),
    (32, "Q1", ("Partly", "Too long, and repetitive in places."), [PLAIN]),
    (34, "Q1", ("Yes", ""), []),
    (35, "Q1", ("Partly", "Relationship building appears twice."), [PLAIN]),
    (37, "Q1", ("Yes", ""), []),
    (40, "Q1", ("Partly", "Evaluation needs more detail."), []),
    # Q2. What are the challenges/barriers?
    (1, "Q2", "Slow payment of expenses.", [PAYMENT]),
    (7, "Q2", "Funding timescales leave no time to build a partnership before applying.", [TIME]),
    (9, "Q2", "Being the only patient in a room full of professionals.", [POWER]),
    (11, "Q2", "Institutions' rules on payment and on who may sign off decisions.", [PAYMENT, POWER]),
    (12, "Q2", "No money for the work done before a grant is awarded.", [TIME]),
    (17, "Q2", "Researchers' short contracts: the relationship leaves with the researcher.", [TIME]),
    (22, "Q2", "Lack of training for researchers.", [TRAINING]),
    (24, "Q2", "Approval timelines.", [TIME]),
    (26, "Q2", "Time. Everything else follows from it.", [TIME]),
    (30, "Q2", "Academic incentives: papers count, partnerships do not.", [POWER]),
    (33, "Q2", "Finding someone to take over my caring so I can attend.", [EVERYONE, PAYMENT]),
    (36, "Q2", "Senior staff who see involvement as a box to tick.", [POWER]),
    (38, "Q2", "Payment systems built for staff, not for members of the public.", [PAYMENT]),
    # Q3. What practical advice would you give?
    (2, "Q3", "Start before you have a question, not after.", []),
    (6, "Q3", "Agree payment and expenses in writing before any work starts.", [PAYMENT]),
    (10, "Q3", "Meet people where they are: community centres, not university meeting rooms.", [EVERYONE]),
    (14, "Q3", "Keep a simple log of decisions and who made them.", [POWER]),
    (18, "Q3", "Send papers by post as well as by email, for those of us who are not online.", [EVERYONE]),
    (23, "Q3", "Listen more than you talk.", []),
    (28, "Q3", "Ask partners what they want to get out of it, and check back.", []),
    (34, "Q3", "Budget twice the time you think you will need.", [TIME]),
    (40, "Q3", "Find a mentor who has done it before.", [TRAINING]),
    # Q4. Has anyone been involved in training? If so, what went well?
    (3, "Q4", ("Yes", "A joint workshop with researchers: we learned each other's language."), [TRAINING]),
    (8, "Q4", ("No", ""), []),
    (11, "Q4", ("Yes", "Role play of a steering group meeting helped researchers see it from our side."), [TRAINING]),
    (13, "Q4", ("No", ""), []),
    (17, "Q4", ("Yes", "A short online course: useful, but it said nothing about payment."), [TRAINING, PAYMENT]),
    (20, "Q4", ("Yes", "Training led by experienced public partners worked best."), [TRAINING]),
    (22, "Q4", ("No", "None was offered at my university."), [TRAINING]),
    (27, "Q4", ("No", ""), []),
    (35, "Q4", ("Yes", "Training together with the public partners, not separately."), [TRAINING]),
    (40, "Q4", ("Yes", "Mentoring from a more experienced team."), [TRAINING]),
    # Q5. What are the dangers of not co-producing research?
    (4, "Q5", "Research that answers questions nobody living with the condition was asking.", []),
    (9, "Q5", "Studies that people will not take part in, because the design ignores their lives.", []),
    (15, "Q5", "Public money spent on research that changes nothing.", []),
    (21, "Q5", "Losing the trust of communities that have been let down before.", [EVERYONE]),
    (31, "Q5", "Findings written in language the public cannot use.", [PLAIN]),
    (39, "Q5", "Tokenism: people feel used and do not come back.", [POWER]),
    # Q6. Do you have ideas for research projects?
    (10, "Q6", "How co-production changes recruitment to trials.", []),
    (23, "Q6", "Support at night for carers of people with dementia.", []),
    (30, "Q6", "Comparing ways of paying public partners, and what each means for their benefits.", [PAYMENT]),
    (33, "Q6", "What makes people stay involved over several years.", []),
]

# Comments a moderator did not publish: (respondent, target) -> (reason, in words). Every other
# comment was approved, unless withdrawn below.
REJECTED = {
    (15, 3): (ModerationReason.PERSONAL, "Names a member of hospital staff. The point is made in other published comments."),
    (27, 7): (ModerationReason.OFF_TOPIC, "About hospital parking charges, not the guidance."),
    (39, 13): (ModerationReason.OFFENSIVE, "Abusive about named groups of staff."),
    (13, 15): (ModerationReason.DUPLICATE, "The same words as this respondent's comment on section 1."),
}

# Respondent 26 withdrew the whole response; respondent 21 one comment. Both before a decision.
WITHDRAWN_RESPONSES = [26]
WITHDRAWN_COMMENTS = [(21, 8)]

# "We did", per consulted section: section number -> (kind, Markdown).
SECTION_OUTCOMES = {
    1: (CHANGED, "You asked for a plain definition at the start. The introduction now opens with one sentence saying what co-producing a research project means, and asks teams that co-produce only some stages to say which, and why."),
    2: (CHANGED, "You told us some power sits with funders, sponsors and employers and cannot be shared by the team. The section now says so, and asks teams to be open about it from the start."),
    3: (COVERED, "You stressed reaching people who are seldom heard, and making it possible for them to take part. The section already asks teams who is missing and why, and to remove barriers, so we kept it as it was. Meeting times and formats are now also in \"Continuing dialogue\"."),
    4: (COVERED, "You agreed that lived experience is knowledge. We kept the section as it was; seeing drafts early enough to change them is part of it already."),
    5: (CHANGED, "Payment was what you raised most. We split this section in two: \"Reciprocity\" now covers what everyone gains, and a new section, \"Paying and recognising everyone's contribution\", covers payment, expenses, benefits and credit."),
    6: (CHANGED, "You told us sections 6 and 10 said the same thing twice. We merged them into one section, \"Building and maintaining relationships\", among the key principles, and added planning for handovers when staff leave."),
    7: (COVERED, "We kept this section as it was: it already asks groups to write their own ground rules and to cover practical matters."),
    8: (CHANGED, "We added plain language, post, and meeting times that suit people with jobs or caring responsibilities."),
    9: (CHANGED, "Several of you found \"joint ownership\" hard to follow. We renamed the section \"Making key decisions together\"; its text is unchanged."),
    10: (CHANGED, "Merged into \"Building and maintaining relationships\" (section 6 of the new version), with its point about funding the time spent building relationships before a grant."),
    11: (CHANGED, "We added that training works best when public partners and researchers learn together, and that its cost belongs in the budget from the start."),
    13: (CHANGED, "We added that evaluation should be kept in proportion, and that teams should publish what did not work as well as what did."),
    14: (CHANGED, "You told us the list read as a checklist and repeated the sections. We removed it: its ideas are now in the sections they belong to, and a new section, \"Planning time and resources\", covers budgets and timescales."),
    15: (LATER, "Many of the barriers you described, such as funding rules, approval timelines and payment systems, are beyond what guidance can change. We will work on them with funders and research organisations, and collect examples of co-production in practice."),
}

QUESTION_OUTCOMES = {
    1: ("", "Most of you said the draft captured the key principles and features, or partly did. The gaps you named most were payment, time and money, and plain language; each led to a change in the guidance."),
    2: ("", "The barriers you named most were funding timescales, payment systems and how institutions make decisions. \"Planning time and resources\" is new in the guidance; the rest we will take up with funders and research organisations."),
    4: (LATER, "Thank you for telling us what worked in training. We will use your answers in separate advice on training for co-production."),
}

# "We did", per theme: theme name -> (kind, Markdown).
THEME_OUTCOMES = {
    PAYMENT: (CHANGED, "A new section, \"Paying and recognising everyone's contribution\", covers fair and prompt payment, expenses, effects on benefits, other ways to say thank you, and credit."),
    PLAIN: (CHANGED, "The introduction now starts with a plain definition, \"Joint ownership of key decisions\" is now \"Making key decisions together\", and the two sections on relationships are one."),
    POWER: (CHANGED, "\"Sharing of power\" now says that some power cannot be shared by the team, and that teams should say so at the start."),
    TIME: (CHANGED, "A new section, \"Planning time and resources\", covers the time and money co-production needs, before and during a project."),
    TRAINING: (LATER, "The guidance now says training works best when partners and researchers learn together. We will publish separate advice on training."),
    EVERYONE: (COVERED, "\"Including all perspectives and skills\" already asks who is missing and asks teams to remove barriers. We kept it, and added meeting times and formats to \"Continuing dialogue\"."),
}

# Replies to single comments: (respondent, target) -> (kind, Markdown).
REPLIES = {
    (4, 9): (CHANGED, "Thank you: we renamed the section \"Making key decisions together\"."),
    (32, 5): (OUT_OF_SCOPE, "We have not set a rate: fair rates differ between organisations and kinds of work. The new section on payment asks teams to agree rates before work starts."),
    (31, 14): (LATER, "We have not put templates in the guidance, but we will consider publishing example payment policies and role descriptions alongside it."),
    (37, 3): (COVERED, "The section already asks for accessible documents; easy-read versions are one good way to provide them."),
    (23, "Q6"): (OUT_OF_SCOPE, "Ideas for research are outside this guidance, but thank you for sharing yours."),
}

# fmt: on

OUTCOME = """Thank you to everyone who responded, online, by email, by post and in the #Qcopro tweetchat.
The responses shown in this demonstration are examples written for it, not real people's words.

We have published the second version of the guidance, *Guidance on co-producing a research
project*. The main changes:

- a plain definition at the start of the introduction;
- payment and recognition of public partners in a section of their own;
- a new section on planning the time and resources co-production needs;
- the two sections on relationships merged into one, and "Joint ownership of key decisions"
  renamed "Making key decisions together";
- the list "Putting it into practice" removed, its ideas moved into the sections they belong to.

[What changed](/consultations/co-producing-research/what-changed/) shows, section by section,
how the text changed, what you said and what we did about it.
"""
