from django.views.debug import SafeExceptionReporterFilter


class MedicalSafeExceptionReporterFilter(SafeExceptionReporterFilter):
    """Error reports never carry request bodies or local variables.

    Any POST of the portals may hold medical text (a note, a journal entry), so
    the filter hides all of it instead of guessing which fields are sensitive.
    """

    def get_post_parameters(self, request):
        if request is None:
            return {}
        return {key: self.cleansed_substitute for key in request.POST}

    def get_traceback_frame_variables(self, request, tb_frame):
        return [(name, self.cleansed_substitute) for name in tb_frame.f_locals]
