"""The optional page after a response is sent: "tell us about yourself", the consultation's equality
monitoring questions (guidance/equality/). Separate from the response, every question optional,
skipping it stores nothing. For the respondent alone, like their own response's pages."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect

from guidance.equality import questions
from guidance.equality.monitoring import record_answers
from guidance.public.about_you_forms import AboutYouForm
from guidance.public.own_response import changeable_response, private_page


def about_you(request, slug):
    consultation, response, page = changeable_response(request, slug)
    if page:
        return page
    asked = questions.asked(consultation)
    if not asked or response.submitted_at is None:
        # Nothing asked, or nothing sent yet: the questions follow a response, never stand alone.
        raise Http404
    form = AboutYouForm(request.POST if request.method == "POST" else None, asked=asked)
    if form.is_bound and form.is_valid():
        stored = record_answers(response, form.cleaned_data)
        if stored:
            messages.success(request, "Thank you for telling us about yourself.")
        else:
            messages.info(request, "You chose no answers, so we have kept nothing about you.")
        return redirect("guidance:your_response", slug=slug)
    context = {
        "consultation": consultation,
        "response": response,
        "form": form,
        "answered_before": hasattr(response, "equality_answers"),
    }
    return private_page(request, "guidance/about_you.html", context, status=400 if form.errors else 200)
