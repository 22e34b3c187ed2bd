"""The pages where the public responds: a section with its comments and comment form, the
questions, and the confirmation after sending. Every page works without JavaScript; a page that
shows what the visitor wrote, their details or their reference is for them alone."""

from django.conf import settings
from django.http import Http404
from django.shortcuts import redirect, render

from guidance.mail.emails import prints_emails
from guidance.models import Comment, SavedForm
from guidance.outcomes.published import target_outcomes
from guidance.public.form_fields import question_field_names
from guidance.public.forms import CommentForm, QuestionsForm
from guidance.public.reading import (
    comments_page_number,
    page_for_new_visitor,
    published_comments_html,
    visit,
    what_changed_public,
)
from guidance.public.submitting import handle_sent_form, is_someone_else, start_again
from guidance.public.visitors import (
    bound_response,
    for_this_visitor_only,
    form_options,
    response_comments,
    saved_values,
    saves_what_is_sent,
)


@saves_what_is_sent
def section(request, slug, section_slug):
    access, sections = visit(request, slug)
    consultation = access.consultation
    position = next((i for i, s in enumerate(sections) if s.slug == section_slug), None)
    if position is None:
        raise Http404
    current = sections[position]
    # A preview stores nothing, so it has no response of its own.
    response = None if access.previewing else bound_response(request, consultation)
    form_key = SavedForm.key_for(current)
    form_kwargs = form_options(request, response)
    sent, checked_in_preview, typed = None, False, {}
    if is_someone_else(request):
        typed = start_again(request, CommentForm(request.POST, **form_kwargs))
        response, form_kwargs = None, form_options(request, None)
    elif request.method == "POST":
        sent, page, checked_in_preview = handle_sent_form(
            request,
            access,
            response,
            lambda data, **kwargs: CommentForm(data, **form_kwargs, **kwargs),
            form_key=form_key,
            targets=lambda form: [(current, form.cleaned_data["comment"])],
            kind="comment",
            section=current,
        )
        if page is not None:
            return page
    # A new visitor: no form sent, no details remembered, no response of theirs, nothing agreed to
    # yet: the blank form, the same for everyone, which is rendered once and kept (its cache key
    # says nothing about the visitor, so nothing about the visitor may change it).
    new_visitor = (
        sent is None
        and not typed
        and response is None
        and not access.previewing
        and not form_kwargs["remembered"]
        and not form_kwargs["privacy_agreed"]
    )
    page_number = comments_page_number(request)

    def section_page():
        return render(
            request,
            "guidance/section.html",
            {
                "consultation": consultation,
                "access": access,
                "section": current,
                "previous": sections[position - 1] if position > 0 else None,
                "next": sections[position + 1] if position + 1 < len(sections) else None,
                "form": sent
                if sent is not None
                else CommentForm(initial={**saved_values(response, form_key), **typed}, **form_kwargs),
                "started_again": bool(typed),
                # A blank form is the same HTML for every visitor, so the template renders it once.
                "blank_form": new_visitor,
                "comments_html": published_comments_html(access, current, page_number),
                "outcome_html": target_outcomes(consultation).get(("section", current.pk)),
                "what_changed_public": what_changed_public(consultation),
                "checked_in_preview": checked_in_preview,
                "already_sent": response.comments.filter(section=current).count() if response else 0,
            },
        )

    if new_visitor:
        return page_for_new_visitor(request, consultation, f"section-page:{current.pk}:{page_number}", section_page)
    return for_this_visitor_only(section_page())


@saves_what_is_sent
def questions(request, slug):
    access, _ = visit(request, slug)
    consultation = access.consultation
    question_list = list(consultation.questions.prefetch_related("options"))
    if not question_list:
        raise Http404
    response = None if access.previewing else bound_response(request, consultation)
    answered = answered_by(response)

    def asked(data=None):
        """The questions the form asks: those not answered yet, and an answered one a form sent has
        something for (a page from before, or Back): what it holds again is not stored twice."""
        held = {answer.question_id for answer in answered}
        return [
            question
            for question in question_list
            if question.pk not in held or (data and any(data.get(name) for name in question_field_names(question)))
        ]

    form_kwargs = form_options(request, response)
    form, checked_in_preview, typed = None, False, {}
    if is_someone_else(request):
        typed = start_again(request, QuestionsForm(request.POST, questions=question_list, **form_kwargs))
        response, answered = None, []
        form_kwargs = form_options(request, None)
    elif request.method == "POST":
        form, page, checked_in_preview = handle_sent_form(
            request,
            access,
            response,
            lambda data, **kwargs: QuestionsForm(data, questions=asked(data), **form_kwargs, **kwargs),
            form_key=SavedForm.QUESTIONS,
            targets=lambda form: form.answers(),
            kind="answers",
            questions=question_list,
        )
        if page is not None:
            return page
    if form is None:
        initial = {**saved_values(response, SavedForm.QUESTIONS), **typed}
        form = QuestionsForm(initial=initial, questions=asked(), **form_kwargs)
    page = render(
        request,
        "guidance/questions.html",
        {
            "consultation": consultation,
            "access": access,
            "questions": question_list,
            "form": form,
            "answered": answered,
            "checked_in_preview": checked_in_preview,
            "started_again": bool(typed),
        },
    )
    if form.is_bound or typed or response is not None or form_kwargs["remembered"] or access.previewing:
        return for_this_visitor_only(page)
    return page


def answered_by(response):
    """The response's answers to the questions (withdrawn ones aside), each put in words with what
    may be done with it (visitors.response_comments)."""
    if response is None:
        return []
    return [
        comment
        for comment in response_comments(response)
        if comment.question_id and comment.status != Comment.Status.WITHDRAWN
    ]


def confirmation(request, slug):
    access, _ = visit(request, slug)
    consultation = access.consultation
    sent = request.session.get("confirmation")
    if not sent or sent.get("consultation") != consultation.slug:
        return redirect(consultation)
    response = bound_response(request, consultation)
    if response is not None and response.reference != sent["reference"]:
        response = None
    comments = []
    if response is not None:
        # Everything sent so far under this reference, each with what has become of it.
        comments = response_comments(response)
    answered = any(comment.question_id for comment in comments) if response else sent["kind"] == "answers"
    context = {
        "consultation": consultation,
        "access": access,
        "sent": sent,
        "response": response,
        "comments": comments,
        "offer_questions": not answered and consultation.questions.exists(),
        "receipts_per_day": settings.RATE_LIMIT_RECEIPTS_PER_DAY,
        "prints_emails": prints_emails(),
    }
    return for_this_visitor_only(render(request, "guidance/confirmation.html", context))
