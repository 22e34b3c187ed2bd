from django.shortcuts import get_object_or_404, render

from guidance.models import Consultation


def consultation_list(request):
    consultations = Consultation.objects.in_list_order()
    return render(request, "guidance/consultation_list.html", {"consultations": consultations})


def consultation_detail(request, slug):
    consultation = get_object_or_404(Consultation.objects.select_related("document"), slug=slug)
    sections = consultation.document.sections.all()
    return render(request, "guidance/consultation_detail.html", {"consultation": consultation, "sections": sections})
