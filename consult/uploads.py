"""Files in form posts: only the views named in settings.FILE_UPLOAD_VIEWS take one (the staff's
CSV import, the draft import and supporting documents, each with its own cap), and only from
staff, and no file larger than settings.FILE_UPLOAD_MAX_BYTES. Any other form post with a file
part is refused when the part's headers arrive, before a byte of it is kept in memory or written
to disk: this handler comes first in settings.FILE_UPLOAD_HANDLERS."""

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler
from django.http.multipartparser import MultiPartParserError


class FileRefused(MultiPartParserError):
    """A form that takes no file was sent one. Django answers it with the 400 page."""

    problem = "The form was sent with a file attached. Our forms do not take files: send it again without one."


def takes_files(request):
    match = getattr(request, "resolver_match", None)
    user = getattr(request, "user", None)
    return (
        match is not None
        and match.view_name in settings.FILE_UPLOAD_VIEWS
        and user is not None
        and user.is_authenticated
        and user.is_staff
    )


class FileTooLarge(MultiPartParserError):
    problem = "The file was too large for the portal to take. Make it smaller and send it again."


class RefuseFilesUnlessTaken(FileUploadHandler):
    def new_file(self, *args, **kwargs):
        if not takes_files(self.request):
            raise FileRefused("a file part was sent to a form that takes no files")
        super().new_file(*args, **kwargs)

    def receive_data_chunk(self, raw_data, start):
        # Past settings.FILE_UPLOAD_MAX_BYTES nothing more is kept: each form's own cap is smaller
        # and says so in words, this only stops a file far larger from filling the disk.
        if start + len(raw_data) > settings.FILE_UPLOAD_MAX_BYTES:
            raise FileTooLarge("a file larger than FILE_UPLOAD_MAX_BYTES")
        return raw_data  # passed on to the next handler, which keeps the file

    def file_complete(self, file_size):
        return None
