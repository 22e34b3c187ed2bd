"""The demo consultation: INVOLVE's 2017 draft guidance on co-producing research.

The section texts are summaries written for this project in its own words, not INVOLVE's text;
the interface labels them as such (see DOCUMENT["version_label"]). The questions are verbatim
from the 2017 announcement.
"""

import datetime
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")

DOCUMENT = {
    "slug": "draft-guidance-co-producing-research",
    "title": "Draft guidance on co-producing research",
    "version_label": "Summary of the draft prepared for this demonstration",
    "source_url": "",
}

CONSULTATION = {
    "slug": "co-producing-research",
    "title": "Draft guidance on co-producing research: have your say",
    "organisation": "INVOLVE (National Institute for Health Research)",
    "summary": "INVOLVE has drafted guidance on what it means to co-produce a research project: the principles behind it, the features you would expect to see, and the challenges still to solve. We want to hear from patients, carers, members of the public, researchers and practitioners about whether it gets things right.",
    "contact_email": "involve@example.org",
    "event_note": "#Qcopro tweetchat, run with the Health Foundation's Q community",
    "event_starts_at": datetime.datetime(2017, 10, 9, 20, 0, tzinfo=LONDON),
    "event_ends_at": datetime.datetime(2017, 10, 9, 21, 0, tzinfo=LONDON),
}

# The #Qcopro tweetchat (Monday 9 October 2017, 8pm to 9pm UK time) as a chat hour on the portal:
# on a Monday at 8pm, some weeks into the open period (load_demo places it: chat_hour_starts).
CHAT_HOUR = {
    "slug": "qcopro-chat-hour",
    "kind": "chat",
    "title": "#Qcopro chat hour",
    "description": (
        "An hour to talk about the draft guidance together, as INVOLVE's #Qcopro tweetchat did in 2017 with the "
        "Health Foundation's Q community. A host puts the six consultation questions one at a time, and you reply "
        "in the chat. What you write counts as your answer to the question, as if you had sent it on the form."
    ),
    "accessibility": (
        "The chat works with a screen reader and with the keyboard alone. You can reply at your own pace: the "
        "questions stay open after the hour, on the consultation's questions page."
    ),
    "moderation": "before",
    "signup_open": True,
}
CHAT_HOUR_WEEKDAY = 0  # Monday
CHAT_HOUR_AT = datetime.time(20, 0)
CHAT_HOUR_WEEKS_IN = 3

# Each question: its text verbatim from the announcement, a hint written for this portal, and how
# it is asked (guidance/responses/answers.py): Q1 as Yes / Partly / No with an explanation, Q4 as Yes / No
# with "If so, what went well?", the others in words.
QUESTIONS = [
    {
        "text": "Does this draft guidance capture the key principles/features involved in co-producing research?",
        "hint": "For example, is anything missing, unclear or wrong in the principles and features?",
        "kind": "one",
        "options": ["Yes", "Partly", "No"],
        "explain_label": "Please explain",
    },
    {
        "text": "What are the challenges/barriers to co-producing research?",
        "hint": "Think about funding, time, payment, how institutions work, or anything else that has got in the way.",
    },
    {
        "text": "What practical advice would you give to someone thinking of co-producing research?",
        "hint": "What has worked for you, or what do you wish you had known at the start?",
    },
    {
        "text": "Has anyone been involved in training on co-producing research. If so, what went well?",
        "hint": "Tell us about any training you took part in or ran, and what made it useful.",
        "kind": "one",
        "options": ["Yes", "No"],
        "explain_label": "If so, what went well?",
    },
    {
        "text": "What are the dangers of not co-producing research?",
        "hint": "What can go wrong when research is done without patients, carers and the public as partners?",
    },
    {
        "text": "Do you have ideas for research projects?",
        "hint": "Describe any questions you think researchers and the public should explore together.",
    },
]

# (number, part, title, slug, Markdown body). Sections 2 to 6 are the key principles and 7 to 13 the key features.
SECTIONS = [
    (
        1,
        "",
        "Introduction: what is co-producing a research project?",
        "introduction",
        "Here, co-production means researchers, practitioners and members of the public working as partners on a research project. They share both power and responsibility from the first idea to the final output, and they create the knowledge together. The draft does not offer a strict definition. It argues that the values behind the work matter more than any technique, and it deliberately leaves room for new approaches. Partnerships can involve community or patient organisations as well as individuals. A team might co-produce a whole project or only some stages. The guidance is meant to steer and challenge practice. It is not a step-by-step manual, and it does not claim co-production is the only good way to involve the public.",
    ),
    (
        2,
        "Key principles",
        "Sharing of power",
        "sharing-of-power",
        "Everyone in the partnership jointly owns the research. Public partners are not advisers who can be consulted and then ignored: people with different backgrounds work until they reach a shared understanding of what the project is for and how it will run. In practice this means being honest about where power currently sits, such as control of the budget, the protocol or authorship, and agreeing openly how decisions will be shared. Sharing power is the idea that most clearly separates co-production from lighter forms of involvement.",
    ),
    (
        3,
        "Key principles",
        "Including all perspectives and skills",
        "including-all-perspectives-and-skills",
        "A co-produced team should include everyone who has something to contribute, not just those who are easiest to reach. That can mean people with lived experience, carers, frontline practitioners and researchers from different disciplines. Including people means removing barriers: accessible venues and documents, plain language, suitable meeting times and support for people who need it. The aim is a team whose mix of experience fits the questions the research is asking. Teams should also ask who is missing, and why, and keep checking this as the project moves from design to delivery and dissemination.",
    ),
    (
        4,
        "Key principles",
        "Respecting and valuing everyone's knowledge",
        "respecting-and-valuing-everyones-knowledge",
        "Each person's knowledge counts equally, whether it comes from academic training, professional practice or lived experience. Nobody's contribution is treated as secondary or \"just anecdotal\". Teams show this respect in how they run meetings, whose ideas shape the work, and how contributions are credited in reports and publications. It also shows in small details, such as who is introduced first at meetings, whose time is paid for, and whether public partners see drafts early enough to change them. When some people's views keep being overruled, the team should stop and ask why.",
    ),
    (
        5,
        "Key principles",
        "Reciprocity",
        "reciprocity",
        "Everyone who puts time and effort into the project should get something back. For public partners this may be fair payment, but also new skills, confidence, experience or the satisfaction of making a difference. Researchers gain too, through more relevant questions and better-designed studies. Reciprocity means planning these benefits from the start rather than leaving them to chance. It helps to ask each person at the start what they hope to gain, revisit this during the project, and tell partners afterwards what difference their input made. Without that feedback, people can feel used rather than valued.",
    ),
    (
        6,
        "Key principles",
        "Building and maintaining relationships",
        "building-and-maintaining-relationships",
        "Power cannot be shared without good relationships. The team needs a shared understanding of its goals, agreement on how it will work, and clarity about who does what. Relationships also need continuing care: regular contact, attention to people's wellbeing, and a commitment to helping each person develop and use their abilities. Trust takes time to build and can be lost quickly, so it needs protecting for the whole life of the project. Good relationships also help teams get through disagreements, which are normal in co-production.",
    ),
    (
        7,
        "Key features",
        "Establishing ground rules",
        "establishing-ground-rules",
        "Early on, the group agrees together how it will work. This can cover how meetings run, how people speak to and listen to each other, confidentiality, and how disagreements are handled. Agreed ground rules help everyone feel their contribution is safe and respected. They also give the group something to look back at when tensions arise. Ground rules work best when the whole group writes them rather than adopting a template, and when they are revisited as new members join or circumstances change. They should cover practical matters too, such as how papers are shared and how much notice people get before meetings.",
    ),
    (
        8,
        "Key features",
        "Continuing dialogue",
        "continuing-dialogue",
        "Conversation is not a one-off at the start. Partners keep talking throughout the project. This helps them understand the different kinds of knowledge in the room, clarify responsibilities and expectations as things change, and strengthen working relationships. Regular check-ins give people a chance to raise concerns before they grow. Dialogue should suit different people: face-to-face meetings, phone calls, email or online tools, in accessible formats. It should also run both ways, so partners hear what happened to their suggestions and why, even when those suggestions could not be taken up.",
    ),
    (
        9,
        "Key features",
        "Joint ownership of key decisions",
        "joint-ownership-of-key-decisions",
        "Major choices are made together rather than announced by one party. These include the research question, the methods, who should be involved and when, and how results will be shared. When decisions are genuinely shared, the principle of sharing power becomes visible in practice. Teams may find it useful to record how key decisions were reached. Joint ownership does not mean everyone must do every task. It means nobody is presented with a finished decision they had no chance to shape. When outside constraints, such as funder requirements, limit what can be decided together, the team should say so openly.",
    ),
    (
        10,
        "Key features",
        "A commitment to relationship building",
        "a-commitment-to-relationship-building",
        "Teams deliberately set aside time and resources to get to know one another and build trust. That means more than convenience. Informal contact, shared activities and honest reflection on assumptions and power dynamics all help, and funders and managers should allow for this time in project plans. Relationship building starts before the funding application and may continue after the project ends. Many partnerships go on to later studies, so time invested early can pay off well beyond a single grant. Staff turnover and short contracts put this at risk, so continuity deserves thought.",
    ),
    (
        11,
        "Key features",
        "Opportunities for personal growth and development",
        "opportunities-for-personal-growth-and-development",
        "Co-production should leave people more capable than before. Everyone involved, public partners and researchers alike, can learn new skills and build confidence and experience. Teams can support this through training, mentoring, shadowing and chances to take on new roles, matched to what each person wants to develop. Development should be planned, not assumed. Teams can ask people early what they would like to learn, provide support to match, and recognise achievements, for example with references, certificates or co-authorship. Researchers often find they learn as much as anyone else.",
    ),
    (
        12,
        "Key features",
        "Flexibility",
        "flexibility",
        "Co-produced projects rarely go exactly to plan. Teams need room to adapt methods, timetables and roles as they learn, and to respond to people's changing circumstances. Rigid processes can quietly shut partners out. Building slack into plans and budgets makes real partnership more achievable. Flexibility also means accepting that people take part in different ways and to different degrees over time. Someone may step back during a period of illness or caring duties and return later. A good partnership makes that possible without penalty and keeps the door open.",
    ),
    (
        13,
        "Key features",
        "Valuing and evaluating the impact",
        "valuing-and-evaluating-the-impact",
        "Teams should recognise what co-production has added, and try to capture it: effects on the research itself, on the people involved and on what the findings change. Evaluating this, even simply, helps the team learn and adds to the wider evidence about when and how co-production works best. Evaluation should itself be co-produced: partners can help decide what counts as success and how to capture it, using simple tools such as reflective logs, short surveys or group discussions. Sharing what did not work is as useful as reporting successes.",
    ),
    (
        14,
        "",
        "Putting it into practice",
        "putting-it-into-practice",
        "The guidance pairs each principle and feature with ideas for achieving it. Examples include:\n\n- agreeing early how decisions will be made;\n- budgeting for public partners' payment and expenses;\n- making meetings accessible;\n- keeping a simple record of who contributed what;\n- reviewing regularly how well the partnership is working.\n\nThe ideas are prompts, not a checklist. Teams are encouraged to choose what fits their topic, setting and resources. Small steps taken consistently can matter more than ambitious plans that are dropped under pressure.",
    ),
    (
        15,
        "",
        "Challenges and next steps",
        "challenges-and-next-steps",
        "INVOLVE admits that co-production strains the usual ways research is set up, funded, carried out and managed. Examples of the strain include funding rules and timescales, institutional processes, payment arrangements, and long-standing power gaps between professionals and the public. The guidance does not claim to solve these. It names them as work still to be done and invites practical examples of co-production in action. For the consultation, this section asks respondents to describe barriers they have met and ways they got round them.",
    ),
]
